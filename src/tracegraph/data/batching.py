"""`batch`, `padded_batch`, `unbatch` and `rebatch`.

Over an index plan (see `plan.py`), `batch` gathers the rows of many batches with one `take` per
source array, runs the plan's row-wise maps once on them, and hands out consecutive slices:
no element is ever stacked in Python. Any other input is stacked element by element.
"""
import numpy as np

from .base import Dataset, register
from .options import INFINITE_CARDINALITY, UNKNOWN_CARDINALITY
from .plan import BLOCK_ROWS, _as_slice
from .structure import batched_spec, component_paths, pack_in_order, unbatched_spec
from .. import nest
from ..errors import InvalidArgumentError
from ..shape import TensorShape
from ..spec import TensorSpec

__all__ = ["BatchDataset", "PaddedBatchDataset", "UnbatchDataset", "rebatch"]


def _count(value, where):
    count = int(np.asarray(getattr(value, "numpy", lambda: value)()))
    if count <= 0:
        raise InvalidArgumentError(f"{where}: batch_size must be greater than zero, got {count}")
    return count


def _batched_cardinality(count, batch_size, drop_remainder):
    if count < 0:
        return count
    return count // batch_size if drop_remainder else -(-count // batch_size)


@register("batch")
class BatchDataset(Dataset):
    """Consecutive elements stacked along a new first dimension."""

    _tf_name = "_BatchDataset"

    def __init__(self, dataset, batch_size, drop_remainder=False):
        self._input, self._inputs = dataset, (dataset,)
        self._batch_size = _count(batch_size, "batch")
        self._drop_remainder = bool(drop_remainder)
        self._element_spec = batched_spec(dataset.element_spec, self._batch_size if self._drop_remainder else None)

    def _cardinality(self):
        return _batched_cardinality(self._input._cardinality(), self._batch_size, self._drop_remainder)

    def _stream(self):
        plan = self._input._plan()
        if plan is not None:
            return _plan_batches(plan, self._batch_size, self._drop_remainder)
        return _stacked_batches(self._input, self._batch_size, self._drop_remainder)


