"""tg.keras.losses against Keras 3.15 (values recorded), NumPy references and finite differences."""
import numpy as np
import pytest

import tracegraph as tg
from tracegraph.keras import losses
from tracegraph.keras.losses.common import remember_logits

INPUTS = {
    "reg": ([[0.0, 1.0, 2.0], [3.0, -1.0, 0.5]], [[0.5, 1.5, 1.0], [2.0, 0.0, 3.0]]),
    "reg_zero": ([[0.0, 0.0, 2.0], [0.0, -1.0, 0.0]], [[0.5, 0.0, 1.0], [2.0, 0.0, -3.0]]),
    "reg_col": ([1.0, 2.0, 3.0], [[1.5], [2.0], [0.0]]),
    "pos": ([[0.0, 1.0, 2.0], [3.0, 1.0, 0.5]], [[0.5, 1.5, 1.0], [2.0, 0.0, 3.0]]),
    "prob": ([[0.2, 0.3, 0.5], [0.0, 1.0, 0.0]], [[0.1, 0.6, 0.3], [0.5, 0.5, 0.0]]),
    "bin": ([[0.0, 1.0, 1.0], [1.0, 0.0, 0.0]], [[0.1, 0.8, 1.0], [0.6, 0.0, 0.3]]),
    "bin_logits": ([[0.0, 1.0, 1.0], [1.0, 0.0, 0.0]], [[-2.0, 1.5, 0.3], [0.5, -1.0, 4.0]]),
    "bin_col": ([[0.0], [1.0], [1.0]], [0.2, 0.7, 0.9]),
    "pm1": ([[-1.0, 1.0, 1.0], [1.0, -1.0, -1.0]], [[-0.5, 0.8, 2.0], [0.3, 0.2, -1.5]]),
    "cat": ([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]], [[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]]),
    "cat_logits": ([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]], [[1.0, 3.0, -1.0], [0.5, 0.2, 2.0]]),
    "cat_unnorm": ([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]], [[1.0, 2.0, 1.0], [3.0, 0.5, 0.5]]),
    "sparse": ([1, 2], [[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]]),
    "sparse_col": ([[1], [0]], [[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]]),
    "sparse_logits": ([1, 2, 0], [[1.0, 3.0, -1.0], [0.5, 0.2, 2.0], [0.0, 0.0, 0.0]]),
    "sparse_ignore": ([1, -1, 0], [[1.0, 3.0, -1.0], [0.5, 0.2, 2.0], [0.0, 1.0, 0.0]]),
    "vec": ([0.0, 1.0, 1.0], [0.2, 0.9, 0.4]),
    "cat3": ([[[0.0, 1.0], [1.0, 0.0]], [[1.0, 0.0], [0.0, 1.0]]], [[[0.3, 0.7], [0.6, 0.4]], [[0.1, 0.9], [0.8, 0.2]]]),
    "sparse3": ([[1, 0], [0, 1]], [[[0.3, 0.7], [0.6, 0.4]], [[0.1, 0.9], [0.8, 0.2]]]),
    "rank3": ([[[0.0, 1.0], [2.0, 3.0]], [[1.0, 1.0], [0.0, -2.0]]],
              [[[0.5, 1.0], [1.0, 3.5]], [[0.0, 2.0], [0.5, -1.0]]]),
}
WEIGHTS = {None: None, "sw": [0.3, 0.7], "sw3": [0.3, 0.7, 1.5], "scalar": 2.0, "sw_col": [[0.5], [2.0]],
           "sw_zero": [0.0, 0.0], "sw_elem": [[1.0, 0.0, 2.0], [0.5, 0.5, 0.0]]}

