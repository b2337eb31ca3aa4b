"""Elements and their specs.

A dataset's `element_spec` is a nested structure (tuples, dicts, namedtuples) of type specs:
`TensorSpec`s, composite specs (ragged, sparse) and `DatasetSpec`s (a window's element).
Inside a pipeline an element travels as a tuple of *components*: the NumPy arrays of its
tensors, in the order `nest.flatten(element_spec, expand_composites=True)` lists their specs
(a nested dataset is its own component). `Packer` turns components back into the user's
structure of tensors.
"""
import numpy as np

from .. import nest
from ..convert import convert_to_tensor
from ..shape import TensorShape
from ..spec import TensorSpec
from ..tensor import EagerTensor, Tensor
from ..type_spec import CompositeTensor, TypeSpec

__all__ = ["DatasetSpec", "normalize", "spec_of", "structure_spec", "map_in_order", "pack_in_order", "flat_specs", "components_of",
           "Packer", "component_paths", "check_components", "batched_spec", "unbatched_spec", "spec_text"]


class DatasetSpec(TypeSpec):
    """The type of a dataset that is an element of another (a `window`), TF's `tf.data.DatasetSpec`."""

    __slots__ = ("element_spec", "_dataset_shape")

    def __init__(self, element_spec, dataset_shape=()):
        self.element_spec = element_spec
        self._dataset_shape = TensorShape(dataset_shape)

    @property
    def value_type(self):
        from .base import Dataset  # noqa: PLC0415 - base imports this module; the class is only named here
        return Dataset

    @property
    def _component_specs(self):
        return self  # a dataset is one component: it cannot be taken apart into tensors

    def _to_components(self, value):
        return value

    def _from_components(self, components):
        return components

    def _serialize(self):
        return (self.element_spec, self._dataset_shape)

    def __hash__(self):
        return hash((DatasetSpec, repr(self.element_spec)))

    def __eq__(self, other):
        return type(other) is DatasetSpec and nest_equal(self.element_spec, other.element_spec)

    def __repr__(self):
        return f"DatasetSpec({spec_text(self.element_spec)}, TensorShape({list(self._dataset_shape)}))"


def nest_equal(a, b):
    """Whether two structures of specs are equal (same nesting, equal leaves)."""
    try:
        nest.assert_same_structure(a, b)
    except (ValueError, TypeError):
        return False
    return all(x == y for x, y in zip(nest.flatten(a), nest.flatten(b)))


def _is_dataset(value):
    return hasattr(value, "element_spec") and hasattr(value, "_stream")


def normalize(value, where):
    """A dataset structure from a user's value: tuples, dicts and namedtuples are structure; a list
    (as TF reads it) is one tensor; leaves become tensors (composites and datasets stay)."""
    if isinstance(value, (tuple, dict)):
        if isinstance(value, dict):
            return type(value)((k, normalize(v, where)) for k, v in value.items())
        items = [normalize(v, where) for v in value]
        return type(value)(*items) if hasattr(value, "_fields") else tuple(items)
    if isinstance(value, (Tensor, CompositeTensor)) or _is_dataset(value):
        return value
    try:
        return convert_to_tensor(value)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{where}: cannot convert {type(value).__name__} {value!r:.80} to a tensor: "
                        f"{error}") from None


def spec_of(value):
    """The spec of one leaf value: a TensorSpec, a composite's spec or a DatasetSpec."""
    if isinstance(value, Tensor):
        return TensorSpec(value.shape, value.dtype)
    if isinstance(value, CompositeTensor):
        return value._type_spec
    if _is_dataset(value):
        return DatasetSpec(value.element_spec)
    raise TypeError(f"not a dataset element: {type(value).__name__}")


def structure_spec(value):
    """The element spec of a normalized structure (dicts keep their key order, as TF prints them)."""
    return map_in_order(spec_of, value)


def map_in_order(func, structure):
    """`func` over the leaves of `structure` (tuples, dicts, namedtuples), keeping each dict's key order
    (`nest.map_structure` rebuilds dicts in sorted order)."""
    if isinstance(structure, dict):
        return type(structure)((k, map_in_order(func, v)) for k, v in structure.items())
    if isinstance(structure, tuple):
        items = [map_in_order(func, v) for v in structure]
        return type(structure)(*items) if hasattr(structure, "_fields") else tuple(items)
    return func(structure)


def pack_in_order(spec, leaves):
    """The structure of `spec` with its components taken in order from the iterator `leaves`
    (components come in sorted-key order; dicts are rebuilt in `spec`'s key order)."""
    if isinstance(spec, dict):
        values = {k: pack_in_order(spec[k], leaves) for k in sorted(spec, key=repr)}
        return type(spec)((k, values[k]) for k in spec)
    if isinstance(spec, tuple):
        items = [pack_in_order(s, leaves) for s in spec]
        return type(spec)(*items) if hasattr(spec, "_fields") else tuple(items)
    if isinstance(spec, TensorSpec) or isinstance(spec, DatasetSpec):
        return next(leaves)
    parts = [next(leaves) for _ in flat_specs(spec)]
    return spec._from_components(nest.pack_sequence_as(spec._component_specs, parts, expand_composites=True))


