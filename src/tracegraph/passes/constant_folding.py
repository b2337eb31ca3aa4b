"""Constant folding: compute at compile time every pure node whose inputs are all constants.

An input that an op reads only for its shape (`broadcast_like(x, ref)`'s `ref`, `fill_like`'s
input) counts as constant when that shape is fully known: the gradient of a mean is then a
constant array instead of a broadcast computed at every call.
"""
import numpy as np

from .rewrite import Rewriter, const_value, is_const
from ..core.op import get_op
from ..ir.graph import Node, is_stateful

__all__ = ["fold_constants"]

#: Results larger than this stay computed at run time (a huge constant would bloat the graph).
MAX_FOLDED_ELEMENTS = 1 << 20
#: Ops and the positions of the inputs they read only for the shape.
SHAPE_ONLY_INPUTS = {"broadcast_like": (1,), "sum_to_like": (1,), "reshape_like": (1,), "tile_like": (1,),
                     "fill_like": (0,)}


def fold_constants(graph):
    """A graph where pure computations on constants are replaced by their values.

    A node whose computation fails (say, an integer division by zero) is left
    in place, so the error appears when the function runs, as it would eagerly.
    """
    rw = Rewriter(graph)
    const_op = get_op("const")
    for node in graph.nodes:
        inputs = [rw.producer(v) for v in node.inputs]
        results = _fold(node, inputs) if _foldable(node, inputs) else None
        if results is None:
            rw.emit(node)
            continue
        for value, array in zip(node.outputs, results):
            array = np.asarray(array, dtype=value.spec.dtype.numpy_dtype)
            rw.emit(Node(const_op, [], {"value": array}, [value]))
    return rw.finish()


def _foldable(node, producers):
    if not node.inputs or node.op.name == "const" or node.subgraphs() or is_stateful(node):
        return False
    shape_only = SHAPE_ONLY_INPUTS.get(node.op.name, ())
    return all(_known_shape(v) if i in shape_only else is_const(p)
               for i, (v, p) in enumerate(zip(node.inputs, producers)))


def _known_shape(value):
    return value.spec.shape.is_fully_defined() and value.spec.dtype.numpy_dtype != object


def _fold(node, producers):
    """The node's output arrays computed now, or None if that fails or they are too big."""
    shape_only = SHAPE_ONLY_INPUTS.get(node.op.name, ())
    # An input read only for its shape is stood for by zeros of that shape (a view of one zero).
    arguments = [np.broadcast_to(np.zeros((), v.spec.dtype.numpy_dtype), v.spec.shape.as_tuple())
                 if i in shape_only else const_value(p)
                 for i, (v, p) in enumerate(zip(node.inputs, producers))]
    try:
        with np.errstate(all="ignore"):
            result = node.op.impl(np, *arguments, **node.attrs)
    except Exception:  # noqa: BLE001 - whatever the op raises, it must raise at run time instead
        return None
    results = result if node.op.multiple_outputs else (result,)
    if any(np.size(r) > MAX_FOLDED_ELEMENTS for r in results):
        return None
    return results
