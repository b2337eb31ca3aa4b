"""The composite-value protocol: type specs, and values made of component tensors (TF's TypeSpec).

A `TypeSpec` describes a kind of value the way `TensorSpec` describes a tensor: it is
hashable (so it can be part of a `tg.function` cache key), knows whether a value or
another spec fits it, and has a most specific common supertype (for `reduce_retracing`).
A `CompositeTensor` (a ragged or sparse tensor, `IndexedSlices`, a `TensorArray`, ...)
is a value whose `_type_spec` can take it apart into component tensors and put it back
together. Signatures, `nest`, concrete functions, tapes and saved models handle every
composite through this protocol alone, never by type checks per kind.

`TensorSpec` is the simplest case: its one component is the tensor itself.

A subclass of `TypeSpec` implements four things:

- `value_type`: the class of the values it describes;
- `_serialize()`: a tuple of plain, hashable data that identifies the spec (equality
  and hashing use it);
- `_component_specs`: the specs of the components (a nest of `TypeSpec`s);
- `_to_components(value)` / `_from_components(components)`: taking a value apart into
  a nest shaped like `_component_specs`, and back.

Supertypes and compatibility are derived from the serialization: two specs relate as
their serializations do, element by element, where a `TensorShape` is compared as a
shape and any other item must be equal.
"""
from .shape import TensorShape

__all__ = ["TypeSpec", "CompositeTensor", "is_composite", "register", "registered_class"]

_REGISTRY = {}  # registered name -> TypeSpec subclass


def register(name):
    """Class decorator: `name` identifies the TypeSpec subclass in saved graphs and models
    (TF's `type_spec_registry.register`); a saved spec is rebuilt from `_serialize()`'s data."""
    def register_class(cls):
        if _REGISTRY.get(name, cls) is not cls:
            raise ValueError(f"the type spec name {name!r} is already registered for {_REGISTRY[name]!r}")
        _REGISTRY[name] = cls
        cls._registered_name = name
        return cls
    return register_class


def registered_class(name):
    """The TypeSpec subclass registered as `name`; LookupError if none is (its module not imported?)."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise LookupError(f"no type spec is registered as {name!r}; import the module that defines it "
                          f"(registered: {sorted(_REGISTRY)})") from None


class TypeSpec:
    """The type of a value that tracing, `nest` and saving can take apart into tensors."""

    __slots__ = ()

    @property
    def value_type(self):
        """The Python class of the values this spec describes."""
        raise NotImplementedError

    @property
    def _component_specs(self):
        """The specs of the components, as a nest of TypeSpecs."""
        raise NotImplementedError

    def _to_components(self, value):
        """`value`'s components, as a nest shaped like `_component_specs`."""
        raise NotImplementedError

    def _from_components(self, components):
        """The value whose components are `components`."""
        raise NotImplementedError

    def _serialize(self):
        """A tuple of plain hashable data that identifies this spec (equality and hashing use it)."""
        raise NotImplementedError

    @classmethod
    def _deserialize(cls, serialization):
        """A spec of this class from `_serialize()` output (the default calls the constructor with it)."""
        return cls(*serialization)

    # ----- derived from the serialization ------------------------------------------------------

    def is_subtype_of(self, other):
        """True if every value of this spec is also a value of `other`."""
        return type(other) is type(self) and _serialization_relation(
            self._serialize(), other._serialize(), _shape_is_subtype)

    def is_compatible_with(self, spec_or_value):
        """True if some value could fit both this spec and `spec_or_value` (a spec or a value)."""
        other = spec_or_value if isinstance(spec_or_value, TypeSpec) else \
            getattr(spec_or_value, "_type_spec", None)
        return type(other) is type(self) and _serialization_relation(
            self._serialize(), other._serialize(), _shapes_compatible)

    def most_specific_common_supertype(self, others):
        """The narrowest spec that this one and all of `others` are subtypes of, or None."""
        serialization = self._serialize()
        for other in others:
            if type(other) is not type(self):
                return None
            serialization = _common_supertype(serialization, other._serialize())
            if serialization is None:
                return None
        return self._deserialize(serialization)

    def __eq__(self, other):
        return type(other) is type(self) and self._serialize() == other._serialize()

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash((type(self), self._serialize()))


class CompositeTensor:
    """A value made of component tensors, described by its `_type_spec` (a TypeSpec)."""

    __slots__ = ()

    @property
    def _type_spec(self):
        raise NotImplementedError


def is_composite(value):
    """True for a CompositeTensor value."""
    return isinstance(value, CompositeTensor)


def _shape_is_subtype(a, b):
    return a.is_subtype_of(b)


def _shapes_compatible(a, b):
    return a.is_compatible_with(b)


def _serialization_relation(a, b, shapes_relate):
    """Whether serializations `a` and `b` relate item by item: shapes by `shapes_relate`,
    specs by the same relation, tuples recursively, anything else by equality."""
    if isinstance(a, TensorShape) and isinstance(b, TensorShape):
        return shapes_relate(a, b)
    if isinstance(a, TypeSpec) and isinstance(b, TypeSpec):
        relation = TypeSpec.is_subtype_of if shapes_relate is _shape_is_subtype else TypeSpec.is_compatible_with
        return relation(a, b)
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(_serialization_relation(x, y, shapes_relate) for x, y in zip(a, b))
    return a == b


def _common_supertype(a, b):
    """The item-wise common supertype of two serializations, or None where they cannot meet."""
    if isinstance(a, TensorShape) and isinstance(b, TensorShape):
        return a.most_specific_common_shape(b)
    if isinstance(a, TypeSpec) and isinstance(b, TypeSpec):
        return a.most_specific_common_supertype([b])
    if isinstance(a, tuple) and isinstance(b, tuple):
        if len(a) != len(b):
            return None
        items = [_common_supertype(x, y) for x, y in zip(a, b)]
        return None if any(item is None and not (x is None and y is None) for item, x, y in zip(items, a, b)) \
            else tuple(items)
    return a if a == b else None
