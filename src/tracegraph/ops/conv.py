"""Convolutions (`tg.nn`): conv1d, conv2d, conv3d, convolution, their transposes (conv_transpose,
conv1d/2d/3d_transpose: the input gradient op, applied forward), depthwise_conv2d, separable_conv2d.

One primitive, `conv`, serves every spatial rank (1, 2 or 3): the input is
channels-last ([batch, *spatial, channels]; channels-first formats are
transposed around it) and the filter is [*kernel, in_channels, out_channels].
Its implementation is im2col: every window of the (padded) input copied once
into a contiguous matrix [batch * out positions, kernel * in_channels] and
multiplied by the filter reshaped to [kernel * in_channels, out_channels] (one
2-D BLAS call on contiguous operands).

The gradients are ops of their own, as in TF: `conv_backprop_input` (the
transposed convolution) and `conv_backprop_filter`. The three are bilinear in
their two tensor operands, so each one's gradient is again one of the three,
and gradients of any order stay convolutions. A backprop op takes the forward
operand whose shape it produces as a last, reference-only input: the shape is
then known when tracing, and with strides it cannot be recovered from the
other shapes (its batch is the gradient's, so a transposed convolution passes
an empty-batch reference and its batch may be unknown). The filter gradient is the im2col matrix (transposed) times the
output gradient. The input gradient is itself a stride-1 convolution: of the
output gradient, dilated by the strides and padded to full size, with the
spatially flipped filter whose channel axes are swapped; when the input has
few channels (or the strides are large) the per-window products are smaller,
and are added back with one strided add per kernel offset instead.

The depthwise ops (one filter group per channel) are one multiply-add of a
strided slice of the padded input per kernel offset: per-window products would
be tiny matrices. (The Numba backend runs them as compiled loops instead:
`tracegraph_backends.numba.conv_kernels`.)

Large temporaries (padded inputs, im2col matrices, spread gradients) and the
matrix products' results come from the process's buffer pool (`BUFFERS.empty`):
a fresh array costs its page faults on every call (an 8 MB one ~2.5 ms), about as
much as the copy or product that fills it. A pointwise (1x1, stride 1) convolution
needs no im2col and its input gradient no spread gradient: both are one matrix product.

The window helpers (`spatial_tuple`, `padding_attr`, `pads_for`, `windows`,
`scatter_windows`, ...) are shared with `pooling`.
"""
import itertools
import math

from . import array_ops, cast, creation, join_split, shape_args
from .. import dtypes
from ..buffer_pool import BUFFERS
from ..convert import convert_to_tensor, operands_to_tensors
from ..core.dispatch import bind
from ..core.op import Op
from ..core.rules import check_dtype, same_dtype, spec_of

__all__ = ["conv1d", "conv2d", "conv3d", "convolution", "conv_transpose", "conv1d_transpose", "conv2d_transpose",
           "conv3d_transpose", "depthwise_conv2d", "separable_conv2d"]

_PADDINGS = ("SAME", "VALID")


# ----- arguments: strides, dilations, paddings, data formats --------------------------------

def spatial_tuple(op_name, arg, value, n, default=1, first=False):
    """`value` (an int, or a list of 1, n or n + 2 ints) as a tuple of n positive ints.

    A list of n + 2 is TF's full form in the data format's order, [1, *spatial, 1]
    (or [1, 1, *spatial] when channels come `first`): its batch and channel
    entries must be 1.
    """
    if value is None:
        value = default
    if hasattr(value, "numpy"):
        value = value.numpy().tolist()
    if isinstance(value, int) or (hasattr(value, "__index__") and not isinstance(value, (list, tuple))):
        values = (int(value),) * n
    else:
        values = tuple(int(v) for v in value)
        if len(values) == 1:
            values = values * n
        elif len(values) == n + 2 and n != 0:
            others, values = (values[:2], values[2:]) if first else ((values[0], values[-1]), values[1:-1])
            if others != (1, 1):
                raise ValueError(f"{op_name}: `{arg}` in the batch and channel dimensions must be 1, "
                                 f"got {list(value)}")
        elif len(values) != n:
            lengths = "1, " + (f"{n} or {n + 2}" if n > 1 else f"{n + 2}")
            raise ValueError(f"{op_name}: `{arg}` must be an int or a list of {lengths} ints, got {list(values)}")
    if any(v < 1 for v in values):
        raise ValueError(f"{op_name}: `{arg}` must be positive, got {list(values)}")
    return values


