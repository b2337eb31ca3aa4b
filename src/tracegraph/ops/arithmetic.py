"""Elementwise arithmetic: + - * / // % pow, negation, abs, sign, max/min.

Each op: its primitive (shape rule via the elementwise factory, `xp`
implementation, gradient, scalar template) and its public TF-named function.
Gradients undo broadcasting with `unbroadcast`.
"""
from . import cast as cast_ops, comparison, creation, elementwise as ew, unary_math
from .broadcast import unbroadcast
from .. import dtypes

__all__ = ["add", "subtract", "multiply", "divide", "truediv", "floordiv", "floormod", "mod",
           "pow", "negative", "abs", "sign", "maximum", "minimum", "squared_difference",
           "add_n", "reciprocal", "divide_no_nan", "multiply_no_nan"]


def _grad_add(ctx, g):
    x, y = ctx.inputs
    return unbroadcast(g, x), unbroadcast(g, y)


def _grad_sub(ctx, g):
    x, y = ctx.inputs
    return unbroadcast(g, x), unbroadcast(negative(g), y)


def _grad_mul(ctx, g):
    x, y = ctx.inputs
    return unbroadcast(g * y, x), unbroadcast(g * x, y)


def _grad_div(ctx, g):
    x, y = ctx.inputs
    return unbroadcast(g / y, x), unbroadcast(negative(g) * x / (y * y), y)


def _grad_pow(ctx, g):
    x, y = ctx.inputs
    z = ctx.outputs[0]
    # d/dx x**y = y * x**(y-1); written so x == 0 with y >= 1 gives a finite value.
    dx = g * y * pow(x, y - creation.ones_like(y))
    positive = comparison.greater(x, creation.zeros_like(x))
    safe_x = comparison.where(positive, x, creation.ones_like(x))
    dy = g * comparison.where(positive, z * unary_math.log(safe_x), creation.zeros_like(z))
    return unbroadcast(dx, x), unbroadcast(dy, y)


def _grad_max_min(pick_first):
    def grad(ctx, g):
        x, y = ctx.inputs
        first = pick_first(x, y)
        zeros = creation.zeros_like(g)
        return unbroadcast(comparison.where(first, g, zeros), x), unbroadcast(comparison.where(first, zeros, g), y)
    return grad


def _x_ge_y(x, y):
    return comparison.greater_equal(x, y)


def _x_le_y(x, y):
    return comparison.less_equal(x, y)


_add = ew.binary("add", lambda xp, x, y: xp.add(x, y), "({0} + {1})", _grad_add, kinds="numeric")
_sub = ew.binary("subtract", lambda xp, x, y: xp.subtract(x, y), "({0} - {1})", _grad_sub)
_mul = ew.binary("multiply", lambda xp, x, y: xp.multiply(x, y), "({0} * {1})", _grad_mul)
_div = ew.binary("divide", lambda xp, x, y: xp.true_divide(x, y), "({0} / {1})", _grad_div,
                 kinds="inexact")
_floordiv = ew.binary("floordiv", lambda xp, x, y: xp.floor_divide(x, y), "floordiv({0}, {1})", kinds="real")
_floormod = ew.binary("floormod", lambda xp, x, y: xp.mod(x, y), "floormod({0}, {1})", kinds="real")
_pow = ew.binary("pow", lambda xp, x, y: xp.power(x, y), "pow({0}, {1})", _grad_pow)
_neg = ew.unary("negative", lambda xp, x: xp.negative(x), "(-{0})",
                lambda ctx, g: (negative(g),))
_max = ew.binary("maximum", lambda xp, x, y: xp.maximum(x, y), "max({0}, {1})",
                 _grad_max_min(_x_ge_y), kinds="real")
_min = ew.binary("minimum", lambda xp, x, y: xp.minimum(x, y), "min({0}, {1})",
                 _grad_max_min(_x_le_y), kinds="real")


def _grad_abs(ctx, g):
    return (g * sign(ctx.inputs[0]),)


