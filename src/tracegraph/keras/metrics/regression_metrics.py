"""Regression metrics: running means of the regression losses, RMSE and cosine similarity."""
from ... import math
from ..losses.common import as_tensor, squeeze_or_expand_to_same_rank
from ..losses.regression_losses import (l2_normalize, log_cosh, mean_absolute_error, mean_absolute_percentage_error,
                                        mean_squared_error, mean_squared_logarithmic_error)
from ..losses.serialization import register
from .reduction_metrics import Mean, MeanMetricWrapper

__all__ = ["cosine_similarity", "MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError",
           "MeanSquaredLogarithmicError", "RootMeanSquaredError", "CosineSimilarity", "LogCoshError"]


class _SimpleWrapper(MeanMetricWrapper):
    """A mean of a fixed function whose config is only its name and dtype."""

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype.name}


class MeanSquaredError(_SimpleWrapper):
    """The mean squared error over all samples seen."""

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(fn=mean_squared_error, name=name, dtype=dtype)
        self._direction = "down"


class MeanAbsoluteError(_SimpleWrapper):
    """The mean absolute error over all samples seen."""

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(fn=mean_absolute_error, name=name, dtype=dtype)
        self._direction = "down"


class MeanAbsolutePercentageError(_SimpleWrapper):
    """The mean absolute percentage error over all samples seen."""

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(fn=mean_absolute_percentage_error, name=name, dtype=dtype)
        self._direction = "down"


class MeanSquaredLogarithmicError(_SimpleWrapper):
    """The mean squared logarithmic error over all samples seen."""

    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(fn=mean_squared_logarithmic_error, name=name, dtype=dtype)
        self._direction = "down"


class LogCoshError(_SimpleWrapper):
    """The mean of `log(cosh(y_pred - y_true))` over all samples seen."""

    def __init__(self, name="logcosh", dtype=None):
        super().__init__(fn=log_cosh, name=name, dtype=dtype)
        self._direction = "down"


class RootMeanSquaredError(Mean):
    """The square root of the mean squared error over every element seen."""

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "down"

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add a batch's squared errors."""
        y_true = as_tensor(y_true, self.dtype)
        y_pred = as_tensor(y_pred, self.dtype)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return super().update_state(math.square(y_pred - y_true), sample_weight=sample_weight)

    def result(self):
        """The square root of the mean squared error so far."""
        return math.sqrt(super().result())


@register
def cosine_similarity(y_true, y_pred, axis=-1):
    """The cosine similarity along `axis` (1 for parallel vectors; the loss is its negation)."""
    y_pred = as_tensor(y_pred)
    y_true = as_tensor(y_true, y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return math.reduce_sum(l2_normalize(y_true, axis) * l2_normalize(y_pred, axis), axis=axis)


class CosineSimilarity(MeanMetricWrapper):
    """The mean cosine similarity between labels and predictions."""

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(fn=cosine_similarity, name=name, dtype=dtype, axis=axis)
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype.name, "axis": self._fn_kwargs["axis"]}
