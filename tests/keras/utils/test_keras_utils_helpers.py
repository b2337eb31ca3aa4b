"""keras.utils helpers: to_categorical against Keras 3.15's results (TF 2.21's venv), set_random_seed."""
import random

import numpy as np

import tracegraph as tg
from tracegraph.keras import utils


def test_to_categorical_numpy_like_keras():
    result = utils.to_categorical(np.array([[1], [0], [2]]))
    assert result.dtype == np.float64
    np.testing.assert_array_equal(result, np.eye(3)[[1, 0, 2]])
    assert utils.to_categorical([[0, 1], [2, 3]], num_classes=5).shape == (2, 2, 5)


def test_to_categorical_tensor_gives_float32_tensor():
    result = utils.to_categorical(tg.constant([[2], [0]]), num_classes=3)
    assert result.dtype == tg.float32
    np.testing.assert_array_equal(result.numpy(), [[0, 0, 1], [1, 0, 0]])


def test_normalize_l2_rows_and_zero_rows():
    result = utils.normalize(np.array([[3.0, 4.0], [0.0, 0.0]]))
    np.testing.assert_allclose(result, [[0.6, 0.8], [0.0, 0.0]])


def test_set_random_seed_repeats_every_generator():
    def draw():
        return random.random(), np.random.rand(), float(tg.random.uniform(()).numpy())

    utils.set_random_seed(7)
    first = draw()
    utils.set_random_seed(7)
    assert draw() == first
    tg.random.set_seed(None)