def padding_attr(op_name, padding, n, explicit=True, first=False):
    """"SAME", "VALID", or (with `explicit`) a tuple of n (before, after) pairs.

    Explicit paddings are TF's list of n + 2 pairs in the data format's order
    (channels last, or `first`), whose batch and channel pairs are (0, 0); a
    list of n pairs is taken as the spatial ones.
    """
    if isinstance(padding, str):
        if padding not in _PADDINGS:
            raise ValueError(f"{op_name}: `padding` must be 'SAME' or 'VALID'" +
                             (" or a list of (before, after) pairs" if explicit else "") + f", got {padding!r}")
        return padding
    if not explicit:
        raise ValueError(f"{op_name}: `padding` must be 'SAME' or 'VALID', got {padding!r}")
    if hasattr(padding, "numpy"):
        padding = padding.numpy().tolist()
    try:
        pairs = tuple((int(lo), int(hi)) for lo, hi in padding)
    except (TypeError, ValueError):
        raise ValueError(f"{op_name}: explicit `padding` must be a list of (before, after) pairs, "
                         f"got {padding!r}") from None
    if len(pairs) == n + 2:
        others, spatial = (pairs[:2], pairs[2:]) if first else ((pairs[0], pairs[-1]), pairs[1:-1])
        if others != ((0, 0), (0, 0)):
            raise ValueError(f"{op_name}: explicit `padding` of the batch and channel dimensions must be "
                             f"[0, 0], got {[list(p) for p in pairs]}")
        pairs = spatial
    elif len(pairs) != n:
        raise ValueError(f"{op_name}: explicit `padding` needs {n + 2} (before, after) pairs, got {len(pairs)}")
    if any(v < 0 for pair in pairs for v in pair):
        raise ValueError(f"{op_name}: explicit `padding` must not be negative, got {[list(p) for p in pairs]}")
    return pairs


def channels_first(op_name, data_format, n):
    """True for the channels-first format of spatial rank n ("NCW", "NCHW", "NCDHW")."""
    last, first = ("NWC", "NHWC", "NDHWC")[n - 1], ("NCW", "NCHW", "NCDHW")[n - 1]
    if data_format is None or data_format == last:
        return False
    if data_format == first:
        return True
    raise ValueError(f"{op_name}: `data_format` must be {last!r} or {first!r}, got {data_format!r}")


def to_channels_last(x, n):
    """[batch, channels, *spatial] -> [batch, *spatial, channels]."""
    return array_ops.transpose(x, [0] + list(range(2, n + 2)) + [1])


def to_channels_first(x, n):
    """[batch, *spatial, channels] -> [batch, channels, *spatial]."""
    return array_ops.transpose(x, [0, n + 1] + list(range(1, n + 1)))


# ----- window geometry ------------------------------------------------------------------------

