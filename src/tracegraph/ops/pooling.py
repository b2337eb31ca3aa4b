"""Pooling (`tg.nn`): max_pool and avg_pool in 1, 2 and 3 spatial dimensions.

Inputs are channels-last, [batch, *spatial, channels] (channels-first formats
are transposed around the primitives). A pool combines, one array operation
per window offset, the strided slices of the padded input that hold the
element at that offset of every window (the window helpers of `conv`): max
pools pad with the lowest value, so padding never wins; average pools pad
with zeros and divide by the number of input elements in each window, as TF
does (padding is not counted).

Gradients are ops of their own, as in TF: `max_pool_grad` (of the input, the
pool's output and the gradient, as TF's MaxPoolGrad) sends each output's
gradient to the first maximum of its window (row-major order, TF's choice
among ties), `max_pool_grad_grad` reads the second-order cotangent at those
same places, and `avg_pool_grad` spreads each gradient evenly over its
window. Each of them is linear in the gradient it carries, so their own
gradients are again these ops.
"""

import numpy as np

from .conv import (all_pads, channels_first, cropped, offset_slices, out_size, out_spatial, padded, padding_attr,
                   scatter_windows, spatial_tuple, to_channels_first, to_channels_last)
from ..convert import convert_to_tensor
from ..core.dispatch import bind
from ..core.op import Op
from ..core.rules import check_dtype, spec_of

__all__ = ["max_pool", "max_pool1d", "max_pool2d", "max_pool3d", "avg_pool", "avg_pool1d", "avg_pool2d",
           "avg_pool3d"]


# ----- geometry of one pool -------------------------------------------------------------------

def _geometry(x_shape, ksize, strides, padding):
    """(pads, output spatial sizes) of a pool over an input of `x_shape` (all known)."""
    n = len(ksize)
    in_sizes = x_shape[1:-1]
    ones = (1,) * n
    pads = all_pads(in_sizes, ksize, strides, ones, padding)
    out = tuple(out_size(in_sizes[i], ksize[i], strides[i], 1, padding, i) for i in range(n))
    return pads, out


def _pool_infer(op_name, kinds):
    def infer(x, ksize, strides, padding):
        check_dtype(op_name, x, kinds, arg="input")
        n = len(ksize)
        if x.shape.rank is None:
            return spec_of(None, x.dtype)
        if x.shape.rank != n + 2:
            raise ValueError(f"{op_name}: `input` must have rank {n + 2} for a {n}-D pool, got shape {x.shape}")
        spatial = out_spatial(op_name, list(x.shape)[1:-1], ksize, strides, (1,) * n, padding, x.shape)
        return spec_of([x.shape[0], *spatial, x.shape[-1]], x.dtype)
    return infer


def _lowest(xp, dtype):
    return -xp.inf if np.dtype(dtype).kind == "f" else np.iinfo(dtype).min


def _offsets(xp, x, ksize, strides, padding, fill):
    """(pads, out, [the input element at each window offset, [batch, *out, channels]]).

    A pool works on these slices, one array operation per window offset: reducing a strided
    view of all windows at once is several times slower in NumPy.
    """
    pads, out = _geometry(x.shape, ksize, strides, padding)
    if 0 in out:
        return pads, out, [xp.zeros((x.shape[0], *out, x.shape[-1]), dtype=x.dtype)]
    source = padded(xp, x, pads, fill)
    return pads, out, [source[index] for _, index in offset_slices(ksize, strides, (1,) * len(ksize), out)]


def _empty_pool(xp, x, out, dtype):
    return xp.zeros((x.shape[0], *out, x.shape[-1]), dtype=dtype)


# ----- max pool -------------------------------------------------------------------------------

def _max_pool_impl(xp, x, ksize, strides, padding):
    pads, out, parts = _offsets(xp, x, ksize, strides, padding, _lowest(xp, x.dtype))
    if 0 in out or x.shape[0] == 0 or x.shape[-1] == 0:
        return _empty_pool(xp, x, out, x.dtype)
    result = parts[0].copy()
    for part in parts[1:]:
        xp.maximum(result, part, out=result)
    return result


def _first_max_masks(xp, parts, best):
    """For each window offset in row-major order, where the element at that offset is the first
    maximum of its window (TF's choice among ties), as [batch, *out, channels] booleans.

    `best` is the pool's output, the maximum of `parts`. A window holding a NaN has a NaN
    maximum; its first element counts as the maximum then, so the gradient still goes to
    exactly one place. One comparison and two boolean operations per offset: `free` marks the
    windows whose maximum is still to come, and the last offset takes all of them.
    """
    free = parts[0] < best                 # a NaN maximum: False, so the first element is chosen
    yield ~free
    for part in parts[1:-1]:
        chosen = part >= best
        chosen &= free
        free ^= chosen
        yield chosen
    if len(parts) > 1:
        yield free