# Recorded from Keras 3.15 on TensorFlow 2.21 (/tmp/tfvenv/bin/python, float32 NumPy inputs, integer
# labels for the sparse cases): each case is (expression, inputs, expected) or, for the classes,
# (expression, inputs, sample weight, expected).
FUNCTION_CASES = [
    ('losses.mean_squared_error(yt, yp)', 'reg', [0.5, 2.75]),
    ('losses.mean_squared_error(yt, yp)', 'reg_col', [0.25, 0.0, 9.0]),
    ('losses.mean_squared_error(yt, yp)', 'rank3', [[0.125, 0.625], [1.0, 0.625]]),
    ('losses.mean_absolute_error(yt, yp)', 'reg', [0.66666669, 1.5]),
    ('losses.mean_absolute_percentage_error(yt, yp)', 'reg', [166666704.0, 211.1111145]),
    ('losses.mean_absolute_percentage_error(yt, yp)', 'reg_zero', [166666688.0, 1666666752.0]),
    ('losses.mean_squared_logarithmic_error(yt, yp)', 'reg', [0.12619895, 0.34826231]),
    ('losses.mean_squared_logarithmic_error(yt, yp)', 'reg_zero', [0.10960127, 0.40231624]),
    ('losses.huber(yt, yp)', 'reg', [0.25, 1.0]),
    ('losses.huber(yt, yp, delta=0.5)', 'reg', [0.20833333, 0.625]),
    ('losses.log_cosh(yt, yp)', 'reg', [0.22466998, 0.89370996]),
    ('losses.cosine_similarity(yt, yp)', 'reg', [-0.83665997, -0.64972216]),
    ('losses.cosine_similarity(yt, yp)', 'reg_zero', [-0.89442718, -0.0]),
    ('losses.cosine_similarity(yt, yp, axis=0)', 'reg', [-0.97014254, -0.70710677, -0.53687549]),
    ('losses.poisson(yt, yp)', 'pos', [0.86484486, 6.16311598]),
    ('losses.kl_divergence(yt, yp)', 'prob', [0.18609805, 0.69314563]),
    ('losses.hinge(yt, yp)', 'bin_logits', [0.23333333, 1.83333337]),
    ('losses.hinge(yt, yp)', 'pm1', [0.23333333, 0.63333338]),
    ('losses.squared_hinge(yt, yp)', 'bin_logits', [0.16333333, 8.41666698]),
    ('losses.squared_hinge(yt, yp)', 'pm1', [0.09666666, 0.64333338]),
    ('losses.categorical_hinge(yt, yp)', 'cat_logits', [0.0, 0.0]),
    ('losses.binary_crossentropy(yt, yp)', 'bin', [0.1095014, 0.2891669]),
    ('losses.binary_crossentropy(yt, yp, label_smoothing=0.2)', 'bin', [0.76036471, 0.86819553]),
    ('losses.binary_crossentropy(yt, yp, from_logits=True)', 'bin_logits', [0.29423219, 1.60182953]),
    ('losses.binary_crossentropy(yt, yp, from_logits=True, label_smoothing=0.1)', 'bin_logits', [0.35756552, 1.5601629]),
    ('losses.binary_crossentropy(yt, yp, axis=0)', 'bin', [0.30809307, 0.11157183, 0.17833754]),
    ('losses.categorical_crossentropy(yt, yp)', 'cat', [0.05129331, 2.30258512]),
    ('losses.categorical_crossentropy(yt, yp)', 'cat_unnorm', [0.69314718, 0.28768209]),
    ('losses.categorical_crossentropy(yt, yp, label_smoothing=0.1)', 'cat', [0.68500137, 2.23327041]),
    ('losses.categorical_crossentropy(yt, yp, from_logits=True)', 'cat_logits', [0.1429317, 0.32817292]),
    ('losses.categorical_crossentropy(yt, yp, from_logits=True, label_smoothing=0.3)', 'cat_logits', [0.74293172, 0.65817297]),
    ('losses.categorical_crossentropy(yt, yp, axis=0)', 'cat_unnorm', [0.28768209, 0.22314353, -0.0]),
    ('losses.sparse_categorical_crossentropy(yt, yp)', 'sparse', [0.05129344, 2.30258512]),
    ('losses.sparse_categorical_crossentropy(yt, yp)', 'sparse_col', [0.05129344, 2.30258512]),
    ('losses.sparse_categorical_crossentropy(yt, yp, from_logits=True)', 'sparse_logits', [0.1429317, 0.32817292, 1.09861231]),
    ('losses.sparse_categorical_crossentropy(yt, yp, from_logits=True, ignore_class=-1)', 'sparse_ignore', [0.1429317, 0.0, 1.55144465]),
    ('losses.binary_crossentropy(yt, yp)', 'vec', 0.41493163),
    ('losses.mean_squared_error(yt, yp)', 'vec', 0.13666667),
    ('losses.huber(yt, yp)', 'vec', 0.06833334),
    ('losses.hinge(yt, yp)', 'vec', 0.63333338),
    ('losses.categorical_crossentropy(yt, yp)', 'cat3', [[0.35667497, 0.51082557], [2.30258512, 1.60943794]]),
    ('losses.categorical_crossentropy(yt, yp, label_smoothing=0.2)', 'cat3', [[0.44140476, 0.55137211], [2.08286262, 1.47080851]]),
    ('losses.sparse_categorical_crossentropy(yt, yp)', 'sparse3', [[0.35667497, 0.51082557], [2.30258512, 1.60943794]]),
    ('losses.kl_divergence(yt, yp)', 'cat3', [[0.35667351, 0.51082408], [2.30258346, 1.60943639]]),
    ('losses.categorical_hinge(yt, yp)', 'cat3', [[0.60000002, 0.79999995], [1.79999995, 1.60000002]]),
]
CLASS_CASES = [
    ('losses.MeanSquaredError()', 'reg', None, 1.625),
    ('losses.MeanSquaredError()', 'reg', 'sw', 1.03750002),
    ('losses.MeanSquaredError()', 'reg', 'scalar', 3.25),
    ('losses.MeanSquaredError()', 'reg', 'sw_col', 2.875),
    ('losses.MeanSquaredError()', 'reg', 'sw_zero', 0.0),
    ('losses.MeanSquaredError()', 'reg_col', 'sw3', 4.5250001),
    ("losses.MeanSquaredError(reduction='sum')", 'reg', 'sw', 2.07500005),
    ("losses.MeanSquaredError(reduction='none')", 'reg', 'sw', [0.15000001, 1.92499995]),
    ('losses.MeanSquaredError(reduction=None)', 'reg', None, [0.5, 2.75]),
    ("losses.MeanSquaredError(reduction='mean')", 'reg', 'sw', 1.03750002),
    ("losses.MeanSquaredError(reduction='mean_with_sample_weight')", 'reg', 'sw', 2.07500005),
    ("losses.MeanSquaredError(reduction='mean_with_sample_weight')", 'reg', None, 1.625),
    ("losses.MeanSquaredError(reduction='none')", 'rank3', 'sw', [[0.0375, 0.4375], [0.30000001, 0.4375]]),
    ('losses.MeanSquaredError()', 'rank3', 'sw', 0.30312499),
    ('losses.MeanAbsoluteError()', 'reg', 'sw', 0.625),
    ('losses.MeanAbsolutePercentageError()', 'reg_zero', 'sw', 608333376.0),
    ('losses.MeanSquaredLogarithmicError()', 'reg', 'sw', 0.14082165),
    ('losses.Huber()', 'reg', None, 0.625),
    ("losses.Huber(delta=0.5, reduction='sum')", 'reg', 'sw', 0.5),
    ('losses.LogCosh()', 'reg', 'sw', 0.34649897),
    ('losses.CosineSimilarity()', 'reg', 'sw', -0.35290176),
    ("losses.CosineSimilarity(axis=0, reduction='none')", 'reg', None, [-0.97014254, -0.70710677, -0.53687549]),
    ('losses.Hinge()', 'bin_logits', 'sw', 0.67666668),
    ('losses.SquaredHinge()', 'pm1', None, 0.37),
    ('losses.CategoricalHinge()', 'cat_logits', 'sw', 0.0),
    ('losses.KLDivergence()', 'prob', 'sw', 0.27051568),
    ('losses.Poisson()', 'pos', 'sw', 2.28681731),
    ('losses.BinaryCrossentropy()', 'bin', 'sw', 0.11763363),
    ('losses.BinaryCrossentropy()', 'bin_col', None, 0.22839302),
    ('losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.2)', 'bin_logits', None, 0.96969748),
    ('losses.CategoricalCrossentropy()', 'cat', 'sw', 0.81359881),
    ("losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1, reduction='sum')", 'cat_logits', None, 0.78110468),
    ('losses.SparseCategoricalCrossentropy()', 'sparse', 'sw', 0.81359881),
    ('losses.SparseCategoricalCrossentropy()', 'sparse_col', None, 1.17693925),
    ('losses.SparseCategoricalCrossentropy(from_logits=True)', 'sparse_logits', 'sw3', 0.64017302),
    ('losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)', 'sparse_ignore', None, 0.84718817),
    ("losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1, reduction='sum')", 'sparse_ignore', None, 1.69437635),
    ("losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1, reduction='none')", 'sparse_ignore', 'sw3', [0.04287951, 0.0, 2.32716703]),
    ('losses.BinaryCrossentropy()', 'vec', None, 0.41493163),
    ('losses.BinaryCrossentropy()', 'vec', 'sw3', 0.34577635),
    ('losses.MeanSquaredError()', 'vec', 'sw3', 0.1138889),
    ('losses.CategoricalCrossentropy()', 'cat3', 'sw', 0.5704906),
    ('losses.CategoricalCrossentropy()', 'cat3', 'sw_col', 2.06444907),
    ('losses.SparseCategoricalCrossentropy()', 'sparse3', 'sw', 0.5704906),
    ("losses.SparseCategoricalCrossentropy(reduction='mean_with_sample_weight')", 'sparse3', 'sw', 2.28196239),
    ("losses.Huber(reduction='sum')", 'cat3', 'scalar', 1.70000005),
]


