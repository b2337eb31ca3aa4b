"""Convolutions (ops/conv.py): conv1d/2d/3d, convolution, depthwise_conv2d, conv2d_transpose.

Values against a direct NumPy reference (loops over output positions, tiny
shapes) for every padding, stride and dilation, TF's recorded values for SAME
padding with strides (where the odd padding goes), shape rules with unknown
dimensions, errors, and gradients (first and second order) against finite
differences in float64, eagerly and inside tg.function.
"""
import itertools

import numpy as np
import pytest

import tracegraph as tg
from tracegraph.ir.graph import Graph
from tracegraph.ir.interpreter import interpret
from tracegraph.test import check_gradients


def rand(seed, shape, dtype=np.float64):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


# ----- the reference --------------------------------------------------------------------------

def reference_pads(in_sizes, kernel, strides, dilations, padding):
    """(before, after) per spatial axis, from TF's documented SAME rule."""
    if padding == "VALID":
        return [(0, 0)] * len(kernel)
    if padding == "SAME":
        pads = []
        for size, k, s, d in zip(in_sizes, kernel, strides, dilations):
            out = -(-size // s)
            total = max((out - 1) * s + (k - 1) * d + 1 - size, 0)
            pads.append((total // 2, total - total // 2))
        return pads
    return [tuple(p) for p in padding]


def reference_conv(x, w, strides, dilations, padding, depthwise=False):
    """Direct convolution: one dot product per output position and kernel offset."""
    n = x.ndim - 2
    kernel = w.shape[:n]
    pads = reference_pads(x.shape[1:-1], kernel, strides, dilations, padding)
    xp = np.pad(x, [(0, 0)] + pads + [(0, 0)])
    out = [(xp.shape[1 + i] - (kernel[i] - 1) * dilations[i] - 1) // strides[i] + 1 for i in range(n)]
    channels_out = x.shape[-1] * w.shape[-1] if depthwise else w.shape[-1]
    y = np.zeros((x.shape[0], *out, channels_out), x.dtype)
    for o in itertools.product(*(range(s) for s in out)):
        for k in itertools.product(*(range(s) for s in kernel)):
            pos = tuple(o[i] * strides[i] + k[i] * dilations[i] for i in range(n))
            patch = xp[(slice(None),) + pos]  # [batch, channels]
            if depthwise:
                y[(slice(None),) + o] += (patch[:, :, None] * w[k]).reshape(x.shape[0], -1)
            else:
                y[(slice(None),) + o] += patch @ w[k]
    return y


def reference_conv_gradients(x, w, g, strides, dilations, padding):
    """(d/dx, d/dw) of sum(g * conv(x, w)): the adjoint of `reference_conv`, position by position."""
    n = x.ndim - 2
    kernel = w.shape[:n]
    pads = reference_pads(x.shape[1:-1], kernel, strides, dilations, padding)
    xp = np.pad(x, [(0, 0)] + pads + [(0, 0)])
    dxp, dw = np.zeros_like(xp), np.zeros_like(w)
    for o in itertools.product(*(range(s) for s in g.shape[1:-1])):
        for k in itertools.product(*(range(s) for s in kernel)):
            pos = (slice(None),) + tuple(o[i] * strides[i] + k[i] * dilations[i] for i in range(n))
            go = g[(slice(None),) + o]  # [batch, out_channels]
            dxp[pos] += go @ w[k].T
            dw[k] += xp[pos].T @ go
    dx = dxp[(slice(None),) + tuple(slice(lo, lo + size) for (lo, _), size in zip(pads, x.shape[1:-1]))]
    return dx, dw


# ----- values ---------------------------------------------------------------------------------

PADDINGS_2D = ["VALID", "SAME", ((1, 0), (2, 1))]


@pytest.mark.parametrize("padding", PADDINGS_2D, ids=["valid", "same", "explicit"])
@pytest.mark.parametrize("strides, dilations", [((1, 1), (1, 1)), ((2, 1), (1, 1)), ((2, 3), (1, 1)),
                                                ((1, 1), (2, 1)), ((1, 1), (2, 2)), ((2, 2), (2, 1))])
def test_conv2d_matches_the_direct_reference(padding, strides, dilations):
    x, w = rand(0, (2, 7, 6, 3)), rand(1, (3, 2, 3, 4))
    got = tg.nn.conv2d(x, w, strides, padding if isinstance(padding, str) else [(0, 0), *padding, (0, 0)],
                       dilations=dilations)
    want = reference_conv(x, w, strides, dilations, padding)
    assert got.shape == want.shape and got.dtype == tg.float64
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("padding", ["VALID", "SAME", [(0, 0), (2, 1), (0, 0)]], ids=["valid", "same", "explicit"])
@pytest.mark.parametrize("stride, dilation", [(1, 1), (2, 1), (3, 1), (1, 2), (2, 3)])
def test_conv1d_matches_the_direct_reference(padding, stride, dilation):
    x, w = rand(2, (2, 9, 2)), rand(3, (3, 2, 3))
    got = tg.nn.conv1d(x, w, stride, padding, dilations=dilation)
    pads = padding if isinstance(padding, str) else padding[1:-1]
    np.testing.assert_allclose(got.numpy(), reference_conv(x, w, (stride,), (dilation,), pads), rtol=1e-12)


def test_conv3d_and_convolution_dispatch_on_rank():
    x, w = rand(4, (1, 4, 5, 3, 2)), rand(5, (2, 3, 2, 2, 3))
    want = reference_conv(x, w, (1, 2, 1), (1, 1, 2), "SAME")
    np.testing.assert_allclose(tg.nn.conv3d(x, w, [1, 1, 2, 1, 1], "SAME", dilations=[1, 1, 2]).numpy(), want,
                               rtol=1e-12)
    np.testing.assert_allclose(tg.nn.convolution(x, w, [1, 2, 1], "SAME", dilations=[1, 1, 2]).numpy(), want,
                               rtol=1e-12)
    x1, w1 = rand(6, (2, 5, 2)), rand(7, (2, 2, 1))
    np.testing.assert_allclose(tg.nn.convolution(x1, w1).numpy(), reference_conv(x1, w1, (1,), (1,), "VALID"))


def test_channels_first_formats_transpose_around_the_convolution():
    x, w = rand(8, (2, 6, 5, 3)), rand(9, (3, 3, 3, 2))
    want = reference_conv(x, w, (2, 1), (1, 1), "SAME")
    got = tg.nn.conv2d(np.transpose(x, (0, 3, 1, 2)), w, [1, 1, 2, 1], "SAME", data_format="NCHW")
    np.testing.assert_allclose(got.numpy(), np.transpose(want, (0, 3, 1, 2)), rtol=1e-12)
    x1 = rand(10, (2, 7, 3))
    got1 = tg.nn.conv1d(np.transpose(x1, (0, 2, 1)), w[0], 2, "VALID", data_format="NCW")
    np.testing.assert_allclose(got1.numpy(), np.transpose(reference_conv(x1, w[0], (2,), (1,), "VALID"), (0, 2, 1)))


# Inputs whose products are exact in float32: the recorded values compare exactly.
X_TF = ((np.arange(60) % 7 - 3) / 2).reshape(1, 5, 6, 2).astype(np.float32)
W_TF = ((np.arange(36) % 5 - 2) / 4).reshape(3, 2, 2, 3).astype(np.float32)


def test_same_padding_with_strides_matches_tensorflow():
    # recorded from TF 2.21: tf.nn.conv2d(X_TF, W_TF, 2, "SAME") and strides [1, 2, 3, 1]
    want_s2 = [[[[1.375, -0.625, 0.5], [0.0, 1.25, -1.25], [1.25, -1.25, -1.25]],
                [[-1.0, 2.0, -1.25], [2.0, -1.0, 0.375], [-1.125, 0.375, -0.625]],
                [[1.25, 0.0, 1.25], [-0.625, 1.375, -1.0], [1.0, -0.75, -0.625]]]]
    want_s23 = [[[[1.375, -0.625, 0.5], [-0.25, -0.875, 2.25]], [[-1.0, 2.0, -1.25], [-1.75, 1.875, -0.125]],
                 [[1.25, 0.0, 1.25], [-0.25, -1.0, 1.375]]]]
    assert tg.nn.conv2d(X_TF, W_TF, 2, "SAME").numpy().tolist() == want_s2
    assert tg.nn.conv2d(X_TF, W_TF, [1, 2, 3, 1], "SAME").numpy().tolist() == want_s23
    # the same padding given explicitly (TF 2.21 agrees): one row after, one column after
    assert tg.nn.conv2d(X_TF, W_TF, 2, [[0, 0], [1, 2], [0, 1], [0, 0]]).numpy().tolist() == want_s2
    # recorded from TF 2.21: tf.nn.conv1d(x1, w1, 2, "SAME")
    x1 = ((np.arange(14) % 5 - 2) / 2).reshape(1, 7, 2).astype(np.float32)
    w1 = ((np.arange(12) % 3 - 1) / 2).reshape(3, 2, 2).astype(np.float32)
    assert tg.nn.conv1d(x1, w1, 2, "SAME").numpy().tolist() == [[[0.25, -0.25], [0.5, 0.5], [-0.75, 0.5],
                                                                   [0.0, 0.25]]]


def test_dilated_same_padding_matches_tensorflow():
    # recorded from TF 2.21: tf.nn.conv2d(X_TF, W_TF, 1, "SAME", dilations=2), first two rows
    got = tg.nn.conv2d(X_TF, W_TF, 1, "SAME", dilations=2).numpy()
    assert got.shape == (1, 5, 6, 3)
    assert got[0, 0].tolist() == [[-0.25, 0.25, -0.5], [0.875, 0.125, 0.0], [1.5, 0.625, -0.875],
                                  [-1.375, 0.25, 0.0], [-0.75, -0.125, 1.75], [0.5, -0.125, -0.125]]
    assert got[0, 4, :2].tolist() == [[0.375, -1.25, 0.25], [0.625, 1.5, 0.5]]


def test_depthwise_conv2d_matches_reference_and_tensorflow():
    x, w = rand(11, (2, 6, 5, 3)), rand(12, (3, 2, 3, 2))
    for strides, dilations, padding in [((1, 1), (1, 1), "VALID"), ((2, 2), (1, 1), "SAME"),
                                        ((1, 1), (2, 1), "SAME")]:
        got = tg.nn.depthwise_conv2d(x, w, [1, *strides, 1], padding, dilations=dilations)
        np.testing.assert_allclose(got.numpy(), reference_conv(x, w, strides, dilations, padding, depthwise=True),
                                   rtol=1e-12, atol=1e-12)
    # recorded from TF 2.21: tf.nn.depthwise_conv2d(X_TF, wd, [1, 2, 2, 1], "SAME"), first row
    wd = ((np.arange(24) % 5 - 2) / 4).reshape(3, 2, 2, 2).astype(np.float32)
    assert tg.nn.depthwise_conv2d(X_TF, wd, [1, 2, 2, 1], "SAME").numpy()[0, 0].tolist() == [
        [0.125, -0.5, 0.875, 0.75], [0.0, 0.5, -1.25, 0.75], [-0.125, -0.25, 0.125, -1.0]]


def test_conv2d_transpose_is_the_adjoint_of_conv2d():
    x, w = rand(13, (2, 5, 6, 2)), rand(14, (3, 2, 2, 3))
    y = rand(15, (2, 3, 2, 3))
    t = tg.nn.conv2d_transpose(y, w, [2, 5, 6, 2], [1, 2, 3, 1], "SAME").numpy()
    conv = tg.nn.conv2d(x, w, [2, 3], "SAME").numpy()
    np.testing.assert_allclose(np.sum(t * x), np.sum(conv * y), rtol=1e-12)
    # recorded from TF 2.21: conv2d_transpose(conv2d(X_TF, W_TF, 2, "SAME"), W_TF, [1, 5, 6, 2], 2, "SAME")
    got = tg.nn.conv2d_transpose(tg.nn.conv2d(X_TF, W_TF, 2, "SAME"), W_TF, [1, 5, 6, 2], 2, "SAME")
    assert got.numpy().ravel()[:6].tolist() == [0.09375, -0.53125, -0.21875, -0.21875, -0.3125, -0.3125]
    with pytest.raises(ValueError, match="output_shape"):
        tg.nn.conv2d_transpose(y, w, [2, 9, 9, 2], 2, "SAME")


def test_grouped_convolution_when_the_input_has_k_times_the_filter_channels():
    x, w = rand(32, (2, 5, 4, 6)), rand(33, (2, 2, 3, 4))
    want = np.concatenate([reference_conv(x[..., 3 * g:3 * g + 3], w[..., 2 * g:2 * g + 2], (1, 2), (1, 1), "SAME")
                           for g in range(2)], axis=-1)
    np.testing.assert_allclose(tg.nn.conv2d(x, w, [1, 2], "SAME").numpy(), want, rtol=1e-12)
    check_gradients(lambda x, w: tg.nn.conv2d(x, w, [1, 2], "SAME"), [x[:1], w], rtol=1e-6)
    # recorded from TF 2.21: two groups of two channels, first output row
    xt = ((np.arange(64) % 7 - 3) / 2).reshape(1, 4, 4, 4).astype(np.float32)
    wt = ((np.arange(32) % 5 - 2) / 4).reshape(2, 2, 2, 4).astype(np.float32)
    assert tg.nn.conv2d(xt, wt, 1, "VALID").numpy()[0, 0].tolist() == [
        [0.875, -0.125, -0.875, 0.875], [0.5, -0.625, -0.625, -0.875], [-0.75, 1.5, 0.5, 1.75]]
    with pytest.raises(ValueError, match="3 output channels do not divide into 2 groups"):
        tg.nn.conv2d(x, w[..., :3], 1, "SAME")


def test_float32_and_empty_batches():
    x, w = rand(16, (3, 5, 5, 2), np.float32), rand(17, (2, 2, 2, 3), np.float32)
    got = tg.nn.conv2d(x, w, 1, "VALID")
    assert got.dtype == tg.float32
    np.testing.assert_allclose(got.numpy(), reference_conv(x, w, (1, 1), (1, 1), "VALID"), rtol=1e-5, atol=1e-6)
    assert tg.nn.conv2d(x[:0], w, 2, "SAME").shape == (0, 3, 3, 3)


def test_a_window_larger_than_the_input_gives_an_empty_output_as_in_tf():
    # TF rounds (size - window + stride) / stride toward zero: empty, not an error
    assert tg.nn.conv1d(rand(0, (1, 4, 1)), rand(1, (6, 1, 2)), 2, "VALID").shape == (1, 0, 2)


# ----- shape rules and errors -----------------------------------------------------------------

def test_unknown_dimensions_trace_and_run(numpy_backend):
    f = tg.function(lambda x, w: tg.nn.conv2d(x, w, [2, 1], "SAME", dilations=[1, 2]),
                    input_signature=[tg.TensorSpec([None, None, 6, 3], tg.float64),
                                     tg.TensorSpec([3, 2, 3, 4], tg.float64)])
    assert f.get_concrete_function().structured_outputs.shape.as_list() == [None, None, 6, 4]
    x, w = rand(18, (2, 5, 6, 3)), rand(19, (3, 2, 3, 4))
    np.testing.assert_allclose(f(x, w).numpy(), reference_conv(x, w, (2, 1), (1, 2), "SAME"), rtol=1e-12)
    valid = tg.function(lambda x, w: tg.nn.conv2d(x, w, 2, "VALID"),
                        input_signature=[tg.TensorSpec([None, 7, None, 3], tg.float64),
                                         tg.TensorSpec([3, 2, 3, 4], tg.float64)])
    assert valid.get_concrete_function().structured_outputs.shape.as_list() == [None, 3, None, 4]


@pytest.mark.parametrize("call, error, message", [
    (lambda: tg.nn.conv2d(rand(0, (1, 5, 5)), rand(1, (2, 2, 1, 1)), 1, "VALID"), ValueError, "rank 4"),
    (lambda: tg.nn.conv2d(rand(0, (1, 5, 5, 3)), rand(1, (2, 2, 2, 1)), 1, "VALID"), ValueError,
     r"3 channels.*\(1, 5, 5, 3\).*2 input channels"),
    (lambda: tg.nn.conv2d(rand(0, (1, 3, 3, 1)), rand(1, (5, 5, 1, 1)), 1, "VALID"), ValueError,
     "does not fit.*negative"),
    (lambda: tg.nn.conv2d(rand(0, (1, 3, 3, 1)), rand(1, (1, 1, 1, 1)), 1, "same"), ValueError, "'SAME' or 'VALID'"),
    (lambda: tg.nn.conv2d(rand(0, (1, 3, 3, 1)), rand(1, (1, 1, 1, 1)), [1, 2, 1], "SAME"), ValueError,
     "list of 1, 2 or 4"),
    (lambda: tg.nn.conv2d(rand(0, (1, 3, 3, 1)), rand(1, (1, 1, 1, 1)), [2, 1, 1, 1], "SAME"), ValueError,
     "batch and channel"),
    (lambda: tg.nn.conv2d(rand(0, (1, 3, 3, 1)), rand(1, (1, 1, 1, 1)), 0, "SAME"), ValueError, "positive"),
    (lambda: tg.nn.conv2d(rand(0, (1, 3, 3, 1)), rand(1, (1, 1, 1, 1)), 1, [[1, 0], [1, 1], [1, 1], [0, 0]]),
     ValueError, "batch and channel"),
    (lambda: tg.nn.conv2d(rand(0, (1, 3, 3, 1)), rand(1, (1, 1, 1, 1)), 1, "SAME", data_format="NWHC"),
     ValueError, "data_format"),
    (lambda: tg.nn.conv2d(tg.constant(rand(0, (1, 3, 3, 1)), tg.float32), tg.constant(rand(1, (1, 1, 1, 1))), 1,
                          "SAME"), TypeError, "float32.*float64"),
    (lambda: tg.nn.conv2d(np.ones((1, 3, 3, 1), np.int32), np.ones((1, 1, 1, 1), np.int32), 1, "SAME"),
     TypeError, "float"),
    (lambda: tg.nn.convolution(rand(0, (1, 3)), rand(1, (1, 3))), ValueError, "rank 3, 4 or 5"),
])
def test_errors_are_clear(call, error, message):
    with pytest.raises(error, match=message):
        call()


# (in_channels, out_channels) and geometries chosen so that both formulations of the input gradient
# run (strided adds per kernel offset, and the convolution of the spread gradient, which padding
# larger than the dilated kernel cuts), and one input channel takes im2col by slices.
CHANNELS = [(1, 3), (2, 5), (4, 2)]
GEOMETRIES = [((1, 1), (1, 1), "VALID"), ((2, 3), (1, 1), "SAME"), ((1, 2), (2, 1), "SAME"),
              ((3, 2), (1, 2), ((4, 1), (0, 3))), ((1, 1), (1, 1), ((3, 0), (1, 4)))]


@pytest.mark.parametrize("channels", CHANNELS, ids=["1-to-3", "2-to-5", "4-to-2"])
@pytest.mark.parametrize("strides, dilations, padding", GEOMETRIES,
                         ids=["valid", "same-strided", "same-dilated", "explicit-strided", "explicit-large"])
def test_conv2d_and_its_gradients_match_the_direct_reference(channels, strides, dilations, padding):
    x, w = rand(40, (2, 7, 6, channels[0])), rand(41, (3, 2, *channels))
    pad = padding if isinstance(padding, str) else [(0, 0), *padding, (0, 0)]
    want = reference_conv(x, w, strides, dilations, padding)
    g = rand(42, want.shape)
    x_t, w_t = tg.constant(x), tg.constant(w)
    with tg.GradientTape() as tape:
        tape.watch([x_t, w_t])
        y = tg.nn.conv2d(x_t, w_t, strides, pad, dilations=dilations)
    np.testing.assert_allclose(y.numpy(), want, rtol=1e-12, atol=1e-12)
    dx, dw = tape.gradient(y, [x_t, w_t], output_gradients=tg.constant(g))
    want_dx, want_dw = reference_conv_gradients(x, w, g, strides, dilations, padding)
    np.testing.assert_allclose(dx.numpy(), want_dx, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dw.numpy(), want_dw, rtol=1e-12, atol=1e-12)


def test_conv3d_gradients_on_both_input_gradient_paths_match_the_direct_reference():
    for channels in ((1, 3), (3, 1)):
        x, w = rand(43, (1, 4, 5, 3, channels[0])), rand(44, (2, 3, 2, *channels))
        want = reference_conv(x, w, (1, 2, 1), (1, 1, 2), "SAME")
        g = rand(45, want.shape)
        x_t, w_t = tg.constant(x), tg.constant(w)
        with tg.GradientTape() as tape:
            tape.watch([x_t, w_t])
            y = tg.nn.conv3d(x_t, w_t, [1, 1, 2, 1, 1], "SAME", dilations=[1, 1, 2])
        dx, dw = tape.gradient(y, [x_t, w_t], output_gradients=tg.constant(g))
        want_dx, want_dw = reference_conv_gradients(x, w, g, (1, 2, 1), (1, 1, 2), "SAME")
        np.testing.assert_allclose(dx.numpy(), want_dx, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(dw.numpy(), want_dw, rtol=1e-12, atol=1e-12)


# ----- gradients ------------------------------------------------------------------------------

GRADIENT_CASES = [((1, 1), (1, 1), "VALID"), ((2, 1), (1, 1), "SAME"), ((1, 2), (2, 1), "SAME"),
                  ((2, 2), (1, 1), ((1, 0), (0, 2))), ((1, 2), (1, 1), ((3, 1), (0, 4)))]


@pytest.mark.parametrize("strides, dilations, padding", GRADIENT_CASES,
                         ids=["valid", "same-s2", "same-dil", "explicit", "explicit-large"])
def test_conv2d_gradients_match_finite_differences(strides, dilations, padding):
    x, w = rand(20, (2, 5, 4, 2)), rand(21, (2, 3, 2, 2))
    pad = padding if isinstance(padding, str) else [(0, 0), *padding, (0, 0)]
    check_gradients(lambda x, w: tg.nn.conv2d(x, w, strides, pad, dilations=dilations), [x, w], rtol=1e-6)


def test_conv1d_and_depthwise_gradients_match_finite_differences():
    check_gradients(lambda x, w: tg.nn.conv1d(x, w, 2, "SAME", dilations=1), [rand(22, (2, 7, 2)), rand(23, (3, 2, 2))],
                    rtol=1e-6)
    check_gradients(lambda x, w: tg.nn.depthwise_conv2d(x, w, [1, 2, 1, 1], "SAME", dilations=[1, 2]),
                    [rand(24, (1, 5, 4, 2)), rand(25, (2, 2, 2, 2))], rtol=1e-6)


def _first_gradients(conv):
    """(x, w) -> the gradients of sum(sin(conv(x, w))) with respect to x and w, summed with weights."""
    def f(x, w):
        with tg.GradientTape() as tape:
            tape.watch([x, w])
            y = tg.reduce_sum(tg.sin(conv(x, w)))
        gx, gw = tape.gradient(y, [x, w])
        return tg.reduce_sum(gx * gx) + tg.reduce_sum(gw * tg.cos(gw))
    return f


@pytest.mark.parametrize("conv", [
    lambda x, w: tg.nn.conv2d(x, w, [2, 1], "SAME", dilations=[1, 2]),
    lambda x, w: tg.nn.depthwise_conv2d(x, w, [1, 1, 2, 1], "VALID"),
], ids=["conv2d", "depthwise"])
def test_second_order_gradients_through_the_backprop_ops(conv):
    check_gradients(_first_gradients(conv), [rand(26, (1, 4, 5, 2)), rand(27, (2, 2, 2, 2))], rtol=1e-5, atol=1e-7)


def test_gradients_inside_a_traced_function_equal_eager(numpy_backend):
    x, w = rand(28, (2, 6, 5, 3)), rand(29, (3, 3, 3, 2))

    def grads(x, w):
        with tg.GradientTape() as tape:
            tape.watch([x, w])
            y = tg.reduce_sum(tg.square(tg.nn.conv2d(x, w, 2, "SAME")))
        return tape.gradient(y, [x, w])

    eager = grads(tg.constant(x), tg.constant(w))
    traced = tg.function(grads, input_signature=[tg.TensorSpec([None, None, None, 3], tg.float64),
                                                 tg.TensorSpec([3, 3, 3, 2], tg.float64)])(x, w)
    for e, t in zip(eager, traced):
        np.testing.assert_allclose(t.numpy(), e.numpy(), rtol=1e-12)


def test_traced_graph_survives_json_and_runs_on_numba():
    pytest.importorskip("numba")
    x, w = rand(30, (2, 6, 5, 3), np.float32), rand(31, (3, 3, 3, 2), np.float32)
    f = tg.function(lambda x, w: tg.nn.relu(tg.nn.conv2d(x, w, [1, 2], [[0, 0], [1, 2], [0, 1], [0, 0]]) + 1.0),
                    backend="numba")
    want = np.maximum(reference_conv(x, w, (1, 2), (1, 1), ((1, 2), (0, 1))) + 1, 0)
    np.testing.assert_allclose(f(x, w).numpy(), want, rtol=1e-5, atol=1e-5)
    graph = Graph.from_json(f.get_concrete_function(x, w).optimized_graph.to_json())
    np.testing.assert_allclose(interpret(graph, [x, w])[0], want, rtol=1e-5, atol=1e-5)


def test_results_from_pooled_buffers_stay_valid_while_held():
    # conv results (and their temporaries) come from the buffer pool: a held result is never handed out again
    x, w1, w2 = rand(40, (2, 6, 5, 3)), rand(41, (3, 3, 3, 4)), rand(42, (3, 3, 3, 4))
    want1, want2 = reference_conv(x, w1, (1, 1), (1, 1), "SAME"), reference_conv(x, w2, (1, 1), (1, 1), "SAME")
    first = tg.nn.conv2d(x, w1, 1, "SAME")
    views = [tg.nn.conv2d(x, w, 1, "SAME").numpy()[:, 1:] for w in (w2, w1, w2)]
    np.testing.assert_allclose(first.numpy(), want1, rtol=1e-12)
    for view, want in zip(views, (want2, want1, want2)):
        np.testing.assert_allclose(view, want[:, 1:], rtol=1e-12)
    both = tg.function(lambda x: [tg.nn.conv2d(x, w1, 1, "SAME"), tg.nn.conv2d(x, w2, 1, "SAME")])
    for _ in range(2):
        got = [t.numpy() for t in both(x)]
        np.testing.assert_allclose(got[0], want1, rtol=1e-12)
        np.testing.assert_allclose(got[1], want2, rtol=1e-12)
