"""`shuffle`: TF's buffer shuffle, seeded as TF seeds it.

An element is drawn uniformly from a buffer of `buffer_size` elements and its place is filled by
the next input element; when the input ends, the buffer is emptied in random order. So an
element leaves at most `buffer_size - 1` places early, which is what users of a small buffer
rely on (it is not a global permutation).

Over an index plan the same process runs on row indices and is vectorized: the element drawn at
step t from slot j is the one written into j at the previous draw of j (or slot j's initial
element), which a stable sort of the draws finds for all steps at once.
"""
import itertools

import numpy as np

from .base import Dataset, register
from .options import INFINITE_CARDINALITY
from ..ops.random_ops import RANDOM_STATE

__all__ = ["ShuffleDataset", "buffer_shuffle"]


def buffer_shuffle(items, buffer_size, rng):
    """`items` (a 1-D array) in the order the buffer shuffle with `rng` hands them out."""
    n = len(items)
    if n <= buffer_size:
        return items[rng.permutation(n)]
    steps = n - buffer_size
    slots = rng.integers(0, buffer_size, size=steps)
    order = np.argsort(slots, kind="stable")
    sorted_slots = slots[order]
    same_as_before = np.empty(steps, bool)
    same_as_before[0] = False
    same_as_before[1:] = sorted_slots[1:] == sorted_slots[:-1]
    # The input index the slot held when step t drew from it.
    previous_step = np.full(steps, -1, np.int64)
    previous_step[order[same_as_before]] = order[np.flatnonzero(same_as_before) - 1]
    source = np.where(previous_step >= 0, buffer_size + previous_step, slots)
    # What the buffer holds when the input ends: each slot's last write, or its first element.
    final = np.arange(buffer_size)
    last_in_group = np.ones(steps, bool)
    last_in_group[:-1] = sorted_slots[1:] != sorted_slots[:-1]
    final[sorted_slots[last_in_group]] = buffer_size + order[last_in_group]
    return items[np.concatenate([source, final[rng.permutation(buffer_size)]])]


class _Seeds:
    """The random generator of each pass: seeded like a TF op (op seed, global seed, or fresh),
    a new stream per pass when reshuffling, the same one every pass otherwise."""

    def __init__(self, seed, reshuffle):
        key, _ = RANDOM_STATE.key_for(None if seed is None else int(np.asarray(getattr(seed, "numpy", lambda: seed)())))
        # key: None (unseeded), ("seeded", global seed, op seed) or ("counter", global seed, n)
        self._entropy = [np.random.SeedSequence().entropy] if key is None else \
            [int(key[1]) % 2**63, int(key[2]) % 2**63, 0 if key[0] == "seeded" else 1]
        self._reshuffle = reshuffle
        self._passes = itertools.count()

    def next_pass(self):
        """The generator for a new pass."""
        index = next(self._passes) if self._reshuffle else 0
        return np.random.default_rng([*self._entropy, index])


@register("shuffle")
class ShuffleDataset(Dataset):
    """The input's elements through a shuffle buffer of `buffer_size`."""

    _tf_name = "_ShuffleDataset"

    def __init__(self, dataset, buffer_size, seed=None, reshuffle_each_iteration=None):
        buffer_size = int(np.asarray(getattr(buffer_size, "numpy", lambda: buffer_size)()))
        if buffer_size == -1:  # AUTOTUNE is not a size: TF rejects it too
            raise ValueError("shuffle: buffer_size must be a positive number of elements, got -1")
        if buffer_size <= 0:
            raise ValueError(f"shuffle: buffer_size must be greater than zero, got {buffer_size}")
        self._input, self._inputs = dataset, (dataset,)
        self._buffer_size = buffer_size
        self._seeds = _Seeds(seed, True if reshuffle_each_iteration is None else bool(reshuffle_each_iteration))
        self._element_spec = dataset.element_spec

    def _cardinality(self):
        return self._input._cardinality()

    def _plan(self):
        plan = self._input._plan()
        if plan is None or self._input._cardinality() == INFINITE_CARDINALITY:
            return None
        buffer_size, seeds = self._buffer_size, self._seeds
        return plan.with_chunks(lambda: iter((buffer_shuffle(plan.indices(), buffer_size, seeds.next_pass()),)))

    def _stream(self):
        plan = self._plan()
        if plan is not None:
            return plan.elements()
        return _streaming_shuffle(self._input._stream(), self._buffer_size, self._seeds.next_pass())


def _streaming_shuffle(stream, buffer_size, rng):
    """The buffer shuffle over any stream, element by element (unknown or endless inputs)."""
    buffer = list(itertools.islice(stream, buffer_size))
    draws = iter(())
    for element in stream:
        slot = next(draws, None)
        if slot is None:
            draws = iter(rng.integers(0, len(buffer), size=1024).tolist())
            slot = next(draws)
        yield buffer[slot]
        buffer[slot] = element
    for index in rng.permutation(len(buffer)).tolist():
        yield buffer[index]
