"""BatchNormalization (against values recorded from Keras 3.15 on TF 2.21) and LayerNormalization."""
import numpy as np
import pytest
from layer_checks import assert_config_round_trip, assert_layer_gradients, assert_traced_matches_eager

import tracegraph as tg
from tracegraph.keras.keras_tensor import KerasTensor
from tracegraph.keras.layers.normalization import (BatchNormalization, GroupNormalization, LayerNormalization,
                                                   RMSNormalization, UnitNormalization)

X = (((np.arange(24) * 7) % 11 - 5) / 3.0).reshape(4, 2, 3).astype(np.float32)

# Keras 3.15 on TF 2.21: BatchNormalization(axis, momentum=0.9, epsilon=1e-3) on X with the weights
# below set by set_weights; called for inference, then training (which updates the moving
# statistics), then training again after `trainable = False`.
RECORDED = {
    -1: {
        "infer": [[[-1.18698, 0.658327, -0.371774], [0.675246, 0.354164, -0.766935]],
                  [[0.489024, 0.05, -1.162097], [0.302801, -0.254164, -1.557258]],
                  [[0.116579, -0.558327, 2.394355], [-0.069644, -0.862491, 1.999193]],
                  [[-0.255867, -1.166654, 1.604032], [-0.442089, -1.470818, 1.208871]]],
        "train": [[[-1.228381, 1.576218, -0.516225], [0.450608, 1.140155, -0.924337]],
                  [[0.282709, 0.704093, -1.332449], [0.114811, 0.268031, -1.740561]],
                  [[-0.053088, -0.168031, 2.340561], [-0.220987, -0.604093, 1.932449]],
                  [[-0.388886, -1.040155, 1.524337], [-0.556785, -1.476218, 1.116225]]],
        "moving": [[0.1275, -0.05, -0.09], [0.8184375, 1.1383333, 1.5899999]],
        "frozen": [[[-1.191003, 0.721416, -0.385774], [0.650154, 0.40913, -0.782175]],
                   [[0.466039, 0.096843, -1.178576], [0.281923, -0.215444, -1.574978]],
                   [[0.097807, -0.52773, 2.389034], [-0.086309, -0.840017, 1.992633]],
                   [[-0.270424, -1.152303, 1.596232], [-0.45454, -1.46459, 1.199831]]],
    },
    1: {
        "infer": [[[-1.18698, 0.116579, -0.628312], [2.394355, 0.81371, -0.766935]],
                  [[0.489024, -0.255867, -1.000757], [1.604032, 0.023387, -1.557258]],
                  [[0.116579, -0.628312, 0.675246], [0.81371, -0.766935, 1.999193]],
                  [[-0.255867, -1.000757, 0.302801], [0.023387, -1.557258, 1.208871]]],
        "train": [[[-0.967777, 0.125329, -0.499303], [2.693844, 0.840545, -1.012753]],
                  [[0.437646, -0.186987, -0.811619], [1.767195, -0.086104, -1.939402]],
                  [[0.125329, -0.499303, 0.593804], [0.840545, -1.012753, 2.230519]],
                  [[-0.186987, -0.811619, 0.281488], [-0.086104, -1.939402, 1.30387]]],
        "moving": [[0.0872222, -0.0955556], [0.8338117, 1.556358]],
        "frozen": [[[-1.159793, 0.117094, -0.612556], [2.418155, 0.815516, -0.787124]],
                   [[0.481919, -0.247731, -0.977381], [1.616835, 0.014196, -1.588443]],
                   [[0.117094, -0.612556, 0.664331], [0.815516, -0.787124, 2.017495]],
                   [[-0.247731, -0.977381, 0.299506], [0.014196, -1.588443, 1.216175]]],
    },
}


def _fixed_weights(channels):
    return [np.linspace(0.5, 1.5, channels).astype(np.float32), np.linspace(-0.2, 0.3, channels).astype(np.float32),
            np.linspace(0.1, -0.1, channels).astype(np.float32), np.linspace(0.8, 1.6, channels).astype(np.float32)]


def _batch_norm(axis, **kwargs):
    layer = BatchNormalization(axis=axis, momentum=0.9, **kwargs)
    layer.build(X.shape)
    layer.set_weights(_fixed_weights(X.shape[axis]))
    return layer


@pytest.mark.parametrize("axis", [-1, 1])
def test_batch_norm_matches_keras_in_inference_training_and_frozen(axis):
    layer, expected = _batch_norm(axis), RECORDED[axis]
    np.testing.assert_allclose(layer(X).numpy(), expected["infer"], atol=2e-6)
    np.testing.assert_allclose(layer(X, training=True).numpy(), expected["train"], atol=2e-6)
    np.testing.assert_allclose([w for w in layer.get_weights()[2:]], expected["moving"], rtol=1e-6)
    layer.trainable = False
    np.testing.assert_allclose(layer(X, training=True).numpy(), expected["frozen"], atol=2e-6)


