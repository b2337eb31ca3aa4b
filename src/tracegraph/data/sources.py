"""Datasets made from values: `from_tensor_slices`, `from_tensors`, `range`, `from_generator`, `zip`,
`list_files`."""
import glob

import numpy as np

from .base import Dataset, construct, register
from .options import INFINITE_CARDINALITY, UNKNOWN_CARDINALITY
from .plan import IndexPlan
from .structure import (check_components, component_paths, components_of, flat_specs, map_in_order, normalize,
                        structure_spec, unbatched_spec)
from .. import nest
from ..dtypes import as_dtype, int64, string
from ..errors import InvalidArgumentError
from ..shape import TensorShape
from ..spec import TensorSpec
from ..tensor import Tensor
from ..type_spec import CompositeTensor

__all__ = ["TensorSliceDataset", "TensorDataset", "RangeDataset", "GeneratorDataset", "ZipDataset"]


@register("from_tensor_slices")
class TensorSliceDataset(Dataset):
    """The slices of a structure of tensors along their first dimension."""

    _tf_name = "_TensorSliceDataset"

    def __init__(self, tensors):
        value = normalize(tensors, "from_tensor_slices")
        self._rows_of = None
        if any(isinstance(leaf, CompositeTensor) for leaf in nest.flatten(value)):
            self._rows_of = _CompositeRows(value)
            self._element_spec, self._rows = self._rows_of.element_spec, self._rows_of.count
            return
        whole_spec = structure_spec(value)
        self._element_spec = unbatched_spec(whole_spec, "from_tensor_slices")
        # A copy: the dataset must not change when the caller later writes into its arrays (as in TF).
        arrays = tuple(np.array(a, copy=True) for a in components_of(value))
        _check_first_dimensions(arrays, component_paths(whole_spec))
        self._arrays = arrays
        self._rows = len(arrays[0])

    def _cardinality(self):
        return self._rows

    def _plan(self):
        if self._rows_of is not None:
            return None
        rows = self._rows
        return IndexPlan(self._arrays, lambda: iter((np.arange(rows, dtype=np.int64),)))

    def _stream(self):
        if self._rows_of is not None:
            return self._rows_of.elements()
        return self._plan().elements()


class _CompositeRows:
    """The rows of a structure holding ragged tensors, sliced one at a time (no index plan). A row of a
    2-D ragged tensor is a 1-D tensor of its own length (TF's spec for it is a ragged spec of ragged
    rank 0, which prints differently but holds the same values)."""

    def __init__(self, value):
        self.value = value
        self.element_spec = map_in_order(_row_spec, value)
        counts = [_row_count(leaf) for leaf in nest.flatten(value)]
        paths = component_paths(map_in_order(lambda leaf: TensorSpec([]), value))
        for count, path in zip(counts, paths):
            if count != counts[0]:
                raise ValueError(f"from_tensor_slices: all components must have the same size in the first "
                                 f"dimension: {paths[0]} has {counts[0]} but {path} has {count}")
        self.count = counts[0]

    def elements(self):
        for i in range(self.count):
            yield components_of(map_in_order(lambda leaf: leaf[i], self.value))


def _row_spec(leaf):
    if isinstance(leaf, Tensor):
        if leaf.shape.rank == 0:
            raise ValueError(f"from_tensor_slices: a scalar ({leaf!r}) has no first dimension to slice")
        return TensorSpec(leaf.shape[1:], leaf.dtype)
    spec = leaf._type_spec
    if type(spec).__name__ != "RaggedTensorSpec":
        raise TypeError(f"from_tensor_slices: slices of {type(leaf).__name__} are not supported yet")
    if spec.ragged_rank == 1:
        return TensorSpec(TensorShape([None]).concatenate(spec.shape[2:]), spec.dtype)
    return type(spec)(spec.shape[1:], spec.dtype, spec.ragged_rank - 1, spec.row_splits_dtype)


def _row_count(leaf):
    return int(leaf.nrows()) if hasattr(leaf, "nrows") else int(leaf.shape[0])


def _check_first_dimensions(arrays, paths):
    if not arrays:
        raise ValueError("from_tensor_slices: the structure has no tensors")
    for array, path in zip(arrays, paths):
        if array.ndim == 0:
            raise ValueError(f"from_tensor_slices: {path} is a scalar; every component needs a first "
                             f"dimension to slice")
    first = len(arrays[0])
    for array, path in zip(arrays, paths):
        if len(array) != first:
            raise ValueError(f"from_tensor_slices: all components must have the same size in the first "
                             f"dimension: {paths[0]} has {first} (shape {tuple(arrays[0].shape)}) but {path} "
                             f"has {len(array)} (shape {tuple(array.shape)})")


