"""Transposed convolutions (conv_transpose, conv1d/2d/3d_transpose) and separable_conv2d in ops/conv.py:
TF 2.21's recorded values, the adjoint identity <conv_transpose(y), x> = <y, conv(x)>, channels-first
formats, an unknown batch while tracing, errors, and gradients against finite differences (float64)."""
import numpy as np
import pytest

import tracegraph as tg
from tracegraph.test import check_gradients


def rand(seed, shape):
    return np.random.default_rng(seed).standard_normal(shape)


# Inputs whose products are exact in float32 (as in test_conv.py).
X = ((np.arange(24) % 7 - 3) / 2).reshape(1, 3, 4, 2).astype(np.float32)
W2 = ((np.arange(12) % 5 - 2) / 4).reshape(2, 3, 1, 2).astype(np.float32)
X1, W1 = X.reshape(1, 12, 2), ((np.arange(6) % 5 - 2) / 4).reshape(3, 1, 2).astype(np.float32)
X3, W3 = X.reshape(1, 2, 3, 2, 2), ((np.arange(16) % 5 - 2) / 4).reshape(2, 2, 2, 1, 2).astype(np.float32)
DEPTHWISE = ((np.arange(8) % 5 - 2) / 4).reshape(2, 2, 2, 1).astype(np.float32)
POINTWISE = ((np.arange(6) % 5 - 2) / 4).reshape(1, 1, 2, 3).astype(np.float32)


def test_values_match_tensorflow():
    # recorded from TF 2.21: tf.nn.<op>(...) with the arguments below
    got = tg.nn.conv2d_transpose(X, W2, [1, 7, 9, 1], 2, "VALID").numpy()
    assert got.shape == (1, 7, 9, 1)
    assert got[0, :2, :, 0].tolist() == [[1.0, -0.25, 0.0, 0.0, -0.75, 0.25, -0.625, -0.375, 1.5],
                                         [0.375, -0.875, 1.125, -0.125, 0.125, 0.625, -0.875, -0.375, -0.375]]
    assert not got[0, 6].any()  # the last row is past every window: zero, as in TF
    assert tg.nn.conv1d_transpose(X1, W1, [1, 24, 1], 2, "SAME").numpy().ravel().tolist() == [
        1.0, -0.25, 0.0, 0.0, -0.75, 0.25, -0.625, -0.375, 2.125, -0.125, -0.375, 0.125, -1.125, 0.375, 0.75, -0.25,
        0.0, 0.0, -0.75, 0.25, -0.625, -0.375, 2.125, -0.125]
    got3 = tg.nn.conv3d_transpose(X3, W3, [1, 4, 3, 4, 1], [1, 2, 1, 2, 1], "SAME").numpy()
    assert got3[0, 0, :, :, 0].tolist() == [[1.0, -0.25, 0.25, 0.0], [-0.75, 0.625, -0.625, -0.25],
                                            [0.375, -0.25, 1.375, -0.25]]
    assert got3[0, 3, :, :, 0].tolist() == [[1.0, -0.875, -0.875, 1.0], [0.25, 0.0, 0.375, -0.75],
                                            [-0.375, -0.625, -0.25, 0.375]]
    ncw = tg.nn.conv_transpose(np.transpose(X1, (0, 2, 1)), W1, [1, 1, 16], 1, "VALID", data_format="NCW",
                               dilations=2)
    assert ncw.numpy().ravel().tolist() == [1.0, 0.25, -0.75, -0.375, 0.625, -0.75, -1.25, 2.625, 0.375, -1.0,
                                            -0.625, 0.625, -0.625, -0.375, 1.5, -0.25]
    assert tg.nn.separable_conv2d(X, DEPTHWISE, POINTWISE, [1, 2, 2, 1], "SAME").numpy().tolist() == [
        [[[0.0, 0.1875, -0.25], [-0.65625, -0.84375, 0.6875]], [[-0.0625, 0.0625, -0.125], [0.4375, 0.3125, -0.125]]]]
    assert tg.nn.separable_conv2d(X, DEPTHWISE, POINTWISE, [1, 1, 1, 1], "VALID", dilations=[1, 2]).numpy().tolist() \
        == [[[[0.1875, 0.375, -0.375], [-0.46875, -0.46875, 0.3125]],
             [[0.1875, 0.28125, -0.25], [-0.46875, -0.5625, 0.4375]]]]


