"""Boolean masks: `boolean_mask`, its adjoint `boolean_mask_scatter`, and `nonzero_coordinates`.

Output sizes that depend on the data (how many values are true) are `None` in
the shape rules.
"""
from .. import dtypes
from ..convert import convert_to_tensor
from ..core.dispatch import bind
from ..core.op import Op
from ..core.rules import spec_of
from ..errors import InvalidArgumentError

__all__ = ["boolean_mask"]


def _mask_infer(x, mask, axis):
    if mask.dtype != dtypes.bool:
        raise TypeError(f"boolean_mask: `mask` must be a bool tensor, got {mask.dtype.name}")
    if x.shape.rank is None or mask.shape.rank is None:
        return spec_of(None, x.dtype)
    k = mask.shape.rank
    covered = x.shape[axis:axis + k]
    if k == 0 or axis + k > x.shape.rank or not covered.is_compatible_with(mask.shape):
        raise ValueError(f"boolean_mask: the mask's shape {mask.shape} must match dimensions "
                         f"{axis}..{axis + k - 1} of the tensor's shape {x.shape}")
    dims = x.shape.as_list()
    return spec_of(dims[:axis] + [None] + dims[axis + k:], x.dtype)


def _mask_index(mask, axis):
    return (slice(None),) * axis + (mask,)


def _mask_scatter_impl(xp, g, mask, x, axis):
    out = xp.zeros(x.shape, dtype=g.dtype)
    out[_mask_index(mask, axis)] = g
    return out


def _mask_impl(xp, x, mask, axis):
    try:
        return x[_mask_index(mask, axis)]
    except IndexError:
        raise InvalidArgumentError(f"boolean_mask: the mask's shape {tuple(mask.shape)} must match "
                                   f"dimensions {axis}..{axis + mask.ndim - 1} of the tensor's shape "
                                   f"{tuple(x.shape)}") from None


_boolean_mask = Op(
    "boolean_mask", infer=_mask_infer, impl=_mask_impl,
    grad=lambda ctx, g: (bind(_mask_scatter, [g, ctx.inputs[1], ctx.inputs[0]], dict(ctx.attrs)), None),
)

# The adjoint of boolean_mask: `g` written into zeros shaped like `x` where the mask is true.
_mask_scatter = Op(
    "boolean_mask_scatter",
    infer=lambda g, mask, x, axis: spec_of(x.shape, g.dtype),
    impl=_mask_scatter_impl,
    grad=lambda ctx, gg: (bind(_boolean_mask, [gg, ctx.inputs[1]], dict(ctx.attrs)), None, None),
)


def boolean_mask(tensor, mask, axis=None, name="boolean_mask"):
    """The elements (or slices) of `tensor` where the k-D bool `mask` is true (TF's `tf.boolean_mask`).

    `mask` covers dimensions `axis .. axis + k - 1` of `tensor`; those collapse
    into one dimension whose size is the number of true values.
    """
    x = convert_to_tensor(tensor)
    mask = convert_to_tensor(mask)
    if mask.shape.rank == 0:
        raise ValueError("boolean_mask: `mask` cannot be a scalar")
    axis = 0 if axis is None else int(axis)
    if axis < 0:
        if x.shape.rank is None:
            raise ValueError("boolean_mask: a negative axis needs a tensor of known rank")
        axis += x.shape.rank
    return bind(_boolean_mask, [x, mask], {"axis": axis})


def _nonzero_infer(condition):
    rank = condition.shape.rank
    return spec_of([None, rank], dtypes.int64)


_nonzero = Op("nonzero_coordinates", infer=_nonzero_infer,
              impl=lambda xp, c: xp.argwhere(c),
              grad=lambda ctx, g: (None,))


def nonzero_coordinates(condition):
    """The int64 coordinates of the true (non-zero) elements of `condition`, shape [n, rank].

    Rows are in row-major order; this is `tg.where(condition)` with one argument.
    """
    return bind(_nonzero, [convert_to_tensor(condition)])
