"""The element-order transformations: `repeat`, `take`, `skip`, `shard`, `concatenate`, `enumerate`,
`filter`, `take_while`, `unique`, `scan`, `with_options`, and `reduce`.

Those that only pick elements by position keep an input's index plan (`plan.py`), so a `batch`
after them still gathers whole batches.
"""
import itertools

import numpy as np

from .base import Dataset, register
from .functions import StructuredFunction
from .options import INFINITE_CARDINALITY, UNKNOWN_CARDINALITY
from .structure import Packer, components_of, flat_specs, normalize, structure_spec
from .. import nest
from ..dtypes import int64
from ..errors import InvalidArgumentError
from ..spec import TensorSpec

__all__ = ["RepeatDataset", "TakeDataset", "SkipDataset", "ShardDataset", "ConcatenateDataset",
           "FilterDataset", "TakeWhileDataset", "UniqueDataset", "ScanDataset", "OptionsDataset", "reduce"]


def _integer(value):
    return int(np.asarray(getattr(value, "numpy", lambda: value)()))


class _Unary(Dataset):
    """A dataset with one input and the input's element spec."""

    def __init__(self, dataset):
        self._input, self._inputs = dataset, (dataset,)
        self._element_spec = dataset.element_spec


@register("repeat")
class RepeatDataset(_Unary):
    """The input `count` times over (forever for None or -1)."""

    _tf_name = "_RepeatDataset"

    def __init__(self, dataset, count=None):
        super().__init__(dataset)
        self._count = -1 if count is None else _integer(count)

    def _passes(self):
        return itertools.count() if self._count < 0 else range(self._count)

    def _cardinality(self):
        count = self._input._cardinality()
        if count == 0 or self._count == 0:
            return 0
        if self._count < 0:
            return INFINITE_CARDINALITY   # as TF: even when the input's count is unknown
        return count * self._count if count >= 0 else count

    def _plan(self):
        plan = self._input._plan()
        if plan is None:
            return None
        if plan.rows_total == 0:
            return plan.with_chunks(lambda: iter(()))
        return plan.with_chunks(lambda: (chunk for _ in self._passes() for chunk in plan.chunks()))

    def _stream(self):
        for _ in self._passes():
            empty = True
            for components in self._input._stream():
                empty = False
                yield components
            if empty:
                return


def _limit_chunks(chunks, start, stop):
    """The indices at positions [start, stop) of a pass given as chunks (stop None: to the end)."""
    position = 0
    for chunk in chunks:
        begin, end = position, position + len(chunk)
        position = end
        if end <= start:
            continue
        if stop is not None and begin >= stop:
            return
        yield chunk[max(start - begin, 0):None if stop is None else max(stop - begin, 0)]


@register("take")
class TakeDataset(_Unary):
    """The first `count` elements."""

    _tf_name = "_TakeDataset"

    def __init__(self, dataset, count):
        super().__init__(dataset)
        self._count = _integer(count)

    def _cardinality(self):
        count = self._input._cardinality()
        if self._count < 0:
            return count
        if count == INFINITE_CARDINALITY:
            return self._count
        return min(count, self._count) if count >= 0 else UNKNOWN_CARDINALITY

    def _plan(self):
        plan = self._input._plan()
        if plan is None or self._count < 0:
            return plan
        return plan.with_chunks(lambda: _limit_chunks(plan.chunks(), 0, self._count))

    def _stream(self):
        stream = self._input._stream()
        return stream if self._count < 0 else itertools.islice(stream, self._count)


@register("skip")
class SkipDataset(_Unary):
    """All but the first `count` elements."""

    _tf_name = "_SkipDataset"

    def __init__(self, dataset, count):
        super().__init__(dataset)
        self._count = _integer(count)

    def _cardinality(self):
        count = self._input._cardinality()
        if self._count < 0:
            return 0 if count != INFINITE_CARDINALITY else INFINITE_CARDINALITY
        return max(count - self._count, 0) if count >= 0 else count

    def _plan(self):
        plan = self._input._plan()
        if plan is None:
            return None
        if self._count < 0:
            return plan.with_chunks(lambda: iter(()))
        return plan.with_chunks(lambda: _limit_chunks(plan.chunks(), self._count, None))

    def _stream(self):
        if self._count < 0:
            return iter(())
        return itertools.islice(self._input._stream(), self._count, None)


