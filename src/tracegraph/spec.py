"""`TensorSpec`: the type of a tensor value (shape and dtype), TF's `tf.TensorSpec`.

Shape rules of ops compute on specs, the IR types its values with them, and
`input_signature` is written with them.
"""
from . import dtypes as _dtypes
from .shape import TensorShape, as_shape

__all__ = ["TensorSpec"]


class TensorSpec:
    """Describes a tensor: `TensorSpec(shape, dtype=tg.float32, name=None)`."""

    __slots__ = ("_shape", "_dtype", "_name")

    def __init__(self, shape, dtype=_dtypes.float32, name=None):
        self._shape = as_shape(shape)
        self._dtype = _dtypes.as_dtype(dtype)
        self._name = name

    @classmethod
    def from_tensor(cls, tensor, name=None):
        """The spec of an existing tensor (or Variable)."""
        return cls(tensor.shape, tensor.dtype, name)

    @classmethod
    def from_spec(cls, spec, name=None):
        return cls(spec.shape, spec.dtype, name if name is not None else spec.name)

    @property
    def shape(self):
        return self._shape

    @property
    def dtype(self):
        return self._dtype

    @property
    def name(self):
        return self._name

    def is_compatible_with(self, other):
        """True if `other` (a spec or tensor) has this dtype and a compatible shape."""
        return self._dtype == other.dtype and self._shape.is_compatible_with(other.shape)

    def most_specific_common_supertype(self, others):
        """The spec that every one of `others` and this spec fits (None if dtypes differ)."""
        shape = self._shape
        for other in others:
            if other.dtype != self._dtype:
                return None
            shape = shape.most_specific_common_shape(other.shape)
        return TensorSpec(shape, self._dtype, self._name)

    def __eq__(self, other):
        return (isinstance(other, TensorSpec) and self._shape == other._shape
                and self._dtype == other._dtype and self._name == other._name)

    def __hash__(self):
        return hash((self._shape, self._dtype, self._name))

    def __repr__(self):
        return f"TensorSpec(shape={self._shape}, dtype={self._dtype!r}, name={self._name!r})"

    def short(self):
        """A compact form for printing IR: `f32[2,?]`; `f32[*]` for an unknown rank."""
        dims = "*" if self._shape.rank is None else ",".join(
            "?" if d is None else str(d) for d in self._shape.as_tuple())
        return f"{_SHORT.get(self._dtype.name, self._dtype.name)}[{dims}]"


_SHORT = {"float16": "f16", "float32": "f32", "float64": "f64", "int8": "i8", "int16": "i16",
          "int32": "i32", "int64": "i64", "uint8": "u8", "uint16": "u16", "uint32": "u32",
          "uint64": "u64", "bool": "bool", "string": "str", "complex64": "c64", "complex128": "c128"}


def spec_of(shape, dtype):
    """A nameless spec; the fast constructor shape rules use."""
    spec = TensorSpec.__new__(TensorSpec)
    spec._shape = shape if isinstance(shape, TensorShape) else TensorShape(shape)
    spec._dtype = dtype
    spec._name = None
    return spec