def _inputs(key):
    y_true, y_pred = INPUTS[key]
    y_true = np.asarray(y_true, np.int32) if key.startswith("sparse") else np.asarray(y_true, np.float32)
    return y_true, np.asarray(y_pred, np.float32)


def _weight(key):
    return None if WEIGHTS[key] is None else np.asarray(WEIGHTS[key], np.float32)


@pytest.mark.parametrize("expression, key, expected", FUNCTION_CASES)
def test_loss_functions_match_keras(expression, key, expected):
    yt, yp = _inputs(key)  # noqa: F841 - read by the expression
    result = eval(expression)
    assert result.dtype == tg.float32
    np.testing.assert_allclose(result.numpy(), expected, rtol=2e-6, atol=1e-7)


@pytest.mark.parametrize("expression, key, weight, expected", CLASS_CASES)
def test_loss_classes_match_keras(expression, key, weight, expected):
    y_true, y_pred = _inputs(key)
    result = eval(expression)(y_true, y_pred, sample_weight=_weight(weight))
    np.testing.assert_allclose(result.numpy(), expected, rtol=2e-6, atol=1e-7)


def test_the_tutorials_call_gives_one_value_per_sample():
    result = losses.mean_squared_error(tg.constant([[1., 2.]]), tg.constant([[2., 4.]]))
    assert result.shape == (1,)
    np.testing.assert_allclose(result.numpy(), [2.5])