@register("shard")
class ShardDataset(_Unary):
    """Every `num_shards`-th element from `index` on."""

    _tf_name = "_ShardDataset"

    def __init__(self, dataset, num_shards, index):
        super().__init__(dataset)
        self._shards, self._index = _integer(num_shards), _integer(index)
        if self._shards <= 0:
            raise InvalidArgumentError(f"shard: num_shards must be greater than zero, got {self._shards}")
        if not 0 <= self._index < self._shards:
            raise InvalidArgumentError(f"shard: index must be in [0, num_shards) = [0, {self._shards}), "
                                       f"got {self._index}")

    def _cardinality(self):
        count = self._input._cardinality()
        if count < 0:
            return count
        return count // self._shards + (1 if self._index < count % self._shards else 0)

    def _plan(self):
        plan = self._input._plan()
        if plan is None:
            return None
        shards, index = self._shards, self._index

        def chunks():
            position = 0
            for chunk in plan.chunks():
                first = (index - position) % shards
                position += len(chunk)
                yield chunk[first::shards]
        return plan.with_chunks(chunks)

    def _stream(self):
        return itertools.islice(self._input._stream(), self._index, None, self._shards)


@register("concatenate")
class ConcatenateDataset(Dataset):
    """One dataset's elements, then another's."""

    _tf_name = "_ConcatenateDataset"

    def __init__(self, first, second):
        self._inputs = (first, second)
        try:
            nest.assert_same_structure(first.element_spec, second.element_spec)
        except (ValueError, TypeError) as error:
            raise TypeError(f"concatenate: the datasets have different element structures: "
                            f"{first.element_spec} and {second.element_spec}") from error
        self._element_spec = nest.map_structure(_common_spec, first.element_spec, second.element_spec)

    def _cardinality(self):
        a, b = (d._cardinality() for d in self._inputs)
        if INFINITE_CARDINALITY in (a, b):
            return INFINITE_CARDINALITY
        return UNKNOWN_CARDINALITY if UNKNOWN_CARDINALITY in (a, b) else a + b

    def _stream(self):
        return itertools.chain(self._inputs[0]._stream(), self._inputs[1]._stream())


def _common_spec(a, b):
    common = a.most_specific_common_supertype([b])
    if common is None:
        raise TypeError(f"concatenate: incompatible element specs {a} and {b}")
    return common


@register("enumerate")
class EnumerateDataset(Dataset):
    """(index, element) pairs."""

    _tf_name = "_ZipDataset"   # TF enumerates by zipping with a range

    def __init__(self, dataset, start=0):
        self._input, self._inputs = dataset, (dataset,)
        self._start = _integer(start)
        self._element_spec = (TensorSpec([], int64), dataset.element_spec)

    def _cardinality(self):
        return self._input._cardinality()

    def _stream(self):
        for i, components in enumerate(self._input._stream(), self._start):
            yield (np.array(i, np.int64),) + components


def _predicate(predicate, spec, where):
    function = StructuredFunction(predicate, spec, where)
    out = function.output_spec
    if not (isinstance(out, TensorSpec) and out.dtype.name == "bool" and out.shape.rank == 0):
        raise ValueError(f"{where}: the predicate must return a scalar bool tensor, got {out}")
    return function


@register("filter")
class FilterDataset(_Unary):
    """The elements the predicate keeps."""

    _tf_name = "_FilterDataset"

    def __init__(self, dataset, predicate):
        super().__init__(dataset)
        self._function = _predicate(predicate, dataset.element_spec, "filter")

    def _stream(self):
        call = self._function.call_components
        return (components for components in self._input._stream() if call(components)[0])


