"""Sorting: sort, argsort, top_k, in_top_k, and moving values along an axis by index.

All sorts are stable: equal values keep their original order in both
directions, so `top_k` puts the lower index first among ties, as TF promises.
Gradients move the incoming gradient back to the positions the values came
from (`take_along_axis` and its adjoint `take_along_axis_grad`).
"""
import collections

import numpy as np

from . import array_ops, cast as cast_ops, comparison, reduction
from .. import dtypes
from ..convert import convert_to_tensor
from ..core.dispatch import bind
from ..core.op import Op
from ..core.rules import check_dtype, spec_of
from ..errors import InvalidArgumentError

__all__ = ["sort", "argsort", "top_k", "in_top_k"]

TopKV2 = collections.namedtuple("TopKV2", ["values", "indices"])


# ----- moving values along an axis -----------------------------------------------------------

def _index_along_axis(xp, indices, axis):
    """A NumPy index tuple picking, at each position of `indices`, the element it names on `axis`."""
    index = []
    for d, n in enumerate(indices.shape):
        if d == axis:
            index.append(indices)
        else:
            shape = [1] * indices.ndim
            shape[d] = n
            index.append(xp.arange(n).reshape(shape))
    return tuple(index)


def _scatter_along_axis(xp, g, indices, ref, axis):
    """Zeros shaped like `ref`, with `g` written where `indices` point (indices are distinct)."""
    out = xp.zeros(ref.shape, dtype=g.dtype)
    out[_index_along_axis(xp, indices, axis)] = g
    return out


_take_along_axis = Op(
    "take_along_axis",
    infer=lambda x, indices, axis: spec_of(indices.shape, x.dtype),
    impl=lambda xp, x, indices, axis: xp.take_along_axis(x, indices, axis=axis),
    grad=lambda ctx, g: (take_along_axis_grad(g, ctx.inputs[1], ctx.inputs[0], ctx.attrs["axis"]), None),
)

_take_along_axis_grad = Op(
    "take_along_axis_grad",
    infer=lambda g, indices, ref, axis: spec_of(ref.shape, g.dtype),
    impl=_scatter_along_axis,
    grad=lambda ctx, gg: (bind(_take_along_axis, [gg, ctx.inputs[1]], {"axis": ctx.attrs["axis"]}),
                          None, None),
)


def take_along_axis(x, indices, axis):
    """The elements of `x` at `indices` along `axis` (NumPy's take_along_axis)."""
    return bind(_take_along_axis, [x, indices], {"axis": axis})


def take_along_axis_grad(g, indices, ref, axis):
    """The adjoint of `take_along_axis`: `g` placed back at `indices` in zeros shaped like `ref`."""
    return bind(_take_along_axis_grad, [g, indices, ref], {"axis": axis})


# ----- sort and argsort ----------------------------------------------------------------------

def _stable_argsort(xp, x, axis, descending):
    if not descending:
        return xp.argsort(x, axis=axis, kind="stable")
    # Sorting the reversed array and reading the result backwards keeps ties in input order.
    order = xp.argsort(xp.flip(x, axis), axis=axis, kind="stable")
    return x.shape[axis] - 1 - xp.flip(order, axis)


def _sort_impl(xp, x, axis, descending):
    ascending = xp.sort(x, axis=axis)
    return xp.flip(ascending, axis) if descending else ascending


def _sort_infer(op_name, result_dtype=None):
    def infer(x, axis, descending):
        check_dtype(op_name, x, "real", arg="values")
        return spec_of(x.shape, result_dtype or x.dtype)
    return infer


def _grad_sort(ctx, g):
    x = ctx.inputs[0]
    order = bind(_argsort, [x], ctx.attrs)
    return (take_along_axis_grad(g, order, x, ctx.attrs["axis"]),)


_argsort = Op("argsort", infer=_sort_infer("argsort", dtypes.int32),
              impl=lambda xp, x, axis, descending: _stable_argsort(xp, x, axis, descending),
              grad=lambda ctx, g: (None,))
_sort = Op("sort", infer=_sort_infer("sort"), impl=_sort_impl, grad=_grad_sort)


def _sort_attrs(op_name, values, axis, direction):
    if direction not in ("ASCENDING", "DESCENDING"):
        raise ValueError(f"{op_name}: direction must be 'ASCENDING' or 'DESCENDING', got {direction!r}")
    return {"axis": reduction.single_axis(op_name, values, axis), "descending": direction == "DESCENDING"}


def sort(values, axis=-1, direction="ASCENDING", name=None):
    """`values` sorted along `axis` ('ASCENDING' or 'DESCENDING'); differentiable."""
    values = convert_to_tensor(values)
    return bind(_sort, [values], _sort_attrs("sort", values, axis, direction))


