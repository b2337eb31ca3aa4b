"""Comparisons, logical ops, `where` and clipping.

Comparisons give bool tensors and have no gradient; `where` routes the gradient
to the branch each element came from. `equal`/`not_equal` also compare string
tensors, as in TF.
"""
import numpy as np

from . import arithmetic, creation, elementwise as ew, masking, reduction, unary_math
from .api_dispatch import add_dispatch_support
from .broadcast import unbroadcast
from .. import dtypes
from ..convert import convert_to_tensor, operands_to_tensors
from ..core.dispatch import bind
from ..core.op import Op
from ..core.rules import broadcast_shapes, check_dtype, same_dtype, spec_of

__all__ = ["equal", "not_equal", "less", "less_equal", "greater", "greater_equal",
           "logical_and", "logical_or", "logical_not", "logical_xor", "where", "clip_by_value",
           "clip_by_norm", "is_nan", "is_inf", "is_finite"]


def _comparison(name, np_name, symbol, kinds="any"):
    return ew.binary(name, np_name, f"({{0}} {symbol} {{1}})", None, kinds=kinds, result_dtype=dtypes.bool)


def _logical(name, np_name, template):
    return ew.binary(name, np_name, template, None, kinds="bool")


def _equality(name, np_name, symbol):
    """`==`/`!=`: every dtype, strings included."""
    def infer(x, y):
        same_dtype(name, x, y)
        return spec_of(broadcast_shapes(name, x.shape, y.shape), dtypes.bool)
    impl = lambda xp, x, y: getattr(xp, np_name)(x, y)  # noqa: E731
    return Op(name, infer=infer, impl=impl, template=f"({{0}} {symbol} {{1}})")


def _equality_operands(x, y):
    """Operands for `equal`: a Python string compared with a string tensor becomes a string tensor."""
    if _is_string_tensor(x) or _is_string_tensor(y):
        return convert_to_tensor(x), convert_to_tensor(y)
    return operands_to_tensors(x, y)


def _is_string_tensor(value):
    return getattr(value, "dtype", None) == dtypes.string


_equal = _equality("equal", "equal", "==")
_not_equal = _equality("not_equal", "not_equal", "!=")
_less = _comparison("less", "less", "<", kinds="real")
_less_equal = _comparison("less_equal", "less_equal", "<=", kinds="real")
_greater = _comparison("greater", "greater", ">", kinds="real")
_greater_equal = _comparison("greater_equal", "greater_equal", ">=", kinds="real")
_logical_and = _logical("logical_and", "logical_and", "logical_and({0}, {1})")
_logical_or = _logical("logical_or", "logical_or", "logical_or({0}, {1})")
_logical_xor = _logical("logical_xor", "logical_xor", "logical_xor({0}, {1})")
_logical_not = ew.unary("logical_not", "logical_not", "logical_not({0})", kinds="bool")
_is_nan = ew.unary("is_nan", "isnan", "isnan({0})", kinds="float", result_dtype=dtypes.bool)
_is_inf = ew.unary("is_inf", "isinf", "isinf({0})", kinds="float", result_dtype=dtypes.bool)
_is_finite = ew.unary("is_finite", "isfinite", "isfinite({0})", kinds="float",
                      result_dtype=dtypes.bool)


def equal(x, y, name=None):
    """x == y elementwise (bool); works for every dtype, strings included."""
    handled = ew.binary_on_composites(equal, x, y)
    return handled if handled is not ew.NOT_COMPOSITE else bind(_equal, list(_equality_operands(x, y)))


def not_equal(x, y, name=None):
    """x != y elementwise (bool); works for every dtype, strings included."""
    handled = ew.binary_on_composites(not_equal, x, y)
    return handled if handled is not ew.NOT_COMPOSITE else bind(_not_equal, list(_equality_operands(x, y)))


def less(x, y, name=None):
    """x < y elementwise (bool)."""
    return ew.apply_binary(_less, x, y)


def less_equal(x, y, name=None):
    """x <= y elementwise (bool)."""
    return ew.apply_binary(_less_equal, x, y)


def greater(x, y, name=None):
    """x > y elementwise (bool)."""
    return ew.apply_binary(_greater, x, y)


def greater_equal(x, y, name=None):
    """x >= y elementwise (bool)."""
    return ew.apply_binary(_greater_equal, x, y)


def logical_and(x, y, name=None):
    """Elementwise AND of two bool tensors."""
    return ew.apply_binary(_logical_and, x, y)


def logical_or(x, y, name=None):
    """Elementwise OR of two bool tensors."""
    return ew.apply_binary(_logical_or, x, y)


def logical_xor(x, y, name=None):
    """Elementwise XOR of two bool tensors."""
    return ew.apply_binary(_logical_xor, x, y)


def logical_not(x, name=None):
    """Elementwise NOT of a bool tensor."""
    return ew.apply_unary(_logical_not, x)


def is_nan(x, name=None):
    """True where x is NaN."""
    return ew.apply_unary(_is_nan, x)


def is_inf(x, name=None):
    """True where x is +-inf."""
    return ew.apply_unary(_is_inf, x)


def is_finite(x, name=None):
    """True where x is neither inf nor NaN."""
    return ew.apply_unary(_is_finite, x)


def _where_infer(cond, x, y):
    if cond.dtype != dtypes.bool:
        raise TypeError(f"where: `condition` must be a bool tensor, got {cond.dtype.name}")
    dtype = same_dtype("where", x, y)
    return spec_of(broadcast_shapes("where", cond.shape, x.shape, y.shape), dtype)


