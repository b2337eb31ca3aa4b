"""Compiled kernels for convolutions: the depthwise ops (forward, input gradient, filter gradient)
and the input gradient's (a transposed convolution's) sum of per-window products.

On NumPy a depthwise convolution is one multiply-add of a whole strided slice per kernel offset:
nine passes over memory for a 3x3 kernel, each far slower than its arithmetic. Here one parallel
loop over output rows (input rows for the input gradient, so that no two threads write one row)
reads each row once per kernel row and keeps it in cache; the innermost loop runs over the
channels, contiguous, and vectorizes. Padding is never materialized: the loops skip the taps
that fall outside the input.

Channel multipliers M > 1 run in the output's channel space j = c * M + m: the input is repeated
M times along channels first (x[..., c] at every j of channel c), so every loop is the M = 1 loop
over C * M channels, and the input gradient sums the M entries of each channel afterwards.

The filter gradient sums over batch and positions in a fixed number of row blocks (independent of
the thread count, so results do not depend on it), then adds the blocks' partial filters.

The backend compiles the ops named in `COMPILED_OPS` with the class given there.
Only 1-D and 2-D convolutions of float32/float64 arrays run here; anything else (and empty
arrays) runs the op's NumPy implementation.
"""
import functools
import math

import numpy as np

from tracegraph.buffer_pool import BUFFERS
from tracegraph.ops.conv import all_pads, is_pointwise, out_size, sums_window_products, window_products

__all__ = ["COMPILED_OPS", "DEPTHWISE_OPS", "DepthwiseKernel", "WindowSumKernel"]

#: The depthwise ops, by name: which of the three computations each one is.
DEPTHWISE_OPS = {"depthwise_conv": "forward", "depthwise_conv_backprop_input": "input",
                 "depthwise_conv_backprop_filter": "filter"}

#: Row blocks of the filter gradient's partial sums (a fixed number: see the module docstring).
FILTER_BLOCKS = 32

