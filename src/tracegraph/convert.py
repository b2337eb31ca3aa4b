"""Turning user values into tensors, with TensorFlow's dtype rules.

Python floats become float32, Python ints int32 (int64 if they do not fit),
NumPy arrays keep their dtype, a Python value meant for a tensor of known dtype
takes that dtype, and nothing converts silently between floats and ints.
"""
import numbers

import numpy as np

from . import dtypes
from .tensor import EagerTensor, Tensor

__all__ = ["convert_to_tensor", "constant", "operands_to_tensors", "is_tensor_like"]

_INT32 = np.iinfo(np.int32)


def is_tensor_like(value):
    """True for tensors and for objects that read as one (Variables)."""
    return isinstance(value, Tensor) or hasattr(type(value), "_as_tensor")


def convert_to_tensor(value, dtype=None, dtype_hint=None, name=None):
    """Convert `value` to a Tensor (TF's `tf.convert_to_tensor`).

    `dtype` is required: a mismatch raises. `dtype_hint` is used only when the
    value has no dtype of its own (Python numbers and lists).
    """
    if isinstance(value, Tensor):
        if dtype is not None and dtypes.as_dtype(dtype) != value.dtype:
            raise TypeError(f"Tensor conversion requested dtype {dtypes.as_dtype(dtype).name} "
                            f"for a Tensor with dtype {value.dtype.name}")
        return value
    if hasattr(type(value), "_as_tensor"):
        return convert_to_tensor(value._as_tensor(), dtype=dtype)
    if isinstance(value, (list, tuple)) and _contains_tensor(value):
        from .ops.array_ops import stack  # noqa: PLC0415 - ops import this module
        return stack([convert_to_tensor(v, dtype=dtype, dtype_hint=dtype_hint) for v in value])
    if isinstance(value, (np.ndarray, np.generic)):
        if dtype is not None and dtypes.as_dtype(dtype).numpy_dtype != value.dtype:
            raise TypeError(f"Cannot convert a NumPy array of dtype {value.dtype} to a tensor "
                            f"of dtype {dtypes.as_dtype(dtype).name}; use tg.cast")
        return EagerTensor(np.array(value))  # a copy: the caller may mutate its array later
    target = dtype if dtype is not None else dtype_hint
    return EagerTensor(python_to_array(value, None if target is None else dtypes.as_dtype(target),
                                       strict=dtype is not None or dtype_hint is None))


def constant(value, dtype=None, shape=None, name="Const"):
    """Create a constant tensor (TF's `tf.constant`); NumPy input is cast to `dtype`."""
    if is_tensor_like(value) and not isinstance(value, Tensor):
        value = value._as_tensor()
    if isinstance(value, Tensor):
        array = value.numpy()
        if dtype is not None:
            array = array.astype(dtypes.as_dtype(dtype).numpy_dtype)
    elif isinstance(value, (np.ndarray, np.generic)):
        array = np.array(value, dtype=None if dtype is None else dtypes.as_dtype(dtype).numpy_dtype)
    else:
        array = python_to_array(value, None if dtype is None else dtypes.as_dtype(dtype), strict=True)
    if shape is not None:
        array = _fit_shape(array, tuple(shape))
    return EagerTensor(array)


def _fit_shape(array, shape):
    size = int(np.prod(shape, dtype=np.int64))
    if array.size == 1:
        return np.full(shape, array.reshape(()), dtype=array.dtype)
    if array.size == size:
        return array.reshape(shape)
    raise TypeError(f"Eager execution of tg.constant with unsupported shape. Tried to convert a "
                    f"value of {array.size} elements to shape {list(shape)} ({size} elements)")


def python_to_array(value, dtype=None, strict=True):
    """A NumPy array from a Python scalar or nested list, TF's default dtypes applied."""
    try:
        array = np.array(value)
    except ValueError as error:
        raise ValueError(f"Can't convert non-rectangular Python sequence to Tensor: {error}") from None
    if array.dtype == object and not _all_strings(array):
        raise ValueError(f"Can't convert Python sequence with mixed or unsupported types to Tensor: {value!r}")
    if array.dtype.kind in "SU":
        array = array.astype(object)
        array[...] = np.vectorize(_to_bytes, otypes=[object])(array) if array.size else array
    if dtype is None:
        return array.astype(_default_numpy_dtype(array), copy=False)
    return _cast_python_array(array, dtype, value, strict)


