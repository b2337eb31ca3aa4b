"""`tg.math.confusion_matrix` against TF 2.21's results (recorded) and a NumPy count."""
import numpy as np
import pytest

import tracegraph as tg


def test_matches_tf():
    # TF 2.21: tf.math.confusion_matrix([1, 2, 4], [2, 2, 4])
    assert tg.math.confusion_matrix([1, 2, 4], [2, 2, 4]).numpy().tolist() == [
        [0, 0, 0, 0, 0], [0, 0, 1, 0, 0], [0, 0, 1, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 1]]
    weighted = tg.math.confusion_matrix([0, 1, 1, 2], [0, 1, 2, 2], num_classes=4, weights=[1., 2., .5, 3.],
                                        dtype=tg.float32)
    assert weighted.dtype == tg.float32
    assert weighted.numpy().tolist() == [[1, 0, 0, 0], [0, 2, 0.5, 0], [0, 0, 3, 0], [0, 0, 0, 0]]


def test_equals_a_numpy_count_traced():
    rng = np.random.default_rng(0)
    labels, predictions = rng.integers(0, 5, 200), rng.integers(0, 5, 200)
    expected = np.zeros((5, 5), np.int32)
    np.add.at(expected, (labels, predictions), 1)
    traced = tg.function(lambda a, b: tg.math.confusion_matrix(a, b, num_classes=5))
    np.testing.assert_array_equal(traced(tg.constant(labels), tg.constant(predictions)).numpy(), expected)


def test_bad_inputs_are_clear_errors():
    with pytest.raises(tg.errors.InvalidArgumentError, match=r"outside \[0, 3\)"):
        tg.math.confusion_matrix([0, 3], [0, 1], num_classes=3)
    with pytest.raises(tg.errors.InvalidArgumentError, match="non-negative"):
        tg.math.confusion_matrix([0, -1], [0, 1])
    with pytest.raises(TypeError, match="`labels` must hold integers"):
        tg.math.confusion_matrix([0.5], [0])
    with pytest.raises(ValueError, match="num_classes"):
        tg.function(lambda a, b: tg.math.confusion_matrix(a, b))(tg.constant([0]), tg.constant([0]))
