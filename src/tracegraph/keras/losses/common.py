"""What every loss and metric shares: Keras's epsilon, dtype conversion and rank alignment."""
import numbers
import weakref

import numpy as np

from ... import dtypes, nest
from ...convert import convert_to_tensor
from ...ops.array_ops import expand_dims, squeeze
from ...ops.cast import cast
from .. import backend

__all__ = ["epsilon", "floatx", "as_tensor", "as_tensors", "remember_logits", "logits_of", "squeeze_or_expand_to_same_rank", "rank", "last_dim"]


def epsilon():
    """The fuzz factor Keras adds against log(0) and division by zero (`keras.backend.epsilon()`)."""
    return backend.epsilon()


def floatx():
    """The default float dtype of losses and metrics (`keras.backend.floatx()`), as a DType."""
    return dtypes.as_dtype(backend.floatx())


def as_tensor(value, dtype=None):
    """`value` as a Tensor; with `dtype`, cast to it as Keras's `convert_to_tensor` does.

    Python lists take `dtype` directly; arrays and tensors of another dtype are cast.
    """
    if dtype is None:
        return convert_to_tensor(value)
    dtype = dtypes.as_dtype(dtype)
    tensor = convert_to_tensor(value, dtype_hint=dtype)
    return tensor if tensor.dtype == dtype else cast(tensor, dtype)


def _is_plain_data(value):
    """A list or tuple of Python numbers (nested or not), which stands for one tensor, not a structure."""
    return isinstance(value, (list, tuple)) and all(
        isinstance(v, (numbers.Number, np.generic)) for v in nest.flatten(value))


def as_tensors(structure, dtype=None):
    """`as_tensor` on each tensor of a structure (dicts, tuples and lists of tensors or arrays);
    a list of plain numbers is one tensor."""
    if _is_plain_data(structure) or not nest.is_nested(structure):
        return as_tensor(structure, dtype)
    return nest.map_structure(lambda v: as_tensor(v, dtype), structure)


def rank(x):
    """The static rank of `x`."""
    return len(x.shape)


def last_dim(x):
    """The static size of `x`'s last axis (None if unknown or `x` is a scalar)."""
    return x.shape[-1] if len(x.shape) else None


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Keras's alignment of two tensors whose ranks differ by one in a trailing axis of size 1.

    The longer one loses that axis, except that a rank-1 partner is expanded instead
    (when `expand_rank_1`), so `(n,)` against `(n, 1)` compares element by element.
    """
    r1, r2 = rank(x1), rank(x2)
    if r1 == r2 + 1 and last_dim(x1) == 1:
        if r2 == 1 and expand_rank_1:
            x2 = expand_dims(x2, axis=-1)
        else:
            x1 = squeeze(x1, axis=-1)
    elif r2 == r1 + 1 and last_dim(x2) == 1:
        if r1 == 1 and expand_rank_1:
            x1 = expand_dims(x1, axis=-1)
        else:
            x2 = squeeze(x2, axis=-1)
    return x1, x2


# Outputs of Keras's softmax and sigmoid activations, by id, with the logits they came from (Keras 3
# sets `output._keras_logits`; tensors here have no attribute dict). An entry leaves with its output.
_LOGITS = {}


def remember_logits(output, logits):
    """Record that `output` is softmax(logits) or sigmoid(logits), so that crossentropies of `output`
    are computed from `logits` (stable, and not clipped), as Keras 3 does. Returns `output`."""
    key = id(output)
    _LOGITS[key] = (weakref.ref(output, lambda _: _LOGITS.pop(key, None)), logits)
    return output


def logits_of(output):
    """The logits `output` was computed from by a Keras activation, or None."""
    entry = _LOGITS.get(id(output))
    return entry[1] if entry is not None and entry[0]() is output else None
