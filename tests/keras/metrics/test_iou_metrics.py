"""IoU metrics against Keras 3.15's values (recorded with it; weighted cases hand-computed, see below)."""
import numpy as np
import pytest

import tracegraph as tg
from tracegraph.keras import metrics

LABELS, PREDICTED = [0, 0, 1, 1, 2], [0, 1, 1, 1, 0]
ONE_HOT = [[0, 0, 1], [1, 0, 0], [0, 1, 0], [1, 0, 0]]
SCORES = [[0.2, 0.3, 0.5], [0.1, 0.2, 0.7], [0.5, 0.3, 0.1], [0.1, 0.4, 0.5]]

# (metric, y_true, y_pred, value): values printed by Keras 3.15 for the same calls.
RECORDED = [
    (lambda: metrics.MeanIoU(num_classes=3), LABELS, PREDICTED, 1 / 3),
    (lambda: metrics.MeanIoU(num_classes=4), [0, 0, 1, 1], [0, 1, 0, 1], 1 / 3),
    (lambda: metrics.MeanIoU(num_classes=3, ignore_class=0), LABELS, PREDICTED, 1 / 3),
    (lambda: metrics.MeanIoU(num_classes=3, sparse_y_pred=False), [0, 1, 2],
     [[0.9, 0.1, 0], [0.2, 0.3, 0.5], [0.1, 0.1, 0.8]], 0.5),
    (lambda: metrics.IoU(num_classes=3, target_class_ids=[0, 2]), LABELS, PREDICTED, 1 / 6),
    (lambda: metrics.BinaryIoU(target_class_ids=[0, 1], threshold=0.3), [0, 1, 0, 1], [0.1, 0.2, 0.4, 0.7], 1 / 3),
    (lambda: metrics.OneHotMeanIoU(num_classes=3), ONE_HOT, SCORES, 1 / 9),
    (lambda: metrics.OneHotIoU(num_classes=3, target_class_ids=[0, 2]), ONE_HOT, SCORES, 1 / 6),
]


@pytest.mark.parametrize("make, y_true, y_pred, value", RECORDED)
def test_iou_metrics_match_keras(make, y_true, y_pred, value):
    metric = make()
    metric.update_state(y_true, y_pred)
    np.testing.assert_allclose(float(metric.result()), value, rtol=1e-6)
    metric.reset_state()
    assert float(metric.result()) == 0.0


def test_fractional_sample_weights_count():
    # Keras's docstring example (cm [[0.2, 0.4], [0.3, 0.1]]: IoUs 0.2/0.9 and 0.1/0.8): 0.17361112.
    # (Keras 3.15 itself keeps an int64 matrix and truncates these weights; TF 2's Keras did not.)
    metric = metrics.BinaryIoU(target_class_ids=[0, 1], threshold=0.3)
    metric.update_state([0, 1, 0, 1], [0.1, 0.2, 0.4, 0.7], sample_weight=[0.2, 0.3, 0.4, 0.1])
    np.testing.assert_allclose(float(metric.result()), (0.2 / 0.9 + 0.1 / 0.8) / 2, rtol=1e-6)


def test_accumulates_over_batches_and_inside_a_traced_function():
    metric = metrics.MeanIoU(num_classes=3)

    @tg.function
    def update(y_true, y_pred):
        metric.update_state(y_true, y_pred)
        return metric.result()

    update(tg.constant(LABELS), tg.constant(PREDICTED))
    result = update(tg.constant([2, 2]), tg.constant([2, 1]))
    # cm rows (labels) [[1, 1, 0], [0, 2, 0], [1, 1, 1]]: IoUs 1/3, 2/4, 1/3
    np.testing.assert_allclose(float(result), (1 / 3 + 2 / 4 + 1 / 3) / 3, rtol=1e-6)


def test_classes_out_of_range_count_nowhere_and_configs_round_trip():
    metric = metrics.MeanIoU(num_classes=2)
    metric.update_state([0, 1, 5, -1], [0, 1, 1, 0])
    assert float(metric.result()) == 1.0
    config = metric.get_config()
    assert config["num_classes"] == 2 and "target_class_ids" not in config
    assert metrics.MeanIoU.from_config(config).num_classes == 2


def test_target_class_ids_must_be_classes():
    with pytest.raises(ValueError, match="target_class_ids"):
        metrics.IoU(num_classes=2, target_class_ids=[0, 2])


def test_mean_iou_in_fit():
    model = tg.keras.Sequential([tg.keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy",
                  metrics=[metrics.MeanIoU(num_classes=3, sparse_y_pred=False, name="miou")])
    rng = np.random.default_rng(0)
    history = model.fit(rng.random((32, 4), np.float32), rng.integers(0, 3, 32), epochs=2, verbose=0)
    assert all(0.0 <= v <= 1.0 for v in history.history["miou"])
