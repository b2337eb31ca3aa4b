"""Elementwise arithmetic: + - * / // % pow, negation, abs, sign, max/min, and friends.

Each op: its primitive (shape rule via the elementwise factory, `xp`
implementation, gradient, scalar template) and its public TF-named function.
Gradients undo broadcasting with `unbroadcast` and multiply by the complex
conjugate of the derivative, as TF does (`conj` is free for real tensors).

Division follows TF: `truediv` of integers converts them to floating point
first (int8/int16/uint8/uint16 to float32, wider ints to float64); `floordiv`
floors and `truncatediv` truncates toward zero; integer division by zero is an
InvalidArgumentError instead of NumPy's silent 0.
"""
import numpy as np

from . import api_dispatch, cast as cast_ops, comparison, creation, elementwise as ew, unary_math
from .broadcast import unbroadcast
from .. import dtypes
from ..convert import convert_to_tensor, operands_to_tensors
from ..core.dispatch import bind
from ..core.op import Op
from ..core.rules import broadcast_shapes, elementwise_spec, spec_of
from ..errors import InvalidArgumentError
from ..type_spec import CompositeTensor

__all__ = ["add", "subtract", "multiply", "divide", "truediv", "floordiv", "floormod", "mod",
           "truncatediv", "truncatemod", "pow", "negative", "abs", "sign", "maximum", "minimum",
           "squared_difference", "add_n", "scalar_mul", "reciprocal", "reciprocal_no_nan",
           "divide_no_nan", "multiply_no_nan", "xlogy", "xdivy", "atan2", "polyval"]


def _conj(t):
    return unary_math.conj(t)


# ----- gradients -----------------------------------------------------------------------------

def _grad_add(ctx, g):
    x, y = ctx.inputs
    return unbroadcast(g, x), unbroadcast(g, y)


def _grad_sub(ctx, g):
    x, y = ctx.inputs
    return unbroadcast(g, x), unbroadcast(negative(g), y)


def _grad_mul(ctx, g):
    x, y = ctx.inputs
    return unbroadcast(g * _conj(y), x), unbroadcast(g * _conj(x), y)


def _grad_div(ctx, g):
    x, y = ctx.inputs
    # (-x / y) / y rather than x / (y * y): y * y can overflow where the quotient does not.
    return unbroadcast(g / _conj(y), x), unbroadcast(g * _conj(negative(x) / y / y), y)


def _grad_pow(ctx, g):
    x, y = ctx.inputs
    z = ctx.outputs[0]
    dx = g * _conj(y * pow(x, y - 1))
    # d/dy x**y = x**y * log(x), taken as 0 where the logarithm does not exist (x <= 0).
    if x.dtype.is_complex:
        defined = comparison.not_equal(x, creation.zeros_like(x))
    else:
        defined = comparison.greater(x, creation.zeros_like(x))
    safe_x = comparison.where(defined, x, creation.ones_like(x))
    log_x = comparison.where(defined, unary_math.log(safe_x), creation.zeros_like(x))
    dy = g * _conj(z * log_x)
    return unbroadcast(dx, x), unbroadcast(dy, y)


def _grad_max_min(pick_first):
    def grad(ctx, g):
        x, y = ctx.inputs
        first = pick_first(x, y)
        zeros = creation.zeros_like(g)
        return (unbroadcast(comparison.where(first, g, zeros), x),
                unbroadcast(comparison.where(first, zeros, g), y))
    return grad


def _grad_floormod(ctx, g):
    # x mod y = x - floor(x / y) * y, and floor is piecewise constant.
    x, y = ctx.inputs
    return unbroadcast(g, x), unbroadcast(negative(g) * floordiv(x, y), y)


def _trunc(q):
    return comparison.where(comparison.less(q, 0), unary_math.ceil(q), unary_math.floor(q))


def _grad_truncatemod(ctx, g):
    x, y = ctx.inputs
    return unbroadcast(g, x), unbroadcast(negative(g) * _trunc(x / y), y)


def _grad_atan2(ctx, g):
    y, x = ctx.inputs
    g_over_r2 = g / (unary_math.square(x) + unary_math.square(y))
    return unbroadcast(x * g_over_r2, y), unbroadcast(negative(y) * g_over_r2, x)


