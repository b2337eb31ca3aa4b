"""The part EarlyStopping, ReduceLROnPlateau and ModelCheckpoint share: is a monitored value better?"""
import operator
import warnings

from .callback import Callback

__all__ = ["MonitorCallback"]

#: Metrics that improve upward, by the names Keras gives them; losses and errors improve downward.
_HIGHER_IS_BETTER = frozenset({
    "accuracy", "acc", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
    "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy", "auc", "precision", "recall",
    "f1_score", "fbeta_score", "r2_score", "cosine_similarity", "pearson_correlation",
    "concordance_correlation", "iou", "mean_iou", "binary_iou", "one_hot_iou", "one_hot_mean_iou",
    "true_positives", "true_negatives", "precision_at_recall", "recall_at_precision",
    "sensitivity_at_specificity", "specificity_at_sensitivity"})
_LOWER_IS_BETTER = frozenset({
    "loss", "mse", "mae", "mape", "msle", "mean_squared_error", "mean_absolute_error",
    "mean_absolute_percentage_error", "mean_squared_logarithmic_error", "root_mean_squared_error",
    "binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy", "hinge",
    "squared_hinge", "categorical_hinge", "logcosh", "log_cosh", "kl_divergence", "kld", "poisson",
    "false_positives", "false_negatives"})


class MonitorCallback(Callback):
    """Base of callbacks that watch one logged quantity (`monitor`) for improvement.

    `mode` "min" or "max" says which way is better; "auto" reads it from the name (a loss goes
    down; otherwise the model's metric of that name decides, through its `_direction` when it has
    one, else Keras's metric names). An improvement must beat the reference by more than `min_delta`.
    """

    def __init__(self, monitor="val_loss", mode="auto", baseline=None, min_delta=0):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            warnings.warn(f"{type(self).__name__} mode '{mode}' is unknown, fallback to auto mode.", stacklevel=2)
            mode = "auto"
        self.monitor = monitor
        self.mode = mode
        self.best = baseline
        self.min_delta = abs(min_delta)
        self.monitor_op = None

    def _set_monitor_op(self):
        lower_is_better = {"min": True, "max": False}.get(self.mode)
        if lower_is_better is None:
            lower_is_better = self._direction_from_name()
        self.monitor_op = operator.lt if lower_is_better else operator.gt
        if lower_is_better:
            self.min_delta = -abs(self.min_delta)

    def _direction_from_name(self):
        name = self.monitor.removeprefix("val_")
        if name == "loss":
            return True
        for metric in _metrics_of(self.model):
            if getattr(metric, "name", None) == name and getattr(metric, "_direction", None) in ("up", "down"):
                return metric._direction == "down"
        if name in _HIGHER_IS_BETTER or name in _LOWER_IS_BETTER:
            return name in _LOWER_IS_BETTER
        raise ValueError(
            f"{type(self).__name__} callback received monitor={self.monitor}, but Keras isn't able to "
            "automatically determine whether that metric should be maximized or minimized. Pass "
            "`mode='max'` in order to monitor based on the highest metric value, or pass `mode='min'` "
            "in order to use the lowest value.")

    def _is_improvement(self, monitor_value, reference_value):
        if reference_value is None:
            return True
        return self.monitor_op(monitor_value - self.min_delta, reference_value)


def _metrics_of(model):
    """The model's metric objects, with compile's containers (objects holding `.metrics`) opened."""
    found = []
    for metric in getattr(model, "metrics", None) or ():
        inner = getattr(metric, "metrics", None)
        found.extend(inner if isinstance(inner, (list, tuple)) else [metric])
    return found