def test_aliases_are_the_functions():
    assert losses.mse is losses.MSE is losses.mean_squared_error
    assert losses.mae is losses.MAE is losses.mean_absolute_error
    assert losses.mape is losses.mean_absolute_percentage_error
    assert losses.msle is losses.mean_squared_logarithmic_error
    assert losses.kld is losses.kl_divergence is losses.kullback_leibler_divergence
    assert losses.logcosh is losses.log_cosh


def test_plain_lists_are_tensors_not_structures():
    assert float(losses.MeanSquaredError()([[1.], [2.]], [3., 1.])) == pytest.approx(2.5)
    np.testing.assert_allclose(losses.mean_squared_error([0.], [1.]).numpy(), 1.0)


def test_y_true_takes_the_prediction_dtype_in_functions_and_the_loss_dtype_in_classes():
    ones, zeros = np.ones((2, 3)), np.zeros((2, 3), np.float32)
    assert losses.mean_squared_error(ones, np.zeros((2, 3))).dtype == tg.float64
    assert losses.mean_squared_error(ones, zeros).dtype == tg.float32
    assert losses.MeanSquaredError()(ones, np.zeros((2, 3))).dtype == tg.float32
    assert losses.MeanSquaredError(dtype="float64")(zeros, zeros).dtype == tg.float64
    assert losses.binary_crossentropy(np.array([[1, 0]]), np.array([[0.3, 0.2]], np.float32)).dtype == tg.float32


