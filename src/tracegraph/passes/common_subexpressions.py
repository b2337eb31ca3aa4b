"""Common-subexpression elimination: one node for each distinct pure computation.

Two nodes are the same computation when they apply the same op, to the same
input values, with equal attrs. Stateful nodes are never merged (two random
draws differ; two reads of a variable may straddle a write).
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
    for node in graph.nodes:
        key = None if is_stateful(node) else _key(node, rw)
        if key is not None and key in seen:
            for old, new in zip(node.outputs, seen[key].outputs):
                rw.replace(old, new)
            continue
        emitted = rw.emit(node)
        if key is not None:
            seen[key] = emitted
    return rw.finish()


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
