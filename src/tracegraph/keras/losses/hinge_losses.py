"""Hinge losses for labels in {-1, 1} (binary {0, 1} labels are mapped to them) and one-hot labels."""
from ... import math
from ...ops.comparison import equal, logical_or, where
from .common import as_tensor
from .serialization import register

__all__ = ["hinge", "squared_hinge", "categorical_hinge", "convert_binary_labels_to_hinge"]


def convert_binary_labels_to_hinge(y_true):
    """`2 * y_true - 1` if every label is 0 or 1, else the labels unchanged (decided at run time)."""
    is_binary = math.reduce_all(logical_or(equal(y_true, 0), equal(y_true, 1)))
    return where(is_binary, 2.0 * y_true - 1.0, y_true)


def _hinge_margin(y_true, y_pred):
    y_pred = as_tensor(y_pred)
    y_true = convert_binary_labels_to_hinge(as_tensor(y_true, y_pred.dtype))
    return math.maximum(1.0 - y_true * y_pred, 0.0)


@register
def hinge(y_true, y_pred):
    """`mean(maximum(1 - y_true * y_pred, 0), axis=-1)`."""
    return math.reduce_mean(_hinge_margin(y_true, y_pred), axis=-1)


@register
def squared_hinge(y_true, y_pred):
    """`mean(square(maximum(1 - y_true * y_pred, 0)), axis=-1)`."""
    return math.reduce_mean(math.square(_hinge_margin(y_true, y_pred)), axis=-1)


@register
def categorical_hinge(y_true, y_pred):
    """`maximum(neg - pos + 1, 0)` with `pos = sum(y_true * y_pred)`, `neg = max((1 - y_true) * y_pred)`."""
    y_pred = as_tensor(y_pred)
    y_true = as_tensor(y_true, y_pred.dtype)
    pos = math.reduce_sum(y_true * y_pred, axis=-1)
    neg = math.reduce_max((1.0 - y_true) * y_pred, axis=-1)
    return math.maximum(neg - pos + 1.0, as_tensor(0.0, y_pred.dtype))