@register("from_tensors")
class TensorDataset(Dataset):
    """One element: the given structure."""

    _tf_name = "_TensorDataset"

    def __init__(self, tensors):
        value = normalize(tensors, "from_tensors")
        self._element_spec = structure_spec(value)
        self._components = components_of(value)

    def _cardinality(self):
        return 1

    def _plan(self):
        if any(not isinstance(c, np.ndarray) for c in self._components):
            return None
        arrays = tuple(c[np.newaxis] for c in self._components)
        return IndexPlan(arrays, lambda: iter((np.zeros(1, np.int64),)))

    def _stream(self):
        return iter((self._components,))


@register("range")
class RangeDataset(Dataset):
    """`range(start, stop, step)` as scalars of `output_type`."""

    _tf_name = "_RangeDataset"

    def __init__(self, *args, output_type=int64):
        bounds = slice(*[int(np.asarray(getattr(a, "numpy", lambda a=a: a)())) for a in args])
        self._range = range(bounds.start or 0, bounds.stop, bounds.step or 1)
        self._dtype = as_dtype(output_type)
        self._element_spec = TensorSpec([], self._dtype)

    def _cardinality(self):
        return len(self._range)

    def _plan(self):
        values = np.arange(self._range.start, self._range.stop, self._range.step,
                           dtype=self._dtype.as_numpy_dtype)
        return IndexPlan((values,), lambda: iter((np.arange(len(values), dtype=np.int64),)))

    def _stream(self):
        dtype = self._dtype.as_numpy_dtype
        return ((np.array(i, dtype),) for i in self._range)


@register("from_generator")
class GeneratorDataset(Dataset):
    """What a Python generator yields, converted to and checked against the declared signature."""

    _tf_name = "_FlatMapDataset"

    def __init__(self, generator, output_types, output_shapes, args, output_signature):
        if not callable(generator):
            raise TypeError("from_generator: `generator` must be a callable that returns an iterator")
        if output_signature is None:
            if output_types is None:
                raise TypeError("from_generator: give `output_signature` (or `output_types`)")
            output_signature = _signature_from_types(output_types, output_shapes)
        if isinstance(output_signature, list):
            output_signature = tuple(output_signature)
        self._element_spec = map_in_order(_check_spec, _as_structure(output_signature))
        self._generator, self._args = generator, tuple(args or ())
        self._specs = flat_specs(self._element_spec)
        self._paths = component_paths(self._element_spec)

    def _stream(self):
        args = [a.numpy() if isinstance(a, Tensor) else a for a in self._args]
        for position, value in enumerate(self._generator(*args)):
            yield self._convert(value, position)

    def _convert(self, value, position):
        where = f"from_generator: element {position} of the generator"
        leaves = _leaves_up_to(self._element_spec, value)
        if leaves is None:
            raise InvalidArgumentError(
                f"{where} is {value!r:.100}, which does not have the structure of output_signature "
                f"{self._element_spec}")
        converted = []
        for leaf, spec in zip(leaves, nest.flatten(self._element_spec)):
            converted.extend(_leaf_components(leaf, spec, where, self._paths[len(converted)]))
        check_components(converted, self._specs, self._paths, where)
        return tuple(converted)


def _leaves_up_to(spec, value):
    """`value`'s parts matching the leaves of `spec` (in flatten order), or None if it does not fit
    (a list is a tuple where the spec has a tuple, and a leaf where it has a spec)."""
    if isinstance(spec, dict):
        if not isinstance(value, dict) or set(value) != set(spec):
            return None
        parts = [_leaves_up_to(spec[k], value[k]) for k in sorted(spec, key=repr)]
    elif isinstance(spec, tuple):
        if not isinstance(value, (tuple, list)) or len(value) != len(spec):
            return None
        parts = [_leaves_up_to(s, v) for s, v in zip(spec, value)]
    else:
        return [value]
    return None if any(p is None for p in parts) else [leaf for p in parts for leaf in p]


def _as_structure(value):
    """Lists become tuples, as TF reads a generator's structure (a list is never a tensor here)."""
    if isinstance(value, list) and value and isinstance(value[0], (TensorSpec, Dataset)):
        return tuple(value)
    if isinstance(value, dict):
        return {k: _as_structure(v) for k, v in value.items()}
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(_as_structure(v) for v in value)
    return value


