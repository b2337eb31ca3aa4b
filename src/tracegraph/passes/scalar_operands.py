"""Scalar operands: an elementwise op reads a uniform operand as one scalar.

Gradients are full of arrays that hold one value everywhere: `ones_like(loss)`
seeding the backward pass, `zeros_like(g)` in `where(mask, g, 0)`, a mean's
gradient broadcast back over its input. When such an operand feeds an
elementwise op, broadcasting the scalar itself gives the same result, so

    op(..., fill_like(ref, c), ...)          -> op(..., c, ...)
    op(..., broadcast_like(x, ref), ...)     -> op(..., x, ...)
    op(..., const [c, c, ..., c], ...)       -> op(..., c, ...)

whenever the op's output keeps its (static) shape. That saves filling and
reading the array, and the scalar becomes a literal of a fused kernel, so the
fill no longer stops a fusion group. Uniform means bit-identical: a constant
holding both 0.0 and -0.0 is left alone.
"""
import numpy as np

from .rewrite import Rewriter, const_value, is_const
from ..core.op import get_op
from ..ir.graph import Node
from ..spec import TensorSpec

__all__ = ["scalarize_operands"]


def scalarize_operands(graph):
    """A graph whose elementwise ops read uniform operands as scalars (see the module docstring)."""
    rw = Rewriter(graph)
    for node in graph.nodes:
        if node.op.elementwise and len(node.inputs) > 1 and _static_shape(node.outputs[0]) is not None:
            node = _with_scalar_operands(node, rw)
        rw.emit(node)
    return rw.finish()


def _with_scalar_operands(node, rw):
    """`node`, or a copy whose uniform operands are replaced by narrower values."""
    out_shape = _static_shape(node.outputs[0])
    inputs = [rw.value(v) for v in node.inputs]
    changed = False
    for i, v in enumerate(inputs):
        narrower = _narrower_operand(v, rw)
        if narrower is None:
            continue
        trial = inputs[:i] + [narrower] + inputs[i + 1:]
        if _broadcast_shape(trial) == out_shape:
            inputs, changed = trial, True
    return Node(node.op, inputs, node.attrs, node.outputs, node.defined_at) if changed else node


def _narrower_operand(value, rw):
    """A value of lower size that broadcasts to `value`, or None."""
    producer = rw.producer(value)
    if producer is None:
        return None
    name = producer.op.name
    if name == "broadcast_like":
        return rw.value(producer.inputs[0])
    if name == "fill_like":
        return _scalar_constant(producer.attrs["value"], value, rw)
    if is_const(producer):
        array = const_value(producer)
        if array.size > 1 and array.dtype != object and _uniform(array):
            return _scalar_constant(array.reshape(-1)[0], value, rw)
    return None


def _uniform(array):
    """True if all elements of `array` have the same bits as the first."""
    return np.full_like(array, array.reshape(-1)[0]).tobytes() == np.ascontiguousarray(array).tobytes()


def _scalar_constant(scalar, like, rw):
    """A new 0-d const node holding `scalar` in the dtype of `like`; returns its value."""
    dtype = like.spec.dtype
    value = rw.graph.new_value(TensorSpec((), dtype))
    rw.emit(Node(get_op("const"), [], {"value": np.asarray(scalar, dtype=dtype.numpy_dtype)}, [value]))
    return value


def _static_shape(value):
    shape = value.spec.shape
    return tuple(shape.as_tuple()) if shape.is_fully_defined() else None


def _broadcast_shape(values):
    """The static broadcast shape of `values`, or None if a shape is unknown."""
    shapes = [_static_shape(v) for v in values]
    if any(s is None for s in shapes):
        return None
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        return None
