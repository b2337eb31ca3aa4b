"""Accuracy metrics: exact match, thresholded binary, categorical (argmax) and top-k."""
from ... import dtypes, math
from ...ops.array_ops import expand_dims, reshape, shape, squeeze
from ...ops.cast import cast
from ...ops.comparison import equal, greater
from ..losses.common import as_tensor, floatx, last_dim, rank, squeeze_or_expand_to_same_rank
from ..losses.serialization import register
from .reduction_metrics import MeanMetricWrapper

__all__ = ["accuracy", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
           "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy", "Accuracy", "BinaryAccuracy",
           "CategoricalAccuracy", "SparseCategoricalAccuracy", "TopKCategoricalAccuracy",
           "SparseTopKCategoricalAccuracy"]


def _matches(a, b):
    return cast(equal(a, b), floatx())


@register
def accuracy(y_true, y_pred):
    """1.0 where `y_true == y_pred` exactly, else 0.0."""
    y_pred = as_tensor(y_pred)
    y_true = as_tensor(y_true, y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return _matches(y_true, y_pred)


@register
def binary_accuracy(y_true, y_pred, threshold=0.5):
    """1.0 where `y_pred > threshold` agrees with the 0/1 label."""
    y_pred = as_tensor(y_pred)
    y_true = as_tensor(y_true)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    y_pred = cast(greater(y_pred, as_tensor(threshold, y_pred.dtype)), y_true.dtype)
    return _matches(y_true, y_pred)


@register
def categorical_accuracy(y_true, y_pred):
    """1.0 where the argmax of the one-hot label equals the argmax of the prediction."""
    y_pred = as_tensor(y_pred)
    y_true = cast(math.argmax(as_tensor(y_true), axis=-1), y_pred.dtype)
    true_shape = shape(y_true)
    reshape_matches = rank(y_true) == rank(y_pred)
    if reshape_matches:
        y_true = squeeze(y_true, axis=-1)
    matches = _matches(y_true, cast(math.argmax(y_pred, axis=-1), y_true.dtype))
    return reshape(matches, true_shape) if reshape_matches else matches


@register
def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where the integer label equals the argmax of the prediction."""
    y_pred = as_tensor(y_pred)
    y_true = as_tensor(y_true, y_pred.dtype)
    true_shape = shape(y_true)
    reshape_matches = rank(y_true) == rank(y_pred) and last_dim(y_true) == 1
    if reshape_matches:
        y_true = squeeze(y_true, axis=-1)
    matches = _matches(y_true, cast(math.argmax(y_pred, axis=-1), y_true.dtype))
    if reshape_matches:
        matches = reshape(matches, true_shape)
    if rank(matches) > 1 and last_dim(matches) == 1:
        matches = squeeze(matches, axis=-1)
    return matches


def _flatten_for_top_k(y_true, y_pred):
    """Predictions as `(samples, classes)` and labels as `(samples,)`; the labels' shape for the result."""
    true_shape = shape(y_true)
    if rank(y_pred) > 2:
        y_pred = reshape(y_pred, [-1, y_pred.shape[-1]])
    reshape_matches = rank(y_true) > 1
    if reshape_matches:
        y_true = reshape(y_true, [-1])
    return y_true, y_pred, (true_shape if reshape_matches else None)


@register
def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the one-hot label's class is among the `k` highest predictions (ties count as in)."""
    y_pred = as_tensor(y_pred)
    y_true = math.argmax(as_tensor(y_true, y_pred.dtype), axis=-1)
    y_true, y_pred, true_shape = _flatten_for_top_k(y_true, y_pred)
    matches = cast(math.in_top_k(cast(y_true, dtypes.int32), y_pred, k), floatx())
    return matches if true_shape is None else reshape(matches, true_shape)


@register
def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """1.0 where the integer label is among the `k` highest predictions.

    With `from_sorted_ids`, `y_pred` holds class ids sorted by score and the label is looked
    for among its first `k` columns.
    """
    y_pred = as_tensor(y_pred)
    y_true = as_tensor(y_true, y_pred.dtype if from_sorted_ids else dtypes.int32)
    y_true, y_pred, true_shape = _flatten_for_top_k(y_true, y_pred)
    if from_sorted_ids:
        matches = math.reduce_any(equal(expand_dims(y_true, axis=1), y_pred[:, :k]), axis=1)
    else:
        matches = math.in_top_k(y_true, y_pred, k)
    matches = cast(matches, floatx())
    return matches if true_shape is None else reshape(matches, true_shape)


class Accuracy(MeanMetricWrapper):
    """How often predictions equal labels exactly."""

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(fn=accuracy, name=name, dtype=dtype)
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype.name}


class BinaryAccuracy(MeanMetricWrapper):
    """How often `y_pred > threshold` matches the binary label."""

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(fn=binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype.name, "threshold": self.threshold}


class CategoricalAccuracy(MeanMetricWrapper):
    """How often the predicted class (argmax) is the one-hot label's class."""

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(fn=categorical_accuracy, name=name, dtype=dtype)
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype.name}


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the predicted class (argmax) is the integer label."""

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(fn=sparse_categorical_accuracy, name=name, dtype=dtype)
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype.name}


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot label's class is among the `k` top predictions."""

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(fn=top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype.name, "k": self.k}


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label is among the `k` top predictions."""

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None, from_sorted_ids=False):
        super().__init__(fn=sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k,
                         from_sorted_ids=from_sorted_ids)
        self.k = k
        self.from_sorted_ids = from_sorted_ids
        self._direction = "up"

    def get_config(self):
        config = {"name": self.name, "dtype": self.dtype.name, "k": self.k}
        if self.from_sorted_ids:
            config["from_sorted_ids"] = True
        return config
