"""Flatten, Reshape, Permute, RepeatVector, ZeroPadding1D/2D and Cropping1D/2D."""
import numpy as np
import pytest
from layer_checks import assert_config_round_trip, assert_layer_gradients, assert_traced_matches_eager

import tracegraph as tg
from tracegraph.keras.keras_tensor import KerasTensor
from tracegraph.keras.layers.reshaping import (Cropping1D, Cropping2D, Flatten, Permute, RepeatVector, Reshape,
                                               UpSampling1D, UpSampling2D, ZeroPadding1D, ZeroPadding2D)

X = np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4)
IMAGES = np.arange(2 * 4 * 5 * 3, dtype=np.float32).reshape(2, 4, 5, 3)

CASES = [
    (Flatten(), X, X.reshape(2, 12), (None, 12)),
    (Flatten(), X[:, 0, 0], X[:, :1, 0], (None, 1)),
    (Flatten(data_format="channels_first"), X, X.transpose(0, 2, 1).reshape(2, 12), (None, 12)),
    (Reshape((4, 3)), X, X.reshape(2, 4, 3), (None, 4, 3)),
    (Reshape((-1, 2)), X, X.reshape(2, 6, 2), (None, 6, 2)),
    (Permute((2, 1)), X, X.transpose(0, 2, 1), (None, 4, 3)),
    (RepeatVector(3), X[:, 0], np.repeat(X[:, None, 0], 3, axis=1), (None, 3, 4)),
    (ZeroPadding1D(), X, np.pad(X, [(0, 0), (1, 1), (0, 0)]), (None, 5, 4)),
    (ZeroPadding1D((0, 2)), X, np.pad(X, [(0, 0), (0, 2), (0, 0)]), (None, 5, 4)),
    (ZeroPadding2D(((1, 0), (2, 1))), IMAGES, np.pad(IMAGES, [(0, 0), (1, 0), (2, 1), (0, 0)]), (None, 5, 8, 3)),
    (ZeroPadding2D(1, data_format="channels_first"), IMAGES, np.pad(IMAGES, [(0, 0), (0, 0), (1, 1), (1, 1)]),
     (None, 4, 7, 5)),
    (Cropping1D((1, 0)), X, X[:, 1:], (None, 2, 4)),
    (Cropping2D(((1, 1), (0, 2))), IMAGES, IMAGES[:, 1:-1, :-2], (None, 2, 3, 3)),
    (Cropping2D(1), IMAGES, IMAGES[:, 1:-1, 1:-1], (None, 2, 3, 3)),
    (UpSampling1D(3), X, np.repeat(X, 3, axis=1), (None, 9, 4)),
    (UpSampling2D((2, 3)), IMAGES, np.repeat(np.repeat(IMAGES, 2, axis=1), 3, axis=2), (None, 8, 15, 3)),
    (UpSampling2D(2, data_format="channels_first"), IMAGES, np.repeat(np.repeat(IMAGES, 2, axis=2), 2, axis=3),
     (None, 4, 10, 6)),
]
IDS = [f"{type(layer).__name__}-{i}" for i, (layer, *_) in enumerate(CASES)]


@pytest.mark.parametrize("layer, inputs, expected, symbolic", CASES, ids=IDS)
def test_reshaping_layer_matches_numpy(layer, inputs, expected, symbolic):
    np.testing.assert_array_equal(layer(inputs).numpy(), expected)
    assert_traced_matches_eager(layer, inputs)
    input_shape = (None,) + inputs.shape[1:]
    assert layer(KerasTensor(input_shape)).shape == symbolic
    assert tuple(layer.compute_output_shape(input_shape)) == symbolic
    assert_config_round_trip(layer)


def test_reshaping_with_an_unknown_batch_inside_a_traced_function():
    for layer, expected in ((Flatten(), [None, 12]), (Reshape((-1, 6)), [None, 2, 6]), (RepeatVector(2), None)):
        inputs = tg.TensorSpec([None, 3, 4]) if expected else tg.TensorSpec([None, 4])
        concrete = tg.function(layer).get_concrete_function(inputs)
        assert concrete.structured_outputs.shape.as_list() == (expected or [None, 2, 4])
        sample = X if expected else X[:, 0]
        np.testing.assert_array_equal(concrete(tg.constant(sample)).numpy(), layer(sample).numpy())


def test_reshape_with_unknown_sizes_infers_at_run_time():
    concrete = tg.function(Reshape((-1, 2))).get_concrete_function(tg.TensorSpec([None, None, 4]))
    np.testing.assert_array_equal(concrete(tg.constant(X)).numpy(), X.reshape(2, 6, 2))


def test_reshaping_gradients_match_finite_differences():
    x = np.random.default_rng(0).standard_normal((2, 3, 2))
    for layer in (Flatten(dtype="float64"), Reshape((2, 3), dtype="float64"), Permute((2, 1), dtype="float64"),
                  ZeroPadding1D(dtype="float64"), Cropping1D((1, 1), dtype="float64")):
        assert_layer_gradients(layer, x)
    assert_layer_gradients(RepeatVector(2, dtype="float64"), x[:, 0])
    assert_layer_gradients(UpSampling1D(2, dtype="float64"), x)


def test_reshaping_argument_errors():
    with pytest.raises(ValueError, match="at most one -1"):
        Reshape((-1, -1))
    with pytest.raises(ValueError, match="cannot reshape"):
        Reshape((5,))(X)
    with pytest.raises(ValueError, match="permutation"):
        Permute((0, 1))
    with pytest.raises(ValueError, match="rank 2"):
        RepeatVector(2)(X)
    with pytest.raises(ValueError, match="data_format"):
        Flatten(data_format="nhwc")
    with pytest.raises(ValueError, match="padding"):
        ZeroPadding2D((1, 2, 3))
    with pytest.raises(ValueError, match="size"):
        UpSampling1D(0)
    with pytest.raises(NotImplementedError, match="nearest"):
        UpSampling2D(interpolation="bilinear")