_SOURCE = '''\
# tracegraph's Numba backend: depthwise convolution kernels (conv_kernels.py).
import numpy as np
from numba import njit, prange

_OPTIONS = dict(cache=True, error_model="numpy", nogil=True)


@njit(inline="always")
def _tap_range(offset, stride, size, out):
    """The output positions o in [0, out) whose tap o * stride + offset lies in [0, size)."""
    lo = 0 if offset >= 0 else (-offset + stride - 1) // stride
    if size - 1 - offset < 0:
        return lo, lo
    return lo, max(lo, min(out, (size - 1 - offset) // stride + 1))


@njit(inline="always")
def _run(k, lo, hi, stride, offset, channels):
    """Run k of one kernel column's taps along a row: (first, end, shift), entries t in [first, end)
    of the flat output row meet entry t + shift of the flat input row. Stride 1 is one run."""
    if stride == 1:
        return lo * channels, hi * channels, offset * channels
    p = lo + k
    return p * channels, (p + 1) * channels, (p * (stride - 1) + offset) * channels


@njit(inline="always")
def _runs(lo, hi, stride):
    return min(hi - lo, 1) if stride == 1 else hi - lo


# Indices are cast to unsigned (they are never negative): numba then skips its wraparound test
# for negative indices, and the innermost loops vectorize (10x faster).

@njit(parallel=True, **_OPTIONS)
def forward(x, taps, channels, sh, sw, dh, dw, ph, pw, out):
    """out[b, o, p, j] = sum over taps of x[b, o*sh - ph + kh*dh, p*sw - pw + kw*dw, j] * w[kh, kw, j],
    rows flat (x [b, h, w * c], out [b, out_h, out_w * c]), each tap tiled along a row (taps [kh, kw, out_w * c])."""
    batch, height, width = x.shape[0], x.shape[1], x.shape[2] // channels
    out_h, out_w = out.shape[1], out.shape[2] // channels
    for r in prange(batch * out_h):
        b, o = r // out_h, r % out_h
        row = out[b, o]
        row[:] = 0
        for kh in range(taps.shape[0]):
            i = o * sh - ph + kh * dh
            if i < 0 or i >= height:
                continue
            source = x[b, i]
            for kw in range(taps.shape[1]):
                offset = kw * dw - pw
                lo, hi = _tap_range(offset, sw, width, out_w)
                tap = taps[kh, kw]
                for k in range(_runs(lo, hi, sw)):
                    first, end, shift = _run(k, lo, hi, sw, offset, channels)
                    for t in range(first, end):
                        u = np.uint64(t)
                        row[u] += source[np.uint64(t + shift)] * tap[u]


@njit(parallel=True, **_OPTIONS)
def backprop_input(g, taps, channels, sh, sw, dh, dw, ph, pw, dx):
    """The adjoint of `forward` in x (g [b, out_h, out_w * c], dx [b, h, w * c]): each input row
    gathers the output rows its taps reach, so no two threads write one row."""
    batch, out_h, out_w = g.shape[0], g.shape[1], g.shape[2] // channels
    height, width = dx.shape[1], dx.shape[2] // channels
    for r in prange(batch * height):
        b, i = r // height, r % height
        row = dx[b, i]
        row[:] = 0
        for kh in range(taps.shape[0]):
            t = i + ph - kh * dh
            if t < 0 or t % sh != 0 or t // sh >= out_h:
                continue
            source = g[b, t // sh]
            for kw in range(taps.shape[1]):
                offset = kw * dw - pw
                lo, hi = _tap_range(offset, sw, width, out_w)
                tap = taps[kh, kw]
                for k in range(_runs(lo, hi, sw)):
                    first, end, shift = _run(k, lo, hi, sw, offset, channels)
                    for t in range(first, end):
                        u = np.uint64(t)
                        row[np.uint64(t + shift)] += source[u] * tap[u]


@njit(parallel=True, **_OPTIONS)
def backprop_filter(x, g, channels, sh, sw, dh, dw, ph, pw, partials):
    """partials[k, kh, kw, j]: the filter gradient summed over the k-th block of (batch, output row)
    pairs (x [b, h, w * c], g [b, out_h, out_w * c]); each block sums along rows first, per entry."""
    batch, height, width = x.shape[0], x.shape[1], x.shape[2] // channels
    out_h, out_w = g.shape[1], g.shape[2] // channels
    blocks, kernel_h, kernel_w = partials.shape[0], partials.shape[1], partials.shape[2]
    rows = batch * out_h
    for k in prange(blocks):
        along = np.zeros((kernel_h, kernel_w, out_w * channels), dtype=partials.dtype)
        for r in range((rows * k) // blocks, (rows * (k + 1)) // blocks):
            b, o = r // out_h, r % out_h
            gradient = g[b, o]
            for kh in range(kernel_h):
                i = o * sh - ph + kh * dh
                if i < 0 or i >= height:
                    continue
                source = x[b, i]
                for kw in range(kernel_w):
                    offset = kw * dw - pw
                    lo, hi = _tap_range(offset, sw, width, out_w)
                    target = along[kh, kw]
                    for run in range(_runs(lo, hi, sw)):
                        first, end, shift = _run(run, lo, hi, sw, offset, channels)
                        for t in range(first, end):
                            u = np.uint64(t)
                            target[u] += source[np.uint64(t + shift)] * gradient[u]
        partial = partials[k]
        partial[:] = 0
        for kh in range(kernel_h):
            for kw in range(kernel_w):
                for p in range(out_w):
                    for j in range(channels):
                        partial[kh, kw, j] += along[kh, kw, p * channels + j]


@njit(parallel=True, **_OPTIONS)
def sum_windows(columns, kernel_h, kernel_w, channels, sh, sw, dh, dw, ph, pw, dx):
    """dx[b, i, q, j] = the sum of columns[b, o, p, kh, kw, j] over the taps at input position (i, q):
    a convolution's input gradient from its per-window products (columns [b, out_h, out_w * kh * kw * c],
    dx [b, h, w * c]), gathered per input row."""
    out_h, window = columns.shape[1], kernel_h * kernel_w * channels
    out_w, height, width = columns.shape[2] // window, dx.shape[1], dx.shape[2] // channels
    for r in prange(columns.shape[0] * height):
        b, i = r // height, r % height
        row = dx[b, i]
        row[:] = 0
        for kh in range(kernel_h):
            t = i + ph - kh * dh
            if t < 0 or t % sh != 0 or t // sh >= out_h:
                continue
            source = columns[b, t // sh]
            for kw in range(kernel_w):
                offset = kw * dw - pw
                lo, hi = _tap_range(offset, sw, width, out_w)
                for p in range(lo, hi):
                    first, target = p * window + (kh * kernel_w + kw) * channels, (p * sw + offset) * channels
                    for j in range(channels):
                        row[np.uint64(target + j)] += source[np.uint64(first + j)]
'''


