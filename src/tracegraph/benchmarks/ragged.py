"""Ragged tensors: a sum over the ragged axis, a sum over the rows (axis 0), and an elementwise op
on the flat values.

All are written against TensorFlow 2's API (`row_sums(tf, values, row_splits)`), so the same
source runs on tracegraph and, for `--peers`, on TensorFlow. The ragged tensor is 1e6 float32
values in 1e4 rows of random lengths (row splits int64, as a RaggedTensor holds them). The NumPy
baselines are what a NumPy user writes for the same data: `np.add.reduceat` over the row starts
(empty rows fixed up), `np.bincount` over each value's position in its row, and `values + 1`. The size of a case is the number of values.
"""
import functools

import numpy as np

import tracegraph as tg

from .base import Implementation, NotApplicable, Workload, format_size, tracegraph_implementation, to_tensors

__all__ = ["RaggedRowSums", "RaggedColumnSums", "RaggedPlusOne", "RAGGED_ROW_SUMS", "RAGGED_COLUMN_SUMS",
           "RAGGED_PLUS_ONE", "row_sums", "column_sums", "plus_one"]

_ROWS = 10_000


def row_sums(tf, values, row_splits):
    """The sum of each row of the ragged tensor (`values`, `row_splits`)."""
    return tf.reduce_sum(tf.RaggedTensor.from_row_splits(values, row_splits), axis=1)


def column_sums(tf, values, row_splits):
    """The sums over the rows of the ragged tensor, position by position (axis 0: rows combine)."""
    return tf.reduce_sum(tf.RaggedTensor.from_row_splits(values, row_splits), axis=0)


def plus_one(tf, values, row_splits):
    """The ragged tensor plus one, as its flat values (what a consumer of the result reads)."""
    return (tf.RaggedTensor.from_row_splits(values, row_splits) + 1.0).flat_values


def _ragged_inputs(size, rng):
    """`size` float32 values cut into _ROWS rows of random lengths (some empty)."""
    cuts = np.sort(rng.integers(0, size + 1, size=_ROWS - 1))
    row_splits = np.concatenate([[0], cuts, [size]]).astype(np.int64)
    return [rng.standard_normal(size).astype(np.float32), row_splits]


class _RaggedWorkload(Workload):
    """A function of one ragged tensor given as (values, row_splits)."""

    sizes = quick_sizes = (1_000_000,)
    probe_size = 1000
    rtol, atol = 1e-4, 1e-3
    function = None  # row_sums or plus_one

    def size_label(self, size):
        return f"{format_size(size)} values"

    def inputs(self, size, rng):
        return _ragged_inputs(size, rng)

    def tracegraph(self, inputs, backend=None):
        return tracegraph_implementation(functools.partial(type(self).function, tg), to_tensors(inputs, backend),
                                         backend)

    def peer(self, library, module, inputs):
        if library != "tensorflow":
            raise NotApplicable(f"{library} has no ragged tensors")
        args = [module.constant(a) for a in inputs]
        eager = functools.partial(type(self).function, module)
        fn = module.function(eager)
        return [Implementation("tensorflow eager", "peer", lambda: eager(*args)),
                Implementation("tensorflow tf.function", "peer", lambda: fn(*args))]


class RaggedRowSums(_RaggedWorkload):
    """`reduce_sum` over the ragged axis."""

    name = "ragged_row_sums"
    description = "reduce_sum over the ragged axis: 1e6 float32 values in 1e4 rows"
    function = staticmethod(row_sums)

    def numpy(self, inputs):
        values, row_splits = inputs
        starts = row_splits[:-1]
        empty = starts == row_splits[1:]

        def sums():
            # reduceat needs valid starts; an empty row takes the next row's first value, so zero it
            totals = np.add.reduceat(values, np.minimum(starts, len(values) - 1))
            totals[empty] = 0
            return totals
        return Implementation("numpy add.reduceat", "numpy", sums)


class RaggedColumnSums(_RaggedWorkload):
    """`reduce_sum` over axis 0: the rows combine position by position (segment ids unsorted)."""

    name = "ragged_column_sums"
    description = "reduce_sum over axis 0 (rows combined): 1e6 float32 values in 1e4 rows"
    function = staticmethod(column_sums)
    atol = 1e-2  # sums of up to 1e4 float32 values, in another order than the float64 baseline

    def numpy(self, inputs):
        values, row_splits = inputs

        def sums():
            columns = np.arange(len(values)) - np.repeat(row_splits[:-1], np.diff(row_splits))
            return np.bincount(columns, weights=values).astype(np.float32)
        return Implementation("numpy bincount of the columns", "numpy", sums)


class RaggedPlusOne(_RaggedWorkload):
    """An elementwise op on a ragged tensor (it maps the flat values)."""

    name = "ragged_plus_one"
    description = "ragged + 1: 1e6 float32 values in 1e4 rows"
    function = staticmethod(plus_one)

    def numpy(self, inputs):
        values, _ = inputs
        return Implementation("numpy values + 1", "numpy", lambda: values + np.float32(1))


RAGGED_ROW_SUMS = RaggedRowSums()
RAGGED_COLUMN_SUMS = RaggedColumnSums()
RAGGED_PLUS_ONE = RaggedPlusOne()
