"""Kernels on row partitions: the primitives ragged tensors are built from.

A row partition splits a flat run of values into rows: `row_splits` is a non-decreasing
int vector starting at 0 whose last entry is the number of values, and row `i` holds
`values[row_splits[i]:row_splits[i + 1]]`. The primitives that work on it:

- `value_rowids(row_splits)`: the row of every value (TF's `value_rowids`);
- `offsets_in_rows(row_splits)`: the position of every value within its row;
- `segment_reduce(values, row_splits, reducer)`: one reduction per row ("sum", "prod",
  "max", "min", "any", "all"), the reducer's identity for an empty row, as TF's ragged
  reductions give (the lowest finite value for `max`, the highest for `min`).

`unsorted_segment_reduce` does the same for segment ids in any order (ufunc.at, no sort); both
share one gradient rule per reducer.

Both take the splits as a tensor, so they work while tracing with row counts known only
when the graph runs.
"""
import numpy as np

from . import array_ops, cast as cast_ops, comparison, creation, gather_scatter
from .. import dtypes
from ..convert import convert_to_tensor
from ..core.dispatch import bind
from ..core.op import Op
from ..core.rules import spec_of
from ..errors import InvalidArgumentError

__all__ = []  # internal primitives: the public names are `tg.RaggedTensor`'s methods and `tg.ragged`

#: The NumPy ufunc of each reducer; its `reduceat` does the work.
_UFUNCS = {"sum": np.add, "prod": np.multiply, "max": np.maximum, "min": np.minimum,
           "any": np.logical_or, "all": np.logical_and}


def _check_splits(op_name, splits):
    if splits.dtype not in (dtypes.int32, dtypes.int64) or splits.shape.rank not in (1, None):
        raise TypeError(f"{op_name}: `row_splits` must be a 1-D int32 or int64 tensor, got {splits.short()}")


def _rowids_infer(splits):
    _check_splits("value_rowids", splits)
    return spec_of([None], splits.dtype)


def _rowids_impl(xp, splits):
    lengths = xp.diff(splits)
    return xp.repeat(xp.arange(lengths.shape[0], dtype=splits.dtype), lengths)


_value_rowids = Op("value_rowids", infer=_rowids_infer, impl=_rowids_impl, grad=lambda ctx, g: (None,))


def _offsets_infer(splits):
    _check_splits("offsets_in_rows", splits)
    return spec_of([None], splits.dtype)


def _offsets_impl(xp, splits):
    lengths = xp.diff(splits)
    total = int(splits[-1]) if splits.shape[0] else 0
    return xp.arange(total, dtype=splits.dtype) - xp.repeat(splits[:-1], lengths)


_offsets_in_rows = Op("offsets_in_rows", infer=_offsets_infer, impl=_offsets_impl, grad=lambda ctx, g: (None,))


def _splits_infer(rowids, nrows):
    _check_splits("row_splits_from_value_rowids", rowids)
    if nrows.shape.rank not in (0, None):
        raise ValueError(f"row_splits_from_value_rowids: `nrows` must be a scalar, got shape {nrows.shape}")
    return spec_of([None], rowids.dtype)


def _splits_impl(xp, rowids, nrows):
    if rowids.size and (int(rowids[0]) < 0 or int(rowids[-1]) >= int(nrows)):
        raise InvalidArgumentError(f"row ids (segment ids) must lie in [0, {int(nrows)}), got {int(rowids[0])} to "
                                   f"{int(rowids[-1])}")
    if rowids.size > 1 and bool((rowids[1:] < rowids[:-1]).any()):
        raise InvalidArgumentError("row ids (segment ids) must be sorted in increasing order")
    return xp.searchsorted(rowids, xp.arange(int(nrows) + 1, dtype=rowids.dtype), side="left").astype(rowids.dtype)


_splits_from_rowids = Op("row_splits_from_value_rowids", infer=_splits_infer, impl=_splits_impl,
                         grad=lambda ctx, g: (None, None))


def _reduce_infer(values, splits, reducer):
    _check_splits("segment_reduce", splits)
    if values.shape.rank == 0:
        raise ValueError("segment_reduce: `values` must have a leading axis of values, got a scalar")
    rows = None if splits.shape.rank is None or splits.shape[0] is None else max(splits.shape[0] - 1, 0)
    inner = None if values.shape.rank is None else values.shape.as_list()[1:]
    return spec_of(None if inner is None else [rows, *inner], values.dtype)


def _identity(reducer, dtype):
    """The value of `reducer` over no elements (TF's unsorted segment reductions give it for empty
    segments: the lowest finite value for `max`, not -inf)."""
    if reducer in ("max", "min"):
        info = np.finfo(dtype) if np.issubdtype(dtype, np.inexact) else np.iinfo(dtype)
        return info.min if reducer == "max" else info.max
    return {"sum": 0, "prod": 1, "any": False, "all": True}[reducer]


def _reduce_impl(xp, values, splits, reducer):
    if splits.shape[0] == 0 or int(splits[-1]) != values.shape[0]:
        raise InvalidArgumentError(f"segment_reduce: the last row split must equal the number of values "
                                   f"{values.shape[0]}, got row_splits of shape {tuple(splits.shape)}")
    rows = splits.shape[0] - 1
    out = xp.full((rows, *values.shape[1:]), _identity(reducer, values.dtype), dtype=values.dtype)
    starts = splits[:-1]
    filled = starts < splits[1:]
    if bool(filled.any()):
        # Empty rows in between hold no values, so each reduceat run ends where the next filled row starts.
        out[filled] = _UFUNCS[reducer].reduceat(values, starts[filled], axis=0)
    return out