@pytest.mark.parametrize("n, in_shape, kernel, strides, padding, dilations", [
    (1, (2, 9, 3), (3,), 2, "SAME", 1),
    (1, (2, 8, 3), (2,), 3, "VALID", 1),
    (1, (1, 9, 2), (3,), 1, [(0, 0), (2, 1), (0, 0)], 2),
    (2, (2, 5, 6, 2), (3, 2), (2, 3), "SAME", 1),
    (3, (1, 4, 3, 5, 2), (2, 2, 3), (2, 1, 2), "VALID", 1),
    (3, (1, 4, 3, 5, 2), (2, 1, 2), 1, "SAME", (1, 2, 2)),
])
def test_transpose_is_the_adjoint_of_the_convolution(n, in_shape, kernel, strides, padding, dilations):
    x, w = rand(0, in_shape), rand(1, (*kernel, in_shape[-1], 4))
    conv = tg.nn.convolution(x, w, strides, padding, dilations=dilations)
    y = rand(2, conv.shape)
    transpose = {1: tg.nn.conv1d_transpose, 2: tg.nn.conv2d_transpose, 3: tg.nn.conv3d_transpose}[n]
    t = transpose(y, w, list(in_shape), strides, padding, dilations=dilations)
    assert t.shape == in_shape
    np.testing.assert_allclose(np.sum(t.numpy() * x), np.sum(conv.numpy() * y), rtol=1e-12)
    np.testing.assert_allclose(tg.nn.conv_transpose(y, w, list(in_shape), strides, padding,
                                                    dilations=dilations).numpy(), t.numpy(), rtol=1e-12)


def test_channels_first_transposes_around_the_op():
    y, w = rand(3, (2, 3, 4, 3)), rand(4, (3, 2, 2, 3))
    want = tg.nn.conv2d_transpose(y, w, [2, 6, 8, 2], 2, "SAME").numpy()
    got = tg.nn.conv2d_transpose(np.transpose(y, (0, 3, 1, 2)), w, [2, 2, 6, 8], 2, "SAME", data_format="NCHW")
    np.testing.assert_allclose(got.numpy(), np.transpose(want, (0, 3, 1, 2)), rtol=1e-12)
    y3, w3 = rand(5, (1, 2, 2, 3, 2)), rand(6, (2, 2, 2, 1, 2))
    want3 = tg.nn.conv3d_transpose(y3, w3, [1, 4, 4, 6, 1], 2, "SAME").numpy()
    got3 = tg.nn.conv3d_transpose(np.moveaxis(y3, -1, 1), w3, [1, 1, 4, 4, 6], 2, "SAME", data_format="NCDHW")
    np.testing.assert_allclose(got3.numpy(), np.moveaxis(want3, -1, 1), rtol=1e-12)


def test_separable_is_depthwise_then_pointwise():
    x, depthwise, pointwise = rand(7, (2, 5, 6, 3)), rand(8, (3, 2, 3, 2)), rand(9, (1, 1, 6, 4))
    mixed = tg.nn.depthwise_conv2d(x, depthwise, [1, 2, 1, 1], "SAME", dilations=[1, 2])
    want = np.einsum("bhwc,cf->bhwf", mixed.numpy(), pointwise[0, 0])
    got = tg.nn.separable_conv2d(x, depthwise, pointwise, [1, 2, 1, 1], "SAME", dilations=[1, 2])
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12)
    first = tg.nn.separable_conv2d(np.transpose(x, (0, 3, 1, 2)), depthwise, pointwise, [1, 1, 2, 1], "SAME",
                                   data_format="NCHW", dilations=[1, 1, 1, 2])
    np.testing.assert_allclose(first.numpy(), np.transpose(want, (0, 3, 1, 2)), rtol=1e-12)


