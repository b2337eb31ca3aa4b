"""What every loss and metric shares: Keras's epsilon, dtype conversion and rank alignment."""
from ... import dtypes
from ...convert import convert_to_tensor
from ...ops.array_ops import expand_dims, squeeze
from ...ops.cast import cast

__all__ = ["epsilon", "floatx", "as_tensor", "squeeze_or_expand_to_same_rank", "rank", "last_dim"]

_EPSILON = 1e-7


def epsilon():
    """The fuzz factor Keras adds against log(0) and division by zero (`keras.backend.epsilon()`)."""
    return _EPSILON


def floatx():
    """The default float dtype of losses and metrics (`keras.backend.floatx()`)."""
    return dtypes.float32


def as_tensor(value, dtype=None):
    """`value` as a Tensor; with `dtype`, cast to it as Keras's `convert_to_tensor` does.

    Python lists take `dtype` directly; arrays and tensors of another dtype are cast.
    """
    if dtype is None:
        return convert_to_tensor(value)
    dtype = dtypes.as_dtype(dtype)
    tensor = convert_to_tensor(value, dtype_hint=dtype)
    return tensor if tensor.dtype == dtype else cast(tensor, dtype)


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