def argsort(values, axis=-1, direction="ASCENDING", stable=False, name=None):
    """The int32 indices that sort `values` along `axis`.

    The sort is always stable (equal values keep their order), whatever `stable` says.
    """
    values = convert_to_tensor(values)
    return bind(_argsort, [values], _sort_attrs("argsort", values, axis, direction))


# ----- top_k ---------------------------------------------------------------------------------

def _top_k_infer(x, k, index_type):
    check_dtype("top_k", x, "real", arg="input")
    if x.shape.rank is None:
        return spec_of(None, x.dtype), spec_of(None, index_type)
    if x.shape.rank == 0:
        raise ValueError("top_k: input must be at least 1-D, got a scalar")
    n = x.shape[-1]
    if n is not None and n < k:
        raise InvalidArgumentError(f"top_k: input must have at least k={k} columns; its last "
                                   f"dimension has {n} (shape {x.shape})")
    dims = x.shape.as_tuple()[:-1] + (k,)
    return spec_of(dims, x.dtype), spec_of(dims, index_type)


def _top_k_impl(xp, x, k, index_type):
    if x.shape[-1] < k:
        raise InvalidArgumentError(f"top_k: input must have at least k={k} columns, got shape {list(x.shape)}")
    indices = _stable_argsort(xp, x, -1, True)[..., :k]
    return xp.take_along_axis(x, indices, axis=-1), indices


def _grad_top_k(ctx, g_values, g_indices):
    x, indices = ctx.inputs[0], ctx.outputs[1]
    if g_values is None:
        return (None,)
    return (take_along_axis_grad(g_values, indices, x, x.shape.rank - 1 if x.shape.rank else -1),)


_top_k = Op("top_k", infer=_top_k_infer, impl=_top_k_impl, grad=_grad_top_k, multiple_outputs=True)


def _count(op_name, arg, k):
    if hasattr(k, "numpy"):
        k = k.numpy()
    if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"{op_name}: `{arg}` must be an integer, got {k!r}")
    if k < 0:
        raise InvalidArgumentError(f"{op_name}: `{arg}` must be non-negative, got {k}")
    return int(k)


def top_k(input, k=1, sorted=True, index_type=dtypes.int32, name=None):  # noqa: A002 - TF's names
    """The `k` largest entries along the last axis and their indices: `(values, indices)`.

    Returns a namedtuple with fields `values` and `indices` (of `index_type`,
    int32 by default). Entries come largest first; among equal values the lower
    index comes first. The result is always sorted, whatever `sorted` says.
    The gradient flows to the chosen entries.
    """
    x = convert_to_tensor(input)
    index_type = dtypes.as_dtype(index_type)
    if index_type not in (dtypes.int16, dtypes.int32, dtypes.int64):
        raise TypeError(f"top_k: index_type must be int16, int32 or int64, got {index_type.name}")
    attrs = {"k": _count("top_k", "k", k), "index_type": index_type}
    if x.shape.rank is None:
        raise ValueError("top_k: input needs a known rank")
    values, indices = bind(_top_k, [x], attrs)
    return TopKV2(values, indices)


def in_top_k(targets, predictions, k, name=None):
    """Whether each row's target class is among its `k` highest predictions (bool, shape [batch]).

    As in TF, ties count in the target's favour (only strictly larger
    predictions push it out), and a non-finite target prediction gives False.
    """
    predictions = convert_to_tensor(predictions)
    targets = convert_to_tensor(targets)
    k = _count("in_top_k", "k", k)
    if predictions.shape.rank != 2 or targets.shape.rank != 1:
        raise ValueError(f"in_top_k: predictions must be 2-D and targets 1-D, got shapes "
                         f"{predictions.shape} and {targets.shape}")
    check_dtype("in_top_k", targets.spec, "integer", arg="targets")
    check_dtype("in_top_k", predictions.spec, "float", arg="predictions")
    classes = predictions.shape[1]
    valid = comparison.greater_equal(targets, 0)
    if classes is not None:
        valid = comparison.logical_and(valid, comparison.less(targets, classes))
    safe_targets = comparison.where(valid, targets, 0)
    target_value = take_along_axis(predictions, array_ops.expand_dims(safe_targets, 1), 1)
    larger = cast_ops.cast(comparison.greater(predictions, target_value), dtypes.int32)
    rank = array_ops.squeeze(reduction.reduce_sum(larger, axis=1, keepdims=True), axis=[1])
    finite = array_ops.squeeze(comparison.is_finite(target_value), axis=[1])
    return comparison.logical_and(comparison.logical_and(comparison.less(rank, k), finite), valid)