def _where_grad(ctx, g):
    cond, x, y = ctx.inputs
    zeros = creation.zeros_like(g)
    return None, unbroadcast(where(cond, g, zeros), x), unbroadcast(where(cond, zeros, g), y)


#: From this many elements on, NumPy arrays are selected by bit operations: np.where branches on
#: each element, which costs ~4 ns per element of an unpredictable mask (3.8 ms at 1e6 float32),
#: against ~0.7 ns for the three bitwise passes (measured on this project's 2-core VM).
BITWISE_SELECT_MIN_SIZE = 1 << 14


def _where_impl(xp, condition, x, y, out=None):
    """np.where, or bit operations on large NumPy arrays; into `out` if given (the `into` facet)."""
    # (.size, not np.size: this runs on every where, and arrays and NumPy scalars both have it)
    if xp is np and (out is not None or max(condition.size, x.size, y.size) >= BITWISE_SELECT_MIN_SIZE):
        x, y = np.asarray(x), np.asarray(y)     # a literal branch may be a NumPy scalar
        if _selectable_by_bits(x, y):
            return _select_by_bits(condition, x, y, out)
    if out is None:
        return xp.where(condition, x, y)
    xp.copyto(out, xp.where(condition, x, y))
    return out


def _selectable_by_bits(x, y):
    return x.dtype == y.dtype and x.dtype.kind in "fiu" and x.dtype.itemsize in (2, 4, 8)


def _select_by_bits(condition, x, y, out=None):
    """where(condition, x, y) for NumPy arrays of one numeric dtype, as y ^ ((x ^ y) & -condition)
    on the values' bit patterns (into `out` if given): exact for every value (NaN payloads and
    signed zeros too)."""
    bits = np.dtype(f"i{x.dtype.itemsize}")
    xb, yb = x.view(bits), y.view(bits)
    mask = np.subtract(0, condition, dtype=bits)           # all ones where condition holds
    picked = np.bitwise_xor(xb, yb, out=None if out is None else out.view(bits))
    in_place = picked.shape == np.broadcast_shapes(picked.shape, mask.shape)
    picked = np.bitwise_and(picked, mask, out=picked if in_place else None)
    return np.bitwise_xor(picked, yb, out=picked).view(x.dtype)


_where = Op("where", infer=_where_infer, impl=_where_impl, grad=_where_grad, template="where({0}, {1}, {2})",
            into=_where_impl)


@add_dispatch_support
def where(condition, x=None, y=None, name=None):
    """Pick from `x` where `condition` is true, else from `y` (broadcasting all three).

    With only `condition`, return the int64 coordinates of its true elements,
    one row per element (TF's `tf.where(condition)`).
    """
    condition = convert_to_tensor(condition)
    if x is None and y is None:
        return masking.nonzero_coordinates(condition)
    if x is None or y is None:
        raise ValueError("where: `x` and `y` must both be given, or neither")
    x, y = operands_to_tensors(x, y)
    return bind(_where, [condition, x, y])


def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    """Clip `t` elementwise to [clip_value_min, clip_value_max] (the gradient is 0 outside).

    The bounds may be scalars or tensors that broadcast to `t`'s shape; they
    must not make the result larger than `t` (ValueError, as in TF).
    """
    t, lo, hi = operands_to_tensors(t, clip_value_min, clip_value_max)
    check_dtype("clip_by_value", t.spec, "real", arg="t")
    # TF's order: minimum first, so lo wins where lo > hi; ties send the gradient to t.
    clipped = arithmetic.maximum(arithmetic.minimum(t, hi), lo)
    if not t.shape.is_compatible_with(clipped.shape):
        raise ValueError(f"clip_by_value: the clip values must broadcast to the shape of `t` "
                         f"{t.shape}, but clipping gives shape {clipped.shape}")
    return clipped


def clip_by_norm(t, clip_norm, axes=None, name=None):
    """Rescale `t` so its L2 norm over `axes` (all axes if None) is at most `clip_norm`.

    t * clip_norm / max(norm(t), clip_norm), computed as TF does so that an
    all-zero `t` has a finite (zero) gradient.
    """
    t = convert_to_tensor(t)
    check_dtype("clip_by_norm", t.spec, "float", arg="t")
    clip_norm = convert_to_tensor(clip_norm, dtype_hint=t.dtype) if not hasattr(clip_norm, "dtype") \
        else convert_to_tensor(clip_norm)
    if clip_norm.dtype != t.dtype:
        raise TypeError(f"clip_by_norm: `clip_norm` must have the dtype of `t` ({t.dtype.name}), "
                        f"got {clip_norm.dtype.name}")
    l2sum = reduction.reduce_sum(t * t, axes, keepdims=True)
    positive = greater(l2sum, 0)
    # The double where keeps sqrt'(0) = inf out of the gradient of an all-zero t.
    l2sum_safe = where(positive, l2sum, creation.ones_like(l2sum))
    l2norm = where(positive, unary_math.sqrt(l2sum_safe), l2sum)
    scaled = t * clip_norm
    if not t.shape.is_compatible_with(scaled.shape):
        raise ValueError(f"clip_by_norm: `clip_norm` must broadcast to the shape of `t` {t.shape}, "
                         f"got shape {clip_norm.shape}")
    return scaled / arithmetic.maximum(l2norm, clip_norm)
