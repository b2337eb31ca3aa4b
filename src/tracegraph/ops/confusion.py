"""`tg.math.confusion_matrix`: counts of (label, prediction) pairs, as TF's.

A composition of existing ops: each pair's flat index `label * num_classes + prediction` is a
segment id, and `unsorted_segment_sum` adds the pairs' weights. It inherits their gradients
(with respect to `weights`) and runs traced as well as eagerly.
"""
import numpy as np

from . import arithmetic, array_ops, cast, creation, gather_scatter
from .. import dtypes
from ..convert import convert_to_tensor
from ..errors import InvalidArgumentError
from ..tensor import EagerTensor

__all__ = ["confusion_matrix"]


def confusion_matrix(labels, predictions, num_classes=None, weights=None, dtype=dtypes.int32, name=None):
    """The [num_classes, num_classes] matrix whose entry (i, j) sums the weights (1 each by
    default) of the examples with label i and prediction j.

    `labels` and `predictions` are integer vectors of one length. Without `num_classes` the
    matrix has `max(labels, predictions) + 1` rows; that needs their values, so a traced function
    must give `num_classes`. A class outside [0, num_classes) is an InvalidArgumentError for
    eager values (TF's check); traced, such a pair is dropped.
    """
    dtype = dtypes.as_dtype(dtype)
    labels = array_ops.reshape(_integers(labels, "labels"), [-1])
    predictions = array_ops.reshape(_integers(predictions, "predictions"), [-1])
    if labels.shape.num_elements() is not None and predictions.shape.num_elements() is not None \
            and labels.shape.num_elements() != predictions.shape.num_elements():
        raise ValueError(f"confusion_matrix: `labels` has {labels.shape.num_elements()} elements but "
                         f"`predictions` has {predictions.shape.num_elements()}")
    num_classes = _class_count(labels, predictions, num_classes)
    index = arithmetic.add(arithmetic.multiply(labels, num_classes), predictions)
    if weights is None:
        weights = creation.ones_like(index, dtype=dtype)
    else:
        weights = cast.cast(array_ops.reshape(convert_to_tensor(weights), [-1]), dtype)
    counts = gather_scatter.unsorted_segment_sum(weights, index, num_classes * num_classes)
    return array_ops.reshape(counts, [num_classes, num_classes])


def _integers(values, what):
    tensor = convert_to_tensor(values)
    if not tensor.dtype.is_integer:
        raise TypeError(f"confusion_matrix: `{what}` must hold integers (class ids), got {tensor.dtype.name}")
    return cast.cast(tensor, dtypes.int64)


def _class_count(labels, predictions, num_classes):
    """`num_classes` as a Python int, checked against eager values; inferred from them if None."""
    eager = isinstance(labels, EagerTensor) and isinstance(predictions, EagerTensor)
    if num_classes is None and not eager:
        raise ValueError("confusion_matrix: give `num_classes` inside a tg.function (the matrix's "
                         "size must not depend on the values)")
    if not eager:
        return int(num_classes)
    values = np.concatenate([labels.numpy(), predictions.numpy()])
    if values.size and values.min() < 0:
        raise InvalidArgumentError(f"confusion_matrix: `labels` and `predictions` must be non-negative, "
                                   f"got {values.min()}")
    if num_classes is None:
        return int(values.max()) + 1 if values.size else 0
    if values.size and values.max() >= num_classes:
        raise InvalidArgumentError(f"confusion_matrix: class {values.max()} is outside [0, {num_classes})")
    return int(num_classes)
