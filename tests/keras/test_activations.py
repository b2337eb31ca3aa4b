"""`keras.activations`: every activation against values recorded from Keras 3.15, gradients, lookup."""
import numpy as np
import pytest

import tracegraph as tg
from tracegraph.keras import activations

X = np.array([-6.0, -2.5, -1.0, -0.3, 0.0, 0.4, 1.0, 2.5, 7.0], np.float32)

# Recorded from Keras 3.15 on TF 2.21 (keras.activations.get(name)(X)).
RECORDED = {
    "celu": [-0.9975212, -0.917915, -0.6321205, -0.2591818, 0.0, 0.4, 1.0, 2.5, 7.0],
    "elu": [-0.9975212, -0.917915, -0.6321205, -0.2591818, 0.0, 0.4, 1.0, 2.5, 7.0],
    "exponential": [0.0024788, 0.082085, 0.3678795, 0.7408182, 1.0, 1.4918246, 2.7182817, 12.1824942, 1096.6331787],
    "gelu": [-0.0, -0.0155242, -0.1586553, -0.1146266, 0.0, 0.2621687, 0.8413447, 2.4844759, 7.0],
    "hard_shrink": [-6.0, -2.5, -1.0, 0.0, 0.0, 0.0, 1.0, 2.5, 7.0],
    "hard_sigmoid": [0.0, 0.0833333, 0.3333333, 0.45, 0.5, 0.5666667, 0.6666667, 0.9166667, 1.0],
    "hard_silu": [-0.0, -0.2083333, -0.3333333, -0.135, 0.0, 0.2266667, 0.6666667, 2.2916667, 7.0],
    "hard_swish": [-0.0, -0.2083333, -0.3333333, -0.135, 0.0, 0.2266667, 0.6666667, 2.2916667, 7.0],
    "hard_tanh": [-1.0, -1.0, -1.0, -0.3, 0.0, 0.4, 1.0, 1.0, 1.0],
    "leaky_relu": [-1.2, -0.5, -0.2, -0.06, 0.0, 0.4, 1.0, 2.5, 7.0],
    "linear": [-6.0, -2.5, -1.0, -0.3, 0.0, 0.4, 1.0, 2.5, 7.0],
    "log_sigmoid": [-6.0024757, -2.5788898, -1.3132616, -0.8543552, -0.6931472, -0.5130153, -0.3132617, -0.0788897,
                    -0.0009115],
    "mish": [-0.0148541, -0.1968162, -0.3034015, -0.1511332, 0.0, 0.2890306, 0.8650984, 2.4713924, 6.999989],
    "relu": [0.0, 0.0, 0.0, 0.0, 0.0, 0.4, 1.0, 2.5, 7.0],
    "relu6": [0.0, 0.0, 0.0, 0.0, 0.0, 0.4, 1.0, 2.5, 6.0],
    "selu": [-1.7537414, -1.6137857, -1.1113307, -0.4556673, 0.0, 0.4202804, 1.050701, 2.6267526, 7.354907],
    "sigmoid": [0.0024726, 0.0758582, 0.2689414, 0.4255574, 0.5, 0.5986877, 0.7310585, 0.9241418, 0.9990889],
    "silu": [-0.0148357, -0.1896454, -0.2689414, -0.1276672, 0.0, 0.2394751, 0.7310585, 2.3103545, 6.9936228],
    "soft_shrink": [-5.5, -2.0, -0.5, 0.0, 0.0, 0.0, 0.5, 2.0, 6.5],
    "softplus": [0.0024757, 0.0788897, 0.3132617, 0.5543552, 0.6931472, 0.9130152, 1.3132616, 2.5788898, 7.0009117],
    "softsign": [-0.8571429, -0.7142857, -0.5, -0.2307692, 0.0, 0.2857143, 0.5, 0.7142857, 0.875],
    "sparse_plus": [0.0, 0.0, 0.0, 0.1225, 0.25, 0.49, 1.0, 2.5, 7.0],
    "squareplus": [0.1622777, 0.3507811, 0.618034, 0.8611875, 1.0, 1.2198039, 1.618034, 2.850781, 7.1400547],
    "swish": [-0.0148357, -0.1896454, -0.2689414, -0.1276672, 0.0, 0.2394751, 0.7310585, 2.3103545, 6.9936228],
    "tanh": [-0.9999877, -0.9866143, -0.7615942, -0.2913126, 0.0, 0.379949, 0.7615942, 0.9866143, 0.9999983],
    "tanh_shrink": [-5.0000124, -1.5133857, -0.2384058, -0.0086874, 0.0, 0.020051, 0.2384058, 1.5133857, 6.0000019],
}
# keras.activations.relu(X, **options), Keras 3.15 on TF 2.21.
RELU_OPTIONS = [
    ({'negative_slope': 0.1}, [-0.6, -0.25, -0.1, -0.03, 0.0, 0.4, 1.0, 2.5, 7.0]),
    ({'max_value': 2.0}, [0.0, 0.0, 0.0, 0.0, 0.0, 0.4, 1.0, 2.0, 2.0]),
    ({'threshold': 0.5}, [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 2.5, 7.0]),
    ({'negative_slope': 0.2, 'max_value': 3.0, 'threshold': -1.0}, [-1.0, -0.3, 0.0, 0.0, 0.0, 0.4, 1.0, 2.5, 3.0]),
]
# keras.activations.glu(np.arange(12).reshape(3, 4) / 5 - 1), Keras 3.15 on TF 2.21.
GLU = [[-0.3543437, -0.3210499], [-0.1099668, 0.0], [0.4386352, 0.6148198]]


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_activation_matches_keras(name):
    np.testing.assert_allclose(np.asarray(activations.get(name)(X)), RECORDED[name], rtol=2e-6, atol=2e-7)


