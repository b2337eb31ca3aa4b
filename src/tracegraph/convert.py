"""Turning user values into tensors, with TensorFlow's dtype rules.

Without a requested dtype, Python floats become float32, Python ints int32
(int64 if they do not fit), Python complex numbers complex128, strings
`tg.string`, and NumPy arrays keep their dtype. With a requested dtype a value
is converted only when that keeps its meaning: ints may become floats, floats
may not become ints, nothing becomes or stops being a bool or a string, and an
integer that does not fit the target type is an error, never a wrapped value.
"""
import numpy as np

from . import dtypes
from .tensor import EagerTensor, Tensor

__all__ = ["convert_to_tensor", "constant", "operands_to_tensors", "eager_operand_arrays", "is_tensor_like",
           "python_to_array", "install_sequence_stacking"]

_INT32 = np.iinfo(np.int32)

# Which source kinds (NumPy dtype kinds) a target kind accepts without changing
# what the values mean; "O" stands for our byte strings.
_ACCEPTS = {
    "b": "b",
    "i": "iu",
    "u": "iu",
    "f": "iuf",
    "c": "iufc",
    "O": "O",
}


def is_tensor_like(value):
    """True for tensors and for objects that read as one (Variables)."""
    return isinstance(value, Tensor) or hasattr(type(value), "_as_tensor")


def convert_to_tensor(value, dtype=None, dtype_hint=None, name=None):
    """Convert `value` to a Tensor (TF's `tf.convert_to_tensor`).

    `dtype` is a requirement: a value that cannot take it raises TypeError (a
    tensor of another dtype included; use `tg.cast` for that). `dtype_hint` is
    a preference for values without a dtype of their own (Python numbers and
    lists); when the value cannot take it, the value's own dtype is used.
    """
    if dtype is not None:
        dtype = dtypes.as_dtype(dtype)
    if isinstance(value, Tensor):
        if dtype is not None and dtype != value.dtype:
            raise TypeError(f"Tensor conversion requested dtype {dtype.name} for a Tensor with "
                            f"dtype {value.dtype.name}: {value!r}; use tg.cast to convert it")
        return value
    if hasattr(type(value), "_as_tensor"):
        return convert_to_tensor(value._as_tensor(), dtype=dtype)
    if dtype is None and dtype_hint is not None and not isinstance(value, (np.ndarray, np.generic)):
        try:
            return convert_to_tensor(value, dtype=dtype_hint)
        except (TypeError, ValueError):
            pass  # a hint, not a requirement: fall back to the value's own dtype, as TF does
    if isinstance(value, (list, tuple)) and _contains_tensor(value):
        return _stack_tensors([convert_to_tensor(v, dtype=dtype) for v in value])
    if isinstance(value, (np.ndarray, np.generic)):
        return EagerTensor(_numpy_to_array(value, dtype, casting=False))
    return EagerTensor(python_to_array(value, dtype))


def _stack_tensors(tensors):
    raise NotImplementedError("tracegraph's op library is not loaded: `import tracegraph` first")


def install_sequence_stacking(stack):
    """Convert lists of tensors with `stack(tensors)` (ops/join_split.py installs its `stack`:
    this module sits below the op library and does not import it)."""
    global _stack_tensors
    _stack_tensors = stack


_SCALAR_KINDS = {float: "f", int: "i", bool: "b"}


def _python_scalar_to_array(value, kind, dtype):
    """The fast path of `python_to_array` for one Python float/int/bool (operators meet many)."""
    if dtype is None:
        if kind == "f":
            return np.array(value, dtype=np.float32)
        if kind == "i" and _INT32.min <= value <= _INT32.max:
            return np.array(value, dtype=np.int32)
        return None  # big ints and bools take the general path
    target = dtype.numpy_dtype
    if kind not in _ACCEPTS[target.kind]:
        return None  # the general path raises the error
    if target.kind in "iu":
        info = np.iinfo(target)
        if not info.min <= value <= info.max:
            return None
    return np.array(value, dtype=target)


