"""Intersection-over-union metrics (Keras 3's `IoU`, `MeanIoU`, `BinaryIoU`, `OneHotIoU`, `OneHotMeanIoU`).

Each accumulates a weighted confusion matrix over all batches; the result is the mean, over the
target classes that occur (in the labels or the predictions), of TP / (TP + FP + FN). The matrix is
float64: Keras 3.15 keeps it in int64, which truncates fractional `sample_weight`s to 0 (checked
against it: `MeanIoU` there ignores a weight of 0.3); TF 2's Keras kept a float64 matrix, as here.
"""
from ... import dtypes, linalg, math
from ...ops.array_ops import reshape, shape
from ...ops.tiling import broadcast_to
from ...ops.comparison import logical_and, not_equal, where
from ...ops.cast import cast
from ...ops.gather_scatter import gather
from ...ops.reduction import argmax
from ..losses.common import as_tensor
from .metric import Metric

__all__ = ["IoU", "MeanIoU", "BinaryIoU", "OneHotIoU", "OneHotMeanIoU"]


class IoU(Metric):
    """The mean IoU over `target_class_ids`, from integer labels and predictions (or, with
    `sparse_y_true=False`/`sparse_y_pred=False`, from scores whose argmax along `axis` is the class).

    `ignore_class` drops the examples with that label.
    """

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(name=name, dtype=dtype)
        self.num_classes = int(num_classes)
        self.target_class_ids = [int(c) for c in target_class_ids]
        if any(not 0 <= c < self.num_classes for c in self.target_class_ids):
            raise ValueError(f"{type(self).__name__}: `target_class_ids` {self.target_class_ids} must lie in "
                             f"[0, num_classes={self.num_classes})")
        self.ignore_class, self.sparse_y_true, self.sparse_y_pred, self.axis = \
            ignore_class, sparse_y_true, sparse_y_pred, axis
        self._direction = "up"
        self.total_cm = self.add_variable((self.num_classes, self.num_classes), dtype=dtypes.float64,
                                          name="total_confusion_matrix")

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add a batch's (label, prediction) pairs, weighted by `sample_weight`."""
        y_true, y_pred = self._class_ids(y_true, self.sparse_y_true), self._class_ids(y_pred, self.sparse_y_pred)
        weights = None if sample_weight is None else reshape(as_tensor(sample_weight, dtypes.float64), [-1])
        if weights is not None and weights.shape.num_elements() == 1:
            weights = broadcast_to(weights, shape(y_true))
        # As Keras: pairs with a class outside [0, num_classes), or labelled `ignore_class`, count nowhere.
        keep = logical_and(self._in_range(y_true), self._in_range(y_pred))
        if self.ignore_class is not None:
            keep = logical_and(keep, not_equal(y_true, self.ignore_class))
        weights = cast(keep, dtypes.float64) if weights is None else where(keep, weights, 0.0)
        y_true, y_pred = where(keep, y_true, 0), where(keep, y_pred, 0)
        counts = math.confusion_matrix(y_true, y_pred, num_classes=self.num_classes, weights=weights,
                                       dtype=dtypes.float64)
        self.total_cm.assign_add(counts)

    def _in_range(self, class_ids):
        return logical_and(math.greater_equal(class_ids, 0), math.less(class_ids, self.num_classes))

    def _class_ids(self, values, sparse):
        values = as_tensor(values)
        if not sparse:
            values = argmax(values, axis=self.axis)
        return reshape(cast(values, dtypes.int64), [-1])

    def result(self):
        """The mean IoU of the target classes that occurred so far (0 if none did)."""
        matrix = as_tensor(self.total_cm)
        true_positives = linalg.diag_part(matrix)
        denominator = math.reduce_sum(matrix, axis=0) + math.reduce_sum(matrix, axis=1) - true_positives
        true_positives = gather(true_positives, self.target_class_ids)
        denominator = gather(denominator, self.target_class_ids)
        present = math.reduce_sum(cast(math.greater(denominator, 1e-9), dtypes.float64))
        mean = math.divide_no_nan(math.reduce_sum(math.divide_no_nan(true_positives, denominator)), present)
        return cast(mean, self.dtype)

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes, "target_class_ids": self.target_class_ids,
                "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class MeanIoU(IoU):
    """The IoU averaged over all `num_classes` classes (those that occur), as used for segmentation."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
                 sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, list(range(int(num_classes))), name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        config = super().get_config()
        del config["target_class_ids"]
        return config


class BinaryIoU(IoU):
    """IoU of a binary task: a prediction at or above `threshold` is class 1, below it class 0."""

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        super().__init__(2, target_class_ids, name=name, dtype=dtype)
        self.threshold = float(threshold)

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add a batch: integer labels, and predictions thresholded into classes."""
        y_pred = cast(math.greater_equal(as_tensor(y_pred, dtypes.float32), self.threshold), dtypes.int64)
        super().update_state(y_true, y_pred, sample_weight)

    def get_config(self):
        return {"target_class_ids": self.target_class_ids, "threshold": self.threshold, "name": self.name,
                "dtype": self.dtype.name}


class OneHotIoU(IoU):
    """`IoU` for one-hot labels and per-class scores (the argmax of each is the class)."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, target_class_ids, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        config = super().get_config()
        del config["sparse_y_true"]
        return config


class OneHotMeanIoU(MeanIoU):
    """`MeanIoU` for one-hot labels and per-class scores."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        config = super().get_config()
        del config["sparse_y_true"]
        return config