def pads_for(in_size, kernel, stride, dilation, padding, axis):
    """(before, after) padding of one spatial axis: TF's SAME puts the odd one after."""
    if padding == "VALID":
        return 0, 0
    if padding == "SAME":
        out = -(-in_size // stride)
        total = max((out - 1) * stride + (kernel - 1) * dilation + 1 - in_size, 0)
        return total // 2, total - total // 2
    return padding[axis]


def out_size(in_size, kernel, stride, dilation, padding, axis):
    """The output size of one spatial axis (None when `in_size` is unknown).

    As TF computes it: (padded size - window + stride) / stride rounded toward
    zero, so a window a little larger than the input gives an empty output and
    only a negative size is an error.
    """
    if in_size is None:
        return None
    if padding == "SAME":
        return -(-in_size // stride)
    lo, hi = pads_for(in_size, kernel, stride, dilation, padding, axis)
    numerator = in_size + lo + hi - (kernel - 1) * dilation - 1 + stride
    return numerator // stride if numerator >= 0 else -(-numerator // stride)


def out_spatial(op_name, in_sizes, kernel, strides, dilations, padding, input_shape):
    """Output sizes of every spatial axis; ValueError if one would be negative."""
    sizes = []
    for axis, size in enumerate(in_sizes):
        k = kernel[axis]
        out = None if k is None else out_size(size, k, strides[axis], dilations[axis], padding, axis)
        if out is not None and out < 0:
            effective = (k - 1) * dilations[axis] + 1
            raise ValueError(f"{op_name}: the window of size {effective} (kernel {k}, dilation "
                             f"{dilations[axis]}) does not fit spatial dimension {axis} of the input "
                             f"(shape {input_shape}) with padding {_padding_repr(padding)}: the output "
                             f"size would be negative")
        sizes.append(out)
    return sizes


def _padding_repr(padding):
    return repr(padding) if isinstance(padding, str) else str([list(p) for p in padding])


def padded(xp, x, pads, value=0):
    """`x` with `pads` added to its spatial axes (no copy when there is none)."""
    if not any(lo or hi for lo, hi in pads):
        return x
    shape = (x.shape[0], *(size + lo + hi for size, (lo, hi) in zip(x.shape[1:-1], pads)), x.shape[-1])
    # a filled array and one copy into its interior: several times faster than xp.pad
    result = BUFFERS.empty(xp, shape, x.dtype)
    result.fill(value)
    result[(slice(None),) + tuple(slice(lo, lo + size) for size, (lo, _) in zip(x.shape[1:-1], pads))] = x
    return result


def windows(xp, x, kernel, strides, dilations, out):
    """A strided view [batch, *out, *kernel, channels] of every window of the padded `x`."""
    n = len(kernel)
    s = x.strides
    shape = (x.shape[0], *out, *kernel, x.shape[-1])
    view_strides = (s[0], *(s[1 + i] * strides[i] for i in range(n)),
                    *(s[1 + i] * dilations[i] for i in range(n)), s[-1])
    return xp.lib.stride_tricks.as_strided(x, shape=shape, strides=view_strides)


def offset_slices(kernel, strides, dilations, out):
    """(kernel offset, index) pairs, the offsets in row-major order: indexing the padded input with
    the index gives [batch, *out, channels], the input element at that offset of every window."""
    n = len(kernel)
    for offset in itertools.product(*(range(k) for k in kernel)):
        yield offset, (slice(None),) + tuple(
            slice(offset[i] * dilations[i], offset[i] * dilations[i] + strides[i] * (out[i] - 1) + 1, strides[i])
            for i in range(n)) + (slice(None),)


def scatter_windows(xp, columns, padded_shape, kernel, strides, dilations, out, dtype):
    """The adjoint of `windows`: sum every window of `columns` ([batch, *out, *kernel, channels],
    or a callable giving [batch, *out, channels] for one kernel offset) back into a zero array of
    `padded_shape`. One vectorized add per kernel offset: windows of one offset never overlap."""
    n = len(kernel)
    result = BUFFERS.empty(xp, padded_shape, dtype)
    result.fill(0)
    if 0 in out:
        return result
    for offset, index in offset_slices(kernel, strides, dilations, out):
        result[index] += columns(offset) if callable(columns) else columns[(slice(None),) * (n + 1) + offset]
    return result


def cropped(x, pads, in_sizes):
    """The inverse of `padded`: the region of `x` that holds the unpadded input."""
    return x[(slice(None),) + tuple(slice(lo, lo + size) for (lo, _), size in zip(pads, in_sizes)) + (slice(None),)]


def all_pads(in_sizes, kernel, strides, dilations, padding):
    """(before, after) pairs of every spatial axis."""
    return tuple(pads_for(in_sizes[i], kernel[i], strides[i], dilations[i], padding, i) for i in range(len(kernel)))


# ----- the primitives -------------------------------------------------------------------------

def _conv_infer(x, w, strides, dilations, padding):
    dtype = same_dtype("conv", x, w)
    check_dtype("conv", x, "float", arg="input")
    n = len(strides)
    for spec, what in ((x, "input"), (w, "filters")):
        if spec.shape.rank is not None and spec.shape.rank != n + 2:
            raise ValueError(f"conv: `{what}` must have rank {n + 2} for a {n}-D convolution, got shape {spec.shape}")
    if x.shape.rank is None:
        return spec_of(None, dtype)
    kernel = [None] * n if w.shape.rank is None else list(w.shape)[:n]
    out_channels = None if w.shape.rank is None else w.shape[-1]
    if w.shape.rank is not None:
        _check_channels("conv", x.shape[-1], w.shape[-2], x.shape, w.shape)
    spatial = out_spatial("conv", list(x.shape)[1:-1], kernel, strides, dilations, padding, x.shape)
    return spec_of([x.shape[0], *spatial, out_channels], dtype)


def _check_channels(op_name, have, want, x_shape, w_shape):
    if have is not None and want is not None and have != want:
        raise ValueError(f"{op_name}: the input has {have} channels (shape {x_shape}) but the filter expects "
                         f"{want} input channels (shape {w_shape})")


def is_pointwise(kernel, strides, in_sizes, out):
    """A 1x1 convolution with stride 1 and no padding: its im2col is its input."""
    return all(k == 1 for k in kernel) and all(s == 1 for s in strides) and tuple(in_sizes) == tuple(out)


def im2col(xp, x, kernel, strides, dilations, out):
    """Every window of the padded `x` as a row of a contiguous [batch * prod(out), prod(kernel) * channels]
    matrix, its entries in (kernel offset, channel) order: the left operand of a convolution's matmul."""
    rows, channels = x.shape[0] * math.prod(out), x.shape[-1]
    if is_pointwise(kernel, strides, x.shape[1:-1], out):
        return x.reshape(rows, channels)  # the input itself
    if channels != 1 or rows == 0:
        columns = BUFFERS.empty(xp, (x.shape[0], *out, *kernel, channels), x.dtype)
        columns[...] = windows(xp, x, kernel, strides, dilations, out)
        return columns.reshape(rows, math.prod(kernel) * channels)
    # One element per window position and offset: copying the window view would move single elements,
    # while one strided slice per kernel offset copies whole rows (3x faster for a 3x3 kernel).
    columns = BUFFERS.empty(xp, (*x.shape[:1], *out, math.prod(kernel)), x.dtype)
    for k, (_, index) in enumerate(offset_slices(kernel, strides, dilations, out)):
        columns[..., k] = x[index][..., 0]
    return columns.reshape(rows, -1)


def matmul(xp, a, b):
    """a @ b for 2-D operands, into a pooled result (see `BUFFERS.empty`)."""
    return xp.matmul(a, b, out=BUFFERS.empty(xp, (a.shape[0], b.shape[1]), a.dtype))


def _conv_geometry(x_shape, kernel, strides, dilations, padding):
    """(pads, output spatial sizes) of a convolution over an input of `x_shape`."""
    in_sizes = x_shape[1:-1]
    pads = all_pads(in_sizes, kernel, strides, dilations, padding)
    out = tuple(out_size(in_sizes[i], kernel[i], strides[i], dilations[i], padding, i) for i in range(len(kernel)))
    return pads, out


def _conv_impl(xp, x, w, strides, dilations, padding):
    n = x.ndim - 2
    kernel = w.shape[:n]
    pads, out = _conv_geometry(x.shape, kernel, strides, dilations, padding)
    columns = im2col(xp, padded(xp, x, pads), kernel, strides, dilations, out)
    return matmul(xp, columns, w.reshape(columns.shape[1], w.shape[-1])).reshape(x.shape[0], *out, w.shape[-1])


def _conv_grad(ctx, g):
    x, w = ctx.inputs
    return (bind(_conv_backprop_input, [g, w, x], ctx.attrs),
            bind(_conv_backprop_filter, [x, g, w], ctx.attrs))


def _spread_gradient(xp, g, kernel, strides, dilations, pads, in_sizes):
    """The output gradient placed for the input gradient's stride-1 convolution: entry o of each
    spatial axis at o * stride + (kernel - 1) * dilation - pad_before, zeros between and around,
    so that its VALID windows of the dilated kernel give exactly `in_sizes` outputs (the parts
    beyond the unpadded input, where padding is large, are cut away)."""
    n = len(kernel)
    reach = [(kernel[i] - 1) * dilations[i] for i in range(n)]
    sizes = [in_sizes[i] + reach[i] for i in range(n)]
    spread = BUFFERS.empty(xp, (g.shape[0], *sizes, g.shape[-1]), g.dtype)
    spread.fill(0)
    target, source = [slice(None)], [slice(None)]
    for i in range(n):
        shift, stride = reach[i] - pads[i][0], strides[i]
        first = -(shift // stride) if shift < 0 else 0   # the first entry that lands at >= 0
        last = min(g.shape[i + 1], (sizes[i] - 1 - shift) // stride + 1)
        if last <= first:
            return spread
        target.append(slice(first * stride + shift, (last - 1) * stride + shift + 1, stride))
        source.append(slice(first, last))
    spread[tuple(target)] = g[tuple(source + [slice(None)])]
    return spread


def sums_window_products(g_shape, w_shape, in_sizes):
    """Whether the input gradient adds back per-window products (`window_products`) rather than
    convolving the spread gradient: when the input has few channels (a first layer) or the strides
    are large, the products are smaller than the spread gradient's im2col."""
    return 2 * math.prod(g_shape[1:-1]) * w_shape[-2] < math.prod(in_sizes) * w_shape[-1]


def window_products(xp, g, w):
    """[batch, *out, *kernel, in_channels]: each output position's gradient times the filter, the
    gradient of every entry of its window (a pooled result, see `BUFFERS.empty`)."""
    out_channels = w.shape[-1]
    columns = matmul(xp, g.reshape(-1, out_channels), w.reshape(-1, out_channels).T)
    return columns.reshape(*g.shape[:-1], *w.shape[:-1])


def _backprop_input_impl(xp, g, w, x_ref, strides, dilations, padding):
    n = g.ndim - 2
    kernel, in_sizes = w.shape[:n], x_ref.shape[1:-1]
    pads = all_pads(in_sizes, kernel, strides, dilations, padding)
    if 0 in g.shape or 0 in w.shape[-2:]:
        return xp.zeros((g.shape[0], *in_sizes, w.shape[-2]), dtype=g.dtype)
    in_channels, out_channels = w.shape[-2:]
    if is_pointwise(kernel, strides, in_sizes, g.shape[1:-1]):  # a product with the transposed filter
        result = matmul(xp, g.reshape(-1, out_channels), w.reshape(in_channels, out_channels).T)
        return result.reshape(g.shape[0], *in_sizes, in_channels)
    if sums_window_products(g.shape, w.shape, in_sizes):
        columns = window_products(xp, g, w)
        padded_shape = (g.shape[0], *(in_sizes[i] + sum(pads[i]) for i in range(n)), in_channels)
        result = scatter_windows(xp, columns, padded_shape, kernel, strides, dilations, g.shape[1:-1], g.dtype)
        return cropped(result, pads, in_sizes)
    spread = _spread_gradient(xp, g, kernel, strides, dilations, pads, in_sizes)
    columns = im2col(xp, spread, kernel, (1,) * n, dilations, in_sizes)
    flipped = w[(slice(None, None, -1),) * n].swapaxes(-1, -2)  # [*kernel, out_channels, in_channels]
    result = matmul(xp, columns, flipped.reshape(columns.shape[1], w.shape[-2]))
    return result.reshape(g.shape[0], *in_sizes, w.shape[-2])


def _backprop_input_spec(g, x_ref):
    """The input gradient's spec: the reference's spatial and channel sizes, the gradient's batch (a
    transposed convolution's reference has an empty batch)."""
    batch = g.shape[0] if g.shape.rank is not None else None
    return spec_of(None if x_ref.shape.rank is None else [batch, *list(x_ref.shape)[1:]], g.dtype)


def _backprop_input_grad(ctx, h):
    g, w, x_ref = ctx.inputs
    return bind(_conv, [h, w], ctx.attrs), bind(_conv_backprop_filter, [h, g, w], ctx.attrs), None


def _backprop_filter_impl(xp, x, g, w_ref, strides, dilations, padding):
    n = x.ndim - 2
    kernel = w_ref.shape[:n]
    pads, out = _conv_geometry(x.shape, kernel, strides, dilations, padding)
    columns = im2col(xp, padded(xp, x, pads), kernel, strides, dilations, out)
    return (columns.T @ g.reshape(columns.shape[0], g.shape[-1])).reshape(w_ref.shape)


def _backprop_filter_grad(ctx, h):
    x, g, w_ref = ctx.inputs
    return bind(_conv_backprop_input, [g, h, x], ctx.attrs), bind(_conv, [x, h], ctx.attrs), None


_conv = Op("conv", infer=_conv_infer, impl=_conv_impl, grad=_conv_grad)
_conv_backprop_input = Op("conv_backprop_input", infer=lambda g, w, x_ref, **attrs: _backprop_input_spec(g, x_ref),
                          impl=_backprop_input_impl, grad=_backprop_input_grad)
_conv_backprop_filter = Op("conv_backprop_filter", infer=lambda x, g, w_ref, **attrs: spec_of(w_ref.shape, x.dtype),
                           impl=_backprop_filter_impl, grad=_backprop_filter_grad)


# ----- depthwise ------------------------------------------------------------------------------
# The filter [*kernel, channels, multiplier] applies `multiplier` filters to each channel alone;
# output channel c * multiplier + m is channel c under filter m, as in TF.

def _depthwise_infer(x, w, strides, dilations, padding):
    dtype = same_dtype("depthwise_conv2d", x, w)
    check_dtype("depthwise_conv2d", x, "float", arg="input")
    n = len(strides)
    for spec, what in ((x, "input"), (w, "filter")):
        if spec.shape.rank is not None and spec.shape.rank != n + 2:
            raise ValueError(f"depthwise_conv2d: `{what}` must have rank {n + 2}, got shape {spec.shape}")
    if x.shape.rank is None:
        return spec_of(None, dtype)
    kernel = [None] * n if w.shape.rank is None else list(w.shape)[:n]
    out_channels = None
    if w.shape.rank is not None:
        _check_channels("depthwise_conv2d", x.shape[-1], w.shape[-2], x.shape, w.shape)
        channels = x.shape[-1] if x.shape[-1] is not None else w.shape[-2]
        out_channels = None if channels is None or w.shape[-1] is None else channels * w.shape[-1]
    spatial = out_spatial("depthwise_conv2d", list(x.shape)[1:-1], kernel, strides, dilations, padding, x.shape)
    return spec_of([x.shape[0], *spatial, out_channels], dtype)


def _depthwise_impl(xp, x, w, strides, dilations, padding):
    n = x.ndim - 2
    kernel, in_sizes = w.shape[:n], x.shape[1:-1]
    pads = all_pads(in_sizes, kernel, strides, dilations, padding)
    out = [out_size(in_sizes[i], kernel[i], strides[i], dilations[i], padding, i) for i in range(n)]
    source = padded(xp, x, pads)
    # One multiply-add of a strided slice per kernel offset and filter: whole contiguous passes,
    # where a product per window would copy every window and multiply tiny matrices. The products
    # go to one reused buffer (a fresh one per offset would cost its page faults every time).
    shape = (x.shape[0], *out, x.shape[-1])
    filters = [xp.zeros(shape, dtype=x.dtype) for _ in range(w.shape[-1])]
    if 0 not in shape:
        product = xp.empty(shape, dtype=x.dtype)
        for offset, index in offset_slices(kernel, strides, dilations, out):
            for m, result in enumerate(filters):
                result += xp.multiply(source[index], w[offset + (slice(None), m)], out=product)
    if len(filters) == 1:
        return filters[0]
    return xp.stack(filters, axis=-1).reshape(*shape[:-1], x.shape[-1] * w.shape[-1])


def _depthwise_grad(ctx, g):
    x, w = ctx.inputs
    return (bind(_depthwise_backprop_input, [g, w, x], ctx.attrs),
            bind(_depthwise_backprop_filter, [x, g, w], ctx.attrs))


def _depthwise_backprop_input_impl(xp, g, w, x_ref, strides, dilations, padding):
    n = g.ndim - 2
    kernel, in_sizes, out = w.shape[:n], x_ref.shape[1:-1], g.shape[1:-1]
    channels = w.shape[-2]
    pads = all_pads(in_sizes, kernel, strides, dilations, padding)
    padded_shape = (g.shape[0], *(in_sizes[i] + sum(pads[i]) for i in range(n)), channels)
    split = g.reshape(*g.shape[:-1], channels, w.shape[-1])  # [b, *out, c, m]

    total, product = (xp.empty(g.shape[:-1] + (channels,), dtype=g.dtype) for _ in range(2))

    def columns(offset):  # the gradient of the windows' entries at `offset`: [b, *out, c], reusing a buffer
        xp.multiply(split[..., 0], w[offset][:, 0], out=total)
        for m in range(1, split.shape[-1]):
            xp.add(total, xp.multiply(split[..., m], w[offset][:, m], out=product), out=total)
        return total
    result = scatter_windows(xp, columns, padded_shape, kernel, strides, dilations, out, g.dtype)
    return cropped(result, pads, in_sizes)


def _depthwise_backprop_filter_impl(xp, x, g, w_ref, strides, dilations, padding):
    n = x.ndim - 2
    kernel, in_sizes, out = w_ref.shape[:n], x.shape[1:-1], g.shape[1:-1]
    source = padded(xp, x, all_pads(in_sizes, kernel, strides, dilations, padding))
    split = g.reshape(*g.shape[:-1], *w_ref.shape[-2:])  # [b, *out, c, m]
    positions = "pqrs"[:n + 1]
    result = xp.zeros(w_ref.shape, dtype=x.dtype)
    if 0 in out or 0 in g.shape:
        return result
    for offset, index in offset_slices(kernel, strides, dilations, out):
        window = source[index]  # [b, *out, c]: each window's entry at `offset`
        for m in range(split.shape[-1]):
            result[offset + (slice(None), m)] = xp.einsum(f"{positions}c,{positions}c->c", window, split[..., m])
    return result


def _depthwise_backprop_input_grad(ctx, h):
    g, w, x_ref = ctx.inputs
    return (bind(_depthwise, [h, w], ctx.attrs), bind(_depthwise_backprop_filter, [h, g, w], ctx.attrs), None)


def _depthwise_backprop_filter_grad(ctx, h):
    x, g, w_ref = ctx.inputs
    return (bind(_depthwise_backprop_input, [g, h, x], ctx.attrs), bind(_depthwise, [x, h], ctx.attrs), None)


_depthwise = Op("depthwise_conv", infer=_depthwise_infer, impl=_depthwise_impl, grad=_depthwise_grad)
_depthwise_backprop_input = Op(
    "depthwise_conv_backprop_input", infer=lambda g, w, x_ref, **attrs: spec_of(x_ref.shape, g.dtype),
    impl=_depthwise_backprop_input_impl, grad=_depthwise_backprop_input_grad)
_depthwise_backprop_filter = Op(
    "depthwise_conv_backprop_filter", infer=lambda x, g, w_ref, **attrs: spec_of(w_ref.shape, x.dtype),
    impl=_depthwise_backprop_filter_impl, grad=_depthwise_backprop_filter_grad)


# ----- public functions -----------------------------------------------------------------------

def _spatial_rank(op_name, x, w):
    rank = x.shape.rank if x.shape.rank is not None else w.shape.rank
    if rank is None:
        raise ValueError(f"{op_name}: needs `input` or `filters` of known rank")
    if rank not in (3, 4, 5):
        raise ValueError(f"{op_name}: `input` must have rank 3, 4 or 5 (1-D, 2-D or 3-D convolution), "
                         f"got shape {x.shape}")
    return rank - 2


def _apply(op, op_name, x, w, n, strides, padding, data_format, dilations, explicit=True):
    """Bind `op` with normalized attrs, transposing a channels-first input around it."""
    x, w = operands_to_tensors(x, w)
    if x.shape.rank is not None and x.shape.rank != n + 2:
        raise ValueError(f"{op_name}: `input` must have rank {n + 2}, got shape {x.shape}")
    first = channels_first(op_name, data_format, n)
    attrs = {"strides": spatial_tuple(op_name, "strides", strides, n, first=first),
             "dilations": spatial_tuple(op_name, "dilations", dilations, n, first=first),
             "padding": padding_attr(op_name, padding, n, explicit, first=first)}
    if first:
        x = to_channels_last(x, n)
    groups = _groups(op_name, x, w) if op is _conv else 1
    if groups == 1:
        result = bind(op, [x, w], attrs)
    else:
        parts = zip(join_split.split(x, groups, axis=-1), join_split.split(w, groups, axis=-1))
        result = join_split.concat([bind(op, [xg, wg], attrs) for xg, wg in parts], axis=-1)
    return to_channels_first(result, n) if first else result


def _groups(op_name, x, w):
    """TF's grouped convolution: input channels a multiple k of the filter's in_channels make k
    groups, each convolved with its slice of the filter's out_channels (1 when they are equal)."""
    if x.shape.rank is None or w.shape.rank is None:
        return 1
    have, want, out = x.shape[-1], w.shape[-2], w.shape[-1]
    if have is None or want is None or have == want or want == 0 or have % want:
        return 1  # equal, unknown, or an error the shape rule reports
    groups = have // want
    if out is None or out % groups:
        raise ValueError(f"{op_name}: the input's {have} channels make {groups} groups of the filter's {want} "
                         f"input channels, but its {out} output channels do not divide into {groups} groups "
                         f"(input shape {x.shape}, filter shape {w.shape})")
    return groups


def conv1d(input, filters, stride, padding, data_format="NWC", dilations=None, name=None):  # noqa: A002 - TF's name
    """1-D convolution of `input` [batch, width, in_channels] with `filters` [width, in_channels, out_channels].

    `stride` and `dilations` are an int or a list of 1 or 3; `padding` is "SAME",
    "VALID" or explicit (before, after) pairs; `data_format` "NWC" or "NCW".
    """
    return _apply(_conv, "conv1d", input, filters, 1, stride, padding, data_format, dilations)


def conv2d(input, filters, strides, padding, data_format="NHWC", dilations=None, name=None):  # noqa: A002
    """2-D convolution of `input` [batch, height, width, in_channels] with `filters`
    [height, width, in_channels, out_channels].

    `strides` and `dilations` are an int or a list of 1, 2 or 4 ints; `padding`
    is "SAME" (output size ceil(in / stride), the odd padding after, as TF),
    "VALID", or explicit pairs [[0, 0], [top, bottom], [left, right], [0, 0]];
    `data_format` "NHWC" or "NCHW". An input with k times the filter's
    in_channels is a grouped convolution, as in TF: k groups of channels, each
    with its slice of out_channels.
    """
    return _apply(_conv, "conv2d", input, filters, 2, strides, padding, data_format, dilations)


def conv3d(input, filters, strides, padding, data_format="NDHWC", dilations=None, name=None):  # noqa: A002
    """3-D convolution of `input` [batch, depth, height, width, in_channels] with `filters`
    [depth, height, width, in_channels, out_channels]; arguments as `conv2d`'s."""
    return _apply(_conv, "conv3d", input, filters, 3, strides, padding, data_format, dilations)


def convolution(input, filters, strides=None, padding="VALID", data_format=None, dilations=None,  # noqa: A002
                name=None):
    """N-D convolution (N = 1, 2, 3 from the rank of `input` or `filters`), as `tf.nn.convolution`."""
    x, w = operands_to_tensors(input, filters)
    n = _spatial_rank("convolution", x, w)
    return _apply(_conv, "convolution", x, w, n, strides, padding, data_format, dilations)


def conv_transpose(input, filters, output_shape, strides, padding="SAME", data_format=None,  # noqa: A002
                   dilations=None, name=None):
    """The transposed N-D convolution (N = len(output_shape) - 2): the gradient of `convolution`
    with respect to its input, as `tf.nn.conv_transpose`.

    `input` is [batch, *in_spatial, out_channels], `filters` [*kernel, in_channels, out_channels]
    and `output_shape` the shape of the result [batch, *out_spatial, in_channels] (a list or a
    1-D tensor; its spatial and channel entries must be known when tracing, the batch is the
    input's). `padding` is "SAME", "VALID" or explicit pairs, and picks which of the output
    sizes that convolve back to the input's the result has: `output_shape` must be one of them.
    """
    shape = shape_args.constant_value_as_shape(output_shape)
    if shape.rank is None or shape.rank not in (3, 4, 5):
        raise ValueError(f"conv_transpose: `output_shape` must have 3, 4 or 5 entries, got {output_shape}")
    return _transpose("conv_transpose", shape.rank - 2, input, filters, output_shape, strides, padding, data_format,
                      dilations)


def conv1d_transpose(input, filters, output_shape, strides, padding="SAME", data_format="NWC",  # noqa: A002
                     dilations=None, name=None):
    """The transposed 1-D convolution (the gradient of `conv1d`): `input` [batch, width, out_channels],
    `filters` [width, in_channels, out_channels], `output_shape` [batch, out_width, in_channels];
    the rest as `conv_transpose`."""
    return _transpose("conv1d_transpose", 1, input, filters, output_shape, strides, padding, data_format, dilations)


def conv2d_transpose(input, filters, output_shape, strides, padding="SAME", data_format="NHWC",  # noqa: A002
                     dilations=None, name=None):
    """The gradient of `conv2d` with respect to its input: `input` [batch, height, width, out_channels],
    `filters` [height, width, in_channels, out_channels], `output_shape` the shape of the result
    [batch, out_height, out_width, in_channels]; the rest as `conv_transpose`."""
    return _transpose("conv2d_transpose", 2, input, filters, output_shape, strides, padding, data_format, dilations)


def conv3d_transpose(input, filters, output_shape, strides, padding="SAME", data_format="NDHWC",  # noqa: A002
                     dilations=None, name=None):
    """The transposed 3-D convolution (the gradient of `conv3d`): `input` [batch, depth, height, width,
    out_channels], `filters` [depth, height, width, in_channels, out_channels]; as `conv_transpose`."""
    return _transpose("conv3d_transpose", 3, input, filters, output_shape, strides, padding, data_format, dilations)


def _transpose(op_name, n, input, filters, output_shape, strides, padding, data_format, dilations):  # noqa: A002
    """`conv_backprop_input` of `input` and `filters` for a forward input of `output_shape`."""
    x, w = operands_to_tensors(input, filters)
    known = shape_args.constant_value_as_shape(output_shape)  # unknown rank for None
    if known.rank != n + 2:
        raise ValueError(f"{op_name}: `output_shape` must have {n + 2} entries, got {output_shape}")
    first = channels_first(op_name, data_format, n)
    order = [0, *range(2, n + 2), 1] if first else list(range(n + 2))  # channels-last positions
    if first:
        x = to_channels_last(x, n)
    shape = [known.as_list()[i] for i in order]
    attrs = {"strides": spatial_tuple(op_name, "strides", strides, n, first=first),
             "dilations": spatial_tuple(op_name, "dilations", dilations, n, first=first),
             "padding": padding_attr(op_name, padding, n, first=first)}
    expected = _conv_infer(spec_of(shape, x.dtype), w.spec, **attrs)
    if x.shape.rank is not None and not expected.shape.is_compatible_with(x.shape):
        raise ValueError(f"{op_name}: `output_shape` {shape} convolved with the filter (shape {w.shape}) "
                         f"gives shape {expected.shape}, but `input` has shape {x.shape}")
    reference = creation.zeros(_reference_shape(output_shape, shape, order), x.dtype)
    result = bind(_conv_backprop_input, [x, w, reference], attrs)
    return to_channels_first(result, n) if first else result


def _reference_shape(output_shape, shape, order):
    """The shape of the transposed convolution's reference: an empty batch, then the result's spatial
    and channel sizes (channels last), as Python ints where known while tracing, else taken from the
    `output_shape` tensor at run time."""
    if None not in shape[1:]:
        return [0, *shape[1:]]
    entries = cast.cast(convert_to_tensor(output_shape), dtypes.int32)
    sizes = [size if size is not None else entries[i] for size, i in zip(shape[1:], order[1:])]
    return join_split.stack([0, *sizes])


def depthwise_conv2d(input, filter, strides, padding, data_format=None, dilations=None, name=None):  # noqa: A002
    """Depthwise 2-D convolution: `filter` [height, width, in_channels, multiplier] filters each input
    channel on its own; output channel c * multiplier + m is channel c under filter m.

    `strides` is a list of 4 ([1, sh, sw, 1]) or, leniently, 1 or 2 ints; the rest as `conv2d`.
    """
    return _apply(_depthwise, "depthwise_conv2d", input, filter, 2, strides, padding, data_format, dilations)


def separable_conv2d(input, depthwise_filter, pointwise_filter, strides, padding, data_format=None,  # noqa: A002
                     dilations=None, name=None):
    """A depthwise 2-D convolution followed by a 1x1 one, as `tf.nn.separable_conv2d`.

    `depthwise_filter` is [height, width, in_channels, multiplier] (see `depthwise_conv2d`, which
    takes `strides`, `padding` and `dilations`) and `pointwise_filter` [1, 1, in_channels *
    multiplier, out_channels], which mixes the depthwise outputs' channels at each position.
    """
    x, depthwise, pointwise = operands_to_tensors(input, depthwise_filter, pointwise_filter)
    shape = pointwise.shape
    if shape.rank is not None and (shape.rank != 4 or not {*list(shape)[:2]} <= {1, None}):
        raise ValueError(f"separable_conv2d: `pointwise_filter` must have shape [1, 1, in_channels * multiplier, "
                         f"out_channels], got {shape}")
    mixed = depthwise_conv2d(x, depthwise, strides, padding, data_format, dilations)
    return conv2d(mixed, pointwise, 1, "VALID", data_format or "NHWC")