def test_an_empty_batch_is_returned_unreduced_as_keras_does():
    empty = np.zeros((0, 3), np.float32)
    for reduction in ("sum_over_batch_size", "sum"):
        result = losses.MeanSquaredError(reduction=reduction)(empty, empty)
        assert result.shape == (0,)


def test_log_of_zero_is_clipped_to_keras_values():
    # Keras 3.15: -log(1e-7) in float32 and its neighbours for each loss at a certain wrong answer.
    t, p = np.array([[1., 0.]], np.float32), np.array([[0., 1.]], np.float32)
    np.testing.assert_allclose(losses.binary_crossentropy(t, p).numpy(), [16.03024], rtol=1e-6)
    np.testing.assert_allclose(losses.categorical_crossentropy(t, p).numpy(), [16.118095], rtol=1e-6)
    np.testing.assert_allclose(losses.kl_divergence(t, p).numpy(), [16.118093], rtol=1e-6)
    np.testing.assert_allclose(losses.poisson(t, p).numpy(), [8.559048], rtol=1e-6)
    assert np.isfinite(losses.mean_absolute_percentage_error(np.zeros((1, 2)), np.ones((1, 2))).numpy()).all()


def test_losses_against_numpy_formulas():
    rng = np.random.default_rng(0)
    t, p = rng.normal(size=(4, 5)), rng.normal(size=(4, 5))
    np.testing.assert_allclose(losses.mse(t, p).numpy(), ((t - p) ** 2).mean(-1), rtol=1e-12)
    np.testing.assert_allclose(losses.mae(t, p).numpy(), np.abs(t - p).mean(-1), rtol=1e-12)
    np.testing.assert_allclose(losses.log_cosh(t, p).numpy(), np.log(np.cosh(p - t)).mean(-1), rtol=1e-6)
    e = np.abs(p - t)
    np.testing.assert_allclose(losses.huber(t, p, delta=0.7).numpy(),
                               np.where(e <= 0.7, 0.5 * e ** 2, 0.7 * e - 0.5 * 0.49).mean(-1), rtol=1e-12)
    cos = (t * p).sum(-1) / np.linalg.norm(t, axis=-1) / np.linalg.norm(p, axis=-1)
    np.testing.assert_allclose(losses.cosine_similarity(t, p).numpy(), -cos, rtol=1e-9)
    logits, labels = rng.normal(size=(4, 5)), rng.integers(0, 5, size=4)
    log_softmax = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    np.testing.assert_allclose(losses.sparse_categorical_crossentropy(labels, logits, from_logits=True).numpy(),
                               -log_softmax[np.arange(4), labels], rtol=1e-9)
    np.testing.assert_allclose(losses.categorical_crossentropy(np.eye(5)[labels], logits, from_logits=True).numpy(),
                               -log_softmax[np.arange(4), labels], rtol=1e-9)


def _finite_difference_gradient(fn, x, h=1e-6):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[i] = h
        grad[i] = (fn(x + step) - fn(x - step)) / (2 * h)
    return grad


