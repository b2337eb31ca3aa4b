"""Constant folding: compute at compile time every pure node whose inputs are all constants."""
import numpy as np

from ..ops.op import get_op
from .rewrite import Rewriter, const_value, is_const

__all__ = ["fold_constants"]

#: Results larger than this stay computed at run time (a huge constant would bloat the graph).
MAX_FOLDED_ELEMENTS = 1 << 20


def fold_constants(graph):
    """A graph where pure computations on constants are replaced by their values."""
    rw = Rewriter(graph)
    const_op = get_op("const")
    for node in graph.nodes:
        inputs = [rw.producer(v) for v in node.inputs]
        if not _foldable(node, inputs):
            rw.emit(node)
            continue
        result = node.op.impl(np, *[const_value(p) for p in inputs], **node.attrs)
        results = result if node.op.multiple_outputs else (result,)
        if any(np.size(r) > MAX_FOLDED_ELEMENTS for r in results):
            rw.emit(node)
            continue
        for value, array in zip(node.outputs, results):
            array = np.asarray(array, dtype=value.spec.dtype.numpy_dtype)
            rw.emit(_const_node(const_op, value, array))
    return rw.finish()


def _foldable(node, producers):
    if node.op.stateful or node.op.name == "const" or not node.inputs or node.subgraphs():
        return False
    return all(is_const(p) for p in producers)


def _const_node(const_op, value, array):
    from ..ir.graph import Node  # noqa: PLC0415
    return Node(const_op, [], {"value": array}, [value])
