"""Counting true/false positives/negatives at a list of thresholds (Keras's `metrics_utils`).

Predictions above a threshold count as positive. For evenly spaced thresholds (AUC's default)
each prediction falls in one bucket and a reversed cumulative sum gives the counts at every
threshold in O(samples + thresholds); other thresholds are compared one by one.
"""
import numpy as np

from ... import dtypes, math, nn
from ...ops.array_ops import expand_dims, reshape, shape
from ...ops.cast import cast
from ...ops.comparison import clip_by_value, greater, logical_and, logical_not, where
from ...ops import creation
from ...ops.tiling import broadcast_to
from ..losses.common import as_tensor, epsilon, squeeze_or_expand_to_same_rank

__all__ = ["TRUE_POSITIVES", "FALSE_POSITIVES", "TRUE_NEGATIVES", "FALSE_NEGATIVES", "NEG_INF",
           "parse_init_thresholds", "is_evenly_distributed_thresholds", "update_confusion_matrix_variables"]

TRUE_POSITIVES, FALSE_POSITIVES, TRUE_NEGATIVES, FALSE_NEGATIVES = "tp", "fp", "tn", "fn"
_CONDITIONS = (TRUE_POSITIVES, FALSE_POSITIVES, TRUE_NEGATIVES, FALSE_NEGATIVES)
#: The score given to predictions outside the top k, so that no threshold counts them.
NEG_INF = -1e10


def parse_init_thresholds(thresholds, default_threshold=0.5):
    """The thresholds as a list, each checked to lie in [0, 1]."""
    if thresholds is None:
        return [default_threshold]
    thresholds = list(thresholds) if isinstance(thresholds, (list, tuple)) else [thresholds]
    invalid = [t for t in thresholds if t is None or t < 0 or t > 1]
    if invalid:
        raise ValueError(f"Threshold values must be in [0, 1]. Received: {invalid}")
    return thresholds


def is_evenly_distributed_thresholds(thresholds):
    """True for 3 or more thresholds spaced evenly from 0 to 1 (within epsilon)."""
    count = len(thresholds)
    if count < 3:
        return False
    even = np.arange(count, dtype=np.float32) / (count - 1)
    return bool(np.allclose(thresholds, even, atol=epsilon()))


def _filter_top_k(x, k):
    """`x` with every entry outside the `k` largest of its row replaced by NEG_INF."""
    _, indices = math.top_k(x, k)
    in_top_k = math.reduce_sum(creation.one_hot(indices, x.shape[-1], dtype=x.dtype), axis=-2)
    return x * in_top_k + NEG_INF * (1.0 - in_top_k)


def update_confusion_matrix_variables(variables_to_update, y_true, y_pred, thresholds, top_k=None, class_id=None,
                                      sample_weight=None, multi_label=False, label_weights=None,
                                      thresholds_distributed_evenly=False):
    """Add a batch's confusion counts to the Variables of `variables_to_update` ({"tp": var, ...}).

    Each Variable has one entry per threshold (and per label with `multi_label`).
    `top_k` keeps only each row's k best predictions, `class_id` looks at one class only.
    """
    if multi_label and label_weights is not None:
        raise ValueError("`label_weights` for multilabel data should be handled outside of "
                         "`update_confusion_matrix_variables` when `multi_label` is True.")
    invalid = [key for key in variables_to_update if key not in _CONDITIONS]
    if invalid or not variables_to_update:
        raise ValueError(f"Invalid keys: {invalid}. Valid variable key options are: {list(_CONDITIONS)}")
    dtype = next(iter(variables_to_update.values())).dtype
    y_true, y_pred = as_tensor(y_true, dtype), as_tensor(y_pred, dtype)
    with_epsilon = bool(thresholds[0] < 0.0 or thresholds[-1] > 1.0)
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    if sample_weight is not None:
        sample_weight = expand_dims(as_tensor(sample_weight, dtype), axis=-1)
        _, sample_weight = squeeze_or_expand_to_same_rank(y_true, sample_weight, expand_rank_1=False)
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        if len(y_pred.shape) == 1:
            raise ValueError("When class_id is provided, y_pred must be a 2D array with shape "
                             f"(num_samples, num_classes), found shape: {y_pred.shape}")
        y_true = y_true[..., class_id:class_id + 1]
        y_pred = y_pred[..., class_id:class_id + 1]
    if label_weights is not None:
        label_weights = broadcast_to(expand_dims(as_tensor(label_weights, dtype), 0), shape(y_pred))
    if thresholds_distributed_evenly:
        counts = _bucketed_counts(y_true, y_pred, len(thresholds), multi_label, sample_weight, label_weights,
                                  with_epsilon)
    else:
        counts = _compared_counts(y_true, y_pred, as_tensor(np.asarray(thresholds), dtype), multi_label,
                                  sample_weight, label_weights, conditions=set(variables_to_update))
    for condition, variable in variables_to_update.items():
        variable.assign_add(counts[condition])


