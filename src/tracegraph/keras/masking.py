"""Keras masks: which entries (timesteps) of a tensor are data and which are padding.

As in Keras 3 with TensorFlow, a mask rides on the tensor it describes, as `tensor._keras_mask` (a
boolean tensor, usually [batch, time]). `Layer.__call__` passes the mask of a layer's input to a `call`
that takes `mask` and attaches the layer's `compute_mask` to its outputs; losses and metrics leave the
masked entries of `y_pred` out.
"""
from ..tensor import Tensor

__all__ = ["get_keras_mask", "set_keras_mask", "masks_of"]


def get_keras_mask(value):
    """The mask attached to `value` (None for no mask, or for a value that is not a tensor)."""
    return getattr(value, "_keras_mask", None) if isinstance(value, Tensor) else None


def set_keras_mask(value, mask):
    """Attach `mask` to the tensor `value` (nothing for other values)."""
    if isinstance(value, Tensor):
        value._keras_mask = mask


def masks_of(inputs):
    """The masks of a layer's first input: one mask, a list of them (for a list of tensors), or None."""
    if isinstance(inputs, Tensor):
        return get_keras_mask(inputs)
    if isinstance(inputs, (list, tuple)):
        masks = [get_keras_mask(x) for x in inputs]
        return masks if any(m is not None for m in masks) else None
    return None
