"""`tg.ragged`: tensors whose rows have different lengths (TF's `tf.ragged`).

`tg.RaggedTensor` and `tg.RaggedTensorSpec` live in `ragged_tensor.py`; this namespace holds
the functions TF places in `tf.ragged`. Importing it registers the ragged handlers of the
public ops (`tg.concat`, `tg.reduce_sum`, `tg.gather`, ...; see `ops/api_dispatch.py`).
"""
from .conversion import constant  # noqa: F401
from .ragged_tensor import RaggedTensor, RaggedTensorSpec  # noqa: F401

__all__ = ["constant", "RaggedTensor", "RaggedTensorSpec"]