def _default_numpy_dtype(array):
    kind = array.dtype.kind
    if kind == "f":
        return np.float32
    if kind in "iu":
        if array.size and (array.min() < _INT32.min or array.max() > _INT32.max):
            return np.int64
        return np.int32
    if kind == "c":
        return np.complex128
    return array.dtype


def _cast_python_array(array, dtype, value, strict):
    kind, target = array.dtype.kind, dtype.numpy_dtype
    if dtype == dtypes.string or kind == "O":
        if not (dtype == dtypes.string and kind == "O"):
            raise TypeError(f"Cannot convert {value!r} to a tensor of dtype {dtype.name}")
        return array
    if dtype.is_integer or dtype.is_bool:
        allowed = "b" if dtype.is_bool else "biu"
        if kind not in allowed and (strict or kind in "fc"):
            raise TypeError(f"Cannot convert {_short(value)} to a tensor of dtype {dtype.name}")
        if dtype.is_integer and array.size:
            info = np.iinfo(target)
            if array.min() < info.min or array.max() > info.max:
                raise TypeError(f"Cannot convert {_short(value)} to a tensor of dtype {dtype.name}: "
                                f"out of range [{info.min}, {info.max}]")
    elif kind == "c" and not dtype.is_complex:
        raise TypeError(f"Cannot convert {_short(value)} to a tensor of dtype {dtype.name}")
    return array.astype(target)


def _short(value):
    text = repr(value)
    return text if len(text) < 60 else text[:57] + "..."


def _all_strings(array):
    return all(isinstance(v, (str, bytes)) for v in array.flat)


def _to_bytes(value):
    return value.encode("utf8") if isinstance(value, str) else bytes(value)


def _contains_tensor(seq):
    for item in seq:
        if is_tensor_like(item):
            return True
        if isinstance(item, (list, tuple)) and _contains_tensor(item):
            return True
    return False


def operands_to_tensors(*values):
    """Convert the operands of one op to tensors of one dtype, as TF's op wrappers do.

    The first tensor-like operand fixes the dtype; Python numbers and lists are
    converted to it (TypeError if they cannot be); tensors of another dtype are
    a TypeError naming both dtypes.
    """
    dtype = None
    for v in values:
        if is_tensor_like(v):
            dtype = v.dtype
            break
    if dtype is None:
        for v in values:
            if isinstance(v, (np.ndarray, np.generic)):
                dtype = dtypes.as_dtype(v.dtype)
                break
    tensors = [v if isinstance(v, Tensor) else
               convert_to_tensor(v) if is_tensor_like(v) or isinstance(v, (np.ndarray, np.generic))
               else convert_to_tensor(v, dtype_hint=dtype) if dtype is not None and _python_fits(v, dtype)
               else _convert_python_operand(v, dtype)
               for v in values]
    first = tensors[0].dtype
    for t in tensors[1:]:
        if t.dtype != first:
            raise TypeError(f"Cannot mix tensors of dtypes {first.name} and {t.dtype.name} in one "
                            f"operation; convert one with tg.cast(x, tg.{first.name})")
    return tensors


def _python_fits(value, dtype):
    """Whether a Python number/list may take `dtype` without changing meaning."""
    if dtype.is_floating or dtype.is_complex:
        return True
    probe = np.asarray(value) if not isinstance(value, numbers.Number) else value
    if isinstance(probe, builtin_bool) or getattr(probe, "dtype", None) == np.bool_:
        return dtype.is_bool
    if isinstance(probe, numbers.Integral) or getattr(probe, "dtype", np.dtype(object)).kind in "iu":
        return dtype.is_integer
    return False


def _convert_python_operand(value, dtype):
    if dtype is None:
        return convert_to_tensor(value)
    raise TypeError(f"Cannot convert {_short(value)} to a tensor of dtype {dtype.name}; "
                    f"the other operand is {dtype.name}")


builtin_bool = type(True)