@pytest.mark.parametrize("loss", [
    losses.MeanSquaredError(dtype="float64"),
    losses.Huber(delta=0.5, dtype="float64"),
    losses.LogCosh(dtype="float64"),
    losses.CosineSimilarity(dtype="float64"),
    losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1, dtype="float64"),
    losses.BinaryCrossentropy(dtype="float64"),
    losses.CategoricalCrossentropy(dtype="float64"),
    losses.CategoricalCrossentropy(from_logits=True, dtype="float64"),
    losses.KLDivergence(dtype="float64"),
    losses.Poisson(dtype="float64"),
], ids=lambda loss: type(loss).__name__)
def test_loss_gradients_match_finite_differences(loss):
    rng = np.random.default_rng(1)
    y_true = rng.uniform(0.05, 0.95, size=(3, 4))
    y_pred = rng.uniform(0.1, 0.9, size=(3, 4))
    weights = np.array([0.5, 1.0, 2.0])
    x = tg.constant(y_pred)
    with tg.GradientTape() as tape:
        tape.watch(x)
        value = loss(y_true, x, sample_weight=weights)
    expected = _finite_difference_gradient(lambda p: loss(y_true, p, sample_weight=weights).numpy(), y_pred)
    np.testing.assert_allclose(tape.gradient(value, x).numpy(), expected, rtol=1e-5, atol=1e-8)


def test_sparse_crossentropy_gradient_from_logits():
    rng = np.random.default_rng(2)
    logits, labels = rng.normal(size=(3, 4)), np.array([0, 3, 1])
    loss = losses.SparseCategoricalCrossentropy(from_logits=True, dtype="float64")
    x = tg.constant(logits)
    with tg.GradientTape() as tape:
        tape.watch(x)
        value = loss(labels, x)
    expected = _finite_difference_gradient(lambda z: loss(labels, z).numpy(), logits)
    np.testing.assert_allclose(tape.gradient(value, x).numpy(), expected, rtol=1e-6, atol=1e-9)


def test_a_traced_loss_equals_the_eager_one():
    loss = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)
    y_true, y_pred = _inputs("sparse_ignore")
    traced = tg.function(lambda t, p: loss(t, p))
    np.testing.assert_allclose(traced(tg.constant(y_true), tg.constant(y_pred)).numpy(),
                               loss(y_true, y_pred).numpy(), rtol=1e-6)
    hinge = tg.function(lambda t, p: losses.hinge(t, p))
    for key in ("pm1", "bin_logits"):
        y_true, y_pred = _inputs(key)
        np.testing.assert_allclose(hinge(tg.constant(y_true), tg.constant(y_pred)).numpy(),
                                   losses.hinge(y_true, y_pred).numpy(), rtol=1e-6)


def test_reduction_must_be_known():
    with pytest.raises(ValueError, match="reduction"):
        losses.MeanSquaredError(reduction="average")


def test_crossentropies_check_shapes():
    with pytest.raises(ValueError, match="same rank"):
        losses.binary_crossentropy(np.ones((2,), np.float32), np.ones((2, 3), np.float32))
    with pytest.raises(ValueError, match="same shape"):
        losses.categorical_crossentropy(np.ones((2, 2), np.float32), np.ones((2, 3), np.float32))


def test_get_resolves_names_classes_and_functions():
    assert losses.get("mse") is losses.mean_squared_error
    assert losses.get("binary_crossentropy") is losses.binary_crossentropy
    assert isinstance(losses.get("CategoricalCrossentropy"), losses.CategoricalCrossentropy)
    assert isinstance(losses.get(losses.Huber), losses.Huber)
    custom = lambda t, p: t - p  # noqa: E731
    assert losses.get(custom) is custom
    config = {"class_name": "CategoricalCrossentropy", "config": {"from_logits": True}}
    assert losses.get(config).from_logits is True
    assert losses.get(None) is None
    with pytest.raises(ValueError, match="Could not interpret"):
        losses.get("no_such_loss")