def test_the_batch_may_be_unknown_while_tracing(numpy_backend):
    w = rand(10, (3, 3, 2, 4))

    @tg.function(input_signature=[tg.TensorSpec([None, 3, 4, 4], tg.float64)])
    def upsample(y):
        return tg.nn.conv2d_transpose(y, w, tg.stack([tg.shape(y)[0], 6, 8, 2]), 2, "SAME")

    for batch in (1, 3):
        y = rand(batch, (batch, 3, 4, 4))
        np.testing.assert_allclose(upsample(y).numpy(), tg.nn.conv2d_transpose(y, w, [batch, 6, 8, 2], 2).numpy(),
                                   rtol=1e-12)
    assert upsample.get_concrete_function().structured_outputs.shape.as_list() == [None, 6, 8, 2]


def test_image_sizes_may_be_unknown_while_tracing(numpy_backend):
    w = rand(18, (3, 3, 2))  # width 3, 3 result channels, 2 input channels

    @tg.function(input_signature=[tg.TensorSpec([None, 2, None], tg.float64)])
    def upsample(y):  # channels first, its length known only at run time
        return tg.nn.conv1d_transpose(y, w, [tg.shape(y)[0], 3, 2 * tg.shape(y)[2]], 2, "SAME", data_format="NCW")

    for shape in [(1, 2, 3), (2, 2, 5)]:
        y = rand(19, shape)
        want = tg.nn.conv1d_transpose(y, w, [shape[0], 3, 2 * shape[2]], 2, "SAME", data_format="NCW")
        np.testing.assert_allclose(upsample(y).numpy(), want.numpy(), rtol=1e-12)
    assert upsample.get_concrete_function().structured_outputs.shape.as_list() == [None, 3, None]


@pytest.mark.parametrize("call, message", [
    (lambda: tg.nn.conv2d_transpose(rand(0, (1, 3, 3, 2)), rand(1, (2, 2, 1, 2)), [1, 9, 9, 1], 2), "output_shape"),
    (lambda: tg.nn.conv1d_transpose(rand(0, (1, 3, 2)), rand(1, (2, 1, 2)), [1, 6, 1, 1], 2), "3 entries"),
    (lambda: tg.nn.conv_transpose(rand(0, (1, 3, 2)), rand(1, (2, 1, 2)), [1, 6], 2), "3, 4 or 5 entries"),
    (lambda: tg.nn.separable_conv2d(rand(0, (1, 4, 4, 2)), rand(1, (2, 2, 2, 1)), rand(2, (2, 1, 2, 3)), 1, "SAME"),
     "pointwise_filter"),
])
def test_errors_are_clear(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_gradients_match_finite_differences():
    check_gradients(lambda y, w: tg.nn.conv1d_transpose(y, w, [2, 7, 2], 2, "SAME"),
                    [rand(11, (2, 4, 3)), rand(12, (3, 2, 3))], rtol=1e-6)
    check_gradients(lambda y, w: tg.nn.conv3d_transpose(y, w, [1, 3, 4, 3, 1], [2, 1, 1], "VALID"),
                    [rand(13, (1, 2, 3, 2, 2)), rand(14, (1, 2, 2, 1, 2))], rtol=1e-6)
    check_gradients(lambda x, d, p: tg.nn.separable_conv2d(x, d, p, [1, 2, 1, 1], "SAME"),
                    [rand(15, (1, 4, 3, 2)), rand(16, (2, 2, 2, 2)), rand(17, (1, 1, 4, 3))], rtol=1e-6)
