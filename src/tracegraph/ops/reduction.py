"""Reductions over axes: sums, means, extrema, products, any/all, logsumexp, arg*, cumulative.

Axis arguments follow TF: an int, a list of ints, or None for all axes;
negative axes count from the end; `keepdims` keeps reduced axes as size 1.
Reducing an empty axis gives the reduction's identity, as TF does: sum 0,
product 1, max -inf (the lowest integer for ints), min +inf (the highest
integer), any False, all True, and mean NaN for floats (0 for integers).
"""
import numpy as np

from . import array_ops, cast as cast_ops, comparison, creation, unary_math
from .broadcast import broadcast_like
from .api_dispatch import add_dispatch_support
from .. import dtypes
from ..convert import convert_to_tensor
from ..core.dispatch import bind
from ..core.op import Op
from ..core.rules import check_dtype, reduced_shape, spec_of
from ..errors import InvalidArgumentError
from ..tensor import EagerTensor

__all__ = ["reduce_sum", "reduce_mean", "reduce_prod", "reduce_max", "reduce_min", "reduce_any",
           "reduce_all", "reduce_logsumexp", "reduce_variance", "reduce_std",
           "reduce_euclidean_norm", "count_nonzero", "argmax", "argmin", "cumsum", "cumprod"]


# ----- axis arguments ------------------------------------------------------------------------

def _axis_values(axis):
    """A user's axis argument (int, list, tuple or tensor) as a list of Python ints."""
    if hasattr(axis, "numpy") or isinstance(axis, np.ndarray):
        axis = np.asarray(axis).tolist()
    axes = axis if isinstance(axis, (list, tuple)) else [axis]
    for a in axes:
        if isinstance(a, (bool, np.bool_)) or not isinstance(a, (int, np.integer)):
            raise TypeError(f"axis must be an int or a list of ints, got {axis!r}")
    return [int(a) for a in axes]


def _check_axis(op_name, a, x):
    """`a` made non-negative; ValueError naming the axis and the rank when out of range."""
    rank = x.shape.rank
    if rank is None:
        if a < 0:
            raise ValueError(f"{op_name}: negative axis {a} needs a tensor of known rank")
        return a
    if not -rank <= a < rank:
        raise ValueError(f"{op_name}: axis {a} is out of range for a tensor of rank {rank} "
                         f"(shape {x.shape}); valid axes are [{-rank}, {rank})")
    return a % rank


def reduction_axes(op_name, x, axis):
    """The axis argument as an attr: None (all axes) or a sorted tuple of non-negative ints."""
    if axis is None:
        return None
    axes = [_check_axis(op_name, a, x) for a in _axis_values(axis)]
    if len(set(axes)) != len(axes):
        raise ValueError(f"{op_name}: axis {axis!r} names the same dimension twice "
                         f"(tensor shape {x.shape})")
    return tuple(sorted(axes))


def single_axis(op_name, x, axis):
    """One axis (int or scalar tensor) as a non-negative int; the tensor must have rank >= 1."""
    values = _axis_values(axis)
    if len(values) != 1 or isinstance(axis, (list, tuple)):
        raise TypeError(f"{op_name}: axis must be a single int, got {axis!r}")
    if x.shape.rank == 0:
        raise ValueError(f"{op_name}: axis {values[0]} is out of range for a tensor of rank 0; "
                         f"the input must have rank >= 1")
    return _check_axis(op_name, values[0], x)


def _reduced_axes(x, axis):
    """The reduced axes of array `x` as a tuple (all of them for None)."""
    return tuple(range(x.ndim)) if axis is None else axis


def _result_shape(x, axis, keepdims):
    axes = set(_reduced_axes(x, axis))
    if keepdims:
        return tuple(1 if i in axes else n for i, n in enumerate(x.shape))
    return tuple(n for i, n in enumerate(x.shape) if i not in axes)


def _restore_axes(g, x, axis, keepdims):
    """`g` with the reduced axes put back as size 1, so it broadcasts against `x`."""
    if keepdims or axis is None:
        return g  # a scalar (axis None) broadcasts against any shape
    return array_ops.expand_dims_for_reduction(g, x, axis)


# ----- primitives ----------------------------------------------------------------------------

