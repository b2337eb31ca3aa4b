"""Metrics from confusion counts: TruePositives ... FalseNegatives, Precision, Recall and AUC."""
import numpy as np

from ... import math, nn
from ...ops.comparison import equal, logical_and, where
from ...ops.creation import ones_like
from ..losses.common import as_tensor, epsilon
from . import confusion_utils as cm
from .metric import Metric

__all__ = ["TruePositives", "FalsePositives", "TrueNegatives", "FalseNegatives", "Precision", "Recall", "AUC"]


class _ConfusionCount(Metric):
    """The weighted count of one confusion condition at each threshold."""

    _condition = None

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds = cm.parse_init_thresholds(thresholds, default_threshold=0.5)
        self._thresholds_distributed_evenly = cm.is_evenly_distributed_thresholds(self.thresholds)
        self.accumulator = self.add_variable(shape=(len(self.thresholds),), initializer="zeros", name="accumulator")

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add a batch's counts."""
        cm.update_confusion_matrix_variables({self._condition: self.accumulator}, y_true, y_pred, self.thresholds,
                                             thresholds_distributed_evenly=self._thresholds_distributed_evenly,
                                             sample_weight=sample_weight)

    def result(self):
        """The count at each threshold (a scalar for a single threshold)."""
        value = as_tensor(self.accumulator)
        return value[0] if len(self.thresholds) == 1 else value

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds}


class TruePositives(_ConfusionCount):
    """The number of positive labels predicted positive (prediction above the threshold)."""

    _condition = cm.TRUE_POSITIVES


class FalsePositives(_ConfusionCount):
    """The number of negative labels predicted positive."""

    _condition = cm.FALSE_POSITIVES


class TrueNegatives(_ConfusionCount):
    """The number of negative labels predicted negative."""

    _condition = cm.TRUE_NEGATIVES


class FalseNegatives(_ConfusionCount):
    """The number of positive labels predicted negative."""

    _condition = cm.FALSE_NEGATIVES


class _PrecisionRecall(Metric):
    """`tp / (tp + other)` at each threshold, where `other` is false positives or false negatives."""

    _other = None

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        default = 0.5 if top_k is None else cm.NEG_INF
        self.thresholds = cm.parse_init_thresholds(thresholds, default_threshold=default)
        self._thresholds_distributed_evenly = cm.is_evenly_distributed_thresholds(self.thresholds)
        size = (len(self.thresholds),)
        self.true_positives = self.add_variable(shape=size, initializer="zeros", name="true_positives")
        self._other_counts = self.add_variable(shape=size, initializer="zeros", name=self._other_name)

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add a batch's counts (`sample_weight` weighs each sample)."""
        cm.update_confusion_matrix_variables(
            {cm.TRUE_POSITIVES: self.true_positives, self._other: self._other_counts}, y_true, y_pred,
            self.thresholds, top_k=self.top_k, class_id=self.class_id, sample_weight=sample_weight,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly)

    def result(self):
        """The ratio at each threshold (a scalar for a single threshold); 0 where it is 0 / 0."""
        tp = as_tensor(self.true_positives)
        value = math.divide_no_nan(tp, tp + as_tensor(self._other_counts))
        return value[0] if len(self.thresholds) == 1 else value

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds, "top_k": self.top_k,
                "class_id": self.class_id}


class Precision(_PrecisionRecall):
    """The fraction of positive predictions that are right: `tp / (tp + fp)`."""

    _other, _other_name = cm.FALSE_POSITIVES, "false_positives"

    @property
    def false_positives(self):
        """The false positives per threshold."""
        return self._other_counts


class Recall(_PrecisionRecall):
    """The fraction of positive labels that are found: `tp / (tp + fn)`."""

    _other, _other_name = cm.FALSE_NEGATIVES, "false_negatives"

    @property
    def false_negatives(self):
        """The false negatives per threshold."""
        return self._other_counts


_CURVES = {"roc": "ROC", "pr": "PR", "prgain": "PRGAIN"}
_SUMMATIONS = ("interpolation", "majoring", "minoring")


