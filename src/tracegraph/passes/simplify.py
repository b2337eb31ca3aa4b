"""Algebraic simplification: identities that remove work without changing any result.

    x * 1, 1 * x, x / 1          -> x
    x + 0, 0 + x, x - 0          -> x   (for floats only the exact forms: x + (-0.0), x - (+0.0))
    -(-x)                        -> x
    identity(x), stop_gradient(x) -> x  (the optimized graph only runs forward)
    transpose(transpose(x))      -> one transpose, or x when the permutations cancel
    transpose(x, identity perm)  -> x
    reshape(reshape(x))          -> one reshape
    reshape(x) to x's own shape  -> x
    matmul(a, b) over an inner dimension of 1 -> a * b  (an outer product: one product per element,
                                    for real dtypes exactly what the matrix product computes;
                                    elementwise, it can fuse with its neighbours)
    reduce_sum/max/min/prod/any/all(x) over axes of static size 1 -> reshape(x)  (each output
                                    element is the one input element: nothing is combined)

A rule applies only when the value that replaces a node's output has exactly
that output's spec, so broadcasting against a constant (`x * ones([3])` with
`x` of shape [1]) is never lost. Signed zeros are respected: `-0.0 + 0.0` is
`+0.0`, so `x + 0.0 -> x` would be wrong for floats. `x * 0 -> 0` is not a rule:
it is wrong for inf and NaN.
"""
import numpy as np

from .rewrite import Rewriter, const_value, is_const
from ..core.op import get_op
from ..ir.graph import Node

__all__ = ["simplify_algebra"]

_PASS_THROUGH = ("identity", "stop_gradient")


def simplify_algebra(graph):
    """A graph with the identities of the module docstring applied."""
    rw = Rewriter(graph)
    for node in graph.nodes:
        replacement = _simplify(node, rw)
        if replacement is None:
            rw.emit(node)
        elif isinstance(replacement, Node):
            rw.emit(replacement)
        else:
            rw.replace(node.outputs[0], replacement)
    return rw.finish()


def _simplify(node, rw):
    """A value replacing the node's output, a new node replacing the node, or None."""
    name = node.op.name
    inputs = [rw.value(v) for v in node.inputs]
    if name in ("add", "subtract", "multiply", "divide"):
        return _neutral_operand(name, inputs, node.outputs[0], rw)
    if name in _PASS_THROUGH:
        return _same_spec(inputs[0], node.outputs[0])
    if name == "negative":
        inner = rw.producer(inputs[0])
        if inner is not None and inner.op.name == "negative":
            return _same_spec(rw.value(inner.inputs[0]), node.outputs[0])
        return None
    if name == "transpose":
        return _merge_transposes(node, inputs, rw)
    if name == "reshape":
        return _merge_reshapes(node, inputs, rw)
    if name == "matmul":
        return _outer_product(node, inputs)
    if name in _SIZE_ONE_REDUCTIONS:
        return _reduction_of_single_elements(node, inputs)
    return None


_SIZE_ONE_REDUCTIONS = ("reduce_sum", "reduce_max", "reduce_min", "reduce_prod", "reduce_any", "reduce_all")


def _reduction_of_single_elements(node, inputs):
    """`reshape(x)` for a reduction whose reduced axes all have static size 1 (same dtype out)."""
    x, out = inputs[0], node.outputs[0]
    shape, axis = x.spec.shape, node.attrs["axis"]
    if shape.rank is None or not out.spec.shape.is_fully_defined() or x.spec.dtype != out.spec.dtype:
        return None
    axes = range(shape.rank) if axis is None else [a % shape.rank for a in axis]
    if any(shape[a] != 1 for a in axes):
        return None
    if out.spec.shape == shape:
        return x
    return Node(get_op("reshape"), [x], {"shape": list(out.spec.shape.as_list())}, node.outputs, node.defined_at)


def _outer_product(node, inputs):
    """`a * b` for a matmul whose inner dimension is statically 1, on real or integer dtypes (for
    complex ones, BLAS may round the product's parts differently)."""
    a, b = inputs
    if a.spec.dtype.numpy_dtype.kind not in "fiu" or a.spec.shape.rank is None or b.spec.shape.rank is None:
        return None
    if a.spec.shape[-1] != 1 or b.spec.shape[-2] != 1:
        return None
    return Node(get_op("multiply"), [a, b], {}, node.outputs, node.defined_at)


def _neutral_operand(name, inputs, out, rw):
    """x for `x op c` (or `c op x`) when the constant c leaves x unchanged."""
    x, y = inputs
    if _is_neutral(rw.producer(y), name, right=True):
        return _same_spec(x, out)
    if _is_neutral(rw.producer(x), name, right=False):
        return _same_spec(y, out)
    return None


def _is_neutral(producer, name, right):
    """Whether the constant made by `producer` is neutral for `name` on that side."""
    if not is_const(producer):
        return False
    value = const_value(producer)
    if value.size == 0 or value.dtype == object:
        return False
    exact_zero_sign = value.dtype.kind in "fc"
    if name == "multiply" or (name == "divide" and right):
        return bool(np.all(value == 1))
    if name == "add":
        # x + (-0.0) is x for every x; x + (+0.0) turns -0.0 into +0.0.
        return bool(np.all(value == 0)) and (not exact_zero_sign or _all_negative_zeros(value))
    if name == "subtract" and right:
        # x - (+0.0) is x for every x; x - (-0.0) turns -0.0 into +0.0.
        return bool(np.all(value == 0)) and (not exact_zero_sign or not np.any(_signbits(value)))
    return False


def _signbits(value):
    if value.dtype.kind == "c":
        return np.signbit(value.real) | np.signbit(value.imag)
    return np.signbit(value)


def _all_negative_zeros(value):
    if value.dtype.kind == "c":
        return bool(np.all(np.signbit(value.real) & np.signbit(value.imag)))
    return bool(np.all(np.signbit(value)))


def _same_spec(value, out):
    """`value` if it can stand for `out` exactly (same dtype, same shape), else None."""
    spec, target = value.spec, out.spec
    if spec.dtype == target.dtype and spec.shape.rank is not None and spec.shape == target.shape:
        return value
    return None


def _merge_transposes(node, inputs, rw):
    perm = tuple(node.attrs["perm"])
    inner = rw.producer(inputs[0])
    if inner is None or inner.op.name != "transpose":
        return _same_spec(inputs[0], node.outputs[0]) if perm == tuple(range(len(perm))) else None
    combined = tuple(inner.attrs["perm"][p] for p in perm)
    source = rw.value(inner.inputs[0])
    if combined == tuple(range(len(combined))):
        return _same_spec(source, node.outputs[0])
    return Node(node.op, [source], {"perm": combined}, node.outputs, node.defined_at)


def _merge_reshapes(node, inputs, rw):
    out = node.outputs[0]
    if inputs[0].spec.shape == out.spec.shape and out.spec.shape.is_fully_defined():
        return inputs[0]
    inner = rw.producer(inputs[0])
    if inner is not None and inner.op.name == "reshape":
        return Node(node.op, [rw.value(inner.inputs[0])], node.attrs, node.outputs, node.defined_at)
    return None
