"""Changing dtype and passing values through: cast, identity, stop_gradient."""
from .dispatch import bind
from .op import Op
from .rules import spec_of
from .. import dtypes
from ..convert import convert_to_tensor

__all__ = ["cast", "identity", "stop_gradient", "saturate_cast"]


def _grad_cast(ctx, g):
    x = ctx.inputs[0]
    if not (x.dtype.is_differentiable and g.dtype.is_differentiable):
        return (None,)
    return (cast(g, x.dtype),)


_cast = Op(
    "cast",
    infer=lambda x, dtype: spec_of(x.shape, dtype),
    impl=lambda xp, x, dtype: x.astype(dtype.numpy_dtype),
    grad=_grad_cast,
    template="cast({0})",
)

_identity = Op(
    "identity",
    infer=lambda x: x,
    impl=lambda xp, x: x,
    grad=lambda ctx, g: (g,),
    template="{0}",
)

_stop_gradient = Op(
    "stop_gradient",
    infer=lambda x: x,
    impl=lambda xp, x: x,
    grad=lambda ctx, g: (None,),
    template="{0}",
)


def cast(x, dtype, name=None):
    """`x` converted to `dtype` (floats truncate toward zero when cast to ints, as in TF)."""
    dtype = dtypes.as_dtype(dtype)
    x = convert_to_tensor(x, dtype_hint=dtype) if not hasattr(x, "dtype") else convert_to_tensor(x)
    if x.dtype == dtype:
        return x
    if dtype == dtypes.string or x.dtype == dtypes.string:
        raise TypeError(f"cast: cannot cast between {x.dtype.name} and {dtype.name}; use tg.strings")
    return bind(_cast, [x], {"dtype": dtype})


def saturate_cast(value, dtype, name=None):
    """Cast with clipping to the target's range first."""
    from .comparison import clip_by_value  # noqa: PLC0415 - comparison imports cast
    dtype = dtypes.as_dtype(dtype)
    value = convert_to_tensor(value)
    if dtype.is_integer and not value.dtype.is_complex:
        lo, hi = max(dtype.min, value.dtype.min), min(dtype.max, value.dtype.max)
        value = clip_by_value(value, lo, hi)
    return cast(value, dtype)


def identity(input, name=None):  # noqa: A002 - TF's argument name
    """The same value, as a new tensor (a node of its own in a graph)."""
    return bind(_identity, [convert_to_tensor(input)])


def stop_gradient(input, name=None):  # noqa: A002 - TF's argument name
    """The same value, but gradients do not flow through it."""
    return bind(_stop_gradient, [convert_to_tensor(input)])
