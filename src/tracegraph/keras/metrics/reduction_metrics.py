"""Metrics that accumulate values: `Sum`, `Mean`, and `MeanMetricWrapper` (the mean of any `fn(y_true, y_pred)`)."""
from ... import math
from ...ops.array_ops import shape
from ...ops.cast import cast
from ...ops.tiling import broadcast_to
from ..losses.common import as_tensor, rank, squeeze_or_expand_to_same_rank
from ..losses.loss import apply_mask
from ..losses.serialization import deserialize_object, serialize_object
from ..masking import get_keras_mask
from .metric import Metric

__all__ = ["Sum", "Mean", "MeanMetricWrapper", "reduce_to_samplewise_values"]


def reduce_to_samplewise_values(values, sample_weight, reduce_fn, dtype):
    """Keras's reduction of values (and weights) to one per sample before they are accumulated.

    Axes of `values` beyond the weights' rank are reduced with `reduce_fn`, the weights are
    broadcast to the values and multiply them, then both are reduced to one entry per sample.
    """
    values = as_tensor(values, dtype)
    if sample_weight is not None:
        sample_weight = as_tensor(sample_weight, dtype)
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        weight_rank, values_rank = rank(sample_weight), rank(values)
        if values_rank > weight_rank:
            values = reduce_fn(values, axis=list(range(weight_rank, values_rank)))
        sample_weight = broadcast_to(sample_weight, shape(values))
        values = values * sample_weight
        if weight_rank > 1:
            sample_weight = reduce_fn(sample_weight, axis=list(range(1, weight_rank)))
    if rank(values) > 1:
        values = reduce_fn(values, axis=list(range(1, rank(values))))
    return values, sample_weight


class Sum(Metric):
    """The (weighted) sum of all values seen."""

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(shape=(), initializer="zeros", name="total")

    def update_state(self, values, sample_weight=None):
        """Add the values of a batch (times their weights)."""
        values, _ = reduce_to_samplewise_values(values, sample_weight, math.reduce_sum, self.dtype)
        self.total.assign_add(math.reduce_sum(values))

    def result(self):
        """The sum so far."""
        return as_tensor(self.total)


class Mean(Metric):
    """The (weighted) mean of all values seen: a total and a count."""

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(shape=(), initializer="zeros", name="total")
        self.count = self.add_variable(shape=(), initializer="zeros", name="count")

    def update_state(self, values, sample_weight=None):
        """Add a batch of values: each sample counts once (or by its weight)."""
        values, sample_weight = reduce_to_samplewise_values(values, sample_weight, math.reduce_mean, self.dtype)
        self.total.assign_add(math.reduce_sum(values))
        if sample_weight is not None:
            num_samples = math.reduce_sum(sample_weight)
        elif rank(values) >= 1:
            num_samples = values.shape[0] if values.shape[0] is not None else shape(values)[0]
        else:
            num_samples = 1
        self.count.assign_add(cast(num_samples, self.dtype))

    def result(self):
        """`total / count`, 0 before any sample is counted."""
        return math.divide_no_nan(as_tensor(self.total), as_tensor(self.count))


class MeanMetricWrapper(Mean):
    """The mean of `fn(y_true, y_pred, **kwargs)` over all samples seen (any function, a loss included)."""

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def values_and_mask(self, y_true, y_pred):
        """The per-sample values of a batch and a mask of the valid ones (None: all valid); the
        mask weighs the values only when sample weights are given (as in Keras)."""
        return self._fn(y_true, y_pred, **self._fn_kwargs), None

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add `fn`'s values for a batch."""
        prediction_mask = get_keras_mask(y_pred)  # a Keras mask on the predictions leaves padding out
        values, mask = self.values_and_mask(y_true, y_pred)
        if sample_weight is not None:
            # Keras folds the values' mask into given weights only: unweighted, masked entries count as 0.
            sample_weight = apply_mask(sample_weight, mask, dtype=self.dtype, reduction="sum")
        sample_weight = apply_mask(sample_weight, prediction_mask, dtype=self.dtype, reduction="sum")
        return super().update_state(values, sample_weight=sample_weight)

    def get_config(self):
        config = super().get_config()
        config["fn"] = serialize_object(self._fn, "keras.metrics")
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if "fn" in config:
            config["fn"] = deserialize_object(config["fn"], {}, kind="metric function")
        return cls(**config)