def constant(value, dtype=None, shape=None, name="Const"):
    """Create a constant tensor (TF's `tf.constant`).

    A NumPy array is cast to `dtype` if one is given (float to int truncates,
    as in TF; an integer that does not fit is an error). With `shape`, a single
    value fills the shape and a value of as many elements is reshaped to it.
    """
    if dtype is not None:
        dtype = dtypes.as_dtype(dtype)
    if is_tensor_like(value):
        tensor = convert_to_tensor(value)
        if dtype is not None and dtype != tensor.dtype:
            raise TypeError(f"tg.constant: expected a tensor of dtype {dtype.name}, got one of dtype "
                            f"{tensor.dtype.name}; use tg.cast to convert it")
        if shape is None:
            return tensor
        array = np.asarray(tensor)
    elif isinstance(value, (np.ndarray, np.generic)):
        array = _numpy_to_array(value, dtype, casting=True)
    else:
        array = python_to_array(value, dtype)
    if shape is not None:
        array = _fit_shape(array, tuple(int(d) for d in shape))
    return EagerTensor(array)


def _fit_shape(array, shape):
    size = int(np.prod(shape, dtype=np.int64))
    if array.size == 1:
        return np.full(shape, array.reshape(()), dtype=array.dtype)
    if array.size == size:
        return array.reshape(shape)
    raise TypeError(f"Eager execution of tg.constant with unsupported shape: the value has "
                    f"{array.size} elements, shape {list(shape)} has {size} elements")


# ----- Python values ---------------------------------------------------------------------------

def python_to_array(value, dtype=None):
    """A NumPy array from a Python scalar or nested list, TF's dtype rules applied."""
    kind = _SCALAR_KINDS.get(type(value))
    if kind is not None:
        array = _python_scalar_to_array(value, kind, dtype)
        if array is not None:
            return array
    try:
        array = np.array(value)
    except ValueError:
        array = _mixed_strings_array(value)
    if array.dtype.kind in "SUO":
        array = _strings_to_bytes(value, array)
    if dtype is None:
        return array.astype(_default_numpy_dtype(array, value), copy=False)
    if array.size == 0:  # an empty list has no values whose meaning could change: any dtype fits
        return np.empty(array.shape, dtype=dtype.numpy_dtype)
    _check_convertible(array, dtype, value, _python_kind)
    return array.astype(dtype.numpy_dtype, copy=False)


def _strings_to_bytes(value, array):
    """Strings become an object array of bytes (TF's string tensors); anything else mixed is an error."""
    objects = np.array(value, dtype=object) if array.dtype.kind != "O" else array
    if not all(isinstance(v, (str, bytes)) for v in objects.flat):
        raise ValueError(f"Can't convert Python sequence with mixed or unsupported types to Tensor: "
                         f"{_short(value)}{_too_large_hint(objects)}")
    out = np.empty(objects.size, dtype=object)
    out[:] = [_to_bytes(v) for v in objects.flat]
    return out.reshape(objects.shape)


def _mixed_strings_array(value):
    """An object array of a rectangular mix of `str` and `bytes` (NumPy cannot decode arbitrary
    bytes to join them with text); ValueError for anything else NumPy refused."""
    try:
        objects = np.array(value, dtype=object)
    except ValueError:
        objects = None
    if objects is None or not all(isinstance(v, (str, bytes)) for v in objects.flat):
        raise ValueError(f"Can't convert non-rectangular Python sequence to Tensor: {_short(value)}") from None
    return objects


def _too_large_hint(objects):
    if any(isinstance(v, int) and not isinstance(v, bool) for v in objects.flat):
        return " (an integer too large for int64?)"
    return ""


def _default_numpy_dtype(array, value=None):
    kind = array.dtype.kind
    if kind == "f":
        # TF takes a float list's type from its first element: a NumPy float scalar keeps its own
        # ([np.float64(1.0), 2.0] is float64), a Python number gives float32.
        first = _first_leaf(value)
        return first.dtype if isinstance(first, np.floating) else np.float32
    if kind in "iu":
        if array.size and (array.min() < _INT32.min or array.max() > _INT32.max):
            return np.int64
        return np.int32
    if kind == "c":
        return np.complex128
    return array.dtype