@pytest.mark.parametrize("axis", [-1, 1])
def test_batch_norm_inside_a_traced_function_updates_the_moving_statistics(axis):
    layer, expected = _batch_norm(axis), RECORDED[axis]
    step = tg.function(lambda x: layer(x, training=True))
    np.testing.assert_allclose(step(tg.constant(X)).numpy(), expected["train"], atol=2e-6)
    np.testing.assert_allclose(layer.get_weights()[2:], expected["moving"], rtol=1e-6)
    step(tg.constant(X))  # a second call updates again: the assign runs on every call, not once at trace time
    batch_mean = X.mean(axis=tuple(a for a in range(3) if a != axis % 3))
    np.testing.assert_allclose(layer.moving_mean.numpy(), 0.9 * np.asarray(expected["moving"][0]) + 0.1 * batch_mean,
                               rtol=1e-5)


def test_batch_norm_weights_and_defaults():
    layer = BatchNormalization()
    layer(np.ones((2, 5), np.float32))
    assert [w.name for w in layer.weights] == ["gamma", "beta", "moving_mean", "moving_variance"]
    assert [w.name for w in layer.trainable_weights] == ["gamma", "beta"]
    assert (layer.momentum, layer.epsilon) == (0.99, 1e-3)
    np.testing.assert_array_equal(layer.get_weights()[3], np.ones(5))
    bare = BatchNormalization(center=False, scale=False)
    bare.build((None, 3))
    assert [w.name for w in bare.weights] == ["moving_mean", "moving_variance"]


def test_batch_norm_training_uses_batch_statistics_as_numpy():
    x = np.random.default_rng(1).standard_normal((6, 4))
    layer = BatchNormalization(center=False, scale=False, dtype="float64")
    y = layer(x, training=True).numpy()
    np.testing.assert_allclose(y, (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-3), rtol=1e-10)
    np.testing.assert_allclose(layer.moving_variance.numpy(), 0.99 + 0.01 * x.var(0), rtol=1e-12)


def test_batch_norm_with_mask_uses_unmasked_positions_only():
    x = np.random.default_rng(2).standard_normal((2, 3, 2))
    mask = np.array([[True, True, False], [True, False, False]])
    layer = BatchNormalization(center=False, scale=False, dtype="float64")
    y = layer(x, training=True, mask=mask).numpy()
    kept = x[mask]
    mean, var = kept.mean(0), kept.var(0)
    np.testing.assert_allclose(y, (x - mean) / np.sqrt(var + 1e-3), rtol=1e-6)


@pytest.mark.parametrize("training", [False, True])
def test_batch_norm_gradients_match_finite_differences(training):
    layer = BatchNormalization(dtype="float64", gamma_initializer="random_normal", beta_initializer="random_normal")
    assert_layer_gradients(layer, np.random.default_rng(3).standard_normal((5, 3)), training=training)


def test_batch_norm_traced_symbolic_and_config():
    layer = BatchNormalization(axis=1, momentum=0.5, beta_regularizer="l2", gamma_constraint="non_neg")
    assert_traced_matches_eager(layer, X)
    assert layer(KerasTensor((None, 2, 3))).shape == (None, 2, 3)
    assert_config_round_trip(layer)
    with pytest.raises(NotImplementedError, match="renorm"):
        BatchNormalization(renorm=True)
    with pytest.raises(ValueError, match="out of bounds"):
        BatchNormalization(axis=3)(X)


def _layer_norm_reference(x, axes, gamma, beta, epsilon=1e-3):
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    return (x - mean) / np.sqrt(var + epsilon) * gamma + beta


@pytest.mark.parametrize("axis", [-1, [1, 2], 1])
def test_layer_norm_matches_numpy(axis):
    x = np.random.default_rng(4).standard_normal((2, 3, 4))
    layer = LayerNormalization(axis=axis, dtype="float64")
    layer.build(x.shape)
    axes = tuple(sorted(a % 3 for a in (axis if isinstance(axis, list) else [axis])))
    shape = tuple(x.shape[a] for a in axes)
    gamma = np.linspace(0.5, 2.0, np.prod(shape)).reshape(shape)
    beta = np.linspace(-1, 1, np.prod(shape)).reshape(shape)
    layer.set_weights([gamma, beta])
    broadcast = [x.shape[a] if a in axes else 1 for a in range(3)]
    expected = _layer_norm_reference(x, axes, gamma.reshape(broadcast), beta.reshape(broadcast))
    np.testing.assert_allclose(layer(x).numpy(), expected, rtol=1e-10)


