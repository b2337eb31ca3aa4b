"""Layers of the tutorials' catalog that existed before issue 20, checked against Keras 3.15 / TF 2.21:
Subtract, Maximum, Minimum, the GlobalMaxPool2D/GlobalAvgPool2D aliases, SpatialDropout2D, and the
constraints (max_norm, non_neg, unit_norm) on a convolution trained by `fit`."""
import numpy as np
import pytest

from tracegraph import keras
from tracegraph.keras import layers

A = np.sin(np.arange(6) * 1.3).reshape(2, 3).astype(np.float32)
B = np.cos(np.arange(6) * 0.7).reshape(2, 3).astype(np.float32)
P = np.sin(np.arange(24) * 1.7).reshape(2, 3, 2, 2).astype(np.float32)

# Recorded from Keras 3.15 on TF 2.21 with the calls of test_values_match_keras (inputs above).
RECORDED = {'GlobalAvgPool2D_first_keepdims': [[[[-0.047423]], [[-0.006353]], [[0.036376]]],
                                               [[[0.069604]], [[0.084651]], [[0.077586]]]],
            'GlobalMaxPool2D': [[0.859162, 0.991665], [0.999793, 0.9856]],
            'Maximum': [[1.0, 0.963558, 0.515501], [0.687766, 0.883455, 0.21512]],
            'Minimum': [[0.0, -0.963558, -0.515501], [-0.687766, -0.942222, -0.936457]],
            'Subtract': [[-1.0, 0.198716, 0.345534], [-0.18292, 0.058768, 1.151577]]}


def test_values_match_keras():
    got = {"Subtract": layers.Subtract()([A, B]), "Maximum": layers.Maximum()([A, B, -A]),
           "Minimum": layers.Minimum()([A, B, -A]), "GlobalMaxPool2D": layers.GlobalMaxPool2D()(P),
           "GlobalAvgPool2D_first_keepdims": layers.GlobalAvgPool2D(data_format="channels_first", keepdims=True)(P)}
    for name, value in got.items():
        np.testing.assert_allclose(value.numpy(), RECORDED[name], atol=1e-6, err_msg=name)
    assert layers.GlobalMaxPool2D is layers.GlobalMaxPooling2D
    assert layers.GlobalAvgPool2D is layers.GlobalAveragePooling2D


def test_spatial_dropout2d_drops_whole_feature_maps_as_keras():
    x = np.random.default_rng(0).uniform(1, 2, (8, 3, 4, 16)).astype(np.float32)
    y = layers.SpatialDropout2D(0.25, seed=1)(x, training=True).numpy()
    kept = np.all(y == np.float32(1 / 0.75) * x, axis=(1, 2))
    dropped = np.all(y == 0, axis=(1, 2))
    assert np.all(kept | dropped) and 0 < dropped.sum() < dropped.size  # each map all kept (scaled) or all zero
    np.testing.assert_array_equal(layers.SpatialDropout2D(0.25)(x).numpy(), x)
    # Keras 3.15's config of SpatialDropout2D(0.3, data_format="channels_first", seed=2)
    config = layers.SpatialDropout2D(0.3, data_format="channels_first", seed=2, name="spatial_dropout2d").get_config()
    assert config == {'rate': 0.3, 'seed': 2, 'name': 'spatial_dropout2d', 'dtype': 'float32',
                      'data_format': 'channels_first'}


# Recorded from Keras 3.15 on TF 2.21: [kernel, bias] of the Conv2D below after one SGD(0.5) step of `fit`
# from kernel (arange(4) * 0.37 % 1 - 0.5) and bias -0.2; the constraints run after the update.
CONSTRAINED = {
    "max_norm": ([[[[-0.010021]], [[0.032951]]], [[[-0.084601]], [[-0.285756]]]], [0.030231]),
    "unit_norm": ([[[[-0.033402]], [[0.109838]]], [[[-0.282004]], [[-0.95252]]]], [0.030231]),
}


@pytest.mark.parametrize("name", sorted(CONSTRAINED))
def test_constraints_on_a_trained_convolution_match_keras(name):
    kwargs = {"max_norm": dict(kernel_constraint=keras.constraints.MaxNorm(0.3, axis=[0, 1, 2]),
                               bias_constraint="non_neg"),
              "unit_norm": dict(kernel_constraint=keras.constraints.UnitNorm(axis=[0, 1, 2]))}[name]
    x = np.sin(np.arange(36) * 0.9).reshape(4, 3, 3, 1).astype(np.float32)
    y = np.cos(np.arange(16) * 0.4).reshape(4, 2, 2, 1).astype(np.float32)
    conv = layers.Conv2D(1, 2, **kwargs)
    model = keras.Sequential([keras.Input((3, 3, 1)), conv])
    conv.set_weights([((np.arange(4) * 0.37 % 1.0) - 0.5).reshape(2, 2, 1, 1).astype(np.float32),
                      np.array([-0.2], np.float32)])
    model.compile(keras.optimizers.SGD(0.5), "mse")
    model.fit(x, y, batch_size=4, epochs=1, verbose=0, shuffle=False)
    kernel, bias = CONSTRAINED[name]
    np.testing.assert_allclose(conv.kernel.numpy(), kernel, atol=2e-6)
    np.testing.assert_allclose(conv.bias.numpy(), bias, atol=2e-6)
    rebuilt = layers.Conv2D.from_config(conv.get_config())
    assert type(rebuilt.kernel_constraint) is type(conv.kernel_constraint)
