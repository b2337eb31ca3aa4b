"""Undoing broadcasting in gradients: `sum_to_like` and its adjoint `broadcast_like`.

A gradient arriving at a broadcast input has the broadcast (larger) shape and
must be summed back to the input's shape. With unknown dimensions that can only
be decided at run time, so both are primitives that take the reference tensor
as a second input.
"""
import functools
import math

import numpy as np

from ..core.dispatch import bind
from ..core.op import Op
from ..core.rules import spec_of

__all__ = ["unbroadcast", "broadcast_like"]


def _sum_to_shape(xp, g, shape):
    if g.shape == shape:
        return g
    axes, reshape, rows = _summation(g.shape, shape)
    if rows and xp is np and g.dtype.kind == "f" and g.dtype.itemsize in (4, 8):
        # NumPy's reduction over a leading axis adds one short row at a time (102 us for a
        # 4096 x 30 float32 bias gradient here, 1.8 ms for 100000 x 3); as a product with a vector
        # of ones, BLAS's blocked sums take 18 us and 52 us, and are no less accurate.
        return np.matmul(_ones(rows, g.dtype), g.reshape(rows, -1)).reshape(shape)
    summed = g.sum(axis=axes) if axes else g
    return summed.reshape(shape) if reshape else summed


#: Below this many elements NumPy's own sum is as fast (both take ~2.5 us).
_MATRIX_SUM_MIN_SIZE = 2048


@functools.lru_cache(maxsize=1024)
def _summation(g_shape, shape):
    """The axes of g to sum for `shape`, whether the sum still needs a reshape, and, when the summed
    axes lead and leave rows of two elements or more, how many rows g has as a matrix (else 0).
    Remembered: a gradient step sums the same shapes every call, and working them out costs as
    much as the sum."""
    lead = len(g_shape) - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, n in enumerate(shape) if n == 1 and g_shape[i + lead] != 1)
    kept = tuple(n for i, n in enumerate(g_shape) if i not in axes)
    as_matrix = (axes and axes == tuple(range(len(axes))) and math.prod(kept) >= 2
                 and math.prod(g_shape) >= _MATRIX_SUM_MIN_SIZE)
    return axes, kept != tuple(shape), math.prod(g_shape[:len(axes)]) if as_matrix else 0


@functools.lru_cache(maxsize=64)
def _ones(rows, dtype):
    ones = np.ones(rows, dtype=dtype)
    ones.setflags(write=False)
    return ones


_sum_to_like = Op(
    "sum_to_like",
    infer=lambda g, ref: spec_of(ref.shape, g.dtype),
    impl=lambda xp, g, ref: _sum_to_shape(xp, g, ref.shape),
    grad=lambda ctx, dy: (broadcast_like(dy, ctx.inputs[0]), None),
)

_broadcast_like = Op(
    "broadcast_like",
    infer=lambda x, ref: spec_of(ref.shape, x.dtype),
    impl=lambda xp, x, ref: xp.broadcast_to(x, ref.shape),
    grad=lambda ctx, dy: (unbroadcast(dy, ctx.inputs[0]), None),
)


def unbroadcast(g, x):
    """Sum the gradient `g` down to the shape of the input `x` it flows to."""
    if g is None:
        return None
    if g.shape == x.shape and g.shape.is_fully_defined():
        return g
    return bind(_sum_to_like, [g, x])


def broadcast_like(x, ref):
    """Broadcast `x` to the shape of `ref` (shapes decided at run time)."""
    if x.shape == ref.shape and x.shape.is_fully_defined():
        return x
    return bind(_broadcast_like, [x, ref])
