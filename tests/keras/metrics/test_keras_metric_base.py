"""The Metric base: the tutorial's seed case, state, names, configs, lookup, and traced updates."""
import numpy as np
import pytest

import tracegraph as tg
from tracegraph.keras import losses, metrics


def test_the_tutorials_metric_sequence():
    metric = metrics.MeanSquaredError()
    assert float(metric([0.], [1.])) == pytest.approx(1.0)
    assert float(metric([5.], [2.])) == pytest.approx(5.0)
    assert float(metric([0.], [1.])) == pytest.approx(3.6666667)
    assert float(metric.result()) == pytest.approx(3.6666667)
    metric.reset_states()
    assert float(metric([1.], [3.])) == pytest.approx(4.0)


def test_state_lives_in_non_trainable_variables_in_creation_order():
    metric = metrics.Mean(name="loss_mean")
    names = [v.name for v in metric.variables]
    assert names == ["loss_mean/total:0", "loss_mean/count:0"]
    assert metric.trainable_variables == ()
    assert all(not v.trainable for v in metric.variables)
    auc = metrics.AUC(num_thresholds=5)
    assert [v.shape for v in auc.variables] == [(5,)] * 4


def test_a_result_is_a_snapshot_not_a_view_of_the_state():
    metric = metrics.Sum()
    metric.update_state([1., 2.])
    first = metric.result()
    metric.update_state([10.])
    assert float(first) == 3.0 and float(metric.result()) == 13.0


def test_reset_state_zeroes_every_variable():
    metric = metrics.AUC()
    metric.update_state([0, 1, 1], [0.2, 0.8, 0.6])
    metric.reset_state()
    assert all(not np.any(v.numpy()) for v in metric.variables)
    assert float(metric.result()) == 0.0


def test_names_are_unique_by_default_and_settable():
    first, second = metrics.Precision(), metrics.Precision()
    assert first.name.startswith("precision") and second.name != first.name
    first.name = "val/precision"
    assert first.name == "val/precision"
    assert str(first) == "<Precision name=val/precision>"


def test_a_subclass_with_its_own_state():
    class CountPositives(metrics.Metric):
        def __init__(self, name="count_positives", **kwargs):
            super().__init__(name=name, **kwargs)
            self.count = self.add_weight(name="count", initializer="zeros")

        def update_state(self, values):
            self.count.assign_add(tg.reduce_sum(tg.cast(tg.constant(values) > 0, self.dtype)))

        def result(self):
            return tg.identity(self.count)

    metric = CountPositives()
    assert float(metric([1., -2., 3.])) == 2.0
    assert float(metric([4.])) == 3.0
    assert metric.variables == [metric.count]
    metric.reset_states()
    assert float(metric.result()) == 0.0


def test_metrics_held_by_a_metric_share_their_variables():
    class Pair(metrics.Metric):
        def __init__(self):
            super().__init__(name="pair")
            self.inner = metrics.Mean(name="inner")
            self.own = self.add_variable((), name="own")

    pair = Pair()
    assert [v.name for v in pair.variables] == ["pair/own:0", "inner/total:0", "inner/count:0"]


def test_dtype_selects_the_state_dtype():
    metric = metrics.Mean(dtype="float64")
    metric.update_state(np.array([1.0, 2.0]))
    assert metric.dtype == tg.float64 and metric.result().dtype == tg.float64
    assert metric.get_config() == {"name": "mean", "dtype": "float64"}


def test_the_mean_of_any_function_and_of_a_loss():
    metric = metrics.MeanMetricWrapper(lambda t, p: tg.abs(t - p) * 2.0, name="twice_error")
    metric.update_state(tg.constant([1., 2.]), tg.constant([2., 4.]))
    assert float(metric.result()) == pytest.approx(3.0)
    metric = metrics.MeanMetricWrapper(losses.huber, delta=0.5)
    metric.update_state([[0., 3.]], [[0.2, 1.]])
    assert float(metric.result()) == pytest.approx(float(losses.huber([[0., 3.]], [[0.2, 1.]], delta=0.5)[0]))


@pytest.mark.parametrize("metric", [
    metrics.MeanSquaredError(name="m"),
    metrics.BinaryAccuracy(threshold=0.3),
    metrics.SparseTopKCategoricalAccuracy(k=3, from_sorted_ids=True),
    metrics.Precision(thresholds=[0.2, 0.7], top_k=2, class_id=1),
    metrics.AUC(num_thresholds=7, curve="PR", summation_method="minoring", multi_label=True, num_labels=2,
                label_weights=[0.5, 1.5]),
    metrics.AUC(thresholds=[0.1, 0.6]),
    metrics.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1),
    metrics.SparseCategoricalCrossentropy(ignore_class=0),
    metrics.CosineSimilarity(axis=0),
    metrics.MeanMetricWrapper(losses.huber, name="hub", delta=0.5),
    metrics.FalseNegatives(thresholds=[0.4]),
], ids=lambda m: type(m).__name__)
def test_configs_round_trip(metric):
    again = metrics.deserialize(metrics.serialize(metric))
    assert type(again) is type(metric)
    assert again.get_config() == metric.get_config()


