"""`keras.utils.to_categorical` and `keras.utils.normalize`: label and array helpers on NumPy arrays."""
import numpy as np

from ...ops import array_ops, creation
from ...tensor import Tensor

__all__ = ["to_categorical", "normalize"]


def to_categorical(x, num_classes=None):
    """One-hot rows for class indices `x` (Keras 3's rule).

    A trailing axis of size 1 is dropped first, so `(n, 1)` labels give `(n, num_classes)`.
    NumPy input gives a float64 NumPy array; a tensor gives a float32 tensor (`tg.one_hot`).
    `num_classes` defaults to `max(x) + 1`.
    """
    if isinstance(x, Tensor):
        shape = tuple(x.shape)
        if len(shape) > 1 and shape[-1] == 1:
            x = array_ops.reshape(x, shape[:-1])
        if num_classes is None:
            num_classes = int(np.max(x.numpy())) + 1
        return creation.one_hot(x, num_classes)
    x = np.array(x, dtype="int64")
    shape = x.shape
    if len(shape) > 1 and shape[-1] == 1:
        shape = shape[:-1]
    x = x.reshape(-1)
    if not num_classes:
        num_classes = int(np.max(x)) + 1
    categorical = np.zeros((x.shape[0], num_classes))
    categorical[np.arange(x.shape[0]), x] = 1
    return categorical.reshape(shape + (num_classes,))


def normalize(x, axis=-1, order=2):
    """`x` divided by its `order`-norm along `axis` (zero norms left as zero), for NumPy arrays."""
    x = np.asarray(x)
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    return x / np.expand_dims(norm, axis or -1)
