"""The `Loss` base class and Keras 3's reductions of per-sample losses."""
from ... import dtypes
from ...ops.arithmetic import divide_no_nan
from ...ops.array_ops import size
from ...ops.cast import cast
from ...ops.comparison import logical_and, where
from ...ops.reduction import reduce_sum
from ..masking import get_keras_mask
from .common import as_tensor, as_tensors, floatx, squeeze_or_expand_to_same_rank
from .naming import auto_name

__all__ = ["Loss", "Reduction", "REDUCTIONS", "standardize_reduction", "reduce_values", "reduce_weighted_values",
           "apply_mask"]

#: Keras 3's reductions; `None` and "none" keep the per-sample losses.
REDUCTIONS = ("sum_over_batch_size", "sum", None, "none", "mean", "mean_with_sample_weight")


class Reduction:
    """TF 2's names of the reductions (`tf.keras.losses.Reduction`); AUTO is "sum_over_batch_size"."""

    AUTO = "auto"
    NONE = "none"
    SUM = "sum"
    SUM_OVER_BATCH_SIZE = "sum_over_batch_size"

    @classmethod
    def all(cls):
        """Every reduction TF 2 names."""
        return (cls.AUTO, cls.NONE, cls.SUM, cls.SUM_OVER_BATCH_SIZE)

    @classmethod
    def validate(cls, key):
        """ValueError unless `key` is one of `all()`."""
        if key not in cls.all():
            raise ValueError(f"Invalid Reduction Key: {key}. Expected keys are {cls.all()}")


def standardize_reduction(reduction):
    """`reduction` if it is one of `REDUCTIONS` (TF 2's "auto" meaning "sum_over_batch_size"), else ValueError."""
    if reduction == Reduction.AUTO:
        return "sum_over_batch_size"
    if reduction not in REDUCTIONS:
        raise ValueError(f"Invalid value for argument `reduction`. Expected one of {set(REDUCTIONS)}. "
                         f"Received: reduction={reduction}")
    return reduction


class Loss:
    """Base class of losses (Keras 3's `keras.losses.Loss`).

    Subclasses implement `call(y_true, y_pred)` returning one loss per sample (or per
    element); calling the loss converts both inputs to `dtype`, weights the values by
    `sample_weight` and applies `reduction`: "sum_over_batch_size" (default) and "mean"
    divide the weighted sum by the number of values, "sum" keeps the sum,
    "mean_with_sample_weight" divides by the sum of the weights, "none"/None returns
    the weighted values unreduced.
    """

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        self.name = name or auto_name(type(self).__name__)
        self.reduction = standardize_reduction(reduction)
        self._dtype = dtypes.as_dtype(dtype) if dtype is not None else floatx()

    @property
    def dtype(self):
        """The dtype the loss computes in (float32 unless given)."""
        return self._dtype

    def __call__(self, y_true, y_pred, sample_weight=None):
        prediction_mask = get_keras_mask(y_pred)  # a Keras mask on the predictions leaves padding out
        y_pred = as_tensors(y_pred, self.dtype)
        y_true = as_tensors(y_true, self.dtype)
        losses, mask = self.call_with_mask(y_true, y_pred)
        if prediction_mask is not None:
            mask = prediction_mask if mask is None else logical_and(mask, prediction_mask)
        return reduce_weighted_values(losses, sample_weight=sample_weight, mask=mask,
                                      reduction=self.reduction, dtype=self.dtype)

    def call(self, y_true, y_pred):
        """The unreduced losses of a batch; subclasses implement it."""
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, y_pred)")

    def call_with_mask(self, y_true, y_pred):
        """`(losses, mask)`: a loss that ignores some entries returns a bool mask of the valid ones."""
        return self.call(y_true, y_pred), None

    def get_config(self):
        """The constructor arguments that rebuild this loss."""
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        """A loss built from `get_config()`'s dict."""
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


def reduce_values(values, sample_weight=None, reduction="sum_over_batch_size"):
    """Reduce weighted losses; scalars and empty `(0,)` batches come back as they are (as Keras)."""
    shape = tuple(values.shape)
    if reduction is None or reduction == "none" or shape in ((), (0,)):
        return values
    loss = reduce_sum(values)
    if reduction == "sum":
        return loss
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        return divide_no_nan(loss, cast(reduce_sum(sample_weight), loss.dtype))
    count = values.shape.num_elements()
    if count is None:
        return divide_no_nan(loss, cast(size(values), loss.dtype))
    # A known size divides without ops for the count (the sum of no values is already 0, as 0 / 0 gives).
    return loss / float(count) if count else loss


def apply_mask(sample_weight, mask, dtype, reduction):
    """Fold a mask of valid entries into the sample weights.

    For the averaging reductions the valid entries weigh `total / valid`, so that the mean
    over the batch is the mean over the valid entries only.
    """
    if mask is None:
        return sample_weight
    if reduction in ("mean", "sum_over_batch_size"):
        total = cast(size(mask), dtype)
        valid = reduce_sum(cast(mask, dtype))
        float_mask = where(cast(mask, dtypes.bool), divide_no_nan(total, valid), cast(0, dtype))
    else:
        float_mask = cast(mask, dtype)
    if sample_weight is None:
        return float_mask
    float_mask, sample_weight = squeeze_or_expand_to_same_rank(float_mask, cast(sample_weight, dtype))
    return sample_weight * float_mask


def reduce_weighted_values(values, sample_weight=None, mask=None, reduction="sum_over_batch_size",
                           dtype=None):
    """Weight `values` by `sample_weight` (and `mask`), then reduce them (Keras's rule)."""
    reduction = standardize_reduction(reduction)
    values = as_tensor(values, dtype)
    if sample_weight is not None:
        sample_weight = as_tensor(sample_weight, dtype)
    if mask is not None:
        mask = as_tensor(mask, dtype)
    sample_weight = apply_mask(sample_weight, mask, dtype=values.dtype, reduction=reduction)
    if sample_weight is not None:
        sample_weight = cast(sample_weight, values.dtype)
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        values = values * sample_weight
    return reduce_values(values, sample_weight, reduction)