def _reduce_grad(ctx, g):
    values, splits = ctx.inputs
    rowids = value_rowids(splits)
    return _values_gradient(ctx.attrs["reducer"], values, ctx.outputs[0], g, rowids,
                            lambda x, reducer: segment_reduce(x, splits, reducer)), None


def _values_gradient(reducer, values, result, g, segment_of, reduce):
    """The gradient for the values of a segment reduction: `segment_of` holds each value's segment,
    `reduce(x, reducer)` reduces per segment as the forward op did."""
    spread = gather_scatter.gather(g, segment_of)
    if reducer == "sum":
        return spread
    if reducer in ("max", "min"):
        # The gradient goes to the elements equal to their segment's result, split evenly among ties (as TF).
        chosen = cast_ops.cast(comparison.equal(values, gather_scatter.gather(result, segment_of)), g.dtype)
        return chosen / gather_scatter.gather(reduce(chosen, "sum"), segment_of) * spread
    if reducer == "prod":
        return _prod_partials(values, segment_of, reduce) * spread
    return None  # any/all: bool values carry no gradient


def _prod_partials(values, segment_of, reduce):
    """The product of the other values of each value's segment: with no zero in the segment that is
    the product over the value; a lone zero gets the product of the rest; else 0 (as TF)."""
    zero = comparison.equal(values, creation.zeros([], values.dtype))
    safe = comparison.where(zero, creation.ones_like(values), values)
    others = gather_scatter.gather(reduce(safe, "prod"), segment_of)
    zeros = gather_scatter.gather(reduce(cast_ops.cast(zero, dtypes.int32), "sum"), segment_of)
    lone_zero = comparison.logical_and(zero, comparison.equal(zeros, 1))
    return comparison.where(comparison.equal(zeros, 0), others / safe,
                            comparison.where(lone_zero, others, creation.zeros_like(values)))


_segment_reduce = Op("segment_reduce", infer=_reduce_infer, impl=_reduce_impl, grad=_reduce_grad)


def _unsorted_infer(values, ids, num_segments, reducer):
    _check_splits("unsorted_segment_reduce", ids)
    if values.shape.rank == 0:
        raise ValueError("unsorted_segment_reduce: `values` must have a leading axis of values, got a scalar")
    inner = None if values.shape.rank is None else values.shape.as_list()[1:]
    return spec_of(None if inner is None else [None, *inner], values.dtype)


def _unsorted_impl(xp, values, ids, num_segments, reducer):
    count = int(num_segments)
    if ids.shape[0] != values.shape[0]:
        raise InvalidArgumentError(f"unsorted_segment_reduce: {ids.shape[0]} segment ids for {values.shape[0]} values")
    if ids.size and (int(ids.min()) < 0 or int(ids.max()) >= count):
        raise InvalidArgumentError(f"segment ids must lie in [0, {count}), got {int(ids.min())} to {int(ids.max())}")
    out = xp.full((count, *values.shape[1:]), _identity(reducer, values.dtype), dtype=values.dtype)
    _UFUNCS[reducer].at(out, ids, values)  # one unbuffered pass, no sort: NumPy 2's ufunc.at is fast
    return out


def _unsorted_grad(ctx, g):
    values, ids, num_segments = ctx.inputs
    gradient = _values_gradient(ctx.attrs["reducer"], values, ctx.outputs[0], g, ids,
                                lambda x, reducer: unsorted_segment_reduce(x, ids, num_segments, reducer))
    return gradient, None, None


_unsorted_segment_reduce = Op("unsorted_segment_reduce", infer=_unsorted_infer, impl=_unsorted_impl,
                              grad=_unsorted_grad)


def value_rowids(row_splits):
    """The row index of every value of the partition `row_splits` (same int dtype)."""
    return bind(_value_rowids, [convert_to_tensor(row_splits)])


def offsets_in_rows(row_splits):
    """The position of every value within its row of the partition `row_splits` (same int dtype)."""
    return bind(_offsets_in_rows, [convert_to_tensor(row_splits)])


def row_splits_from_value_rowids(value_rowids, nrows):
    """The row splits of `nrows` rows whose values lie in the (sorted) rows `value_rowids`."""
    rowids = convert_to_tensor(value_rowids)
    return bind(_splits_from_rowids, [rowids, cast_ops.cast(convert_to_tensor(nrows), rowids.dtype)])


def segment_reduce(values, row_splits, reducer):
    """Reduce the rows `row_splits` cuts `values` into along axis 0 with `reducer`
    ("sum", "max", "min", "any", "all"); an empty row gives the reducer's identity."""
    if reducer not in _UFUNCS:
        raise ValueError(f"segment_reduce: `reducer` must be one of {sorted(_UFUNCS)}, got {reducer!r}")
    return bind(_segment_reduce, [convert_to_tensor(values), convert_to_tensor(row_splits)],
                {"reducer": reducer})


def unsorted_segment_reduce(values, segment_ids, num_segments, reducer):
    """Reduce the slices of `values` that share a segment id (a vector, ids in
    [0, num_segments)), one result per segment; an empty segment gives the reducer's identity."""
    if reducer not in _UFUNCS:
        raise ValueError(f"unsorted_segment_reduce: `reducer` must be one of {sorted(_UFUNCS)}, got {reducer!r}")
    ids = convert_to_tensor(segment_ids)
    num_segments = cast_ops.cast(convert_to_tensor(num_segments), ids.dtype)
    return bind(_unsorted_segment_reduce, [convert_to_tensor(values), ids, num_segments], {"reducer": reducer})


def dense_gather(values, indices):
    """`gather(values, indices)` whose gradient is a dense tensor, not an IndexedSlices (as TF's
    segment reductions give): for gathers that touch (nearly) every row, such as permutations."""
    return gather_scatter.gather_nd(values, array_ops.expand_dims(convert_to_tensor(indices), -1))