def _reduce_infer(op_name, kinds):
    def infer(x, axis, keepdims):
        check_dtype(op_name, x, kinds, arg="input_tensor")
        return spec_of(reduced_shape(x.shape, axis, keepdims), x.dtype)
    return infer


def _sum_impl(xp, x, axis, keepdims):
    # float16 sums accumulate in float32, as TF's kernels do; the result is cast back.
    accumulator = np.float32 if x.dtype == np.float16 else x.dtype
    # the method: NumPy's function form adds ~1.5 us of dispatch per call on small arrays
    return x.sum(axis=axis, keepdims=keepdims, dtype=accumulator)


def _extremum_impl(reduce, identity_of):
    def impl(xp, x, axis, keepdims):
        if x.size == 0:
            return xp.full(_result_shape(x, axis, keepdims), identity_of(x.dtype), dtype=x.dtype)
        return reduce(xp)(x, axis=axis, keepdims=keepdims)
    return impl


def _lowest(dtype):
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def _highest(dtype):
    return np.inf if dtype.kind == "f" else np.iinfo(dtype).max


def _integer_mean_impl(xp, x, axis, keepdims):
    """Sum in the input dtype (wrapping as TF does), then divide truncating toward zero."""
    total = xp.sum(x, axis=axis, keepdims=keepdims, dtype=x.dtype)
    count = int(np.prod([x.shape[a] for a in _reduced_axes(x, axis)], dtype=np.int64))
    if count == 0:
        return xp.zeros(total.shape, dtype=x.dtype)
    wide = np.int64 if x.dtype.kind == "i" else np.uint64
    total = total.astype(wide)
    quotient = total // wide(count)
    quotient = quotient + ((total < 0) & (total % wide(count) != 0)).astype(wide)
    return quotient.astype(x.dtype)


def _grad_sum(ctx, g):
    x = ctx.inputs[0]
    return (broadcast_like(_restore_axes(g, x, ctx.attrs["axis"], ctx.attrs["keepdims"]), x),)


def _grad_prod(ctx, g):
    """d prod / d x_i is the product of the other elements, computed without dividing by zero.

    With z marking zeros and P' the product of the non-zero elements of a slice,
    the derivative is P'/x_i when the slice has no zero, P' at its only zero,
    and 0 otherwise: that is (P'/x') where the slice's zero count equals z_i.
    """
    x = ctx.inputs[0]
    axis = ctx.attrs["axis"]
    g = _restore_axes(g, x, axis, ctx.attrs["keepdims"])
    is_zero = comparison.equal(x, creation.zeros_like(x))
    safe = comparison.where(is_zero, creation.ones_like(x), x)
    nonzero_product = bind(_prod, [safe], {"axis": axis, "keepdims": True})
    zero_mark = cast_ops.cast(is_zero, x.dtype)
    zero_count = bind(_sum, [zero_mark], {"axis": axis, "keepdims": True})
    others = nonzero_product / safe
    return (g * comparison.where(comparison.equal(zero_count, zero_mark), others, creation.zeros_like(others)),)


def _grad_extremum(ctx, g):
    """The gradient goes to the elements equal to the result, split evenly among ties (as TF)."""
    x, y = ctx.inputs[0], ctx.outputs[0]
    axis, keepdims = ctx.attrs["axis"], ctx.attrs["keepdims"]
    y = _restore_axes(y, x, axis, keepdims)
    g = _restore_axes(g, x, axis, keepdims)
    chosen = cast_ops.cast(comparison.equal(x, y), g.dtype)
    ties = bind(_sum, [chosen], {"axis": axis, "keepdims": True})
    return (chosen / ties * g,)


_sum = Op("reduce_sum", infer=_reduce_infer("reduce_sum", "numeric"), impl=_sum_impl, grad=_grad_sum)
_prod = Op("reduce_prod", infer=_reduce_infer("reduce_prod", "numeric"),
           impl=lambda xp, x, axis, keepdims: xp.prod(x, axis=axis, keepdims=keepdims, dtype=x.dtype),
           grad=_grad_prod)
_max = Op("reduce_max", infer=_reduce_infer("reduce_max", "real"),
          impl=_extremum_impl(lambda xp: xp.max, _lowest), grad=_grad_extremum)