_abs = ew.unary("abs", lambda xp, x: xp.abs(x), "abs({0})", _grad_abs, kinds="real")
_sign = ew.unary("sign", lambda xp, x: xp.sign(x), "sign({0})",
                 lambda ctx, g: (None,), kinds="real")


def add(x, y, name=None):
    """x + y elementwise, with broadcasting."""
    return ew.apply_binary(_add, x, y)


def subtract(x, y, name=None):
    """x - y elementwise, with broadcasting."""
    return ew.apply_binary(_sub, x, y)


def multiply(x, y, name=None):
    """x * y elementwise, with broadcasting."""
    return ew.apply_binary(_mul, x, y)


def truediv(x, y, name=None):
    """x / y; integers are first converted to floating point (int32 → float64), as in TF."""
    x, y = ew.operands_to_tensors(x, y)
    if not (x.dtype.is_floating or x.dtype.is_complex):
        target = dtypes.float64 if x.dtype.size >= 4 else dtypes.float32
        if x.dtype.is_bool:
            raise TypeError("truediv: boolean tensors cannot be divided")
        x, y = cast_ops.cast(x, target), cast_ops.cast(y, target)
    return ew.bind(_div, [x, y])


def divide(x, y, name=None):
    """x / y (TF's `tf.math.divide`: Python division semantics, so ints give floats)."""
    return truediv(x, y)


def floordiv(x, y, name=None):
    """Floor of x / y (Python's `//`)."""
    x, y = ew.operands_to_tensors(x, y)
    if x.dtype.is_floating:
        return unary_math.floor(ew.bind(_div, [x, y]))
    return ew.bind(_floordiv, [x, y])


def floormod(x, y, name=None):
    """x - floordiv(x, y) * y: the remainder with the sign of y (Python's `%`)."""
    return ew.apply_binary(_floormod, x, y)


mod = floormod


def pow(x, y, name=None):  # noqa: A001 - TF's public name
    """x ** y elementwise."""
    return ew.apply_binary(_pow, x, y)


def negative(x, name=None):
    """-x elementwise."""
    return ew.apply_unary(_neg, x)


def abs(x, name=None):  # noqa: A001 - TF's public name
    """|x| elementwise."""
    return ew.apply_unary(_abs, x)


def sign(x, name=None):
    """-1, 0 or 1 by the sign of x."""
    return ew.apply_unary(_sign, x)


def maximum(x, y, name=None):
    """The larger of x and y elementwise (the gradient goes to x on ties)."""
    return ew.apply_binary(_max, x, y)


def minimum(x, y, name=None):
    """The smaller of x and y elementwise (the gradient goes to x on ties)."""
    return ew.apply_binary(_min, x, y)


def squared_difference(x, y, name=None):
    """(x - y) ** 2 elementwise."""
    d = subtract(x, y)
    return d * d


def reciprocal(x, name=None):
    """1 / x elementwise."""
    x = ew.convert_to_tensor(x)
    return truediv(ew.convert_to_tensor(1, dtype=x.dtype), x)


def divide_no_nan(x, y, name=None):
    """x / y, but 0 where y == 0."""
    x, y = ew.operands_to_tensors(x, y)
    zero = comparison.equal(y, creation.zeros_like(y))
    safe = comparison.where(zero, creation.ones_like(y), y)
    q = truediv(x, safe)
    return comparison.where(zero, creation.zeros_like(q), q)


def multiply_no_nan(x, y, name=None):
    """x * y, but 0 where y == 0 even if x is inf or nan."""
    x, y = ew.operands_to_tensors(x, y)
    p = multiply(x, y)
    return comparison.where(comparison.equal(y, creation.zeros_like(y)), creation.zeros_like(p), p)


def add_n(inputs, name=None):
    """The elementwise sum of a list of tensors of one shape and dtype."""
    inputs = list(inputs)
    if not inputs:
        raise ValueError("add_n: `inputs` must be a non-empty list of tensors")
    total = ew.convert_to_tensor(inputs[0])
    for t in inputs[1:]:
        total = add(total, t)
    return total