def _grad_reciprocal(ctx, g):
    y = ctx.outputs[0]
    return (negative(g) * _conj(y * y),)


def _grad_divide_no_nan(ctx, g):
    x, y = ctx.inputs
    return (unbroadcast(divide_no_nan(g, y), x),
            unbroadcast(g * divide_no_nan(divide_no_nan(negative(x), y), y), y))


def _grad_multiply_no_nan(ctx, g):
    x, y = ctx.inputs
    return unbroadcast(multiply_no_nan(g, y), x), unbroadcast(multiply_no_nan(x, g), y)


def _x_ge_y(x, y):
    return comparison.greater_equal(x, y)


def _x_le_y(x, y):
    return comparison.less_equal(x, y)


# ----- implementations that need more than one NumPy call ------------------------------------

# Integer division follows TF's kernels (safe_div_or_mod_op in cwise_ops.h): a zero divisor is an
# error, and the one overflowing quotient, MIN // -1, is computed as -MIN // 1, which wraps to MIN in
# two's complement (NumPy's result: every backend gives it), with MIN % -1 == 0.
def _check_int_divisor(xp, y, op_name):
    if y.dtype.kind in "iu" and bool(xp.any(y == 0)):
        raise InvalidArgumentError(f"{op_name}: Integer division by zero")


def _floordiv_impl(xp, x, y):
    _check_int_divisor(xp, y, "floordiv")
    return xp.floor_divide(x, y)


def _floormod_impl(xp, x, y):
    _check_int_divisor(xp, y, "floormod")
    return xp.mod(x, y)


def _truncatediv_impl(xp, x, y):
    _check_int_divisor(xp, y, "truncatediv")
    # x - fmod(x, y) is an exact multiple of y, so floor division of it is exact.
    return xp.floor_divide(x - xp.fmod(x, y), y)


def _truncatemod_impl(xp, x, y):
    _check_int_divisor(xp, y, "truncatemod")
    return xp.fmod(x, y)


def _divide_no_nan_impl(xp, x, y):
    if xp is np and x.ndim == 0 and y.ndim == 0:
        # One division (a metric's total / count): NumPy scalars, not six array calls.
        result = x / y if y != 0 else x.dtype.type(0)
        return np.asarray(result, dtype=np.result_type(x, y))
    zero = y == 0
    return xp.where(zero, xp.zeros((), dtype=x.dtype), x / xp.where(zero, xp.ones((), dtype=y.dtype), y))


def _multiply_no_nan_impl(xp, x, y):
    zero = y == 0
    # Multiplying by 1 where y == 0 keeps inf * 0 (a NaN, and a warning) out of the computation.
    product = x * xp.where(zero, xp.ones((), dtype=y.dtype), y)
    return xp.where(zero, xp.zeros((), dtype=product.dtype), product)


def _add_infer(x, y):
    if x.dtype == dtypes.string and y.dtype == dtypes.string:
        return spec_of(broadcast_shapes("add", x.shape, y.shape), dtypes.string)
    return elementwise_spec("add", [x, y], kinds="numeric")


# ----- primitives ----------------------------------------------------------------------------

_add = Op("add", infer=_add_infer, grad=_grad_add, template="({0} + {1})", **ew.implementation("add"))
_sub = ew.binary("subtract", "subtract", "({0} - {1})", _grad_sub)
_mul = ew.binary("multiply", "multiply", "({0} * {1})", _grad_mul)
_div = ew.binary("divide", "true_divide", "({0} / {1})", _grad_div,
                 kinds="inexact")
_floordiv = ew.binary("floordiv", _floordiv_impl, "floordiv({0}, {1})", kinds="integer")
_floormod = ew.binary("floormod", _floormod_impl, "floormod({0}, {1})", _grad_floormod, kinds="real")
_truncatediv = ew.binary("truncatediv", _truncatediv_impl, "truncatediv({0}, {1})", kinds="integer")
_truncatemod = ew.binary("truncatemod", _truncatemod_impl, "truncatemod({0}, {1})", _grad_truncatemod,
                         kinds="real")
_pow = ew.binary("pow", "power", "pow({0}, {1})", _grad_pow)
_neg = ew.unary("negative", "negative", "(-{0})", lambda ctx, g: (negative(g),))
_max = ew.binary("maximum", "maximum", "max({0}, {1})",
                 _grad_max_min(_x_ge_y), kinds="real")