def _geometry_args(in_sizes, kernel, strides, dilations, padding):
    """The kernels' six geometry arguments (strides, dilations, pads before), a 1-D convolution's as
    a 2-D one's of height 1."""
    pads = all_pads(in_sizes, kernel, strides, dilations, padding)
    lift = 2 - len(strides)
    return (*(1,) * lift, *strides, *(1,) * lift, *dilations, *(0,) * lift, *(lo for lo, _ in pads))


@functools.cache
def _kernels():
    from .cache import load_kernel_module  # noqa: PLC0415 - imports numba (this module is imported by the backend's)
    return load_kernel_module(_SOURCE)


class DepthwiseKernel:
    """A callable `(xp, *arrays)` running one depthwise node compiled (see the module docstring),
    or the op's NumPy implementation where the kernels do not apply."""

    def __init__(self, node):
        self.compute = getattr(self, "_" + DEPTHWISE_OPS[node.op.name])
        self.strides, self.dilations, self.padding = (node.attrs[k] for k in ("strides", "dilations", "padding"))
        self.n = len(self.strides)
        self.fallback = functools.partial(node.op.impl, **node.attrs)

    def __call__(self, xp, *arrays):
        dtype = arrays[0].dtype
        if (self.n not in (1, 2) or dtype not in (np.float32, np.float64) or arrays[1].dtype != dtype
                or arrays[0].size == 0 or arrays[1].size == 0):
            return self.fallback(xp, *arrays)
        result = self.compute(*arrays)
        return self.fallback(xp, *arrays) if result is None else result

    def _geometry(self, in_sizes, kernel):
        """The kernels' six geometry arguments (see `_geometry_args`)."""
        return _geometry_args(in_sizes, kernel, self.strides, self.dilations, self.padding)

    def _rows(self, a, repeats=1):
        """[batch, *spatial, channels] as contiguous flat rows [batch, height, width * channels]
        (height 1 in 1-D), its channels each repeated `repeats` times."""
        if repeats != 1:
            a = np.repeat(a, repeats, axis=-1)
        return np.ascontiguousarray(a).reshape(a.shape[0], 1 if self.n == 1 else a.shape[1], -1)

    def _taps(self, w, out_w):
        """The filter [*kernel, channels, multiplier] as [kernel_h, kernel_w, out_w * channels * multiplier]:
        each tap's channels repeated for every output position of a row."""
        kernel = w.shape[:2] if self.n == 2 else (1, w.shape[0])
        taps = np.broadcast_to(w.reshape(*kernel, 1, -1), (*kernel, out_w, math.prod(w.shape[self.n:])))
        return np.ascontiguousarray(taps).reshape(*kernel, -1)

    def _forward(self, x, w):
        channels, in_sizes, kernel = x.shape[-1] * w.shape[-1], x.shape[1:-1], w.shape[:self.n]
        out = [out_size(in_sizes[i], kernel[i], self.strides[i], self.dilations[i], self.padding, i)
               for i in range(self.n)]
        shape = (x.shape[0], *out, channels)
        if min(shape) <= 0:
            return None
        result = BUFFERS.empty(np, shape, x.dtype)
        _kernels().forward(self._rows(x, w.shape[-1]), self._taps(w, out[-1]), channels,
                           *self._geometry(in_sizes, kernel),
                           result.reshape(shape[0], -1, out[-1] * channels))
        return result

    def _input(self, g, w, x_ref):
        channels, multiplier = w.shape[-2:]
        in_sizes = x_ref.shape[1:-1]
        geometry = self._geometry(in_sizes, w.shape[:self.n])
        shape = (g.shape[0], *in_sizes, channels * multiplier)
        if min(shape) <= 0:
            return None
        result = BUFFERS.empty(np, shape, g.dtype)  # with a multiplier, a temporary: its entries are summed below
        _kernels().backprop_input(self._rows(g), self._taps(w, g.shape[-2]), shape[-1], *geometry,
                                  result.reshape(shape[0], -1, in_sizes[-1] * shape[-1]))
        if multiplier > 1:
            return result.reshape(*shape[:-1], channels, multiplier).sum(axis=-1)
        return result

    def _filter(self, x, g, w_ref):
        channels, multiplier = w_ref.shape[-2:]
        geometry = self._geometry(x.shape[1:-1], w_ref.shape[:self.n])
        rows = g.shape[0] * (1 if self.n == 1 else g.shape[1])
        kernel = (1,) * (2 - self.n) + tuple(w_ref.shape[:self.n])
        partials = np.empty((min(FILTER_BLOCKS, rows), *kernel, channels * multiplier), dtype=x.dtype)
        _kernels().backprop_filter(self._rows(x, multiplier), self._rows(g), channels * multiplier, *geometry,
                                   partials)
        return partials.sum(axis=0).reshape(w_ref.shape)