def _plan_batches(plan, batch_size, drop_remainder):
    """Batches of a plan's rows: many batches gathered (and mapped) at once, then sliced."""
    block_rows = batch_size * max(1, BLOCK_ROWS // batch_size)
    leftover = np.zeros(0, np.int64)
    for chunk in plan.chunks():
        index = np.concatenate([leftover, chunk]) if len(leftover) else chunk
        full = len(index) - len(index) % batch_size
        for start in range(0, full, block_rows):
            block_index = index[start:min(start + block_rows, full)]
            block = plan.rows(_as_slice(block_index))
            for offset in range(0, len(block_index), batch_size):
                yield tuple([c[offset:offset + batch_size] for c in block])
        leftover = index[full:]
    if len(leftover) and not drop_remainder:
        yield plan.rows(_as_slice(leftover))


def _stacked_batches(dataset, batch_size, drop_remainder):
    paths = component_paths(dataset.element_spec)
    batch = []
    for components in dataset._stream():
        batch.append(components)
        if len(batch) == batch_size:
            yield _stack(batch, paths)
            batch = []
    if batch and not drop_remainder:
        yield _stack(batch, paths)


def _stack(batch, paths):
    columns = []
    for k, path in enumerate(paths):
        parts = [components[k] for components in batch]
        first = parts[0].shape
        for row, part in enumerate(parts):
            if part.shape != first:
                raise InvalidArgumentError(
                    f"batch: cannot batch elements of different shapes: {path} has shape {first} in the "
                    f"batch's element 0 and {part.shape} in its element {row}; use padded_batch, or "
                    f"ragged tensors")
        columns.append(np.stack(parts))
    return tuple(columns)


@register("padded_batch")
class PaddedBatchDataset(Dataset):
    """Batches whose components are padded to common (or given) shapes."""

    _tf_name = "_PaddedBatchDataset"

    def __init__(self, dataset, batch_size, padded_shapes=None, padding_values=None, drop_remainder=False):
        self._input, self._inputs = dataset, (dataset,)
        self._batch_size = _count(batch_size, "padded_batch")
        self._drop_remainder = bool(drop_remainder)
        spec = dataset.element_spec
        specs = nest.flatten(spec)
        if not all(isinstance(s, TensorSpec) for s in specs):
            raise TypeError("padded_batch: every component must be a tensor")
        if padded_shapes is None:
            if any(s.shape.rank is None for s in specs):
                raise ValueError("padded_batch: give padded_shapes for components of unknown rank")
            shapes = [TensorShape([None] * s.shape.rank) for s in specs]
        else:
            shapes = [_as_shape(s) for s in _flatten_up_to(spec, padded_shapes, "padded_shapes")]
        self._paths = component_paths(spec)
        for shape, s, path in zip(shapes, specs, self._paths):
            if s.shape.rank is not None and shape.rank != s.shape.rank:
                raise ValueError(f"padded_batch: the padded shape {shape} of {path} does not have the rank of "
                                 f"its spec {s}")
        self._shapes = shapes
        values = [None] * len(specs) if padding_values is None else \
            _flatten_up_to(spec, padding_values, "padding_values")
        self._padding = [_padding_value(v, s) for v, s in zip(values, specs)]
        padded = pack_in_order(spec, iter([TensorSpec(shape, s.dtype) for shape, s in zip(shapes, specs)]))
        self._element_spec = batched_spec(padded, self._batch_size if self._drop_remainder else None)

    def _cardinality(self):
        return _batched_cardinality(self._input._cardinality(), self._batch_size, self._drop_remainder)

    def _stream(self):
        batch = []
        for components in self._input._stream():
            batch.append(components)
            if len(batch) == self._batch_size:
                yield self._pad(batch)
                batch = []
        if batch and not self._drop_remainder:
            yield self._pad(batch)

    def _pad(self, batch):
        columns = []
        for k, (shape, value, path) in enumerate(zip(self._shapes, self._padding, self._paths)):
            parts = [components[k] for components in batch]
            longest = np.max([p.shape for p in parts], axis=0) if parts[0].ndim else ()
            target = tuple(int(m) if d is None else d for d, m in zip(shape.as_list(), longest))
            out = np.full((len(parts),) + target, value, dtype=parts[0].dtype)
            for row, part in enumerate(parts):
                if any(p > t for p, t in zip(part.shape, target)):
                    raise InvalidArgumentError(f"padded_batch: {path} has shape {part.shape}, larger than the "
                                               f"padded shape {target}")
                out[(row,) + tuple(slice(0, p) for p in part.shape)] = part
            columns.append(out)
        return tuple(columns)


def _flatten_up_to(spec, value, what):
    if not nest.is_nested(spec):
        return [value]
    try:
        nest.assert_same_structure(spec, value, check_types=False)
    except (ValueError, TypeError):
        raise ValueError(f"padded_batch: {what} {value!r} does not have the structure of the element spec "
                         f"{spec}") from None
    if isinstance(spec, dict):
        return [leaf for key in sorted(spec, key=repr) for leaf in _flatten_up_to(spec[key], value[key], what)]
    return [leaf for s, v in zip(spec, value) for leaf in _flatten_up_to(s, v, what)]


def _as_shape(shape):
    if hasattr(shape, "numpy"):
        shape = shape.numpy().tolist()
    if isinstance(shape, TensorShape):
        return shape
    return TensorShape([None if d is None or d == -1 else int(d) for d in shape])


def _padding_value(value, spec):
    if value is None:
        return b"" if spec.dtype.name == "string" else 0
    value = value.numpy() if hasattr(value, "numpy") else value
    return value.encode() if isinstance(value, str) else value


@register("unbatch")
class UnbatchDataset(Dataset):
    """The rows of each element."""

    _tf_name = "_UnbatchDataset"

    def __init__(self, dataset):
        self._input, self._inputs = dataset, (dataset,)
        self._element_spec = unbatched_spec(dataset.element_spec)
        self._paths = component_paths(self._element_spec)

    def _cardinality(self):
        count = self._input._cardinality()
        return INFINITE_CARDINALITY if count == INFINITE_CARDINALITY else \
            0 if count == 0 else UNKNOWN_CARDINALITY

    def _stream(self):
        for components in self._input._stream():
            rows = len(components[0])
            for c, path in zip(components, self._paths):
                if len(c) != rows:
                    raise InvalidArgumentError(f"unbatch: the components of an element have different first "
                                               f"dimensions: {self._paths[0]} has {rows}, {path} has {len(c)}")
            for i in range(rows):
                yield tuple([c[i, ...] for c in components])


@register("rebatch")
def rebatch(dataset, batch_size, drop_remainder=False):
    """The rows of `dataset`'s batches regrouped into batches of `batch_size`."""
    rebatched = BatchDataset(UnbatchDataset(dataset), batch_size, drop_remainder)
    rebatched._tf_name = "_RebatchDataset"
    return rebatched