class AUC(Metric):
    """The area under the ROC or precision-recall curve, from confusion counts at `num_thresholds`
    thresholds (a Riemann sum; `summation_method` 'interpolation', 'majoring' or 'minoring')."""

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation", name=None, dtype=None,
                 thresholds=None, multi_label=False, num_labels=None, label_weights=None, from_logits=False):
        if str(curve).lower() not in _CURVES:
            raise ValueError(f'Invalid AUC curve value: "{curve}". Expected values are ["PR", "ROC", "PRGAIN"]')
        if str(summation_method).lower() not in _SUMMATIONS:
            raise ValueError(f'Invalid AUC summation method value: "{summation_method}". Expected values are '
                             '["interpolation", "majoring", "minoring"]')
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            self.num_thresholds = len(thresholds) + 2
            inner = sorted(thresholds)
            self._thresholds_distributed_evenly = cm.is_evenly_distributed_thresholds(
                np.array([0.0] + inner + [1.0]))
        else:
            if num_thresholds <= 1:
                raise ValueError(f"Argument `num_thresholds` must be an integer > 1. "
                                 f"Received: num_thresholds={num_thresholds}")
            self.num_thresholds = num_thresholds
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._thresholds_distributed_evenly = True
        # The end thresholds lie just outside [0, 1] so that predictions of exactly 0 or 1 are counted.
        self._thresholds = np.array([0.0 - epsilon()] + inner + [1.0 + epsilon()])
        self.curve = _CURVES[str(curve).lower()]
        self.summation_method = str(summation_method).lower()
        self.multi_label = multi_label
        self.num_labels = num_labels
        self.label_weights = as_tensor(label_weights, self.dtype) if label_weights is not None else None
        self._from_logits = from_logits
        self._built = False
        if multi_label:
            if num_labels:
                self._build([None, num_labels])
        elif num_labels:
            raise ValueError("`num_labels` is needed only when `multi_label` is True.")
        else:
            self._build(None)

    @property
    def thresholds(self):
        """The thresholds, the two just outside [0, 1] included."""
        return list(self._thresholds)

    def _build(self, shape):
        if self.multi_label:
            if len(shape) != 2:
                raise ValueError(f"`y_pred` must have rank 2 when `multi_label=True`. Found rank {len(shape)}. "
                                 f"Full shape received for `y_pred`: {shape}")
            self._num_labels = shape[1]
            variable_shape = (self.num_thresholds, self._num_labels)
        else:
            variable_shape = (self.num_thresholds,)
        self.true_positives = self.add_variable(variable_shape, "zeros", name="true_positives")
        self.false_positives = self.add_variable(variable_shape, "zeros", name="false_positives")
        self.true_negatives = self.add_variable(variable_shape, "zeros", name="true_negatives")
        self.false_negatives = self.add_variable(variable_shape, "zeros", name="false_negatives")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add a batch's confusion counts at every threshold."""
        y_pred = as_tensor(y_pred)
        if not self._built:
            self._build(tuple(y_pred.shape))
        if self._from_logits:
            y_pred = nn.sigmoid(y_pred)
        cm.update_confusion_matrix_variables(
            {cm.TRUE_POSITIVES: self.true_positives, cm.TRUE_NEGATIVES: self.true_negatives,
             cm.FALSE_POSITIVES: self.false_positives, cm.FALSE_NEGATIVES: self.false_negatives},
            y_true, y_pred, self._thresholds, thresholds_distributed_evenly=self._thresholds_distributed_evenly,
            sample_weight=sample_weight, multi_label=self.multi_label,
            label_weights=None if self.multi_label else self.label_weights)

    def _counts(self):
        return tuple(as_tensor(v) for v in (self.true_positives, self.false_positives, self.true_negatives,
                                            self.false_negatives))

    def _combine_labels(self, per_threshold):
        """Sum over thresholds, then (multi-label) average over labels, weighted by `label_weights`."""
        if not self.multi_label:
            return math.reduce_sum(per_threshold)
        by_label = math.reduce_sum(per_threshold, axis=0)
        if self.label_weights is None:
            return math.reduce_mean(by_label)
        return math.divide_no_nan(math.reduce_sum(by_label * self.label_weights), math.reduce_sum(self.label_weights))

    def interpolate_pr_auc(self):
        """The PR-AUC with precision interpolated between thresholds (Davis & Goadrich, 2006)."""
        tp, fp, _, fn = self._counts()
        n = self.num_thresholds
        dtp = tp[:n - 1] - tp[1:]
        p = tp + fp
        dp = p[:n - 1] - p[1:]
        prec_slope = math.divide_no_nan(dtp, math.maximum(dp, 0.0))
        intercept = tp[1:] - prec_slope * p[1:]
        safe_p_ratio = where(logical_and(p[:n - 1] > 0, p[1:] > 0),
                             math.divide_no_nan(p[:n - 1], math.maximum(p[1:], 0.0)), ones_like(p[1:]))
        increment = math.divide_no_nan(prec_slope * (dtp + intercept * math.log(safe_p_ratio)),
                                       math.maximum(tp[1:] + fn[1:], 0.0))
        return self._combine_labels(increment)

    def result(self):
        """The area under the chosen curve (averaged over labels with `multi_label`)."""
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self.interpolate_pr_auc()
        tp, fp, tn, fn = self._counts()
        recall = math.divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = math.divide_no_nan(fp, fp + tn), recall
        elif self.curve == "PR":
            x, y = recall, math.divide_no_nan(tp, tp + fp)
        else:
            scaling = math.divide_no_nan(tp + fn, tn + fp)
            no_tp = equal(tp, 0.0)
            recall_gain = where(no_tp, 0.0, 1.0 - scaling * math.divide_no_nan(fn, tp))
            precision_gain = where(no_tp, 1.0, 1.0 - scaling * math.divide_no_nan(fp, tp))
            x, y = math.maximum(recall_gain, 0.0), precision_gain
        n = self.num_thresholds
        if self.summation_method == "interpolation":
            heights = (y[:n - 1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = math.minimum(y[:n - 1], y[1:])
        else:
            heights = math.maximum(y[:n - 1], y[1:])
        return self._combine_labels((x[:n - 1] - x[1:]) * heights)

    def reset_state(self):
        if self._built:
            super().reset_state()

    def get_config(self):
        label_weights = None if self.label_weights is None else self.label_weights.numpy().tolist()
        config = {**super().get_config(), "num_thresholds": self.num_thresholds, "curve": self.curve,
                  "summation_method": self.summation_method, "multi_label": self.multi_label,
                  "num_labels": self.num_labels, "label_weights": label_weights, "from_logits": self._from_logits}
        if self._init_from_thresholds:
            config["thresholds"] = self.thresholds[1:-1]
        return config
