"""Changing dtype and passing values through: cast, identity, stop_gradient.

`cast` follows TF: a Python value is first converted with TF's default dtypes
(so `cast(0.1, tg.float64)` is the float32 nearest to 0.1), floats cast to
ints truncate toward zero, complex to real drops the imaginary part, and the
gradient flows back only between floating/complex dtypes.
"""
import numpy as np

from . import comparison, unary_math
from .api_dispatch import add_dispatch_support
from .. import dtypes
from ..convert import convert_to_tensor
from ..core.dispatch import bind
from ..core.op import Op
from ..core.rules import spec_of

__all__ = ["cast", "identity", "stop_gradient", "saturate_cast"]


def _grad_cast(ctx, g):
    x = ctx.inputs[0]
    if not (x.dtype.is_differentiable and g.dtype.is_differentiable):
        return (None,)
    return (cast(g, x.dtype),)


def _cast_impl(xp, x, dtype):
    if x.dtype.kind == "c" and not dtype.is_complex:
        x = x.real  # what astype does, without NumPy's ComplexWarning
    return x.astype(dtype.numpy_dtype)


_cast = Op(
    "cast",
    infer=lambda x, dtype: spec_of(x.shape, dtype),
    impl=_cast_impl,
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


@add_dispatch_support
def cast(x, dtype, name=None):
    """`x` converted to `dtype` (floats truncate toward zero when cast to ints, as in TF)."""
    dtype = dtypes.as_dtype(dtype)
    x = convert_to_tensor(x)
    if x.dtype == dtype:
        return x
    if dtype == dtypes.string or x.dtype == dtypes.string:
        raise TypeError(f"cast: cannot cast between {x.dtype.name} and {dtype.name}; use tg.strings")
    return bind(_cast, [x], {"dtype": dtype})


def saturate_cast(value, dtype, name=None):
    """Cast with clipping to the target's range first, so out-of-range values saturate."""
    dtype = dtypes.as_dtype(dtype)
    value = convert_to_tensor(value)
    if value.dtype.is_complex and not dtype.is_complex:
        value = unary_math.real(value)
    if value.dtype.is_complex or value.dtype.is_bool or dtype.is_bool or dtype.is_complex:
        return cast(value, dtype)
    lo, hi = _saturation_bounds(value.dtype, dtype)
    if lo is not None:
        value = comparison.clip_by_value(value, lo, hi)
    return cast(value, dtype)


def _saturation_bounds(in_dtype, out_dtype):
    """The target's range as values of `in_dtype` that stay inside it; None if no clipping is needed."""
    if in_dtype.min >= out_dtype.min and in_dtype.max <= out_dtype.max:
        return None, None
    in_type = in_dtype.numpy_dtype.type
    lo = in_type(max(in_dtype.min, out_dtype.min))
    hi = in_type(min(in_dtype.max, out_dtype.max))
    if in_dtype.is_floating:
        # int32's max is not a float32: rounding goes up to 2**31, one past the range.
        if out_dtype.is_integer and int(hi) > out_dtype.max:
            hi = np.nextafter(hi, in_type(0))
        if out_dtype.is_integer and int(lo) < out_dtype.min:
            lo = np.nextafter(lo, in_type(0))
    return lo.item(), hi.item()


def identity(input, name=None):  # noqa: A002 - TF's argument name
    """The same value, as a new tensor (a node of its own in a graph)."""
    return bind(_identity, [convert_to_tensor(input)])


def stop_gradient(input, name=None):  # noqa: A002 - TF's argument name
    """The same value, but gradients do not flow through it."""
    return bind(_stop_gradient, [convert_to_tensor(input)])
