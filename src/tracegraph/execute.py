"""Turning a graph into a flat execution plan: generated Python that calls op implementations.

`build_plan` writes one straight-line Python function per graph: each node is
one call of a pre-bound implementation, intermediates live in local variables
and are deleted after their last use. A call does no graph walking and builds
no dictionaries. Backends reuse it and substitute kernels for some nodes.
"""
import functools

import numpy as np

from .ir.interpreter import resolve_attrs

__all__ = ["build_plan"]


def build_plan(graph, xp, compile_subgraph, kernel_for=None):
    """A callable `plan(input_arrays) -> output_arrays` for `graph`.

    `compile_subgraph(graph)` compiles the branches/bodies of control flow;
    `kernel_for(node)` may return a callable `(xp, *arrays)` replacing the
    node's implementation (a fused kernel, say), or None.
    """
    names = {}
    namespace = {"xp": xp, "_fix": _fix_dtype}
    kernels = []
    lines = [f"def plan(inputs):"]
    for i, value in enumerate(graph.inputs):
        names[id(value)] = f"v{len(names)}"
    if graph.inputs:
        lines.append(f"    {', '.join(names[id(v)] for v in graph.inputs)}, = inputs")
    last_use = _last_uses(graph)
    outputs = {id(v) for v in graph.outputs}
    for k, node in enumerate(graph.nodes):
        kernel = kernel_for(node) if kernel_for is not None else None
        if kernel is None:
            kernel = _bound_impl(node, graph, compile_subgraph)
        else:
            kernels.append(kernel)
        namespace[f"k{k}"] = kernel
        args = ", ".join(["xp"] + [names[id(v)] for v in node.inputs])
        for value in node.outputs:
            names[id(value)] = f"v{len(names)}"
        targets = [names[id(v)] for v in node.outputs]
        call = f"k{k}({args})"
        if not node.op.multiple_outputs:
            lines.append(f"    {targets[0]} = {call}")
        elif targets:
            lines.append(f"    {', '.join(targets)}, = {call}")
        else:
            lines.append(f"    {call}")
        for value, target in zip(node.outputs, targets):
            dtype = value.spec.dtype.numpy_dtype
            namespace[f"d_{target}"] = dtype
            lines.append(f"    if {target}.dtype != d_{target}: {target} = _fix({target}, d_{target})")
        dead = [names[id(v)] for v in node.inputs if last_use.get(id(v)) == k and id(v) not in outputs]
        dead += [names[id(v)] for v in node.outputs if id(v) not in last_use and id(v) not in outputs]
        if dead:
            lines.append(f"    del {', '.join(sorted(set(dead)))}")
    lines.append(f"    return [{', '.join(names[id(v)] for v in graph.outputs)}]")
    source = "\n".join(lines)
    exec(compile(source, f"<plan {graph.name}>", "exec"), namespace)  # noqa: S102 - our own generated code
    plan = namespace["plan"]
    plan.source = source
    plan.kernels = kernels  # backend kernels (e.g. fused ones), to inspect their generated code
    return plan


def _last_uses(graph):
    last = {}
    for k, node in enumerate(graph.nodes):
        for v in node.inputs:
            last[id(v)] = k
    return last


def _bound_impl(node, graph, compile_subgraph):
    attrs = resolve_attrs(node, graph, compile_subgraph)
    impl = node.op.impl
    return functools.partial(impl, **attrs) if attrs else impl


def _fix_dtype(array, dtype):
    if isinstance(array, (int, float, bool, complex)):
        return np.asarray(array, dtype=dtype)
    return array.astype(dtype)