def _first_leaf(value):
    """The first scalar of a nested list or tuple (None if there is none)."""
    while isinstance(value, (list, tuple)):
        if not value:
            return None
        value = value[0]
    return value


def _to_bytes(value):
    return value.encode("utf8") if isinstance(value, str) else bytes(value)


# ----- NumPy values ----------------------------------------------------------------------------

def _numpy_to_array(value, dtype, casting):
    """A private copy of a NumPy array/scalar (the caller may mutate theirs), in `dtype` if given.

    `casting=True` is `tg.constant`'s explicit cast: any real number may become
    any real type, but an integer result must fit. Otherwise only conversions
    that keep the values' meaning are allowed.
    """
    array = np.asarray(value)
    if array.dtype.kind in "SU" or (array.dtype.kind == "O" and array.size):
        array = _strings_to_bytes(array.tolist(), array)
    if dtype is None or dtype.numpy_dtype == array.dtype:
        return np.array(array)
    source, target = array.dtype.kind, dtype.numpy_dtype.kind
    if casting and source in "fiu" and target in "fiuc":
        if target in "iu":
            _check_fits(array, dtype, value)
    else:
        _check_convertible(array, dtype, value, _numpy_kind)
    return np.array(array, dtype=dtype.numpy_dtype)


def _check_convertible(array, dtype, value, describe):
    """TypeError unless `array` may take `dtype` without changing meaning (see the module docstring).

    `describe(array)` says what the value was, for the message.
    """
    target = dtype.numpy_dtype.kind
    if array.dtype.kind not in _ACCEPTS[target]:
        raise TypeError(f"Cannot convert {_short(value)} ({describe(array)}) to a tensor of dtype "
                        f"{dtype.name}; use tg.cast for an explicit conversion")
    if target in "iu":
        _check_fits(array, dtype, value)


def _check_fits(array, dtype, value):
    """TypeError if some value of `array` lies outside the range of the integer `dtype`."""
    if not np.size(array):
        return
    info = np.iinfo(dtype.numpy_dtype)
    lo, hi = np.min(array), np.max(array)
    if array.dtype.kind == "f" and not (np.isfinite(lo) and np.isfinite(hi)):
        raise TypeError(f"Cannot convert {_short(value)} to a tensor of dtype {dtype.name}: "
                        f"it holds inf or nan")
    if lo < info.min or hi > info.max:
        raise TypeError(f"Cannot convert {_short(value)} to a tensor of dtype {dtype.name}: "
                        f"out of range [{info.min}, {info.max}]")


def _python_kind(array):
    kind = array.dtype.kind
    names = {"b": "bool", "i": "int", "u": "int", "f": "float", "c": "complex", "O": "str"}
    noun = names.get(kind, str(array.dtype))
    return f"Python {noun}" + ("s" if array.ndim else "")


def _numpy_kind(array):
    return f"a NumPy value of dtype {_dtype_name(array.dtype)}"


def _dtype_name(np_dtype):
    try:
        return dtypes.as_dtype(np_dtype).name
    except TypeError:
        return str(np_dtype)


def _short(value):
    text = repr(value)
    return text if len(text) < 60 else text[:57] + "..."


def _contains_tensor(seq):
    for item in seq:
        if is_tensor_like(item):
            return True
        if isinstance(item, (list, tuple)) and _contains_tensor(item):
            return True
    return False


# ----- operands of one op ----------------------------------------------------------------------

def operands_to_tensors(*values):
    """Convert the operands of one op to tensors of one dtype, as TF's op wrappers do.

    The first tensor-like operand fixes the dtype (without one, the first NumPy
    array, then the first value converted). Python values and NumPy arrays are
    converted to it (TypeError if that would change their meaning); a tensor of
    another dtype is a TypeError naming both dtypes.
    """
    fast = _eager_operands(values)
    if fast is not None:
        return fast
    dtype = _leading_dtype(values)
    tensors = []
    for v in values:
        if is_tensor_like(v):
            t = convert_to_tensor(v)
        elif dtype is None:
            t = convert_to_tensor(v)
            dtype = t.dtype
        else:
            t = _operand_as(v, dtype)
        tensors.append(t)
    first = tensors[0].dtype
    for t in tensors[1:]:
        if t.dtype != first:
            raise TypeError(f"Cannot mix tensors of dtypes {first.name} and {t.dtype.name} in one "
                            f"operation; convert one with tg.cast(x, tg.{first.name})")
    return tensors