def flat_specs(element_spec):
    """The specs of the components, in order."""
    return nest.flatten(element_spec, expand_composites=True)


def components_of(value):
    """The components (NumPy arrays, or datasets) of a normalized structure."""
    return tuple(_array(leaf) for leaf in nest.flatten(value, expand_composites=True))


def _array(leaf):
    if isinstance(leaf, EagerTensor):
        value = leaf._value
        return value if type(value) is np.ndarray else leaf.cpu()._value
    if isinstance(leaf, Tensor):
        raise TypeError(f"a dataset element must have a value, got the symbolic tensor {leaf!r} "
                        f"(build datasets outside tg.function or from values)")
    return leaf


class Packer:
    """Turns components into the user's structure of tensors for one element spec."""

    def __init__(self, element_spec):
        self.element_spec = element_spec
        specs = flat_specs(element_spec)
        self.datasets = tuple(isinstance(s, DatasetSpec) for s in specs)
        plain = all(isinstance(s, TensorSpec) for s in specs) and not any(self.datasets)
        single = plain and len(specs) == 1 and not nest.is_nested(element_spec)
        flat_tuple = plain and isinstance(element_spec, tuple) and not hasattr(element_spec, "_fields") \
            and all(isinstance(s, TensorSpec) for s in element_spec)
        self.pack = self._single if single else self._tuple if flat_tuple else self._general

    def __call__(self, components):
        return self.pack(components)

    @staticmethod
    def _single(components):
        return EagerTensor(components[0])

    @staticmethod
    def _tuple(components):
        return tuple([EagerTensor(c) for c in components])

    def _general(self, components):
        leaves = [c if is_dataset else EagerTensor(c) for c, is_dataset in zip(components, self.datasets)]
        return pack_in_order(self.element_spec, iter(leaves))

    def numpy(self, components):
        """The element as NumPy values (as `as_numpy_iterator` gives them)."""
        return map_in_order(_to_numpy, self._general(components))


def _to_numpy(value):
    if isinstance(value, EagerTensor):
        array = value._value
        return array[()] if array.ndim == 0 else array
    if hasattr(value, "numpy") and not _is_dataset(value):
        return value.numpy()
    return value


def component_paths(element_spec):
    """A readable name per component: `x`, `[1]`, `['label']`, `[0].values` (for error messages)."""
    paths = []

    def visit(spec, path):
        if isinstance(spec, dict):
            for key in sorted(spec, key=repr):
                visit(spec[key], f"{path}[{key!r}]")
        elif isinstance(spec, tuple):
            for i, item in enumerate(spec):
                visit(item, f"{path}[{i}]")
        else:
            count = len(flat_specs(spec))
            if count == 1:
                paths.append(path or "the element")
            else:
                paths.extend(f"{path or 'the element'} (component {k})" for k in range(count))
    visit(element_spec, "")
    return paths


def check_components(components, specs, paths, where):
    """ValueError/TypeError naming the component whose dtype or shape does not fit its spec."""
    if len(components) != len(specs):
        raise ValueError(f"{where}: expected {len(specs)} components, got {len(components)}")
    for array, spec, path in zip(components, specs, paths):
        if isinstance(spec, DatasetSpec):
            continue
        if array.dtype != spec.dtype.as_numpy_dtype and not (array.dtype == object and spec.dtype.name == "string"):
            raise TypeError(f"{where}: {path} has dtype {_dtype_name(array)}, but the spec is {spec}")
        if not TensorShape.from_ints(array.shape).is_subtype_of(spec.shape):
            raise ValueError(f"{where}: {path} has shape {tuple(array.shape)}, but the spec is {spec}")


def _dtype_name(array):
    return "string" if array.dtype == object else array.dtype.name


def batched_spec(spec, batch_size):
    """The spec of a batch of elements of `spec` (`batch_size` None when it may vary)."""
    def batch_leaf(leaf):
        if isinstance(leaf, TensorSpec):
            return TensorSpec(TensorShape([batch_size]).concatenate(leaf.shape), leaf.dtype)
        raise TypeError(f"batch: elements of {leaf} cannot be batched yet (only tensors; "
                        f"use padded_batch or map the values to tensors first)")
    return map_in_order(batch_leaf, spec)


def unbatched_spec(spec, where="unbatch"):
    """The spec of one row of a batch of `spec`."""
    def unbatch_leaf(leaf):
        if isinstance(leaf, TensorSpec):
            if leaf.shape.rank == 0:
                raise ValueError(f"{where}: cannot take rows of a scalar ({leaf}); every component "
                                 f"needs a first dimension")
            return TensorSpec(leaf.shape[1:], leaf.dtype)
        raise TypeError(f"{where}: cannot take rows of {leaf} (only tensors)")
    return map_in_order(unbatch_leaf, spec)


def spec_text(spec):
    """A spec structure printed the way TF prints element_spec (Python's repr of the structure)."""
    return repr(spec)
