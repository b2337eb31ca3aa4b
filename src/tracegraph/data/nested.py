"""Datasets of datasets: `window`, `flat_map` and `interleave`.

A window's element is a (structure of) dataset(s) holding that window's values. The functions
of `flat_map` and `interleave` return datasets, which a traced graph cannot hold: they run in
Python once per input element, on eager tensors, and the element spec is that of the dataset the
function returns for the first element (asked for lazily, when first needed).
"""

from .base import Dataset, register
from .options import AUTOTUNE, INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, parallelism
from .structure import DatasetSpec, Packer, component_paths, map_in_order
from .. import nest
from ..errors import InvalidArgumentError
from ..spec import TensorSpec

__all__ = ["WindowDataset", "FlatMapDataset", "InterleaveDataset", "ComponentsDataset", "interleave_streams"]


class ComponentsDataset(Dataset):
    """A dataset of given elements (tuples of components): one window's values."""

    _tf_name = "_VariantDataset"

    def __init__(self, element_spec, elements):
        self._element_spec, self._elements = element_spec, elements

    def _cardinality(self):
        return len(self._elements)

    def _stream(self):
        return iter(self._elements)


@register("window")
class WindowDataset(Dataset):
    """Windows of `size` elements, `shift` apart, taking every `stride`-th element."""

    _tf_name = "_WindowDataset"

    def __init__(self, dataset, size, shift=None, stride=1, drop_remainder=False):
        self._input, self._inputs = dataset, (dataset,)
        self._size, self._stride = _positive(size, "size"), _positive(stride, "stride")
        self._shift = self._size if shift is None else _positive(shift, "shift")
        self._drop_remainder = bool(drop_remainder)
        leaves = nest.flatten(dataset.element_spec)
        if not all(isinstance(s, TensorSpec) for s in leaves):
            raise TypeError("window: elements must be structures of tensors")
        self._leaf_specs = leaves
        self._element_spec = map_in_order(DatasetSpec, dataset.element_spec)

    def _cardinality(self):
        count = self._input._cardinality()
        if count < 0:
            return count
        if self._drop_remainder:
            span = (self._size - 1) * self._stride + 1
            return 0 if count < span else (count - span) // self._shift + 1
        return -(-count // self._shift)

    def _stream(self):
        buffer, offset = [], 0   # buffer[0] is input element number `offset`
        span = (self._size - 1) * self._stride + 1
        stream, ended, start = self._input._stream(), False, 0
        while True:
            while not ended and len(buffer) < start - offset + span:
                element = next(stream, None)
                if element is None:
                    ended = True
                else:
                    buffer.append(element)
            window = buffer[start - offset::self._stride][:self._size]
            if not window or (self._drop_remainder and len(window) < self._size):
                return
            yield tuple(ComponentsDataset(spec, [(e[k],) for e in window])
                        for k, spec in enumerate(self._leaf_specs))
            start += self._shift
            drop = min(start - offset, len(buffer))
            del buffer[:drop]
            offset += drop


def _positive(value, name):
    value = int(getattr(value, "numpy", lambda: value)())
    if value <= 0:
        raise InvalidArgumentError(f"window: {name} must be greater than zero, got {value}")
    return value


class _DatasetFunction:
    """A function from an element to a dataset, called in Python per element."""

    def __init__(self, func, input_spec, where):
        self.func, self.where = func, where
        self.packer = Packer(input_spec)
        self.spread = type(input_spec) is tuple   # as TF: a plain tuple is spread, a namedtuple is not

    def __call__(self, components):
        element = self.packer(components)
        result = self.func(*element) if self.spread else self.func(element)
        if not isinstance(result, Dataset):
            raise TypeError(f"{self.where}: the function must return a Dataset, got {type(result).__name__}")
        return result


class _LazySpec(Dataset):
    """The element spec is that of the dataset made for the input's first element."""

    @property
    def element_spec(self):
        if "_spec" not in self.__dict__:
            first = next(self._input._stream(), None)
            if first is None:
                raise ValueError(f"{self._where}: the element spec cannot be known: the input dataset is "
                                 f"empty")
            self.__dict__["_spec"] = self._function(first).element_spec
        return self.__dict__["_spec"]

    def _check(self, dataset):
        if "_spec" in self.__dict__ and \
                component_paths(dataset.element_spec) != component_paths(self.__dict__["_spec"]):
            raise TypeError(f"{self._where}: the function returned datasets with different element "
                            f"structures: {dataset.element_spec} and {self.__dict__['_spec']}")
        return dataset


@register("flat_map")
class FlatMapDataset(_LazySpec):
    """The elements of `map_func(element)` for each element, in order."""

    _tf_name = "_FlatMapDataset"
    _where = "flat_map"

    def __init__(self, dataset, map_func):
        self._input, self._inputs = dataset, (dataset,)
        self._function = _DatasetFunction(map_func, dataset.element_spec, "flat_map")

    def _cardinality(self):
        return INFINITE_CARDINALITY if self._input._cardinality() == INFINITE_CARDINALITY else \
            UNKNOWN_CARDINALITY

    def _stream(self):
        for components in self._input._stream():
            yield from self._check(self._function(components))._stream()


@register("interleave")
class InterleaveDataset(FlatMapDataset):
    """`block_length` elements at a time from `cycle_length` of the datasets in turn."""

    _tf_name = "_InterleaveDataset"
    _where = "interleave"

    def __init__(self, dataset, map_func, cycle_length=None, block_length=None, num_parallel_calls=None):
        super().__init__(dataset, map_func)
        if num_parallel_calls is not None:
            # The elements come in the same order; the datasets are read on the calling thread.
            self._tf_name = "_ParallelInterleaveDataset"
        self._function.where = "interleave"
        cycle = AUTOTUNE if cycle_length is None else int(getattr(cycle_length, "numpy", lambda: cycle_length)())
        self._cycle = parallelism(cycle)
        self._block = 1 if block_length is None else _positive(block_length, "block_length")

    def _stream(self):
        """The input elements' datasets, interleaved (`interleave_streams`)."""
        streams = (self._check(self._function(components))._stream() for components in self._input._stream())
        return interleave_streams(streams, self._cycle, self._block)


def interleave_streams(streams, cycle_length, block_length=1):
    """TF's interleave state machine: a slot takes the next stream of `streams` (an iterator that opens it
    when asked) when the cycle reaches it empty, gives `block_length` elements in turn, and an exhausted
    stream frees its slot as the cycle moves on. Streams still open when the caller stops are closed."""
    slots = [None] * cycle_length
    index = block = opened = 0
    ended = False
    try:
        while not ended or opened:
            stream = slots[index]
            if stream is not None:
                element = next(stream, None)
                if element is not None:
                    yield element
                    block += 1
                    if block == block_length:
                        index, block = (index + 1) % cycle_length, 0
                    continue
                slots[index], opened = None, opened - 1
                index, block = (index + 1) % cycle_length, 0
            elif not ended:
                stream = next(streams, None)
                if stream is None:
                    ended = True
                else:
                    slots[index], opened = stream, opened + 1
            else:
                index, block = (index + 1) % cycle_length, 0
    finally:
        for stream in slots:
            if stream is not None and hasattr(stream, "close"):
                stream.close()