def _eager_operands(values):
    """The fast path of eager code: eager tensors of one dtype and Python floats/ints that fit it
    (`x * 2.0`); None for anything else (the general path converts it, or raises)."""
    dtype = None
    for v in values:
        if v.__class__ is EagerTensor:
            if dtype is None:
                dtype = v._value.dtype
            elif v._value.dtype != dtype:
                return None
        elif v.__class__ is not float and v.__class__ is not int:
            return None
    if dtype is None:
        return None
    tensors = []
    for v in values:
        if v.__class__ is not EagerTensor:
            array = _python_scalar_to_array(v, _SCALAR_KINDS[v.__class__], dtypes.from_numpy(dtype))
            if array is None:
                return None
            v = EagerTensor(array)
        tensors.append(v)
    return tensors


def eager_operand_arrays(x, y):
    """The NumPy arrays `operands_to_tensors(x, y)` would wrap, for the commonest eager operands: two
    eager tensors of one dtype holding NumPy arrays, or one and a Python float/int that fits its
    dtype (`x * 2`); None for anything else (the general path converts it, or raises)."""
    if x.__class__ is EagerTensor:
        a = x._value
        if y.__class__ is EagerTensor:
            b = y._value
            if a.__class__ is not np.ndarray or b.__class__ is not np.ndarray or a.dtype != b.dtype:
                return None
            return a, b
        if a.__class__ is not np.ndarray or (y.__class__ is not float and y.__class__ is not int):
            return None
        b = _scalar_array(y, a.dtype)
        return None if b is None else (a, b)
    if y.__class__ is EagerTensor and (x.__class__ is float or x.__class__ is int):
        b = y._value
        if b.__class__ is not np.ndarray:
            return None
        a = _scalar_array(x, b.dtype)
        return None if a is None else (a, b)
    return None


#: Read-only 0-d arrays of the Python numbers operators meet, by (NumPy dtype, type, value): the
#: same few constants (`x * 2 + 1`) recur in every step of a loop. Bounded: cleared when full.
_SCALARS = {}
_SCALARS_SIZE = 1024

#: (min, max) of the integer NumPy dtypes met by `_scalar_array` (np.iinfo costs a microsecond).
_INT_RANGES = {}


def _scalar_array(value, target):
    """A Python float or int as a read-only 0-d array of the NumPy dtype `target`, as
    `_python_scalar_to_array` makes it; None when that would change its meaning (the general path
    then raises the error)."""
    key = (target, value.__class__, value)
    array = _SCALARS.get(key)
    if array is not None:
        return array
    kind = target.kind
    if (kind == "i" or kind == "u") and value.__class__ is int:
        bounds = _INT_RANGES.get(target)
        if bounds is None:
            info = np.iinfo(target)
            bounds = _INT_RANGES[target] = (int(info.min), int(info.max))
        if not bounds[0] <= value <= bounds[1]:
            return None
    elif kind != "f" and kind != "c":
        return None
    array = np.array(value, dtype=target)
    array.flags.writeable = False
    if value != 0 and value == value:  # -0.0 == 0.0 and NaN != NaN: neither may share a key
        if len(_SCALARS) >= _SCALARS_SIZE:
            _SCALARS.clear()
        _SCALARS[key] = array
    return array


def _leading_dtype(values):
    for v in values:
        if is_tensor_like(v):
            return v.dtype
    for v in values:
        if isinstance(v, (np.ndarray, np.generic)):
            return dtypes.as_dtype(v.dtype)
    return None


def _operand_as(value, dtype):
    try:
        return convert_to_tensor(value, dtype=dtype)
    except TypeError as error:
        raise TypeError(f"{error} (the other operand has dtype {dtype.name})") from None
