"""`TensorSpec`: the type of a tensor value (shape and dtype), TF's `tf.TensorSpec`.

Shape rules of ops compute on specs, the IR types its values with them, and
`input_signature` is written with them. A TensorSpec is the simplest `TypeSpec`
(see `type_spec.py`): a tensor is its own one component.
"""
from . import dtypes as _dtypes
from .shape import TensorShape, as_shape
from .type_spec import CompositeTensor, TypeSpec

__all__ = ["TensorSpec", "type_spec_from_value"]


class TensorSpec(TypeSpec):
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
        if isinstance(other, (TypeSpec, CompositeTensor)) and not isinstance(other, TensorSpec):
            return False
        return self._dtype == other.dtype and self._shape.is_compatible_with(other.shape)

    def is_subtype_of(self, other):
        """True if every tensor this spec describes also fits `other` (names aside)."""
        return isinstance(other, TensorSpec) and self._dtype == other._dtype and \
            self._shape.is_subtype_of(other._shape)

    def most_specific_common_supertype(self, others):
        """The spec that every one of `others` and this spec fits (None if dtypes differ)."""
        shape = self._shape
        for other in others:
            if not isinstance(other, TensorSpec) or other.dtype != self._dtype:
                return None
            shape = shape.most_specific_common_shape(other.shape)
        return TensorSpec(shape, self._dtype, self._name)

    # ----- the composite-value protocol: a tensor is its own one component ----------------------

    #: `tg.Tensor`; tensor.py sets it (it imports this module, not the other way round).
    value_type = None

    @property
    def _component_specs(self):
        return self

    def _to_components(self, value):
        return value

    def _from_components(self, components):
        return components

    def _serialize(self):
        return (self._shape, self._dtype, self._name)

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


def type_spec_from_value(value):
    """The TypeSpec of `value`: its `_type_spec` for a composite, a TensorSpec for a tensor."""
    if isinstance(value, CompositeTensor):
        return value._type_spec
    if isinstance(value, TypeSpec):
        return value
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return TensorSpec(value.shape, value.dtype)
    raise TypeError(f"cannot determine the type spec of {value!r} ({type(value).__name__})")


def spec_of(shape, dtype):
    """A nameless spec; the fast constructor shape rules use."""
    spec = TensorSpec.__new__(TensorSpec)
    spec._shape = shape if isinstance(shape, TensorShape) else TensorShape(shape)
    spec._dtype = dtype
    spec._name = None
    return spec
