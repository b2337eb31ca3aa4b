"""What Keras 3's preprocessing layers share: inputs taken as they are, and `adapt` over data.

A preprocessing layer converts its input to a tensor whole (a list of strings is one tensor, not a
structure), without the float autocast other layers apply, and learns its state in `adapt` from
arrays, tensors, lists, or batches of a `tg.data` dataset or any iterable.
"""
import numpy as np

from ....convert import convert_to_tensor
from ....tensor import Tensor
from ....sparse import SparseTensor
from ....ragged import RaggedTensor
from ..base import Layer

__all__ = ["PreprocessingLayer", "as_tensor", "batches_of"]


def as_tensor(value, dtype=None):
    """`value` as a tensor (tensors, sparse and ragged tensors pass through)."""
    if isinstance(value, (SparseTensor, RaggedTensor)):
        return value
    if isinstance(value, Tensor) and (dtype is None or value.dtype == dtype):
        return value
    return convert_to_tensor(value, dtype=dtype)


def batches_of(data, steps=None):
    """The batches `adapt` reads, as NumPy arrays: a dataset's or iterable's elements (their first
    part when they are `(x, y)` pairs), or the whole of an array, tensor or list."""
    if isinstance(data, (np.ndarray, Tensor, list, tuple)) or np.isscalar(data):
        yield np.asarray(data.numpy() if isinstance(data, Tensor) else data)
        return
    for i, batch in enumerate(data):
        if steps is not None and i >= steps:
            break
        if isinstance(batch, tuple):
            batch = batch[0]
        yield np.asarray(batch.numpy() if isinstance(batch, Tensor) else batch)


class PreprocessingLayer(Layer):
    """A layer without weights to train, whose inputs may be strings or integers."""

    def __init__(self, **kwargs):
        kwargs.pop("trainable", None)
        super().__init__(trainable=False, **kwargs)

    def _convert_inputs(self, inputs):
        return as_tensor(inputs)
