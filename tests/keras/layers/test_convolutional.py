"""keras.layers.Conv1D / Conv2D / Conv3D: shapes, values against NumPy (and Keras 3's recorded
outputs), causal padding, groups, channels_first, configs, errors, regularization, and gradients
against finite differences in float64, eagerly and inside tg.function."""
import itertools

import numpy as np
import pytest

import tracegraph as tg
from tracegraph import keras
from tracegraph.keras.layers.convolutional import Conv1D, Conv2D, Conv3D, Convolution2D


def rand(seed, shape, dtype=np.float64):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def deterministic_weights(layer):
    """The weights the Keras recordings below were made with."""
    return [((np.arange(w.numpy().size) * 0.37 % 1.0) - 0.5).reshape(w.shape).astype(np.float32)
            for w in layer.weights]


def reference_conv(x, kernel, strides, dilations, pads):
    """Direct channels-last convolution of x with explicit (before, after) pads, one output at a time."""
    n = x.ndim - 2
    padded = np.pad(x, [(0, 0)] + list(pads) + [(0, 0)])
    k = kernel.shape[:n]
    out = [(padded.shape[1 + i] - (k[i] - 1) * dilations[i] - 1) // strides[i] + 1 for i in range(n)]
    y = np.zeros((x.shape[0], *out, kernel.shape[-1]))
    for o in itertools.product(*(range(s) for s in out)):
        for offset in itertools.product(*(range(s) for s in k)):
            pos = tuple(o[i] * strides[i] + offset[i] * dilations[i] for i in range(n))
            y[(slice(None),) + o] += padded[(slice(None),) + pos] @ kernel[offset]
    return y


def same_pads(sizes, kernel, strides, dilations):
    pads = []
    for size, k, s, d in zip(sizes, kernel, strides, dilations):
        total = max((-(-size // s) - 1) * s + (k - 1) * d + 1 - size, 0)
        pads.append((total // 2, total - total // 2))
    return pads


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("strides, dilation", [(1, 1), (2, 1), ((1, 3), 1), (1, (2, 1))])
def test_conv2d_values_and_shapes(padding, strides, dilation):
    layer = Conv2D(3, (3, 2), strides=strides, padding=padding, dilation_rate=dilation, dtype="float64")
    x = rand(0, (2, 7, 6, 2))
    y = layer(x)
    kernel, bias = (w.numpy() for w in layer.weights)
    s = (strides,) * 2 if isinstance(strides, int) else strides
    d = (dilation,) * 2 if isinstance(dilation, int) else dilation
    pads = same_pads((7, 6), (3, 2), s, d) if padding == "same" else [(0, 0), (0, 0)]
    np.testing.assert_allclose(y.numpy(), reference_conv(x, kernel, s, d, pads) + bias, rtol=1e-12, atol=1e-12)
    assert tuple(y.shape) == layer.compute_output_shape((2, 7, 6, 2))
    assert layer.compute_output_shape((None, 7, None, 2)) == (None, y.shape[1], None, 3)
    assert [tuple(w.shape) for w in layer.weights] == [(3, 2, 2, 3), (3,)]


def test_keras_recorded_values():
    # recorded from Keras 3.15 on TF 2.21 with deterministic_weights (inputs as below)
    x2 = ((np.arange(2 * 5 * 4 * 2) % 7 - 3) / 4).reshape(2, 5, 4, 2).astype(np.float32)
    x1 = ((np.arange(2 * 6 * 4) % 5 - 2) / 2).reshape(2, 6, 4).astype(np.float32)
    conv2 = Conv2D(3, (3, 2), strides=2, padding="same", activation="relu")
    conv2.build(x2.shape)
    conv2.set_weights(deterministic_weights(conv2))
    np.testing.assert_allclose(conv2(x2).numpy(), CONV2D_SAME_RELU, atol=1e-6)
    conv1 = Conv1D(4, 3, padding="causal", dilation_rate=2, groups=2)
    conv1.build(x1.shape)
    conv1.set_weights(deterministic_weights(conv1))
    np.testing.assert_allclose(conv1(x1).numpy(), CONV1D_CAUSAL_GROUPS, atol=1e-6)


def test_conv1d_causal_padding_sees_no_later_step():
    layer = Conv1D(2, 3, padding="causal", dilation_rate=2, use_bias=False, dtype="float64")
    x = rand(1, (1, 8, 2))
    y = layer(x).numpy()
    kernel = layer.kernel.numpy()
    np.testing.assert_allclose(y, reference_conv(x, kernel, (1,), (2,), [(4, 0)]), rtol=1e-12)
    changed = x.copy()
    changed[0, 5:] += 1.0
    np.testing.assert_allclose(layer(changed).numpy()[0, :5], y[0, :5], rtol=1e-12)


def test_groups_convolve_each_slice_of_channels_with_its_own_filters():
    layer = Conv2D(4, 2, groups=2, dtype="float64")
    x = rand(2, (2, 4, 5, 6))
    y = layer(x).numpy()
    kernel, bias = layer.kernel.numpy(), layer.bias.numpy()
    assert kernel.shape == (2, 2, 3, 4)
    want = np.concatenate([reference_conv(x[..., 3 * g:3 * g + 3], kernel[..., 2 * g:2 * g + 2], (1, 1), (1, 1),
                                          [(0, 0), (0, 0)]) for g in range(2)], axis=-1) + bias
    np.testing.assert_allclose(y, want, rtol=1e-12)


def test_channels_first_and_conv3d():
    layer = Conv2D(3, 2, strides=(2, 1), padding="same", data_format="channels_first", dtype="float64")
    x = rand(3, (2, 2, 5, 4))
    y = layer(x)
    want = reference_conv(np.transpose(x, (0, 2, 3, 1)), layer.kernel.numpy(), (2, 1), (1, 1),
                          same_pads((5, 4), (2, 2), (2, 1), (1, 1))) + layer.bias.numpy()
    np.testing.assert_allclose(y.numpy(), np.transpose(want, (0, 3, 1, 2)), rtol=1e-12)
    assert tuple(y.shape) == layer.compute_output_shape(x.shape) == (2, 3, 3, 4)
    conv3 = Conv3D(2, (2, 1, 2), padding="same", dtype="float64")
    x3 = rand(4, (1, 3, 2, 4, 2))
    y3 = conv3(x3)
    want3 = reference_conv(x3, conv3.kernel.numpy(), (1, 1, 1), (1, 1, 1),
                           same_pads((3, 2, 4), (2, 1, 2), (1,) * 3, (1,) * 3)) + conv3.bias.numpy()
    np.testing.assert_allclose(y3.numpy(), want3, rtol=1e-12)


def test_config_round_trip_and_aliases():
    layer = Conv2D(8, 3, strides=2, padding="SAME", activation="relu", use_bias=False,
                   kernel_initializer="he_normal", kernel_regularizer=keras.regularizers.L2(0.1), name="c")
    config = layer.get_config()
    assert config["kernel_size"] == (3, 3) and config["strides"] == (2, 2) and config["padding"] == "same"
    assert config["activation"] == "relu" and config["use_bias"] is False and config["groups"] == 1
    assert config["kernel_initializer"]["class_name"] == "HeNormal" and config["bias_regularizer"] is None
    clone = Conv2D.from_config(config)
    assert clone.get_config() == config
    assert Convolution2D is Conv2D


def test_weights_initializers_and_regularization_loss():
    layer = Conv1D(3, 2, kernel_initializer="ones", bias_initializer=keras.initializers.Constant(0.5),
                   kernel_regularizer=keras.regularizers.L2(0.1), bias_regularizer="l1")
    layer(np.ones((1, 4, 2), np.float32))
    assert np.all(layer.kernel.numpy() == 1) and np.all(layer.bias.numpy() == 0.5)
    assert layer.count_params() == 2 * 2 * 3 + 3
    losses = [float(v) for v in layer.losses]
    np.testing.assert_allclose(sorted(losses), sorted([0.1 * 12, 0.01 * 1.5]), rtol=1e-6)


@pytest.mark.parametrize("make, message", [
    (lambda: Conv2D(4, 3, strides=2, dilation_rate=2), "dilation_rate"),
    (lambda: Conv2D(5, 3, groups=2), "divisible"),
    (lambda: Conv2D(0, 3), "filters"),
    (lambda: Conv2D(4, 3, padding="causal"), "padding"),
    (lambda: Conv2D(4, (3, 3, 3)), "kernel_size"),
    (lambda: Conv2D(4, 3, data_format="nhwc"), "data_format"),
])
def test_bad_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_bad_inputs():
    with pytest.raises(ValueError, match="expected ndim=4"):
        Conv2D(2, 3)(np.ones((2, 5, 5), np.float32))
    with pytest.raises(ValueError, match="divisible by the number of groups"):
        Conv2D(4, 1, groups=2)(np.ones((1, 3, 3, 3), np.float32))


def _weight_gradients_match(layer, x, rtol=1e-6):
    """Tape gradients of sum(sin(layer(x))) for the input and each weight against central differences."""
    def loss():
        return tg.reduce_sum(tg.sin(layer(x)))

    x = tg.constant(x)
    with tg.GradientTape() as tape:
        tape.watch(x)
        value = loss()
    grads = tape.gradient(value, [x] + layer.trainable_weights)
    step = 1e-6
    numeric = np.zeros(x.shape)
    base = x.numpy()
    for i in np.ndindex(base.shape):
        plus, minus = base.copy(), base.copy()
        plus[i] += step
        minus[i] -= step
        difference = float(tg.reduce_sum(tg.sin(layer(plus)))) - float(tg.reduce_sum(tg.sin(layer(minus))))
        numeric[i] = difference / (2 * step)
    np.testing.assert_allclose(grads[0].numpy(), numeric, rtol=rtol, atol=1e-8)
    for weight, grad in zip(layer.trainable_weights, grads[1:]):
        original = weight.numpy()
        numeric = np.zeros(original.shape)
        for i in np.ndindex(original.shape):
            values = []
            for sign in (1, -1):
                changed = original.copy()
                changed[i] += sign * step
                weight.assign(changed)
                values.append(float(loss()))
            numeric[i] = (values[0] - values[1]) / (2 * step)
        weight.assign(original)
        np.testing.assert_allclose(grad.numpy(), numeric, rtol=rtol, atol=1e-8)


@pytest.mark.parametrize("make, shape", [
    (lambda: Conv2D(2, (2, 3), strides=(2, 1), padding="same", activation="tanh", dtype="float64"), (2, 4, 5, 2)),
    (lambda: Conv1D(2, 3, padding="causal", dilation_rate=2, groups=2, dtype="float64"), (1, 6, 4)),
])
def test_gradients_match_finite_differences(make, shape):
    _weight_gradients_match(make(), rand(5, shape))


def test_traced_training_step_equals_eager(numpy_backend):
    layer = Conv2D(3, 3, padding="same", activation="relu", dtype="float64")
    x = rand(6, (2, 6, 5, 2))

    def grads(x):
        with tg.GradientTape() as tape:
            y = tg.reduce_sum(tg.square(layer(x)))
        return tape.gradient(y, layer.trainable_weights)

    eager = grads(tg.constant(x))
    traced = tg.function(grads)(x)
    for e, t in zip(eager, traced):
        np.testing.assert_allclose(t.numpy(), e.numpy(), rtol=1e-12)

# Recorded from Keras 3.15 on TF 2.21 (see test_keras_recorded_values).
CONV2D_SAME_RELU = [[[[0.0, 0.0, 0.605], [0.43, 0.0, 0.0]], [[0.0, 0.0, 0.55], [0.0, 0.13, 0.1675]],
                     [[0.0, 0.265, 0.0], [0.225, 0.0, 0.0]]],
                    [[[0.0, 0.785, 0.0], [0.0, 0.0, 0.865]], [[0.0, 0.0, 0.4], [0.065, 0.0175, 0.0]],
                     [[0.0, 0.0, 0.0], [0.0, 0.0, 0.4575]]]]
CONV1D_CAUSAL_GROUPS = [[[-0.87, -0.055, 0.06, -0.385], [0.02, -0.61, 0.16, -0.155], [-0.82, 0.05, 0.1, 0.1],
                         [-0.03, -0.475, 0.66, -0.655], [-0.03, 0.155, -0.22, -0.165], [-1.38, -0.38, 0.46, -0.67]],
                        [[0.02, -0.61, 0.16, -0.155], [-0.39, 0.035, 0.26, 0.075], [-0.03, -0.475, 0.66, -0.655],
                         [-0.54, 0.2, -0.08, -0.21], [-1.38, -0.38, 0.46, -0.67], [-0.48, -0.24, -0.16, 0.025]]]