_min = Op("reduce_min", infer=_reduce_infer("reduce_min", "real"),
          impl=_extremum_impl(lambda xp: xp.min, _highest), grad=_grad_extremum)
_any = Op("reduce_any", infer=_reduce_infer("reduce_any", "bool"),
          impl=lambda xp, x, axis, keepdims: xp.any(x, axis=axis, keepdims=keepdims))
_all = Op("reduce_all", infer=_reduce_infer("reduce_all", "bool"),
          impl=lambda xp, x, axis, keepdims: xp.all(x, axis=axis, keepdims=keepdims))
_integer_mean = Op("reduce_mean_integer", infer=_reduce_infer("reduce_mean", "integer"),
                   impl=_integer_mean_impl)


def _reduce(op, name, input_tensor, axis, keepdims):
    x = convert_to_tensor(input_tensor)
    return bind(op, [x], {"axis": reduction_axes(name, x, axis), "keepdims": bool(keepdims)})


# ----- public reductions ---------------------------------------------------------------------

@add_dispatch_support
def reduce_sum(input_tensor, axis=None, keepdims=False, name=None):
    """Sum of elements across `axis` (all axes when None); integer sums keep the input dtype."""
    return _reduce(_sum, "reduce_sum", input_tensor, axis, keepdims)


@add_dispatch_support
def reduce_prod(input_tensor, axis=None, keepdims=False, name=None):
    """Product of elements across `axis`; the gradient is exact even where inputs are zero."""
    return _reduce(_prod, "reduce_prod", input_tensor, axis, keepdims)


@add_dispatch_support
def reduce_max(input_tensor, axis=None, keepdims=False, name=None):
    """Maximum across `axis`; the gradient is shared evenly among tied maxima, as in TF."""
    return _reduce(_max, "reduce_max", input_tensor, axis, keepdims)


@add_dispatch_support
def reduce_min(input_tensor, axis=None, keepdims=False, name=None):
    """Minimum across `axis`; the gradient is shared evenly among tied minima, as in TF."""
    return _reduce(_min, "reduce_min", input_tensor, axis, keepdims)


@add_dispatch_support
def reduce_any(input_tensor, axis=None, keepdims=False, name=None):
    """Logical OR across `axis` of a bool tensor (False over an empty axis)."""
    return _reduce(_any, "reduce_any", input_tensor, axis, keepdims)


@add_dispatch_support
def reduce_all(input_tensor, axis=None, keepdims=False, name=None):
    """Logical AND across `axis` of a bool tensor (True over an empty axis)."""
    return _reduce(_all, "reduce_all", input_tensor, axis, keepdims)


@add_dispatch_support
def reduce_mean(input_tensor, axis=None, keepdims=False, name=None):
    """Mean across `axis`.

    Integer tensors give an integer mean truncated toward zero (TF's integer
    division), e.g. the mean of [-3, -4] is -3. An empty reduction gives NaN
    for floats and 0 for integers.
    """
    x = convert_to_tensor(input_tensor)
    axes = reduction_axes("reduce_mean", x, axis)
    if x.dtype.is_integer:
        return bind(_integer_mean, [x], {"axis": axes, "keepdims": bool(keepdims)})
    check_dtype("reduce_mean", x.spec, "inexact", arg="input_tensor")
    total = bind(_sum, [x], {"axis": axes, "keepdims": bool(keepdims)})
    count = array_ops.count_reduced(x, axes)
    if not isinstance(count, EagerTensor):
        # A run-time count (unknown dims) depends on x only through its shape: no gradient.
        count = cast_ops.stop_gradient(count)
    return total / count


def reduce_logsumexp(input_tensor, axis=None, keepdims=False, name=None):
    """log(sum(exp(x))) across `axis`, computed stably by shifting by the maximum."""
    x = convert_to_tensor(input_tensor)
    check_dtype("reduce_logsumexp", x.spec, "float", arg="input_tensor")
    axes = reduction_axes("reduce_logsumexp", x, axis)
    raw_max = bind(_max, [x], {"axis": axes, "keepdims": True})
    # An infinite maximum (all -inf, or an inf) must not be subtracted: inf - inf is NaN.
    shift = cast_ops.stop_gradient(
        comparison.where(comparison.is_finite(raw_max), raw_max, creation.zeros_like(raw_max)))
    summed = bind(_sum, [unary_math.exp(x - shift)], {"axis": axes, "keepdims": bool(keepdims)})
    result = unary_math.log(summed)
    if not keepdims:
        shift = array_ops.reshape_like(shift, result)
    return result + shift


