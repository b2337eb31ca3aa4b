"""Regression losses as functions of `(y_true, y_pred)`: one value per sample (mean over the last axis)."""
import numpy as np

from ... import math, nn
from ...ops.comparison import where
from .common import as_tensor, epsilon, squeeze_or_expand_to_same_rank
from .serialization import register

__all__ = ["mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
           "mean_squared_logarithmic_error", "huber", "log_cosh", "cosine_similarity", "l2_normalize"]

# Keras computes log(2) in float32 and converts it to the prediction's dtype.
_LOG_2 = np.float32(np.log(2.0))


def _aligned(y_true, y_pred):
    """`y_pred` as a tensor, `y_true` in its dtype, ranks aligned as Keras does."""
    y_pred = as_tensor(y_pred)
    y_true = as_tensor(y_true, y_pred.dtype)
    return squeeze_or_expand_to_same_rank(y_true, y_pred)


@register
def mean_squared_error(y_true, y_pred):
    """`mean(square(y_true - y_pred), axis=-1)`."""
    y_true, y_pred = _aligned(y_true, y_pred)
    return math.reduce_mean(math.square(y_true - y_pred), axis=-1)


@register
def mean_absolute_error(y_true, y_pred):
    """`mean(abs(y_true - y_pred), axis=-1)`."""
    y_true, y_pred = _aligned(y_true, y_pred)
    return math.reduce_mean(math.abs(y_true - y_pred), axis=-1)


@register
def mean_absolute_percentage_error(y_true, y_pred):
    """`100 * mean(abs((y_true - y_pred) / max(abs(y_true), epsilon)), axis=-1)`."""
    y_true, y_pred = _aligned(y_true, y_pred)
    diff = math.abs((y_true - y_pred) / math.maximum(math.abs(y_true), epsilon()))
    return 100.0 * math.reduce_mean(diff, axis=-1)


@register
def mean_squared_logarithmic_error(y_true, y_pred):
    """`mean(square(log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1)), axis=-1)`."""
    y_true, y_pred = _aligned(y_true, y_pred)
    first_log = math.log(math.maximum(y_pred, epsilon()) + 1.0)
    second_log = math.log(math.maximum(y_true, epsilon()) + 1.0)
    return math.reduce_mean(math.square(first_log - second_log), axis=-1)


@register
def huber(y_true, y_pred, delta=1.0):
    """Mean over the last axis of `0.5 * x**2` where `|x| <= delta`, else `delta * |x| - 0.5 * delta**2`."""
    y_true, y_pred = _aligned(y_true, y_pred)
    delta = as_tensor(delta, y_pred.dtype)
    error = y_pred - y_true
    abs_error = math.abs(error)
    quadratic = 0.5 * math.square(error)
    linear = delta * abs_error - 0.5 * math.square(delta)
    return math.reduce_mean(where(abs_error <= delta, quadratic, linear), axis=-1)


@register
def log_cosh(y_true, y_pred):
    """`mean(log(cosh(y_pred - y_true)), axis=-1)`, computed as `x + softplus(-2x) - log(2)` (no overflow)."""
    y_true, y_pred = _aligned(y_true, y_pred)
    x = y_pred - y_true
    return math.reduce_mean(x + nn.softplus(x * -2.0) - as_tensor(_LOG_2, y_pred.dtype), axis=-1)


def l2_normalize(x, axis=-1):
    """Keras's `normalize`: `x * min(rsqrt(sum(x**2)), 1 / epsilon)`, so a zero vector stays zero."""
    inverse_norm = math.rsqrt(math.reduce_sum(math.square(x), axis=axis, keepdims=True))
    return x * math.minimum(inverse_norm, 1.0 / epsilon())


@register
def cosine_similarity(y_true, y_pred, axis=-1):
    """The negated cosine similarity along `axis` (-1 for parallel vectors, 0 if either is zero)."""
    y_true, y_pred = _aligned(y_true, y_pred)
    return -math.reduce_sum(l2_normalize(y_true, axis) * l2_normalize(y_pred, axis), axis=axis)