@register("take_while")
class TakeWhileDataset(FilterDataset):
    """The elements before the first one the predicate rejects."""

    _tf_name = "_TakeWhileDataset"

    def _stream(self):
        call = self._function.call_components
        return itertools.takewhile(lambda components: call(components)[0], self._input._stream())


@register("unique")
class UniqueDataset(_Unary):
    """Elements without repeats (scalar ints or strings)."""

    _tf_name = "_UniqueDataset"

    def __init__(self, dataset):
        super().__init__(dataset)
        spec = dataset.element_spec
        if not (isinstance(spec, TensorSpec) and spec.shape.rank == 0 and
                (spec.dtype.is_integer or spec.dtype.name == "string")):
            raise TypeError(f"unique: elements must be scalar integers or strings, got {spec}")

    def _stream(self):
        seen = set()
        for components in self._input._stream():
            key = components[0].item()
            if key not in seen:
                seen.add(key)
                yield components


class _StateFunction:
    """A `(state, element) -> ...` function traced for the state's spec, relaxed and retraced when the
    state's shape changes (as TF's scan and reduce do)."""

    def __init__(self, func, initial_state, element_spec, where, returns_output):
        self.state = normalize(initial_state, f"{where}: initial_state")
        self.state_spec = structure_spec(self.state)
        self.func, self.element_spec, self.where, self.returns_output = func, element_spec, where, returns_output
        for _ in range(3):
            self.function = StructuredFunction(func, (self.state_spec, element_spec), where)
            new_state = self._state_part(self.function.output_spec)
            try:
                nest.assert_same_structure(self.state_spec, new_state)
            except (ValueError, TypeError):
                raise TypeError(f"{where}: the function must return a new state with the structure of the "
                                f"initial state {self.state_spec}, got {new_state}") from None
            relaxed = nest.map_structure(_relax, self.state_spec, new_state)
            if relaxed == self.state_spec:
                break
            self.state_spec = relaxed
        self.state_count = len(flat_specs(self.state_spec))
        self.output_spec = self.function.output_spec[1] if returns_output else None

    def _state_part(self, output):
        if not self.returns_output:
            return output
        if not (isinstance(output, tuple) and len(output) == 2):
            raise TypeError(f"{self.where}: the function must return (new_state, output_element), got {output}")
        return output[0]


def _relax(before, after):
    if before.dtype != after.dtype:
        raise TypeError(f"the state changed dtype from {before.dtype.name} to {after.dtype.name}")
    return TensorSpec(before.shape.most_specific_common_shape(after.shape), before.dtype)


@register("scan")
class ScanDataset(Dataset):
    """The outputs of a scan function threading a state through the elements."""

    _tf_name = "_ScanDataset"

    def __init__(self, dataset, initial_state, scan_func):
        self._input, self._inputs = dataset, (dataset,)
        self._state = _StateFunction(scan_func, initial_state, dataset.element_spec, "scan", returns_output=True)
        self._element_spec = self._state.output_spec

    def _cardinality(self):
        return self._input._cardinality()

    def _stream(self):
        call, split = self._state.function.call_components, self._state.state_count
        state = components_of(self._state.state)
        for components in self._input._stream():
            result = call(state + components)
            state, output = result[:split], result[split:]
            yield output


@register("reduce")
def reduce(dataset, initial_state, reduce_func):
    """The final state of `state = reduce_func(state, element)` over the elements."""
    traced = _StateFunction(reduce_func, initial_state, dataset.element_spec, "reduce", returns_output=False)
    call = traced.function.call_components
    state = components_of(traced.state)
    for components in dataset._stream():
        state = call(state + components)
    return Packer(traced.state_spec)(state)


@register("with_options")
class OptionsDataset(_Unary):
    """The input with options set on it."""

    _tf_name = "_OptionsDataset"

    def __init__(self, dataset, options):
        super().__init__(dataset)
        self._own_options = options

    def _cardinality(self):
        return self._input._cardinality()

    def _plan(self):
        return self._input._plan()

    def _stream(self):
        return self._input._stream()