def reduce_variance(input_tensor, axis=None, keepdims=False, name=None):
    """Variance (mean squared deviation from the mean) across `axis`; floating or complex only."""
    x = convert_to_tensor(input_tensor)
    if not (x.dtype.is_floating or x.dtype.is_complex):
        raise TypeError(f"reduce_variance: input must be floating or complex, got {x.dtype.name}")
    deviation = x - reduce_mean(x, axis, keepdims=True)
    if x.dtype.is_complex:
        squared = unary_math.real(deviation * unary_math.conj(deviation))
    else:
        squared = unary_math.square(deviation)
    return reduce_mean(squared, axis, keepdims)


def reduce_std(input_tensor, axis=None, keepdims=False, name=None):
    """Standard deviation (square root of `reduce_variance`) across `axis`."""
    return unary_math.sqrt(reduce_variance(input_tensor, axis, keepdims))


def reduce_euclidean_norm(input_tensor, axis=None, keepdims=False, name=None):
    """sqrt(sum(x ** 2)) across `axis`; integer inputs give the truncated integer norm, as in TF."""
    x = convert_to_tensor(input_tensor)
    check_dtype("reduce_euclidean_norm", x.spec, "real", arg="input_tensor")
    if x.dtype.is_integer:
        norm = reduce_euclidean_norm(cast_ops.cast(x, dtypes.float64), axis, keepdims)
        return cast_ops.cast(norm, x.dtype)
    return unary_math.sqrt(reduce_sum(unary_math.square(x), axis, keepdims))


def count_nonzero(input, axis=None, keepdims=None, dtype=dtypes.int64, name=None):  # noqa: A002
    """How many elements across `axis` are not zero (not False for bools), as `dtype` (int64)."""
    x = convert_to_tensor(input)
    nonzero = comparison.not_equal(x, creation.zeros_like(x))
    count = reduce_sum(cast_ops.cast(nonzero, dtypes.int64), axis, bool(keepdims))
    return cast_ops.cast(count, dtype)  # counted in int64 first, as TF does, so no overflow


# ----- argmax / argmin -----------------------------------------------------------------------

def _arg_infer(op_name):
    def infer(x, axis, output_type):
        check_dtype(op_name, x, "real", arg="input")
        if x.shape.rank is not None and x.shape[axis] == 0:
            raise InvalidArgumentError(f"{op_name}: reduction axis {axis} is empty in shape {x.shape}")
        return spec_of(reduced_shape(x.shape, axis, False), output_type)
    return infer


def _arg_impl(name):
    def impl(xp, x, axis, output_type):
        if x.shape[axis] == 0:
            raise InvalidArgumentError(f"{name}: reduction axis {axis} is empty in shape {list(x.shape)}")
        return getattr(xp, name)(x, axis=axis)
    return impl


_argmax = Op("argmax", infer=_arg_infer("argmax"), impl=_arg_impl("argmax"), grad=lambda ctx, g: (None,))
_argmin = Op("argmin", infer=_arg_infer("argmin"), impl=_arg_impl("argmin"), grad=lambda ctx, g: (None,))


def _arg_reduce(op, name, input, axis, output_type):  # noqa: A002
    x = convert_to_tensor(input)
    output_type = dtypes.as_dtype(output_type)
    if output_type not in (dtypes.int32, dtypes.int64):
        raise TypeError(f"{name}: output_type must be int32 or int64, got {output_type.name}")
    axis = single_axis(name, x, 0 if axis is None else axis)
    return bind(op, [x], {"axis": axis, "output_type": output_type})


def argmax(input, axis=None, output_type=dtypes.int64, name=None):  # noqa: A002 - TF's name
    """Index of the largest value along `axis` (axis 0 when None); ties give the first index."""
    return _arg_reduce(_argmax, "argmax", input, axis, output_type)