_min = ew.binary("minimum", "minimum", "min({0}, {1})",
                 _grad_max_min(_x_le_y), kinds="real")
_abs = ew.unary("abs", "abs", "abs({0})",
                lambda ctx, g: (g * sign(ctx.inputs[0]),), kinds="real")
_sign = ew.unary("sign", "sign", "sign({0})",
                 lambda ctx, g: (creation.zeros_like(ctx.inputs[0]),), kinds="numeric")
_reciprocal = ew.unary("reciprocal", "reciprocal", "(1 / {0})", _grad_reciprocal,
                       kinds="inexact")
_atan2 = ew.binary("atan2", "arctan2", "atan2({0}, {1})", _grad_atan2,
                   kinds="float")
_divide_no_nan = ew.binary("divide_no_nan", _divide_no_nan_impl, "where({1} == 0, 0, {0} / {1})",
                           _grad_divide_no_nan, kinds="inexact")
_multiply_no_nan = ew.binary("multiply_no_nan", _multiply_no_nan_impl, "where({1} == 0, 0, {0} * {1})",
                             _grad_multiply_no_nan, kinds="inexact")


# ----- public functions ----------------------------------------------------------------------

def add(x, y, name=None):
    """x + y elementwise, with broadcasting (string tensors are concatenated, as in TF)."""
    return ew.apply_binary(_add, x, y)


def subtract(x, y, name=None):
    """x - y elementwise, with broadcasting."""
    return ew.apply_binary(_sub, x, y)


def multiply(x, y, name=None):
    """x * y elementwise, with broadcasting."""
    return ew.apply_binary(_mul, x, y)


def _truediv_dtype(dtype):
    """The floating dtype TF's `truediv` computes in for operands of `dtype`."""
    if dtype.is_floating or dtype.is_complex:
        return dtype
    if dtype.is_integer:
        return dtypes.float64 if dtype.size >= 4 else dtypes.float32
    raise TypeError(f"truediv: cannot divide tensors of dtype {dtype.name}")


def truediv(x, y, name=None):
    """x / y; integers are first converted to floating point (int32 → float64), as in TF."""
    handled = ew.binary_on_composites(truediv, x, y)
    if handled is not ew.NOT_COMPOSITE:
        return handled
    x, y = operands_to_tensors(x, y)
    target = _truediv_dtype(x.dtype)
    if target != x.dtype:
        x, y = cast_ops.cast(x, target), cast_ops.cast(y, target)
    return bind(_div, [x, y])


def divide(x, y, name=None):
    """x / y (TF's `tf.math.divide`: Python division semantics, so ints give floats)."""
    return truediv(x, y)


def floordiv(x, y, name=None):
    """Floor of x / y (Python's `//`); floats compute floor(x / y), as TF does."""
    x, y = operands_to_tensors(x, y)
    if x.dtype.is_floating:
        return unary_math.floor(bind(_div, [x, y]))
    return bind(_floordiv, [x, y])


def floormod(x, y, name=None):
    """x - floordiv(x, y) * y: the remainder with the sign of y (Python's `%`)."""
    return ew.apply_binary(_floormod, x, y)


mod = floormod


def truncatediv(x, y, name=None):
    """Integer x / y rounded toward zero (C semantics: -7 / 5 = -1)."""
    return ew.apply_binary(_truncatediv, x, y)


def truncatemod(x, y, name=None):
    """The remainder of truncated division (C's fmod): it has the sign of x."""
    return ew.apply_binary(_truncatemod, x, y)


def pow(x, y, name=None):  # noqa: A001 - TF's public name
    """x ** y elementwise."""
    return ew.apply_binary(_pow, x, y)


def negative(x, name=None):
    """-x elementwise."""
    return ew.apply_unary(_neg, x)


def abs(x, name=None):  # noqa: A001 - TF's public name
    """|x| elementwise; for complex x the (real) magnitude. The gradient at 0 is 0."""
    if isinstance(x, CompositeTensor):  # a ragged or sparse tensor: its kind applies abs (see api_dispatch)
        handler = api_dispatch.elementwise_handler((x,))
        if handler is not None:
            return handler(abs, x)
    x = convert_to_tensor(x)
    if x.dtype.is_complex:
        return bind(unary_math.complex_abs_op, [x])
    return bind(_abs, [x])


