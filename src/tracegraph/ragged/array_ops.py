"""The functions of `tg.ragged` that build ragged tensors: `range`, `boolean_mask`, `stack`,
and the conversions between row splits and segment ids."""
from . import operations
from .ragged_tensor import RaggedTensor
from .. import dtypes
from ..convert import convert_to_tensor, operands_to_tensors
from ..errors import InvalidArgumentError
from ..ops import (arithmetic, cast, comparison, creation, gather_scatter, join_split, masking, reduction,
                   row_partition)
from ..tensor import EagerTensor

__all__ = ["range", "boolean_mask", "stack", "row_splits_to_segment_ids", "segment_ids_to_row_splits"]


def range(starts, limits=None, deltas=1, dtype=None, name=None, row_splits_dtype=dtypes.int64):  # noqa: A001
    """The RaggedTensor whose row `i` is `range(starts[i], limits[i], deltas[i])` (TF's
    `tf.ragged.range`); scalars broadcast, and `range(n)` counts from 0 in every row."""
    if limits is None:
        starts, limits = 0, starts
    starts, limits, deltas = operands_to_tensors(starts, limits, deltas)
    if dtype is not None:
        starts, limits, deltas = (cast.cast(t, dtype) for t in (starts, limits, deltas))
    if any(t.shape.rank not in (0, 1, None) for t in (starts, limits, deltas)):
        raise ValueError("ragged.range: `starts`, `limits` and `deltas` must be scalars or vectors")
    shape = creation.zeros_like(starts + limits + deltas)
    starts, limits, deltas = (arithmetic.add(t, shape) for t in (starts, limits, deltas))
    zero_delta = reduction.reduce_any(comparison.equal(deltas, creation.zeros_like(deltas)))
    if isinstance(zero_delta, EagerTensor) and bool(zero_delta.numpy()):
        raise InvalidArgumentError("ragged.range: `deltas` must not be 0")
    counts = _ceil_div(arithmetic.subtract(limits, starts), deltas)
    lengths = cast.cast(arithmetic.maximum(counts, creation.zeros_like(counts)), row_splits_dtype)
    splits = operations.splits_from_lengths(lengths)
    rowids = row_partition.value_rowids(splits)
    offsets = row_partition.offsets_in_rows(splits)
    steps = arithmetic.multiply(cast.cast(offsets, starts.dtype), gather_scatter.gather(deltas, rowids))
    values = arithmetic.add(gather_scatter.gather(starts, rowids), steps)
    return RaggedTensor.from_row_splits(values, splits, validate=False)


def _ceil_div(numerator, denominator):
    """ceil(numerator / denominator) in the operands' dtype (exact for integers): -floor(-n / d)."""
    return arithmetic.negative(arithmetic.floordiv(arithmetic.negative(numerator), denominator))


def boolean_mask(data, mask, name=None):
    """The elements of `data` where `mask` is true, each row of the result holding the kept elements
    of one row of `data` (TF's `tf.ragged.boolean_mask`, for a mask of rank 2 or a ragged mask)."""
    if isinstance(mask, RaggedTensor):
        if not isinstance(data, RaggedTensor):
            raise TypeError("ragged.boolean_mask: a ragged `mask` needs a ragged `data` of the same rows")
        kept = masking.boolean_mask(data.flat_values, mask.flat_values)
        lengths = reduction.reduce_sum(cast.cast(mask, data.row_splits.dtype), axis=mask.ragged_rank)
        if mask.ragged_rank > 1:
            raise ValueError("ragged.boolean_mask: a ragged `mask` must have ragged rank 1")
        return RaggedTensor.from_row_lengths(kept, lengths, validate=False)
    data, mask = convert_to_tensor(data), convert_to_tensor(mask)
    if mask.dtype != dtypes.bool or mask.shape.rank != 2:
        raise ValueError(f"ragged.boolean_mask: `mask` must be a bool matrix or a ragged bool tensor, got "
                         f"{mask.dtype.name} of shape {mask.shape}")
    lengths = reduction.reduce_sum(cast.cast(mask, dtypes.int64), axis=1)
    return RaggedTensor.from_row_lengths(masking.boolean_mask(data, mask), lengths, validate=False)


def stack(values, axis=0, name=None):
    """`tg.stack` of ragged or dense tensors as a RaggedTensor (TF's `tf.ragged.stack`)."""
    values = list(values)
    if not any(isinstance(v, RaggedTensor) for v in values):
        return RaggedTensor.from_tensor(join_split.stack(values, axis=axis))
    return operations.stack(values, axis=axis)


def row_splits_to_segment_ids(splits, name=None, out_type=None):
    """The row of every value of the partition `splits` (TF's `tf.ragged.row_splits_to_segment_ids`)."""
    ids = row_partition.value_rowids(convert_to_tensor(splits, dtype_hint=dtypes.int64))
    return ids if out_type is None else cast.cast(ids, out_type)


def segment_ids_to_row_splits(segment_ids, num_segments=None, out_type=None, name=None):
    """The row splits of sorted `segment_ids` (TF's `tf.ragged.segment_ids_to_row_splits`)."""
    ids = convert_to_tensor(segment_ids, dtype_hint=dtypes.int64)
    if num_segments is None:  # one more than the largest id; none for no ids
        num_segments = arithmetic.add(reduction.reduce_max(
            join_split.concat([ids, convert_to_tensor([-1], dtype=ids.dtype)], axis=0)), 1)
    splits = row_partition.row_splits_from_value_rowids(ids, num_segments)
    return splits if out_type is None else cast.cast(splits, out_type)
