"""The reference interpreter: runs a graph node by node over the ops' `xp` implementations.

Slow and simple on purpose: it is the oracle that optimized graphs and compiled
backends are tested against.
"""
import numpy as np

from ..float_errors import call_ignoring_float_errors
from .graph import Graph

__all__ = ["interpret", "resolve_attrs"]


def resolve_attrs(node, graph, run_subgraph):
    """The keyword arguments for the node's implementation at run time.

    Variable indices become the Variable objects of `graph`, and sub-graphs
    become callables (built by `run_subgraph(subgraph)`) from input arrays to
    output arrays.
    """
    attrs = dict(node.attrs)
    if "variable" in attrs and node.op.stateful:
        attrs["variable"] = graph.variables[attrs["variable"]]
    for key, value in attrs.items():
        if isinstance(value, Graph):
            attrs[key] = run_subgraph(value)
    return attrs


def interpret(graph, arrays, xp=np):
    """Evaluate `graph` on input `arrays` (plus its captured outer values); returns the output arrays."""
    env = {}
    if len(arrays) != len(graph.inputs):
        raise ValueError(f"interpret: graph {graph.name!r} takes {len(graph.inputs)} inputs, got {len(arrays)}")
    for value, array in zip(graph.inputs, arrays):
        env[id(value)] = array
    for node in graph.nodes:
        attrs = resolve_attrs(node, graph, lambda g: (lambda args: interpret(g, args, xp)))
        # as compiled plans and eager ops: inf and nan, silently (log(0) is -inf)
        result = call_ignoring_float_errors(node.op.impl, xp, *[env[id(v)] for v in node.inputs], **attrs)
        results = (result if result is not None else ()) if node.op.multiple_outputs else (result,)
        for value, r in zip(node.outputs, results):
            env[id(value)] = _conform(r, value.spec)
    return [env[id(v)] for v in graph.outputs]


def _conform(array, spec):
    array = np.asarray(array) if isinstance(array, (np.generic, int, float, bool)) else array
    if array.dtype != spec.dtype.numpy_dtype:
        array = array.astype(spec.dtype.numpy_dtype)
    return array