def _max_pool_grad_impl(xp, x, y, g, ksize, strides, padding):
    n = len(ksize)
    in_sizes = x.shape[1:-1]
    if 0 in g.shape:
        return xp.zeros(x.shape, dtype=g.dtype)
    pads, out, parts = _offsets(xp, x, ksize, strides, padding, _lowest(xp, x.dtype))
    result = xp.zeros((x.shape[0], *(in_sizes[i] + sum(pads[i]) for i in range(n)), x.shape[-1]), dtype=g.dtype)
    # a mask times g is several times faster than a select, and equal to it for finite g
    finite = bool(xp.isfinite(g).all())
    overlapping = any(s < k for s, k in zip(strides, ksize))
    indices = (index for _, index in offset_slices(ksize, strides, (1,) * n, out))
    for chosen, index in zip(_first_max_masks(xp, parts, y), indices):
        if finite and not overlapping:
            xp.multiply(chosen, g, out=result[index])  # each input element is in one window at most
        else:
            result[index] += chosen * g if finite else xp.where(chosen, g, xp.zeros((), dtype=g.dtype))
    return cropped(result, pads, in_sizes)


def _max_pool_grad_grad_impl(xp, x, y, h, ksize, strides, padding):
    _, out, parts = _offsets(xp, x, ksize, strides, padding, _lowest(xp, x.dtype))
    if 0 in out or x.shape[0] == 0 or x.shape[-1] == 0:
        return _empty_pool(xp, x, out, h.dtype)
    _, _, h_parts = _offsets(xp, h, ksize, strides, padding, 0)
    result = xp.zeros(parts[0].shape, dtype=h.dtype)
    for chosen, h_part in zip(_first_max_masks(xp, parts, y), h_parts):
        result = xp.where(chosen, h_part, result)
    return result


def _max_pool_grad(ctx, g):
    (x,), (y,) = ctx.inputs, ctx.outputs
    return (bind(_max_pool_grad_op, [x, y, g], ctx.attrs),)


_max_pool = Op("max_pool", infer=_pool_infer("max_pool", "real"), impl=_max_pool_impl, grad=_max_pool_grad)
_max_pool_grad_op = Op(  # (input, output, gradient), as TF's MaxPoolGrad: the output is the windows' maxima
    "max_pool_grad", infer=lambda x, y, g, **attrs: spec_of(x.shape, g.dtype), impl=_max_pool_grad_impl,
    grad=lambda ctx, h: (None, None, bind(_max_pool_grad_grad, [*ctx.inputs[:2], h], ctx.attrs)))
_max_pool_grad_grad = Op(
    "max_pool_grad_grad", infer=lambda x, y, h, **attrs: _pool_infer("max_pool_grad_grad", "real")(h, **attrs),
    impl=_max_pool_grad_grad_impl,
    grad=lambda ctx, g: (None, None, bind(_max_pool_grad_op, [*ctx.inputs[:2], g], ctx.attrs)))


# ----- average pool ---------------------------------------------------------------------------

def _window_counts(xp, in_sizes, ksize, strides, pads, out, dtype):
    """[1, *out, 1]: how many input (not padding) elements each window holds."""
    n = len(ksize)
    counts = xp.ones((1,) * (n + 2), dtype=dtype)
    for i in range(n):
        starts = np.arange(out[i]) * strides[i]
        lo = pads[i][0]
        per_axis = np.minimum(starts + ksize[i], lo + in_sizes[i]) - np.maximum(starts, lo)
        shape = [1] * (n + 2)
        shape[i + 1] = out[i]
        counts = counts * xp.asarray(per_axis.reshape(shape), dtype=dtype)
    return counts


def _avg_pool_impl(xp, x, ksize, strides, padding):
    pads, out, parts = _offsets(xp, x, ksize, strides, padding, 0)
    if 0 in out or x.shape[0] == 0 or x.shape[-1] == 0:
        return _empty_pool(xp, x, out, x.dtype)
    total = parts[0].copy()
    for part in parts[1:]:
        xp.add(total, part, out=total)
    return total / _window_counts(xp, x.shape[1:-1], ksize, strides, pads, out, x.dtype)


