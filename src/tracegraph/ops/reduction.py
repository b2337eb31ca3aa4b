"""Reductions over axes: sums, means, extrema, products, any/all, logsumexp, arg*, cumulative.

Axis arguments follow TF: an int, a list of ints, or None for all axes;
negative axes count from the end; `keepdims` keeps reduced axes as size 1.
"""
from . import array_ops
from .broadcast import broadcast_like
from .dispatch import bind
from .op import Op
from .rules import check_dtype, normalize_axis, reduced_shape, spec_of
from ..convert import convert_to_tensor

__all__ = ["reduce_sum", "reduce_mean"]


def _axis_attr(op_name, x, axis):
    """The axis argument as plain data: None, or a sorted tuple of non-negative ints."""
    if axis is None:
        return None
    if hasattr(axis, "numpy"):
        axis = axis.numpy().tolist()
    axes = axis if isinstance(axis, (list, tuple)) else [axis]
    normalized = normalize_axis(op_name, tuple(int(a) for a in axes), x.shape.rank)
    if x.shape.rank is None and any(a < 0 for a in normalized):
        raise ValueError(f"{op_name}: negative axes need a tensor of known rank")
    return tuple(sorted(set(normalized)))


def _reduce_infer(op_name, kinds):
    def infer(x, axis, keepdims):
        check_dtype(op_name, x, kinds, arg="input_tensor")
        return spec_of(reduced_shape(x.shape, axis, keepdims), x.dtype)
    return infer


def _grad_reduce_sum(ctx, g):
    x = ctx.inputs[0]
    axis, keepdims = ctx.attrs["axis"], ctx.attrs["keepdims"]
    if not keepdims:
        g = array_ops.expand_dims_for_reduction(g, x, axis)
    return (broadcast_like(g, x),)


_sum = Op("reduce_sum", infer=_reduce_infer("reduce_sum", "numeric"),
          impl=lambda xp, x, axis, keepdims: xp.sum(x, axis=axis, keepdims=keepdims, dtype=x.dtype),
          grad=_grad_reduce_sum)


def reduce_sum(input_tensor, axis=None, keepdims=False, name=None):
    """Sum of elements across `axis` (all axes when None)."""
    x = convert_to_tensor(input_tensor)
    return bind(_sum, [x], {"axis": _axis_attr("reduce_sum", x, axis), "keepdims": bool(keepdims)})


def reduce_mean(input_tensor, axis=None, keepdims=False, name=None):
    """Mean of elements across `axis`; integer tensors give the truncated integer mean, as in TF."""
    x = convert_to_tensor(input_tensor)
    total = reduce_sum(x, axis, keepdims)
    count = array_ops.count_reduced(x, _axis_attr("reduce_mean", x, axis))
    if x.dtype.is_integer:
        from .arithmetic import floordiv  # noqa: PLC0415 - arithmetic imports comparison → creation
        return floordiv(total, count)
    return total / count