class WindowSumKernel:
    """A callable `(xp, g, w, x_ref)` for `conv_backprop_input` (a transposed convolution's forward):
    where the op adds back per-window products (`sums_window_products`), the products are the op's
    own (one matrix product) and `sum_windows` gathers them into each input row, instead of a
    zero-filled padded array, one strided add per kernel offset and a cropped view. Elsewhere, the
    op's NumPy implementation."""

    def __init__(self, node):
        self.strides, self.dilations, self.padding = (node.attrs[k] for k in ("strides", "dilations", "padding"))
        self.n = len(self.strides)
        self.fallback = functools.partial(node.op.impl, **node.attrs)

    def __call__(self, xp, g, w, x_ref):
        kernel, in_sizes = w.shape[:-2], x_ref.shape[1:-1]
        if (self.n not in (1, 2) or g.dtype not in (np.float32, np.float64) or w.dtype != g.dtype or g.size == 0
                or w.size == 0 or 0 in in_sizes or is_pointwise(kernel, self.strides, in_sizes, g.shape[1:-1])
                or not sums_window_products(g.shape, w.shape, in_sizes)):
            return self.fallback(xp, g, w, x_ref)
        columns = window_products(np, g, w)
        shape = (g.shape[0], *in_sizes, w.shape[-2])
        result = BUFFERS.empty(np, shape, g.dtype)
        geometry = _geometry_args(in_sizes, kernel, self.strides, self.dilations, self.padding)
        _kernels().sum_windows(columns.reshape(g.shape[0], 1 if self.n == 1 else g.shape[1], -1),
                               *(1,) * (2 - self.n), *kernel, shape[-1], *geometry,
                               result.reshape(shape[0], 1 if self.n == 1 else shape[1], -1))
        return result


#: The ops this module compiles, by name, and the kernel class of each.
COMPILED_OPS = {**dict.fromkeys(DEPTHWISE_OPS, DepthwiseKernel), "conv_backprop_input": WindowSumKernel}