def _avg_pool_grad_impl(xp, g, x_ref, ksize, strides, padding):
    n = len(ksize)
    in_sizes = x_ref.shape[1:-1]
    pads, out = _geometry(x_ref.shape, ksize, strides, padding)
    share = g / _window_counts(xp, in_sizes, ksize, strides, pads, out, g.dtype)
    padded_shape = (x_ref.shape[0], *(in_sizes[i] + sum(pads[i]) for i in range(n)), x_ref.shape[-1])
    result = scatter_windows(xp, lambda offset: share, padded_shape, ksize, strides, (1,) * n, out, g.dtype)
    return cropped(result, pads, in_sizes)


_avg_pool = Op("avg_pool", infer=_pool_infer("avg_pool", "float"), impl=_avg_pool_impl,
               grad=lambda ctx, g: (bind(_avg_pool_grad, [g, ctx.inputs[0]], ctx.attrs),))
_avg_pool_grad = Op("avg_pool_grad", infer=lambda g, x_ref, **attrs: spec_of(x_ref.shape, g.dtype),
                    impl=_avg_pool_grad_impl,
                    grad=lambda ctx, h: (bind(_avg_pool, [h], ctx.attrs), None))


# ----- public functions -----------------------------------------------------------------------

def _pool(op, op_name, value, ksize, strides, padding, data_format, n, explicit):
    x = convert_to_tensor(value)
    if n is None:
        if x.shape.rank is None:
            raise ValueError(f"{op_name}: needs `input` of known rank")
        n = x.shape.rank - 2
        if n not in (1, 2, 3):
            raise ValueError(f"{op_name}: `input` must have rank 3, 4 or 5 (a 1-D, 2-D or 3-D pool), "
                             f"got shape {x.shape}")
    elif x.shape.rank is not None and x.shape.rank != n + 2:
        raise ValueError(f"{op_name}: `input` must have rank {n + 2}, got shape {x.shape}")
    first = channels_first(op_name, data_format, n)
    attrs = {"ksize": spatial_tuple(op_name, "ksize", ksize, n, first=first),
             "strides": spatial_tuple(op_name, "strides", strides, n, first=first),
             "padding": padding_attr(op_name, padding, n, explicit, first=first)}
    if first:
        return to_channels_first(bind(op, [to_channels_last(x, n)], attrs), n)
    return bind(op, [x], attrs)


def max_pool(input, ksize, strides, padding, data_format=None, name=None):  # noqa: A002 - TF's name
    """Max pooling of a 3-D, 4-D or 5-D `input` (a 1-D, 2-D or 3-D pool, from its rank).

    `ksize` and `strides` are an int or lists of 1, N or N + 2 ints; `padding`
    "SAME", "VALID" or explicit (before, after) pairs (padding never wins).
    """
    return _pool(_max_pool, "max_pool", input, ksize, strides, padding, data_format, None, True)


def max_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):  # noqa: A002
    """Max pooling of `input` [batch, width, channels] ("NCW": [batch, channels, width])."""
    return _pool(_max_pool, "max_pool1d", input, ksize, strides, padding, data_format, 1, True)


def max_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):  # noqa: A002
    """Max pooling of `input` [batch, height, width, channels]; see `max_pool`."""
    return _pool(_max_pool, "max_pool2d", input, ksize, strides, padding, data_format, 2, True)


def max_pool3d(input, ksize, strides, padding, data_format="NDHWC", name=None):  # noqa: A002
    """Max pooling of `input` [batch, depth, height, width, channels]; see `max_pool`."""
    return _pool(_max_pool, "max_pool3d", input, ksize, strides, padding, data_format, 3, True)


def avg_pool(input, ksize, strides, padding, data_format=None, name=None):  # noqa: A002
    """Average pooling of a 3-D, 4-D or 5-D floating-point `input` (from its rank).

    `padding` is "SAME" or "VALID"; with "SAME" each output averages the input
    elements its window covers (padding is not counted), as in TF.
    """
    return _pool(_avg_pool, "avg_pool", input, ksize, strides, padding, data_format, None, False)


def avg_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):  # noqa: A002
    """Average pooling of `input` [batch, width, channels]; see `avg_pool`."""
    return _pool(_avg_pool, "avg_pool1d", input, ksize, strides, padding, data_format, 1, False)


def avg_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):  # noqa: A002
    """Average pooling of `input` [batch, height, width, channels]; see `avg_pool`."""
    return _pool(_avg_pool, "avg_pool2d", input, ksize, strides, padding, data_format, 2, False)


def avg_pool3d(input, ksize, strides, padding, data_format="NDHWC", name=None):  # noqa: A002
    """Average pooling of `input` [batch, depth, height, width, channels]; see `avg_pool`."""
    return _pool(_avg_pool, "avg_pool3d", input, ksize, strides, padding, data_format, 3, False)
