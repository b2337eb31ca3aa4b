"""Normalization, Discretization, CategoryEncoding, Hashing and HashedCrossing against Keras 3.15 on
TensorFlow 2.21 (outputs recorded there with the same calls and written in below)."""
import json

import numpy as np
import pytest
from layer_checks import assert_layer_gradients, assert_traced_matches_eager

import tracegraph as tg
from tracegraph.keras.layers import (CategoryEncoding, Discretization, HashedCrossing, Hashing, Normalization)

LETTERS = np.array([["A"], ["B"], ["C"], ["D"], ["E"]])
NORMALIZATION_DATA = np.array([[0., 7., 4.], [2., 9., 6.], [0., 7., 4.], [2., 9., 6.]], dtype="float32")


def values(tensor):
    return np.asarray(tensor).tolist()


# ----- Normalization ---------------------------------------------------------------------------------

def test_normalization_adapt_on_an_array_matches_keras():
    layer = Normalization(axis=-1)
    layer.adapt(NORMALIZATION_DATA)
    np.testing.assert_allclose(layer.mean.numpy(), [[1.0, 8.0, 5.0]])
    np.testing.assert_allclose(layer.variance.numpy(), [[1.0, 1.0, 1.0]])
    np.testing.assert_allclose(layer(NORMALIZATION_DATA).numpy(), [[-1, -1, -1], [1, 1, 1]] * 2)
    assert [w.name for w in layer.weights] == ["mean", "variance", "count"]
    assert layer.trainable_weights == []


def test_normalization_with_given_statistics_invert_and_axis_none_over_a_dataset_match_keras():
    given = Normalization(mean=3.0, variance=2.0)
    np.testing.assert_allclose(given(np.array([[1.], [2.], [3.]], "float32")).numpy(),
                               [[-1.4142135], [-0.70710677], [0.0]], rtol=1e-6)
    inverse = Normalization(mean=3.0, variance=2.0, invert=True)
    np.testing.assert_allclose(inverse(np.array([[-1.], [0.], [1.]], "float32")).numpy(),
                               [[1.5857865], [3.0], [4.4142137]], rtol=1e-6)
    overall = Normalization(axis=None)
    overall.adapt(tg.data.Dataset.from_tensor_slices(NORMALIZATION_DATA).batch(3))
    np.testing.assert_allclose(overall(NORMALIZATION_DATA).numpy(),
                               [[-1.5366997, 0.7683499, -0.21952847], [-0.878114, 1.4269354, 0.4390571]] * 2,
                               rtol=1e-5)


def test_normalization_of_several_axes_with_given_statistics():
    layer = Normalization(axis=(1, 2), mean=[[1., 2.], [3., 4.]], variance=[[1., 4.], [9., 16.]])
    x = np.ones((2, 2, 2), "float32") * 5
    np.testing.assert_allclose(layer(x).numpy(), [[[4, 1.5], [2 / 3, 0.25]]] * 2, rtol=1e-6)


def test_normalization_gradients_match_finite_differences_and_traced_matches_eager():
    layer = Normalization(dtype="float64")
    x = np.random.default_rng(1).normal(2, 3, size=(5, 3))
    layer.adapt(x)
    assert_layer_gradients(layer, x)
    assert_layer_gradients(Normalization(mean=1.0, variance=4.0, invert=True, dtype="float64"), x)
    assert_traced_matches_eager(layer, x)


