"""Dropout, SpatialDropout, GaussianDropout, GaussianNoise and ActivityRegularization."""
import numpy as np
import pytest
from layer_checks import assert_config_round_trip, assert_layer_gradients

import tracegraph as tg
from tracegraph.keras.keras_tensor import KerasTensor
from tracegraph.keras.layers.core import Dense
from tracegraph.keras.layers.regularization import (ActivityRegularization, AlphaDropout, Dropout, GaussianDropout,
                                                    GaussianNoise, SpatialDropout1D, SpatialDropout2D,
                                                    SpatialDropout3D)

ONES = np.ones((50, 40), np.float32)


def test_dropout_is_the_identity_unless_training():
    layer = Dropout(0.5)
    for training in (None, False, 0):
        np.testing.assert_array_equal(layer(ONES, training=training).numpy(), ONES)
    np.testing.assert_array_equal(Dropout(0.0)(ONES, training=True).numpy(), ONES)
    np.testing.assert_array_equal(Dropout(1.0)(ONES, training=True).numpy(), np.zeros_like(ONES))


def test_dropout_in_training_zeroes_a_rate_of_elements_and_scales_the_rest():
    y = Dropout(0.25, seed=5)(ONES, training=True).numpy()
    assert set(np.unique(y)) <= {0.0, np.float32(1 / 0.75)}
    assert abs((y == 0).mean() - 0.25) < 0.04


def test_dropout_draws_anew_on_every_call_of_a_traced_step():
    for layer in (Dropout(0.5), Dropout(0.5, seed=3)):
        step = tg.function(lambda x, layer=layer: layer(x, training=True))
        first, second = step(tg.constant(ONES)).numpy(), step(tg.constant(ONES)).numpy()
        assert step.experimental_get_tracing_count() == 1
        assert not np.array_equal(first == 0, second == 0)


def test_dropout_with_a_seed_repeats_its_sequence():
    first = Dropout(0.5, seed=11)(ONES, training=True).numpy()
    layer = Dropout(0.5, seed=11)
    assert np.array_equal(layer(ONES, training=True).numpy(), first)
    assert not np.array_equal(layer(ONES, training=True).numpy(), first)


def test_dropout_noise_shape_shares_one_draw():
    y = Dropout(0.5, noise_shape=(None, 1))(ONES, training=True).numpy()
    assert all(len(set(row)) == 1 for row in y)
    traced = tg.function(lambda x: Dropout(0.5, noise_shape=(None, 1))(x, training=True))
    assert traced.get_concrete_function(tg.TensorSpec([None, 40])).structured_outputs.shape.as_list() == [None, 40]
    with pytest.raises(ValueError, match="rank"):
        Dropout(0.5, noise_shape=(1,))(ONES, training=True)


def test_dropout_gradient_is_the_kept_mask_scaled():
    layer = Dropout(0.4, dtype="float64")
    x = tg.constant(np.ones((6, 5)))
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = layer(x, training=True)
        total = tg.reduce_sum(y)
    grad = tape.gradient(total, x).numpy()
    np.testing.assert_allclose(grad, y.numpy(), rtol=1e-12)  # y = mask / 0.6 where x is ones


def test_training_reaches_dropout_inside_another_layer():
    class Block(Dense):
        def __init__(self):
            super().__init__(40, kernel_initializer="identity")
            self.dropout = Dropout(0.5)

        def call(self, inputs):
            return self.dropout(super().call(inputs))

    block = Block()
    np.testing.assert_allclose(block(ONES).numpy(), ONES)
    assert (block(ONES, training=True).numpy() == 0).any()


def test_spatial_dropout_drops_whole_channels():
    x = np.ones((3, 6, 8), np.float32)
    y = SpatialDropout1D(0.5)(x, training=True).numpy()
    assert all(len(set(y[b, :, c])) == 1 for b in range(3) for c in range(8))
    images = np.ones((2, 3, 4, 10), np.float32)
    y2 = SpatialDropout2D(0.5)(images, training=True).numpy()
    assert np.all(y2 == y2[:, :1, :1, :])
    first = SpatialDropout2D(0.5, data_format="channels_first")(images, training=True).numpy()
    assert np.all(first == first[:, :, :1, :1])
    assert SpatialDropout3D(0.5)(np.ones((1, 2, 2, 2, 3)), training=True).shape == (1, 2, 2, 2, 3)
    with pytest.raises(ValueError, match="rank 3"):
        SpatialDropout1D(0.5)(ONES, training=True)
    assert sorted(SpatialDropout1D(0.2).get_config()) == ["dtype", "name", "rate", "seed"]
    assert_config_round_trip(SpatialDropout2D(0.3, data_format="channels_first", seed=2))


def test_gaussian_noise_and_dropout_statistics():
    x = np.ones((200, 100), np.float32)
    noise = GaussianNoise(0.5, seed=1)(x, training=True).numpy() - 1.0
    assert abs(noise.mean()) < 0.02 and abs(noise.std() - 0.5) < 0.01
    factor = GaussianDropout(0.2, seed=2)(x, training=True).numpy()
    assert abs(factor.mean() - 1.0) < 0.02 and abs(factor.std() - np.sqrt(0.2 / 0.8)) < 0.01
    np.testing.assert_array_equal(GaussianNoise(0.5)(x).numpy(), x)
    np.testing.assert_array_equal(GaussianDropout(0.2)(x).numpy(), x)
    with pytest.raises(ValueError, match="stddev"):
        GaussianNoise(2.0)


def test_alpha_dropout_levels_match_keras():
    # Keras 3.15 on TF 2.21: AlphaDropout(0.3) on 0.5 in training gives exactly these two values.
    y = AlphaDropout(0.3, seed=1)(np.full((200, 50), 0.5, np.float32), training=True).numpy()
    levels = np.unique(y.round(6))
    np.testing.assert_allclose(levels, [-1.059548, 0.884568], atol=1e-6)
    assert abs((y < 0).mean() - 0.3) < 0.03
    np.testing.assert_array_equal(AlphaDropout(0.3)(ONES).numpy(), ONES)
    assert_config_round_trip(AlphaDropout(0.2, seed=3))


def test_activity_regularization_adds_the_penalty_per_example():
    x = np.array([[1.0, -2.0], [3.0, 0.5]], np.float32)
    layer = ActivityRegularization(l1=0.1, l2=0.01)
    np.testing.assert_array_equal(layer(x).numpy(), x)
    expected = (0.1 * np.abs(x).sum() + 0.01 * (x ** 2).sum()) / 2
    np.testing.assert_allclose([float(v) for v in layer.losses], [expected], rtol=1e-6)
    assert sorted(layer.get_config()) == ["dtype", "l1", "l2", "name", "trainable"]
    assert_config_round_trip(layer)


def test_noise_layers_keep_symbolic_shapes_and_configs():
    for layer in (Dropout(0.2, noise_shape=(None, 1), seed=4), GaussianNoise(0.1, seed=1), GaussianDropout(0.3)):
        assert layer(KerasTensor((None, 7))).shape == (None, 7)
        assert layer.compute_output_shape((None, 7)) == (None, 7)
        assert_config_round_trip(layer)
    assert sorted(Dropout(0.2).get_config()) == ["dtype", "name", "noise_shape", "rate", "seed", "trainable"]
    with pytest.raises(ValueError, match="rate"):
        Dropout(1.5)


def test_noise_layers_are_differentiable_in_inference():
    for layer in (Dropout(0.3, dtype="float64"), GaussianNoise(0.2, dtype="float64")):
        assert_layer_gradients(layer, np.random.default_rng(0).standard_normal((2, 3)))