def sign(x, name=None):
    """-1, 0 or 1 by the sign of x (x / |x| for complex x); its gradient is zero."""
    return ew.apply_unary(_sign, x)


def maximum(x, y, name=None):
    """The larger of x and y elementwise (the gradient goes to x on ties)."""
    return ew.apply_binary(_max, x, y)


def minimum(x, y, name=None):
    """The smaller of x and y elementwise (the gradient goes to x on ties)."""
    return ew.apply_binary(_min, x, y)


def squared_difference(x, y, name=None):
    """(x - y) * conj(x - y) elementwise."""
    d = subtract(x, y)
    return d * _conj(d)


def reciprocal(x, name=None):
    """1 / x elementwise (floating or complex x)."""
    return ew.apply_unary(_reciprocal, x)


def reciprocal_no_nan(x, name=None):
    """1 / x elementwise, but 0 where x == 0."""
    x = convert_to_tensor(x)
    return divide_no_nan(creation.ones_like(x), x)


def divide_no_nan(x, y, name=None):
    """x / y, but 0 where y == 0 (its gradients are 0 there too)."""
    return ew.apply_binary(_divide_no_nan, x, y)


def multiply_no_nan(x, y, name=None):
    """x * y, but 0 where y == 0 even if x is inf or NaN."""
    return ew.apply_binary(_multiply_no_nan, x, y)


def xlogy(x, y, name=None):
    """x * log(y), but 0 where x == 0 (even where y == 0)."""
    x, y = operands_to_tensors(x, y)
    x_is_zero = comparison.equal(x, creation.zeros_like(x))
    safe_y = comparison.where(x_is_zero, creation.ones_like(y), y)
    return x * unary_math.log(safe_y)


def xdivy(x, y, name=None):
    """x / y, but 0 where x == 0 (even where y == 0)."""
    x, y = operands_to_tensors(x, y)
    x_is_zero = comparison.equal(x, creation.zeros_like(x))
    safe_y = comparison.where(x_is_zero, creation.ones_like(y), y)
    quotient = truediv(x, safe_y)
    return comparison.where(x_is_zero, creation.zeros_like(quotient), quotient)


def atan2(y, x, name=None):
    """The angle of the point (x, y): arctan(y / x) in the right quadrant, in [-pi, pi]."""
    return ew.apply_binary(_atan2, y, x)


def add_n(inputs, name=None):
    """The elementwise sum of a list of tensors of one shape and dtype."""
    inputs = list(inputs) if isinstance(inputs, (list, tuple)) else None
    if not inputs:
        raise ValueError("add_n: `inputs` must be a non-empty list of tensors of one dtype and shape")
    tensors = operands_to_tensors(*inputs)
    first = tensors[0]
    for t in tensors[1:]:
        if not t.shape.is_compatible_with(first.shape):
            raise ValueError(f"add_n: all inputs must have the same shape, got {first.shape} and {t.shape}")
    total = first
    for t in tensors[1:]:
        total = add(total, t)
    return total


def scalar_mul(scalar, x, name=None):
    """Multiply the tensor `x` by a 0-D `scalar`, which takes x's dtype."""
    x = convert_to_tensor(x)
    scalar = convert_to_tensor(scalar, dtype=x.dtype) if hasattr(scalar, "dtype") else \
        convert_to_tensor(scalar, dtype_hint=x.dtype)
    if scalar.shape.rank != 0:
        raise ValueError(f"scalar_mul: the input scalar must be a 0-D value, got shape {scalar.shape}")
    return multiply(scalar, x)


def polyval(coeffs, x, name=None):
    """The polynomial coeffs[0] * x**(n-1) + ... + coeffs[n-1] at x (Horner's scheme)."""
    if not isinstance(coeffs, (list, tuple)):
        raise ValueError(f"polyval: `coeffs` must be a list of tensors, got {type(coeffs).__name__}")
    x = convert_to_tensor(x)
    if not coeffs:
        return creation.zeros_like(x)
    result = operands_to_tensors(coeffs[0], x)[0]
    for c in coeffs[1:]:
        result = add(c, multiply(result, x))
    return result