@pytest.mark.parametrize("loss", [
    losses.Huber(delta=0.3, reduction="sum", name="h"),
    losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.2, axis=0),
    losses.SparseCategoricalCrossentropy(ignore_class=3, reduction="none"),
    losses.CosineSimilarity(axis=0),
    losses.LossFunctionWrapper(losses.hinge, name="wrapped"),
], ids=lambda loss: type(loss).__name__)
def test_configs_round_trip(loss):
    again = losses.deserialize(losses.serialize(loss))
    assert type(again) is type(loss)
    assert again.get_config() == loss.get_config()
    assert type(loss).from_config(loss.get_config()).get_config() == loss.get_config()


def test_serialized_functions_and_custom_objects():
    assert losses.serialize(losses.mse)["config"] == "mean_squared_error"
    assert losses.deserialize("mean_squared_error") is losses.mean_squared_error

    def my_loss(t, p):
        return t - p
    config = losses.serialize(losses.LossFunctionWrapper(my_loss))
    assert losses.deserialize(config, custom_objects={"my_loss": my_loss}).fn is my_loss


def test_a_subclass_implements_call():
    class Scaled(losses.Loss):
        def call(self, y_true, y_pred):
            return 3.0 * tg.reduce_mean(tg.abs(y_true - y_pred), axis=-1)
    loss = Scaled()
    assert loss.name == "scaled" or loss.name.startswith("scaled_")
    np.testing.assert_allclose(loss([[1., 2.]], [[2., 2.]]).numpy(), 1.5)


def test_tf2_reduction_names():
    y_true, y_pred = _inputs("reg")
    assert losses.MeanSquaredError(reduction=losses.Reduction.AUTO).reduction == "sum_over_batch_size"
    np.testing.assert_allclose(losses.MeanSquaredError(reduction=losses.Reduction.NONE)(y_true, y_pred).numpy(),
                               [0.5, 2.75])
    np.testing.assert_allclose(float(losses.MeanSquaredError(reduction=losses.Reduction.SUM)(y_true, y_pred)), 3.25)
    with pytest.raises(ValueError, match="Reduction"):
        losses.Reduction.validate("average")


@pytest.mark.parametrize("true_shape, pred_shape, expected", [
    ((None, 1), (None, 1), "binary_crossentropy"),
    ((None,), (None, 5), "sparse_categorical_crossentropy"),
    ((None, 1), (None, 5), "sparse_categorical_crossentropy"),
    ((None, 5), (None, 5), "categorical_crossentropy"),
])
def test_crossentropy_for_follows_keras_3s_rule(true_shape, pred_shape, expected):
    assert losses.crossentropy_for(true_shape, pred_shape) is getattr(losses, expected)


def test_outputs_of_keras_activations_are_scored_from_their_logits():
    # Keras 3.15 (TF 2.21): crossentropies of keras.activations.softmax/sigmoid outputs use the logits.
    logits = tg.constant([[30., 0., -5.]])
    probabilities = remember_logits(tg.nn.softmax(logits), logits)
    np.testing.assert_allclose(losses.categorical_crossentropy([[0., 1., 0.]], probabilities).numpy(), [30.])
    np.testing.assert_allclose(float(losses.SparseCategoricalCrossentropy()(np.array([1]), probabilities)), 30.)
    np.testing.assert_allclose(losses.categorical_crossentropy([[0., 1., 0.]], tg.nn.softmax(logits)).numpy(),
                               [16.118095], rtol=1e-6)
    sigmoid_logits = tg.constant([[20., -3.]])
    probabilities = remember_logits(tg.sigmoid(sigmoid_logits), sigmoid_logits)
    np.testing.assert_allclose(losses.binary_crossentropy([[0., 1.]], probabilities).numpy(), [11.524294], rtol=1e-6)
    with pytest.warns(UserWarning, match="from_logits=True"):
        losses.binary_crossentropy([[0., 1.]], probabilities, from_logits=True)


def test_logits_are_found_while_tracing_too():
    @tg.function
    def loss(labels, logits):
        return losses.sparse_categorical_crossentropy(labels, remember_logits(tg.nn.softmax(logits), logits))

    np.testing.assert_allclose(loss(tg.constant([1]), tg.constant([[30., 0., -5.]])).numpy(), [30.])