def argmin(input, axis=None, output_type=dtypes.int64, name=None):  # noqa: A002 - TF's name
    """Index of the smallest value along `axis` (axis 0 when None); ties give the first index."""
    return _arg_reduce(_argmin, "argmin", input, axis, output_type)


# ----- cumulative sums and products ----------------------------------------------------------

def _scan_impl(accumulate, identity):
    """An inclusive scan turned exclusive and/or reversed along `axis`."""
    def impl(xp, x, axis, exclusive, reverse):
        if reverse:
            x = xp.flip(x, axis)
        out = accumulate(xp)(x, axis=axis, dtype=x.dtype)
        if exclusive and x.shape[axis] > 0:
            first = [slice(None)] * x.ndim
            first[axis] = slice(0, 1)
            rest = list(first)
            rest[axis] = slice(0, -1)
            out = xp.concatenate([xp.full_like(out[tuple(first)], identity), out[tuple(rest)]], axis=axis)
        if reverse:
            out = xp.flip(out, axis)
        return out
    return impl


def _scan_infer(op_name):
    def infer(x, axis, exclusive, reverse):
        check_dtype(op_name, x, "numeric", arg="x")
        return x
    return infer


def _grad_cumsum(ctx, g):
    attrs = ctx.attrs
    return (bind(_cumsum, [g], {"axis": attrs["axis"], "exclusive": attrs["exclusive"],
                                "reverse": not attrs["reverse"]}),)


def _grad_cumprod(ctx, g):
    """Exact also with zeros in `x` (TF divides by x and gets 0 there).

    out_j is the product of x_k over the k the scan includes. Its derivative in
    x_i is the product over those k other than i: P'_j / x'_i (P' the scan of x
    with zeros replaced by ones) when no zero other than x_i is included, else 0.
    With c_j the count of zeros the scan includes at j, that condition is
    c_j == z_i; summing g_j * P'_j over such j is a scan the other way, done once
    for z_i = 0 and once for z_i = 1.
    """
    x = ctx.inputs[0]
    attrs = ctx.attrs
    forward = {"axis": attrs["axis"], "exclusive": attrs["exclusive"], "reverse": attrs["reverse"]}
    backward = dict(forward, reverse=not attrs["reverse"])
    is_zero = comparison.equal(x, creation.zeros_like(x))
    safe = comparison.where(is_zero, creation.ones_like(x), x)
    zero_mark = cast_ops.cast(is_zero, x.dtype)
    zeros_included = bind(_cumsum, [zero_mark], forward)
    weighted = g * bind(_cumprod, [safe], forward)
    nothing = creation.zeros_like(weighted)

    def through(count):
        selected = comparison.where(comparison.equal(zeros_included, count), weighted, nothing)
        return bind(_cumsum, [selected], backward)

    none_before = through(creation.zeros_like(zero_mark))
    first_zero = through(creation.ones_like(zero_mark))
    return (comparison.where(is_zero, first_zero, none_before) / safe,)


_cumsum = Op("cumsum", infer=_scan_infer("cumsum"), impl=_scan_impl(lambda xp: xp.cumsum, 0),
             grad=_grad_cumsum)
_cumprod = Op("cumprod", infer=_scan_infer("cumprod"), impl=_scan_impl(lambda xp: xp.cumprod, 1),
              grad=_grad_cumprod)


def _scan(op, name, x, axis, exclusive, reverse):
    x = convert_to_tensor(x)
    return bind(op, [x], {"axis": single_axis(name, x, axis), "exclusive": bool(exclusive),
                          "reverse": bool(reverse)})


def cumsum(x, axis=0, exclusive=False, reverse=False, name=None):
    """Cumulative sum along `axis`.

    `exclusive=True` leaves out the current element (the first result is 0);
    `reverse=True` accumulates from the end. E.g. cumsum([a, b, c]) is
    [a, a + b, a + b + c]; exclusive gives [0, a, a + b].
    """
    return _scan(_cumsum, "cumsum", x, axis, exclusive, reverse)


def cumprod(x, axis=0, exclusive=False, reverse=False, name=None):
    """Cumulative product along `axis`; `exclusive`/`reverse` as in `cumsum` (first result 1)."""
    return _scan(_cumprod, "cumprod", x, axis, exclusive, reverse)
