"""Data types with TensorFlow 2's names and rules.

A `DType` wraps a NumPy dtype and answers the questions the rest of the library
asks (`is_floating`, `is_integer`, ...). `as_dtype` accepts every spelling a
user may pass: a DType, a NumPy dtype or scalar type, or a name like "float32".
"""
import numpy as np

_builtin_bool = type(True)  # the module rebinds `bool` to TF's dtype

__all__ = [
    "DType", "as_dtype", "float16", "bfloat16", "float32", "float64", "half", "double",
    "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "bool", "string", "complex64", "complex128",
]


class DType:
    """The element type of a tensor (TF's `tf.DType`)."""

    __slots__ = ("name", "_np")

    def __init__(self, name, numpy_dtype):
        self.name = name
        self._np = np.dtype(numpy_dtype)

    @property
    def as_numpy_dtype(self):
        """The NumPy scalar type (e.g. `np.float32`), as in TF."""
        return self._np.type

    @property
    def numpy_dtype(self):
        """The `np.dtype` instance."""
        return self._np

    @property
    def base_dtype(self):
        """The dtype itself (TF's reference dtypes do not exist here)."""
        return self

    @property
    def real_dtype(self):
        """The dtype of the real part: float32 for complex64, float64 for complex128, else itself."""
        if self is complex64:
            return float32
        if self is complex128:
            return float64
        return self

    @property
    def is_floating(self):
        """True for float16/32/64 (and bfloat16)."""
        return self._np.kind == "f"

    @property
    def is_integer(self):
        """True for signed and unsigned integer types (not bool)."""
        return self._np.kind in "iu"

    @property
    def is_unsigned(self):
        """True for uint8/16/32/64."""
        return self._np.kind == "u"

    @property
    def is_complex(self):
        """True for complex64 and complex128."""
        return self._np.kind == "c"

    @property
    def is_bool(self):
        """True for tg.bool."""
        return self._np.kind == "b"

    @property
    def is_quantized(self):
        """Always False: there are no quantized types here."""
        return False

    @property
    def is_numeric(self):
        """True for integer, floating and complex types."""
        return self._np.kind in "iufc"

    @property
    def is_differentiable(self):
        """Whether gradients flow through values of this type (floats and complex)."""
        return self._np.kind in "fc"

    @property
    def size(self):
        """Bytes per element."""
        return self._np.itemsize

    @property
    def min(self):
        """The smallest value of this type (TypeError for bool, string and complex, as in TF)."""
        return _limits(self).min

    @property
    def max(self):
        """The largest value of this type (TypeError for bool, string and complex, as in TF)."""
        return _limits(self).max

    @property
    def limits(self):
        """`(min, max)` of this type."""
        return self.min, self.max

    def is_compatible_with(self, other):
        """True if `other` names the same dtype."""
        return self == other

    def __eq__(self, other):
        if self is other:
            return True
        if isinstance(other, DType):
            return self.name == other.name
        try:
            return self.name == as_dtype(other).name
        except TypeError:
            return False

    def __hash__(self):
        return hash(self.name)

    def __repr__(self):
        return f"tg.{self.name}"

    def __str__(self):
        return f"<dtype: {self.name!r}>"

    def __reduce__(self):
        return (as_dtype, (self.name,))


def _limits(dtype):
    if dtype.is_floating:
        return np.finfo(dtype._np)
    if dtype.is_integer:
        return np.iinfo(dtype._np)
    raise TypeError(f"Cannot find the minimum/maximum value of dtype {dtype.name}")


float16 = half = DType("float16", np.float16)
float32 = DType("float32", np.float32)
float64 = double = DType("float64", np.float64)
# NumPy has no bfloat16; it is stored as float32 so code naming it still runs.
bfloat16 = DType("bfloat16", np.float32)
int8 = DType("int8", np.int8)
int16 = DType("int16", np.int16)
int32 = DType("int32", np.int32)
int64 = DType("int64", np.int64)
uint8 = DType("uint8", np.uint8)
uint16 = DType("uint16", np.uint16)
uint32 = DType("uint32", np.uint32)
uint64 = DType("uint64", np.uint64)
bool = DType("bool", np.bool_)  # noqa: A001 - TF's public name
string = DType("string", np.object_)
complex64 = DType("complex64", np.complex64)
complex128 = DType("complex128", np.complex128)

_BY_NAME = {d.name: d for d in (float16, float32, float64, int8, int16, int32, int64, uint8,
                                 uint16, uint32, uint64, bool, string, complex64, complex128)}
_BY_NAME.update(half=float16, float=float32, double=float64, bfloat16=bfloat16)
_BY_NUMPY = {d._np: d for d in _BY_NAME.values() if d is not bfloat16}


def from_numpy(np_dtype):
    """The `DType` of a NumPy dtype instance (a fast path of `as_dtype` for arrays' dtypes)."""
    found = _BY_NUMPY.get(np_dtype)
    return found if found is not None else as_dtype(np_dtype)


def as_dtype(value):
    """Return the `DType` for `value` (a DType, a name, a NumPy dtype or type); TypeError otherwise."""
    if isinstance(value, DType):
        return value
    if value is None:
        raise TypeError("Cannot convert None to a tg.DType")
    if isinstance(value, str):
        found = _BY_NAME.get(value)
        if found is None:
            raise TypeError(f"Cannot convert {value!r} to a tg.DType; known names: {sorted(_BY_NAME)}")
        return found
    if value is float:
        return float32
    if value is int:
        return int32
    if value is _builtin_bool:
        return bool
    try:
        np_dtype = np.dtype(value)
    except TypeError:
        raise TypeError(f"Cannot convert {value!r} to a tg.DType") from None
    if np_dtype.kind in "SUO":
        return string
    found = _BY_NUMPY.get(np_dtype)
    if found is None:
        raise TypeError(f"Cannot convert {value!r} (NumPy {np_dtype}) to a tg.DType")
    return found