def test_adapted_normalization_runs_in_a_model_and_a_dataset_map():
    layer = Normalization()
    layer.adapt(np.random.default_rng(0).normal(3, 2, size=(64, 3)).astype("float32"))
    model = tg.keras.Sequential([tg.keras.Input(shape=(3,)), layer, tg.keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    history = model.fit(np.ones((16, 3), "float32"), np.ones(16, "float32"), epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert len(model.trainable_weights) == 2  # the dense layer's: the statistics are not trained
    data = tg.data.Dataset.from_tensor_slices(NORMALIZATION_DATA).batch(2).map(Normalization(mean=1., variance=4.))
    np.testing.assert_allclose(np.concatenate([b.numpy() for b in data]), (NORMALIZATION_DATA - 1) / 2)


# ----- Discretization -------------------------------------------------------------------------------

def test_discretization_with_boundaries_matches_keras():
    layer = Discretization(bin_boundaries=[0., 1., 2.])
    out = layer(np.array([[-1.5, 1.0, 3.4, 0.5], [0.0, 3.0, 1.3, 0.0]]))
    assert out.dtype == tg.int32 and values(out) == [[0, 2, 3, 1], [1, 3, 2, 1]]
    one_hot = Discretization(bin_boundaries=[0., 1., 2.], output_mode="one_hot")(np.array([-1.5, 1.0, 3.4, 0.5]))
    assert values(one_hot) == [[1, 0, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [0, 1, 0, 0]]


def test_discretization_adapt_learns_keras_quantile_boundaries():
    sample = np.random.default_rng(0).normal(size=(200, 3)).astype("float32")
    layer = Discretization(num_bins=4, epsilon=0.01)
    layer.adapt(sample)
    np.testing.assert_allclose(layer.bin_boundaries, [-0.70413995, -0.049756087, 0.6750645], rtol=1e-6)
    batched = Discretization(num_bins=3, epsilon=0.1)
    batched.adapt(tg.data.Dataset.from_tensor_slices(sample).batch(50))
    np.testing.assert_allclose(batched.bin_boundaries, [-0.3888617, 0.53742594], rtol=1e-6)
    with pytest.raises(ValueError, match="num_bins"):
        Discretization(bin_boundaries=[1.0]).adapt(sample)


# ----- CategoryEncoding ------------------------------------------------------------------------------

def test_category_encoding_modes_match_keras():
    assert values(CategoryEncoding(num_tokens=4, output_mode="one_hot")(np.array([3, 2, 0, 1]))) == \
        [[0, 0, 0, 1], [0, 0, 1, 0], [1, 0, 0, 0], [0, 1, 0, 0]]
    pairs = np.array([[0, 1], [0, 0], [1, 2], [3, 1]])
    assert values(CategoryEncoding(num_tokens=4, output_mode="multi_hot")(pairs)) == \
        [[1, 1, 0, 0], [1, 0, 0, 0], [0, 1, 1, 0], [0, 1, 0, 1]]
    weights = np.array([[.1, .2], [.1, .1], [.2, .3], [.4, .2]])
    counted = CategoryEncoding(num_tokens=4, output_mode="count")(pairs, count_weights=weights)
    np.testing.assert_allclose(counted.numpy(), [[.1, .2, 0, 0], [.2, 0, 0, 0], [0, .2, .3, 0], [0, .2, 0, .4]],
                               rtol=1e-6)
    # A vector is one sample.
    assert values(CategoryEncoding(num_tokens=4, output_mode="multi_hot")(np.array([3, 1, 1]))) == [0, 1, 0, 1]
    with pytest.raises(ValueError, match="count_weights"):
        CategoryEncoding(num_tokens=4, output_mode="one_hot")(pairs, count_weights=weights)


# ----- Hashing and HashedCrossing --------------------------------------------------------------------

@pytest.mark.parametrize("layer, inputs, expected", [
    (Hashing(num_bins=3), LETTERS, [[1], [0], [1], [1], [2]]),
    (Hashing(num_bins=3, mask_value=""), np.array([["A"], ["B"], [""], ["C"], ["D"]]), [[1], [1], [0], [2], [2]]),
    (Hashing(num_bins=3, salt=[133, 137]), LETTERS, [[1], [2], [1], [0], [2]]),
    (Hashing(num_bins=3, salt=133), LETTERS, [[0], [0], [2], [1], [0]]),
    (Hashing(num_bins=5), np.array([[1], [22], [-7]]), [[4], [0], [2]]),
    (Hashing(num_bins=5), np.array([[1.7], [22.2], [-7.9]]), [[4], [0], [2]]),  # floats truncated first
    (Hashing(num_bins=3, output_mode="one_hot"), LETTERS[:3], [[0, 1, 0], [1, 0, 0], [0, 1, 0]]),
    (Hashing(num_bins=3, output_mode="multi_hot"), np.array([["A", "B"], ["C", "C"]]), [[1, 1, 0], [0, 1, 0]]),
])
def test_hashing_matches_keras(layer, inputs, expected):
    assert values(layer(inputs)) == expected


def test_hashed_crossing_matches_keras():
    layer = HashedCrossing(num_bins=5)
    crossed = layer((np.array(["A", "B", "A", "B", "A"]), np.array([101, 101, 101, 102, 102])))
    assert crossed.dtype == tg.int64 and values(crossed) == [1, 4, 1, 1, 3]
    assert values(layer((np.array("A"), np.array(101)))) == 1
    one_hot = HashedCrossing(num_bins=5, output_mode="one_hot")((np.array([["A"], ["B"]]), np.array([[1], [2]])))
    assert values(one_hot) == [[1, 0, 0, 0, 0], [0, 1, 0, 0, 0]]
    with pytest.raises(ValueError, match="at least two"):
        layer((np.array(["A"]),))
    with pytest.raises(ValueError, match="equal shape"):
        layer((np.array(["A", "B"]), np.array([1])))


def test_hashing_and_crossing_inside_a_dataset_map():
    hashing, crossing = Hashing(num_bins=3), HashedCrossing(num_bins=5)
    dataset = tg.data.Dataset.from_tensor_slices(
        {"s": np.array(["A", "B", "A", "B", "A"]), "n": np.array([101, 101, 101, 102, 102])}).batch(5)
    batch = next(iter(dataset.map(lambda d: (hashing(d["s"]), crossing((d["s"], d["n"]))))))
    assert values(batch[0]) == [1, 0, 1, 0, 1] and values(batch[1]) == [1, 4, 1, 1, 3]


@pytest.mark.parametrize("layer", [
    Hashing(num_bins=3, salt=7, mask_value=""), HashedCrossing(num_bins=4, output_mode="one_hot"),
    CategoryEncoding(num_tokens=3, output_mode="count"),
    Discretization(bin_boundaries=[0.0, 1.0], output_mode="one_hot"),
    Normalization(mean=[1.0, 2.0], variance=[1.0, 4.0], axis=-1),
])
def test_config_round_trip_through_json(layer):
    config = json.loads(json.dumps(layer.get_config()))
    rebuilt = type(layer).from_config(config)
    assert json.loads(json.dumps(rebuilt.get_config())) == config
