"""Every metric against the values Keras 3.15 recorded, eager and inside one traced function."""
import numpy as np
import pytest

import tracegraph as tg
from tracegraph.keras import metrics  # noqa: F401 - read by the case expressions
from keras_metric_cases import METRIC_CASES, METRIC_RESULTS

CASES = [(expression, batches, expected)
         for (expression, batches), expected in zip(METRIC_CASES, METRIC_RESULTS, strict=True)]


def _array(value):
    if value is None:
        return None
    a = np.asarray(value)
    return a.astype(np.int32) if a.dtype.kind == "i" else a.astype(np.float32)


def _update(metric, y_true, y_pred, sample_weight):
    if y_pred is None:
        metric.update_state(y_true, sample_weight=sample_weight)
    else:
        metric.update_state(y_true, y_pred, sample_weight=sample_weight)


@pytest.mark.parametrize("expression, batches, expected", CASES, ids=[c[0] for c in CASES])
def test_metric_matches_keras(expression, batches, expected):
    metric = eval(expression)
    for (y_true, y_pred, sample_weight), want in zip(batches, expected):
        _update(metric, _array(y_true), _array(y_pred), _array(sample_weight))
        np.testing.assert_allclose(np.asarray(metric.result()), want, rtol=2e-6, atol=1e-6)
    metric.reset_state()
    y_true, y_pred, sample_weight = batches[0]
    _update(metric, _array(y_true), _array(y_pred), _array(sample_weight))
    np.testing.assert_allclose(np.asarray(metric.result()), expected[0], rtol=2e-6, atol=1e-6)


@pytest.mark.parametrize("expression, batches, expected", CASES, ids=[c[0] for c in CASES])
def test_metric_updated_in_a_traced_function_equals_keras(expression, batches, expected):
    metric = eval(expression)
    functions = {}
    for (y_true, y_pred, sample_weight), want in zip(batches, expected):
        args = [tg.constant(_array(v)) for v in (y_true, y_pred, sample_weight) if v is not None]
        key = (y_pred is not None, sample_weight is not None)
        if key not in functions:
            functions[key] = tg.function(_traced_update(metric, *key))
        functions[key](*args)
        np.testing.assert_allclose(np.asarray(metric.result()), want, rtol=2e-6, atol=1e-6)


def _traced_update(metric, has_pred, has_weight):
    if has_pred and has_weight:
        return lambda t, p, w: metric.update_state(t, p, sample_weight=w)
    if has_pred:
        return lambda t, p: metric.update_state(t, p)
    if has_weight:
        return lambda t, w: metric.update_state(t, sample_weight=w)
    return lambda t: metric.update_state(t)