@pytest.mark.parametrize("options, expected", RELU_OPTIONS, ids=[str(o) for o, _ in RELU_OPTIONS])
def test_relu_options_match_keras(options, expected):
    np.testing.assert_allclose(activations.relu(X, **options).numpy(), expected, rtol=1e-6, atol=1e-7)


def test_activations_with_arguments():
    y = np.arange(12, dtype=np.float32).reshape(3, 4) / 5 - 1
    np.testing.assert_allclose(activations.glu(y).numpy(), GLU, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(activations.softmax(y, axis=0).numpy(), np.exp(y) / np.exp(y).sum(0), rtol=1e-6)
    shifted = y - y.max(-1, keepdims=True)
    np.testing.assert_allclose(activations.log_softmax(y).numpy(),
                               shifted - np.log(np.exp(shifted).sum(-1, keepdims=True)), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(activations.threshold(X, 0.5, -3.0).numpy(), np.where(X > 0.5, X, -3.0))
    np.testing.assert_allclose(activations.elu(X, alpha=2.0).numpy(), np.where(X > 0, X, 2.0 * np.expm1(X)),
                               rtol=1e-6)
    np.testing.assert_allclose(activations.leaky_relu(X, negative_slope=0.5).numpy(), np.where(X > 0, X, 0.5 * X))


SMOOTH = ["sigmoid", "tanh", "softplus", "softsign", "elu", "selu", "gelu", "silu", "mish", "celu", "log_sigmoid",
          "tanh_shrink", "squareplus", "exponential"]


@pytest.mark.parametrize("name", SMOOTH)
def test_activation_gradients_match_finite_differences(name):
    x = tg.constant(np.array([-2.3, -0.7, 0.45, 1.6]))  # away from kinks
    tg.test.check_gradients(lambda t: activations.get(name)(t), [x], rtol=1e-6, atol=1e-8)


def test_get_serialize_deserialize():
    assert activations.get(None) is activations.linear
    assert activations.get("swish") is activations.silu and activations.get("hard_swish") is activations.hard_silu
    assert activations.get(tg.nn.relu) is tg.nn.relu
    assert activations.serialize(activations.gelu) == "gelu"
    assert activations.deserialize(activations.serialize(activations.mish)) is activations.mish
    with pytest.raises(ValueError, match="Unknown activation"):
        activations.get("relu7")
    with pytest.raises(TypeError):
        activations.get(3)


def test_activations_in_traced_functions_match_eager():
    for name in ("relu", "gelu", "hard_silu", "sparse_plus", "soft_shrink"):
        fn = activations.get(name)
        np.testing.assert_allclose(tg.function(fn)(tg.constant(X)).numpy(), fn(tg.constant(X)).numpy(), rtol=1e-6)