def test_get_resolves_strings_classes_and_functions():
    assert isinstance(metrics.get("mse"), metrics.MeanSquaredError)
    assert isinstance(metrics.get("mae"), metrics.MeanAbsoluteError)
    assert isinstance(metrics.get("mean_absolute_percentage_error"), metrics.MeanAbsolutePercentageError)
    assert isinstance(metrics.get("AUC"), metrics.AUC) and isinstance(metrics.get("auc"), metrics.AUC)
    assert isinstance(metrics.get("accuracy"), metrics.Accuracy)
    assert isinstance(metrics.get(metrics.Recall), metrics.Recall)
    assert metrics.get(metrics.binary_accuracy) is metrics.binary_accuracy
    assert metrics.get(None) is None
    with pytest.raises(ValueError, match="Could not interpret"):
        metrics.get("no_such_metric")


@pytest.mark.parametrize("true_shape, pred_shape, cls", [
    ((None, 1), (None, 1), metrics.BinaryAccuracy),
    ((None,), (None, 1), metrics.BinaryAccuracy),
    ((None,), (None, 10), metrics.SparseCategoricalAccuracy),
    ((None, 1), (None, 10), metrics.SparseCategoricalAccuracy),
    ((None, 10), (None, 10), metrics.CategoricalAccuracy),
])
def test_accuracy_for_follows_keras_3s_rule(true_shape, pred_shape, cls):
    metric = metrics.accuracy_for(true_shape, pred_shape, name="acc")
    assert type(metric) is cls and metric.name == "acc"


def test_a_traced_update_traces_once_for_every_batch_size():
    metric = metrics.RootMeanSquaredError()
    accuracy = metrics.SparseCategoricalAccuracy()
    auc = metrics.AUC(num_thresholds=11)

    @tg.function(input_signature=[tg.TensorSpec([None, 3]), tg.TensorSpec([None, 3]), tg.TensorSpec([None])])
    def step(y_true, y_pred, labels):
        metric.update_state(y_true, y_pred)
        accuracy.update_state(labels, y_pred)
        auc.update_state(tg.sigmoid(y_true), tg.sigmoid(y_pred))

    rng = np.random.default_rng(0)
    eager = metrics.RootMeanSquaredError(), metrics.SparseCategoricalAccuracy(), metrics.AUC(num_thresholds=11)
    for n in (4, 7, 1, 4):
        t, p = rng.normal(size=(n, 3)).astype(np.float32), rng.normal(size=(n, 3)).astype(np.float32)
        labels = rng.integers(0, 3, size=n).astype(np.float32)
        step(t, p, labels)
        eager[0].update_state(t, p)
        eager[1].update_state(labels, p)
        eager[2].update_state(tg.sigmoid(t), tg.sigmoid(p))
    assert step.experimental_get_tracing_count() == 1
    for traced, reference in zip((metric, accuracy, auc), eager):
        np.testing.assert_allclose(traced.result().numpy(), reference.result().numpy(), rtol=1e-6)


def test_a_metric_made_lazily_inside_a_traced_function_keeps_its_state():
    auc = metrics.AUC(multi_label=True, num_thresholds=5)
    step = tg.function(lambda t, p: auc.update_state(t, p))
    y_true = np.array([[1, 0], [0, 1], [1, 1]], np.float32)
    y_pred = np.array([[0.8, 0.3], [0.4, 0.6], [0.3, 0.9]], np.float32)
    step(y_true, y_pred)
    step(y_true, y_pred)
    reference = metrics.AUC(multi_label=True, num_thresholds=5)
    reference.update_state(y_true, y_pred)
    reference.update_state(y_true, y_pred)
    np.testing.assert_allclose(auc.result().numpy(), reference.result().numpy())
    assert auc.variables[0].shape == (5, 2)


def test_invalid_arguments_are_clear_errors():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        metrics.Precision(thresholds=[1.5])
    with pytest.raises(ValueError, match="num_thresholds"):
        metrics.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match="curve"):
        metrics.AUC(curve="XY")
    with pytest.raises(ValueError, match="class_id"):
        metrics.Precision(class_id=1).update_state([1, 0], [0.3, 0.6])
