"""Common-subexpression elimination: one node for each distinct pure computation.

Two nodes are the same computation when they apply the same op, to the same
input values, with equal attrs. Stateful nodes are never merged (two random
draws differ), with one exception: two reads of a variable with no write to it
in between read the same value (assignments install new arrays, they never
change one in place), so the second read is the first.
"""
import numpy as np

from ..ir.graph import Graph, is_stateful
from .rewrite import Rewriter

__all__ = ["eliminate_common_subexpressions"]

#: Constants larger than this are not compared by content (hashing them would cost more than it saves).
MAX_CONSTANT_BYTES = 1 << 16


def eliminate_common_subexpressions(graph):
    """A graph where repeated pure computations are computed once."""
    rw = Rewriter(graph)
    seen = {}
    reads = _VariableReads()
    for node in graph.nodes:
        earlier_read = reads.same_value_as(node)
        if earlier_read is not None:
            rw.replace(node.outputs[0], earlier_read.outputs[0])
            continue
        key = None if is_stateful(node) else _key(node, rw)
        if key is not None and key in seen:
            for old, new in zip(node.outputs, seen[key].outputs):
                rw.replace(old, new)
            continue
        emitted = rw.emit(node)
        if key is not None:
            seen[key] = emitted
    return rw.finish()


class _VariableReads:
    """The latest read of each variable that no write has made stale, in program order."""

    def __init__(self):
        self.latest = {}

    def same_value_as(self, node):
        """The earlier read node that `node` (a read) may reuse, or None; tracks writes."""
        name = node.op.name
        if name == "read_variable":
            earlier = self.latest.get(node.attrs["variable"])
            if earlier is None:
                self.latest[node.attrs["variable"]] = node
            return earlier
        if name == "assign_variable":
            self.latest.pop(node.attrs["variable"], None)
        elif node.subgraphs() and is_stateful(node):
            self.latest.clear()  # control flow that may write: forget everything
        return None


def _key(node, rw):
    try:
        attrs = _attr_key(node.attrs)
    except _Unhashable:
        return None
    return (node.op, tuple(id(rw.value(v)) for v in node.inputs), attrs)


class _Unhashable(Exception):
    pass


def _attr_key(value):
    """A hashable stand-in for an attr value; equal values give equal keys."""
    if isinstance(value, np.ndarray):
        if value.nbytes > MAX_CONSTANT_BYTES or value.dtype == object:
            raise _Unhashable
        return ("array", value.dtype.str, value.shape, value.tobytes())
    if isinstance(value, Graph):
        return ("graph", id(value))
    if isinstance(value, dict):
        items = sorted(value.items(), key=lambda item: repr(item[0]))
        return ("dict", tuple((k, _attr_key(v)) for k, v in items))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(_attr_key(v) for v in value))
    if isinstance(value, float) and value != value:
        return ("nan",)  # NaN != NaN, but two NaN attrs mean the same computation
    try:
        hash(value)
    except TypeError:
        raise _Unhashable from None
    return (type(value).__name__, value)
