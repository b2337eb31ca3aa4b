"""Probabilistic losses: crossentropies, KL divergence and Poisson, with Keras 3's clipping."""
import warnings

from ... import dtypes, math, nn
from ...ops.array_ops import expand_dims, reshape, shape, squeeze
from ...ops.cast import cast
from ...ops.comparison import clip_by_value, not_equal, where
from .common import as_tensor, epsilon, last_dim, logits_of, rank
from .serialization import register

__all__ = ["binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy",
           "sparse_categorical_crossentropy_with_mask", "kl_divergence", "poisson"]


def _check_same_shape(target, output):
    if rank(target) != rank(output):
        raise ValueError("Arguments `target` and `output` must have the same rank (ndim). "
                         f"Received: target.shape={target.shape}, output.shape={output.shape}")
    for a, b in zip(target.shape, output.shape):
        if a is not None and b is not None and a != b:
            raise ValueError("Arguments `target` and `output` must have the same shape. "
                             f"Received: target.shape={target.shape}, output.shape={output.shape}")


def _logits_if_known(output, from_logits, activation, fn_name):
    """`(output, from_logits)`, with the logits a Keras `activation` output came from when known."""
    logits = logits_of(output)
    if logits is None:
        return output, from_logits
    if from_logits:
        warnings.warn(f'"`{fn_name}` received `from_logits=True`, but the `output` argument was produced by a '
                      f"{activation} activation and thus does not represent logits. Was this intended?",
                      stacklevel=3)
    return logits, True


def _clip_probabilities(p):
    return clip_by_value(p, epsilon(), 1.0 - epsilon())


def elementwise_binary_crossentropy(target, output, from_logits=False):
    """Binary crossentropy per element; probabilities are clipped to `[eps, 1 - eps]` first."""
    _check_same_shape(target, output)
    output, from_logits = _logits_if_known(output, from_logits, "Sigmoid", "binary_crossentropy")
    if from_logits:
        return nn.sigmoid_cross_entropy_with_logits(labels=target, logits=output)
    output = _clip_probabilities(output)
    return -(target * math.log(output) + (1.0 - target) * math.log(1.0 - output))


@register
def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Mean over `axis` of the binary crossentropy; `label_smoothing` squeezes labels toward 0.5."""
    y_pred = as_tensor(y_pred)
    y_true = as_tensor(y_true, y_pred.dtype)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    return math.reduce_mean(elementwise_binary_crossentropy(y_true, y_pred, from_logits), axis=axis)


def _check_axis(axis):
    if isinstance(axis, bool):
        raise ValueError(f"`axis` must be of type `int`. Received: axis={axis} of type {type(axis)}")


@register
def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Crossentropy of one-hot (or soft) labels along `axis`.

    Probabilities are renormalized to sum to 1 and clipped to `[eps, 1 - eps]`; logits go
    through a stable log-softmax. `label_smoothing` mixes the labels with the uniform
    distribution over the classes.
    """
    _check_axis(axis)
    y_pred = as_tensor(y_pred)
    y_true = as_tensor(y_true, y_pred.dtype)
    if last_dim(y_pred) == 1:
        warnings.warn("In loss categorical_crossentropy, expected y_pred.shape to be (batch_size, num_classes) "
                      f"with num_classes > 1. Received: y_pred.shape={y_pred.shape}. Consider using "
                      "'binary_crossentropy' if you only have 2 classes.", SyntaxWarning, stacklevel=2)
    if label_smoothing:
        num_classes = cast(shape(y_true)[-1], y_pred.dtype)
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / num_classes
    if rank(y_true) < 1:
        raise ValueError("Arguments `target` and `output` must be at least rank 1. "
                         f"Received: target.shape={y_true.shape}, output.shape={y_pred.shape}")
    _check_same_shape(y_true, y_pred)
    y_pred, from_logits = _logits_if_known(y_pred, from_logits, "Softmax", "categorical_crossentropy")
    if from_logits:
        return nn.softmax_cross_entropy_with_logits(labels=y_true, logits=y_pred, axis=axis)
    output = y_pred / math.reduce_sum(y_pred, axis=axis, keepdims=True)
    return -math.reduce_sum(y_true * math.log(_clip_probabilities(output)), axis=axis)


