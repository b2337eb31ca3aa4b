"""Running means of the probabilistic and hinge losses, as metrics."""
from ..losses.hinge_losses import categorical_hinge, hinge, squared_hinge
from ..losses.probabilistic_losses import (binary_crossentropy, categorical_crossentropy, kl_divergence, poisson,
                                           sparse_categorical_crossentropy,
                                           sparse_categorical_crossentropy_with_mask)
from .reduction_metrics import MeanMetricWrapper

__all__ = ["KLDivergence", "Poisson", "BinaryCrossentropy", "CategoricalCrossentropy",
           "SparseCategoricalCrossentropy", "Hinge", "SquaredHinge", "CategoricalHinge"]


class _LossMean(MeanMetricWrapper):
    """The mean of a loss function; its config is its name, dtype and the function's options."""

    def __init__(self, fn, name, dtype, **options):
        super().__init__(fn=fn, name=name, dtype=dtype, **options)
        self._direction = "down"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype.name, **self._fn_kwargs}


class KLDivergence(_LossMean):
    """The mean Kullback-Leibler divergence."""

    def __init__(self, name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, name, dtype)


class Poisson(_LossMean):
    """The mean Poisson loss."""

    def __init__(self, name="poisson", dtype=None):
        super().__init__(poisson, name, dtype)


class Hinge(_LossMean):
    """The mean hinge loss."""

    def __init__(self, name="hinge", dtype=None):
        super().__init__(hinge, name, dtype)


class SquaredHinge(_LossMean):
    """The mean squared hinge loss."""

    def __init__(self, name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, name, dtype)


class CategoricalHinge(_LossMean):
    """The mean categorical hinge loss."""

    def __init__(self, name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, name, dtype)


class BinaryCrossentropy(_LossMean):
    """The mean binary crossentropy."""

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False, label_smoothing=0):
        super().__init__(binary_crossentropy, name, dtype, from_logits=from_logits, label_smoothing=label_smoothing)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing


class CategoricalCrossentropy(_LossMean):
    """The mean categorical crossentropy."""

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False, label_smoothing=0, axis=-1):
        super().__init__(categorical_crossentropy, name, dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis


class SparseCategoricalCrossentropy(_LossMean):
    """The mean sparse categorical crossentropy; entries labelled `ignore_class` are not counted."""

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False, ignore_class=None,
                 axis=-1):
        super().__init__(sparse_categorical_crossentropy, name, dtype, from_logits=from_logits,
                         ignore_class=ignore_class, axis=axis)
        self.from_logits = from_logits
        self.ignore_class = ignore_class
        self.axis = axis

    def values_and_mask(self, y_true, y_pred):
        return sparse_categorical_crossentropy_with_mask(y_true, y_pred, **self._fn_kwargs)