def _weights(sample_weight, label_weights, y_pred, flatten):
    """The product of sample and label weights broadcast to the predictions (None when neither is given)."""
    weights = None
    for w in (sample_weight, label_weights):
        if w is not None:
            w = broadcast_to(cast(w, y_pred.dtype), shape(y_pred))
            weights = w if weights is None else weights * w
    return reshape(weights, [-1]) if weights is not None and flatten else weights


def _bucketed_counts(y_true, y_pred, num_thresholds, multi_label, sample_weight, label_weights, with_epsilon):
    """Counts at evenly spaced thresholds: each prediction adds to the bucket below it, then a
    reversed cumulative sum over buckets gives, per threshold, the predictions above it."""
    weights = _weights(sample_weight, label_weights, y_pred, flatten=not multi_label)
    y_pred = clip_by_value(y_pred, 0.0, 1.0)
    y_true = cast(cast(y_true, dtypes.bool), y_true.dtype)
    if not multi_label:
        y_true, y_pred = reshape(y_true, [-1]), reshape(y_pred, [-1])
    true_labels = y_true if weights is None else y_true * weights
    false_labels = (1.0 - y_true) if weights is None else (1.0 - y_true) * weights
    buckets = math.ceil(y_pred * float(num_thresholds - 1)) - 1.0
    if with_epsilon:
        buckets = nn.relu(buckets)
    buckets = cast(buckets, dtypes.int32)  # a bucket of -1 (a prediction of 0 without epsilon) counts nowhere
    if multi_label:
        # One segment per (bucket, label); a bucket of -1 stays out of every segment.
        num_labels = y_pred.shape[-1]
        segment_ids = where(buckets < 0, -1, buckets * num_labels + creation.range(num_labels))
        per_bucket = [reshape(math.unsorted_segment_sum(labels, segment_ids, num_thresholds * num_labels),
                              [num_thresholds, num_labels]) for labels in (true_labels, false_labels)]
        totals = [math.reduce_sum(labels, axis=0) for labels in (true_labels, false_labels)]
    else:
        per_bucket = [math.unsorted_segment_sum(labels, buckets, num_thresholds)
                      for labels in (true_labels, false_labels)]
        totals = [math.reduce_sum(labels) for labels in (true_labels, false_labels)]
    tp, fp = (math.cumsum(counts, axis=0, reverse=True) for counts in per_bucket)
    return {TRUE_POSITIVES: tp, FALSE_POSITIVES: fp, TRUE_NEGATIVES: totals[1] - fp, FALSE_NEGATIVES: totals[0] - tp}


def _compared_counts(y_true, y_pred, thresholds, multi_label, sample_weight, label_weights, conditions):
    """Counts at arbitrary thresholds: every prediction compared with every threshold."""
    if multi_label:
        predictions = expand_dims(y_pred, 0)
        labels = expand_dims(cast(y_true, dtypes.bool), 0)
        thresholds = reshape(thresholds, [-1, 1, 1])
    else:
        predictions = reshape(y_pred, [1, -1])
        labels = reshape(cast(y_true, dtypes.bool), [1, -1])
        thresholds = reshape(thresholds, [-1, 1])
    weights = _weights(sample_weight, label_weights, y_pred, flatten=False)
    if weights is not None:
        weights = expand_dims(weights, 0) if multi_label else reshape(weights, [1, -1])
    pred_is_pos = greater(predictions, thresholds)
    pred_is_neg = logical_not(pred_is_pos)
    label_is_neg = logical_not(labels)

    def count(label, pred):
        both = logical_and(label, pred)
        values = cast(both, y_pred.dtype) if weights is None else where(both, weights, 0.0)
        return math.reduce_sum(values, axis=1)

    pairs = {TRUE_POSITIVES: (labels, pred_is_pos), FALSE_POSITIVES: (label_is_neg, pred_is_pos),
             TRUE_NEGATIVES: (label_is_neg, pred_is_neg), FALSE_NEGATIVES: (labels, pred_is_neg)}
    return {condition: count(*pairs[condition]) for condition in conditions}