def _sparse_crossentropy(target, output, from_logits, axis):
    """Keras's backend rule: probabilities become clipped log-probabilities, then a softmax crossentropy."""
    if axis not in (-1, rank(output) - 1):
        raise ValueError(f"Only axis=-1 is currently supported. Received: axis={axis}")
    output, from_logits = _logits_if_known(output, from_logits, "Softmax", "sparse_categorical_crossentropy")
    target = cast(target, dtypes.int64)
    if rank(target) == rank(output) and last_dim(target) == 1:
        target = squeeze(target, axis=-1)
    if rank(output) < 1:
        raise ValueError(f"Argument `output` must be at least rank 1. Received: output.shape={output.shape}")
    if rank(target) != rank(output) - 1:
        raise ValueError("Argument `output` must have rank (ndim) `target.ndim - 1`. "
                         f"Received: target.shape={target.shape}, output.shape={output.shape}")
    for a, b in zip(target.shape, output.shape[:-1]):
        if a is not None and b is not None and a != b:
            raise ValueError("Arguments `target` and `output` must have the same shape up until the last "
                             f"dimension: target.shape={target.shape}, output.shape={output.shape}")
    if not from_logits:
        output = math.log(_clip_probabilities(output))
    return nn.sparse_softmax_cross_entropy_with_logits(labels=target, logits=output)


def sparse_categorical_crossentropy_with_mask(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """`(losses, valid)`: the sparse crossentropy and, with `ignore_class`, the mask of counted entries.

    Entries labelled `ignore_class` get a loss of 0; `valid` is None without `ignore_class`.
    """
    y_pred = as_tensor(y_pred)
    y_true = as_tensor(y_true)
    if rank(y_true) == rank(y_pred) and y_true.shape[axis] == 1:
        y_true = squeeze(y_true, axis=axis)
    if ignore_class is None:
        return _sparse_crossentropy(y_true, y_pred, from_logits, axis), None
    valid = not_equal(y_true, cast(ignore_class, y_true.dtype))
    y_true = where(valid, y_true, cast(0, y_true.dtype))
    y_pred = where(expand_dims(valid, axis), y_pred, cast(0, y_pred.dtype))
    losses = _sparse_crossentropy(y_true, y_pred, from_logits, axis)
    valid = reshape(valid, shape(losses))
    return where(valid, losses, cast(0, losses.dtype)), valid


@register
def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """Crossentropy of integer class labels against probabilities (or logits) along the last axis.

    Probabilities are clipped to `[eps, 1 - eps]`; entries labelled `ignore_class` give 0.
    """
    return sparse_categorical_crossentropy_with_mask(y_true, y_pred, from_logits, ignore_class, axis)[0]


@register
def kl_divergence(y_true, y_pred):
    """`sum(y_true * log(y_true / y_pred), axis=-1)`, both clipped to `[eps, 1]`."""
    y_pred = as_tensor(y_pred)
    y_true = as_tensor(y_true, y_pred.dtype)
    y_true = clip_by_value(y_true, epsilon(), 1.0)
    y_pred = clip_by_value(y_pred, epsilon(), 1.0)
    return math.reduce_sum(y_true * math.log(y_true / y_pred), axis=-1)


@register
def poisson(y_true, y_pred):
    """`mean(y_pred - y_true * log(y_pred + eps), axis=-1)`."""
    y_pred = as_tensor(y_pred)
    y_true = as_tensor(y_true, y_pred.dtype)
    return math.reduce_mean(y_pred - y_true * math.log(y_pred + epsilon()), axis=-1)