def test_layer_norm_gradients_traced_and_config():
    layer = LayerNormalization(dtype="float64", gamma_initializer="random_normal", beta_initializer="random_normal")
    assert_layer_gradients(layer, np.random.default_rng(5).standard_normal((3, 4)))
    assert_traced_matches_eager(LayerNormalization(axis=[1, 2]), X)
    assert LayerNormalization()(KerasTensor((None, 5))).shape == (None, 5)
    assert_config_round_trip(LayerNormalization(axis=[1, 2], epsilon=1e-5, center=False))
    assert [w.name for w in _built(LayerNormalization()).weights] == ["gamma", "beta"]
    with pytest.raises(TypeError, match="axis"):
        LayerNormalization(axis="last")


def test_layer_norm_rms_scaling_as_keras():
    x = np.random.default_rng(6).standard_normal((2, 5))
    layer = LayerNormalization(rms_scaling=True, dtype="float64")
    assert [w.name for w in _built(layer).weights] == ["gamma"]
    np.testing.assert_allclose(layer(x).numpy(), x / np.sqrt(x.var(-1, keepdims=True) + 1e-3), rtol=1e-10)


def _group_norm_reference(x, groups, axis, gamma, beta, epsilon=1e-3):
    moved = np.moveaxis(x, axis, -1)
    grouped = moved.reshape(moved.shape[:-1] + (groups, -1))
    reduce = tuple(range(1, grouped.ndim - 2)) + (grouped.ndim - 1,)
    mean, var = grouped.mean(reduce, keepdims=True), grouped.var(reduce, keepdims=True)
    normalized = ((grouped - mean) / np.sqrt(var + epsilon)).reshape(moved.shape) * gamma + beta
    return np.moveaxis(normalized, -1, axis)


@pytest.mark.parametrize("groups, axis", [(3, -1), (-1, -1), (2, 1)])
def test_group_norm_matches_numpy(groups, axis):
    x = np.random.default_rng(7).standard_normal((2, 4, 3, 6))
    layer = GroupNormalization(groups, axis=axis, dtype="float64")
    layer.build(x.shape)
    channels = x.shape[axis]
    gamma, beta = np.linspace(0.5, 1.5, channels), np.linspace(-0.5, 0.5, channels)
    layer.set_weights([gamma, beta])
    expected = _group_norm_reference(x, channels if groups == -1 else groups, axis % 4, gamma, beta)
    np.testing.assert_allclose(layer(x).numpy(), expected, rtol=1e-10, atol=1e-12)


def test_group_norm_gradients_unknown_sizes_and_config():
    layer = GroupNormalization(2, dtype="float64", gamma_initializer="random_normal", beta_initializer="random_normal")
    assert_layer_gradients(layer, np.random.default_rng(8).standard_normal((2, 3, 4)))
    images = GroupNormalization(2)
    concrete = tg.function(images).get_concrete_function(tg.TensorSpec([None, None, None, 4]))
    x = np.random.default_rng(9).standard_normal((2, 3, 5, 4)).astype(np.float32)
    np.testing.assert_allclose(concrete(tg.constant(x)).numpy(), images(x).numpy(), rtol=1e-5, atol=1e-6)
    assert concrete.structured_outputs.shape.rank == 4
    assert_config_round_trip(GroupNormalization(4, axis=1, epsilon=1e-5, center=False))
    with pytest.raises(ValueError, match="multiple"):
        GroupNormalization(3)(np.ones((1, 4), np.float32))
    with pytest.raises(ValueError, match="groups"):
        GroupNormalization(0)


def test_rms_and_unit_normalization_match_numpy():
    x = np.random.default_rng(10).standard_normal((2, 3, 4))
    rms = RMSNormalization(dtype="float64")
    rms.build(x.shape)
    scale = np.linspace(0.5, 2.0, 4)
    rms.set_weights([scale])
    np.testing.assert_allclose(rms(x).numpy(), x / np.sqrt((x ** 2).mean(-1, keepdims=True) + 1e-6) * scale,
                               rtol=1e-10)
    assert [w.name for w in rms.weights] == ["scale"]
    np.testing.assert_allclose(UnitNormalization(axis=[1, 2], dtype="float64")(x).numpy(),
                               x / np.sqrt((x ** 2).sum((1, 2), keepdims=True)), rtol=1e-10)
    np.testing.assert_array_equal(UnitNormalization()(np.zeros((1, 3), np.float32)).numpy(), np.zeros((1, 3)))
    assert_layer_gradients(RMSNormalization(axis=[1, 2], dtype="float64"), x)
    assert_layer_gradients(UnitNormalization(dtype="float64"), x)
    assert_config_round_trip(RMSNormalization(axis=[1, 2], epsilon=1e-5))
    assert_config_round_trip(UnitNormalization(axis=1))
    assert UnitNormalization()(KerasTensor((None, 3))).shape == (None, 3)


def _built(layer, shape=(None, 5)):
    layer.build(shape)
    return layer
