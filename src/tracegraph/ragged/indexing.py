"""Indexing a RaggedTensor: `r[1]`, `r[1:3]`, `r[0, 1]`, `r[:, 0]`, `r[:, 1:]`.

The first index picks rows: an integer gives one row (a tensor, or a RaggedTensor when the
tensor is ragged in more dimensions), a slice gives a RaggedTensor of rows. The next index
applies within every row: an integer picks that element of each row (every row must be long
enough), a slice cuts each row. Later indices apply to the values the same way. This module
installs `__getitem__` and `__iter__` on `RaggedTensor`.
"""
import numpy as np

from . import operations
from .ragged_tensor import RaggedTensor
from ..convert import convert_to_tensor
from ..errors import InvalidArgumentError
from ..ops import arithmetic, comparison, creation, gather_scatter
from ..tensor import EagerTensor

__all__ = []  # installs RaggedTensor.__getitem__ and __iter__


def _is_integer_index(item):
    if isinstance(item, bool):
        return False
    if isinstance(item, int):
        return True
    return getattr(item, "dtype", None) is not None and item.dtype.is_integer and item.shape.rank == 0


def _row(rt, index):
    """Row `index` of `rt` (negative counts from the end)."""
    nrows = rt.shape[0]
    if isinstance(index, int) and nrows is not None:
        if not -nrows <= index < nrows:
            raise InvalidArgumentError(f"RaggedTensor index {index} is out of range for {nrows} rows")
        index %= nrows
    else:
        index = convert_to_tensor(index, dtype=rt.row_splits.dtype) if isinstance(index, int) else index
        index = comparison.where(comparison.less(index, 0), arithmetic.add(index, rt.nrows()), index)
    start, stop = rt.row_splits[index], rt.row_splits[index + 1]
    return _value_range(rt.values, start, stop)


def _value_range(values, start, stop):
    """`values[start:stop]`: rows of a tensor, or the rows of a RaggedTensor between those bounds."""
    if not isinstance(values, RaggedTensor):
        return values[start:stop]
    splits = values.row_splits[start:stop + 1]
    return RaggedTensor.from_row_splits(_value_range(values.values, splits[0], splits[-1]),
                                        arithmetic.subtract(splits, splits[0]), validate=False)


def _slice_bound(value, nrows, default):
    """A slice bound as Python's `slice.indices` reads it: negative counts from the end, then clipped
    to [0, nrows] (a scalar tensor, for a number of rows known only when the graph runs)."""
    if value is None:
        return default
    value = convert_to_tensor(value, dtype=nrows.dtype)
    value = comparison.where(comparison.less(value, 0), arithmetic.add(value, nrows), value)
    return arithmetic.minimum(arithmetic.maximum(value, creation.zeros_like(value)), nrows)


def _row_slice(rt, item):
    """The rows `item` (a slice) of `rt`."""
    nrows = rt.shape[0]
    if item.step not in (None, 1):
        if nrows is None:
            raise ValueError("RaggedTensor slicing with a step needs a known number of rows; inside "
                             "tg.function use tg.gather with the row indices")
        rows = convert_to_tensor(np.arange(nrows)[item], dtype=rt.row_splits.dtype)
        return operations.gather_rows(rt, rows)
    if nrows is not None:
        start, stop, _ = item.indices(nrows)
        stop = max(start, stop)
    else:
        count = rt.nrows()
        start = _slice_bound(item.start, count, creation.zeros([], count.dtype))
        stop = arithmetic.maximum(_slice_bound(item.stop, count, count), start)
    splits = rt.row_splits[start:stop + 1]
    return RaggedTensor.from_row_splits(_value_range(rt.values, splits[0], splits[-1]),
                                        arithmetic.subtract(splits, splits[0]), validate=False)


def _element_of_each_row(rt, index):
    """Element `index` of every row (negative counts from each row's end)."""
    lengths = rt.row_lengths()
    index = convert_to_tensor(index, dtype=lengths.dtype)
    position = comparison.where(comparison.less(index, 0), arithmetic.add(lengths, index),
                                arithmetic.add(creation.zeros_like(lengths), index))
    fits = comparison.logical_and(comparison.greater_equal(position, 0), comparison.less(position, lengths))
    if isinstance(fits, EagerTensor) and not fits.numpy().all():
        raise InvalidArgumentError(f"RaggedTensor index {int(index)} is out of range for a row of "
                                   f"{rt.row_lengths().numpy().tolist()}")
    return gather_scatter.gather(rt.values, arithmetic.add(rt.row_splits[:-1], position))


def _slice_of_each_row(rt, item):
    """Every row cut to `item` (a slice with step 1; bounds clip to each row, negative ones count
    from each row's end)."""
    if item.step not in (None, 1):
        raise ValueError(f"RaggedTensor: slicing within ragged rows supports step 1 only, got step {item.step}")
    lengths = rt.row_lengths()
    zeros = creation.zeros_like(lengths)

    def bound(value, default):
        if value is None:
            return default
        value = arithmetic.add(zeros, convert_to_tensor(value, dtype=lengths.dtype))
        value = comparison.where(comparison.less(value, 0), arithmetic.add(lengths, value), value)
        return arithmetic.minimum(arithmetic.maximum(value, zeros), lengths)

    start = bound(item.start, zeros)
    stop = arithmetic.maximum(bound(item.stop, lengths), start)
    return operations.selected_rows(rt, arithmetic.add(rt.row_splits[:-1], start), arithmetic.subtract(stop, start))


def _within_rows(rt, item):
    """`item` applied within every row of `rt` (to dimension 1)."""
    if _is_integer_index(item):
        return _element_of_each_row(rt, item)
    if isinstance(item, slice):
        if item == slice(None):
            return rt
        return _slice_of_each_row(rt, item)
    raise TypeError(f"RaggedTensor indices must be integers or slices, got {item!r}")


def getitem(rt, key):
    """`rt[key]` (see the module docstring)."""
    items = key if isinstance(key, tuple) else (key,)
    if any(item is Ellipsis or item is None for item in items):
        raise TypeError("RaggedTensor indexing does not support Ellipsis or tg.newaxis")
    if not items:
        return rt
    first, rest = items[0], items[1:]
    if _is_integer_index(first):
        row = _row(rt, first)
        return row[rest] if rest else row
    if not isinstance(first, slice):
        raise TypeError(f"RaggedTensor indices must be integers or slices, got {first!r}")
    rows = _row_slice(rt, first)
    if not rest:
        return rows
    inner = _within_rows(rows, rest[0])
    if len(rest) == 1:
        return inner
    further = (slice(None),) + tuple(rest[1:])
    if isinstance(inner, RaggedTensor):
        return inner.with_values(inner.values[further])
    return inner[further]


def _iterate(rt):
    nrows = rt.shape[0]
    if nrows is None:
        raise TypeError("iterating over a RaggedTensor needs a known number of rows")
    return (_row(rt, i) for i in range(nrows))


RaggedTensor.__getitem__ = getitem
RaggedTensor.__iter__ = _iterate