def _check_spec(spec):
    if not hasattr(spec, "_component_specs"):
        raise TypeError(f"from_generator: output_signature must be a structure of tg.TensorSpec (or other "
                        f"type specs), got {spec!r}")
    return spec


def _leaf_components(leaf, spec, where, path):
    if isinstance(spec, TensorSpec):
        if isinstance(leaf, Tensor):
            leaf = leaf.numpy()
        try:
            if spec.dtype == string:
                array = np.asarray(leaf, dtype=object)
                array = np.vectorize(lambda s: s.encode() if isinstance(s, str) else s, otypes=[object])(array) \
                    if array.size else array
            else:
                array = _exact_array(leaf, spec.dtype.as_numpy_dtype)
        except (TypeError, ValueError) as error:
            raise InvalidArgumentError(f"{where}: {path} is {leaf!r:.80}, which is not a {spec.dtype.name} "
                                       f"value as output_signature gives ({spec}): {error}") from None
        return [array]
    if isinstance(leaf, CompositeTensor) and leaf._type_spec.is_compatible_with(spec):
        return list(components_of(leaf))
    raise InvalidArgumentError(f"{where}: {path} is {leaf!r:.80}, but output_signature gives {spec}")


def _exact_array(value, dtype):
    """`value` as an array of `dtype`; a value that would change (3.5 as an int, 300 as int8) is an error."""
    array = np.asarray(value)
    if array.dtype == dtype:
        return array
    if array.dtype == object or array.dtype.kind in "USV":
        raise TypeError(f"it holds {array.dtype.name} values")
    converted = array.astype(dtype)
    if array.dtype.kind in "fc" and np.dtype(dtype).kind in "iub" and not np.array_equal(converted, array):
        raise ValueError("its values are not integers")
    if array.dtype.kind in "iub" and np.dtype(dtype).kind in "iub" and not np.array_equal(converted, array):
        raise ValueError(f"its values do not fit {np.dtype(dtype).name}")
    return converted


def _signature_from_types(types, shapes):
    """TensorSpecs from TF's older `output_types` / `output_shapes` pair (a shape is a leaf where the
    types have a dtype)."""
    if isinstance(types, dict):
        return type(types)((k, _signature_from_types(v, None if shapes is None else shapes[k]))
                           for k, v in types.items())
    if isinstance(types, (tuple, list)):
        return tuple(_signature_from_types(t, None if shapes is None else s)
                     for t, s in zip(types, shapes if shapes is not None else [None] * len(types)))
    return TensorSpec(None if shapes is None else shapes, types)


@register("zip")
class ZipDataset(Dataset):
    """Elements of several datasets side by side, as a tuple (or the given structure)."""

    _tf_name = "_ZipDataset"

    def __init__(self, datasets):
        if isinstance(datasets, Dataset):
            datasets = (datasets,)
        leaves = nest.flatten(datasets)
        if not leaves or not all(isinstance(d, Dataset) for d in leaves):
            raise TypeError(f"zip: expected a structure of datasets, got {datasets!r:.100}")
        self._structure, self._inputs = datasets, tuple(leaves)
        self._element_spec = nest.pack_sequence_as(datasets, [d.element_spec for d in leaves])

    def _cardinality(self):
        counts = [d._cardinality() for d in self._inputs]
        finite = [c for c in counts if c >= 0]
        if finite:
            return min(finite)
        return UNKNOWN_CARDINALITY if UNKNOWN_CARDINALITY in counts else INFINITE_CARDINALITY

    def _stream(self):
        streams = [d._stream() for d in self._inputs]
        while True:
            parts = []
            for stream in streams:
                element = next(stream, None)
                if element is None:
                    return
                parts.extend(element)
            yield tuple(parts)


@register("list_files")
def list_files(file_pattern, shuffle=None, seed=None):
    """The names of the files matching the pattern(s), sorted, then shuffled unless `shuffle=False`."""
    patterns = file_pattern.numpy() if isinstance(file_pattern, Tensor) else file_pattern
    patterns = [p.decode() if isinstance(p, bytes) else str(p) for p in np.atleast_1d(np.asarray(patterns, object))]
    names = sorted({name for pattern in patterns for name in glob.glob(pattern)})
    if not names:
        raise InvalidArgumentError(f"list_files: no files match the pattern {', '.join(patterns)}")
    dataset = TensorSliceDataset(np.array([n.encode() for n in names], dtype=object))
    if shuffle is None or shuffle:
        dataset = construct("shuffle", dataset, len(names), seed, None)
    return dataset


