"""Segment reductions of `tg.math` (TF's `segment_*` and `unsorted_segment_*`) beyond the sums.

`segment_*` take sorted ids and give `max(id) + 1` segments, an empty one giving 0 (1 for
`segment_prod`); `unsorted_segment_*` take ids in any order (a prefix of `data`'s shape; a
negative id drops its slice) and `num_segments`, an empty segment giving the reducer's identity
(the lowest value for max, 0 for mean and sqrt_n). All run on the row-partition kernels of
`row_partition.py`, so they share one gradient per reducer. The `unsorted_segment_*` ops take
ragged `data` too (their handlers are in `ragged/operations.py`).
"""
from . import arithmetic, array_ops, cast, comparison, creation, join_split, masking, reduction, row_partition, \
    unary_math
from .api_dispatch import add_dispatch_support
from .. import dtypes
from ..convert import convert_to_tensor

__all__ = ["segment_max", "segment_mean", "segment_min", "segment_prod", "unsorted_segment_max",
           "unsorted_segment_mean", "unsorted_segment_min", "unsorted_segment_prod", "unsorted_segment_sqrt_n"]


def _index_tensor(op_name, segment_ids):
    ids = convert_to_tensor(segment_ids)
    if ids.dtype not in (dtypes.int32, dtypes.int64):
        raise TypeError(f"{op_name}: `segment_ids` must be int32 or int64, got {ids.dtype.name}")
    return ids


def sorted_splits(op_name, ids):
    """The row splits of sorted `ids` (a vector): one row per id 0..max(ids)."""
    if ids.shape.rank not in (1, None):
        raise ValueError(f"{op_name}: `segment_ids` must be a vector, got shape {ids.shape}")
    last = reduction.reduce_max(join_split.concat([ids, convert_to_tensor([-1], dtype=ids.dtype)], axis=0))
    return row_partition.row_splits_from_value_rowids(ids, arithmetic.add(last, 1))


def _per_segment(per_segment, like):
    """`per_segment` (a vector) with `like`'s inner dimensions as 1s, to broadcast against it."""
    for _ in range((like.shape.rank or 1) - 1):
        per_segment = array_ops.expand_dims(per_segment, -1)
    return per_segment


def _counts(splits):
    return arithmetic.subtract(splits[1:], splits[:-1])


def _sorted(op_name, reducer, data, segment_ids):
    data = convert_to_tensor(data)
    splits = sorted_splits(op_name, _index_tensor(op_name, segment_ids))
    result = row_partition.segment_reduce(data, splits, reducer)
    if reducer in ("max", "min"):  # TF's sorted segment max/min give 0 for an empty segment
        empty = _per_segment(comparison.equal(_counts(splits), 0), result)
        result = comparison.where(empty, creation.zeros_like(result), result)
    return result, splits


def segment_max(data, segment_ids, name=None):
    """The maximum of the slices of `data` per sorted segment id (0 for an empty segment)."""
    return _sorted("segment_max", "max", data, segment_ids)[0]


def segment_min(data, segment_ids, name=None):
    """The minimum of the slices of `data` per sorted segment id (0 for an empty segment)."""
    return _sorted("segment_min", "min", data, segment_ids)[0]


def segment_prod(data, segment_ids, name=None):
    """The product of the slices of `data` per sorted segment id (1 for an empty segment)."""
    return _sorted("segment_prod", "prod", data, segment_ids)[0]


def _mean(total, counts):
    counts = _per_segment(cast.cast(counts, total.dtype), total)
    if total.dtype.is_integer:
        return arithmetic.truncatediv(total, arithmetic.maximum(counts, creation.ones_like(counts)))
    return arithmetic.divide_no_nan(total, counts)


def segment_mean(data, segment_ids, name=None):
    """The mean of the slices of `data` per sorted segment id (0 for an empty segment)."""
    total, splits = _sorted("segment_mean", "sum", data, segment_ids)
    return _mean(total, _counts(splits))


def _flat_ids(op_name, data, segment_ids):
    """`data` and `segment_ids` with the ids' dimensions merged into one, negative ids dropped."""
    data = convert_to_tensor(data)
    ids = _index_tensor(op_name, segment_ids)
    if ids.shape.rank is None or data.shape.rank is None:
        raise ValueError(f"{op_name}: `data` and `segment_ids` must have known ranks")
    if ids.shape.rank != 1:
        inner = array_ops.shape(data, out_type=dtypes.int64)[ids.shape.rank:]
        data = array_ops.reshape(data, join_split.concat([convert_to_tensor([-1], dtype=dtypes.int64), inner], axis=0))
        ids = array_ops.reshape(ids, [-1])
    kept = comparison.greater_equal(ids, 0)
    return masking.boolean_mask(data, kept), masking.boolean_mask(ids, kept)


def _unsorted(op_name, reducer, data, segment_ids, num_segments):
    data, ids = _flat_ids(op_name, data, segment_ids)
    num_segments = cast.cast(convert_to_tensor(num_segments), ids.dtype)
    total = row_partition.unsorted_segment_reduce(data, ids, num_segments, reducer)
    return total, data, ids, num_segments


@add_dispatch_support
def unsorted_segment_max(data, segment_ids, num_segments, name=None):
    """The maximum of the slices of `data` per segment id in [0, num_segments) (the lowest value of
    the dtype for an empty segment)."""
    return _unsorted("unsorted_segment_max", "max", data, segment_ids, num_segments)[0]


@add_dispatch_support
def unsorted_segment_min(data, segment_ids, num_segments, name=None):
    """The minimum of the slices of `data` per segment id in [0, num_segments) (the highest value of
    the dtype for an empty segment)."""
    return _unsorted("unsorted_segment_min", "min", data, segment_ids, num_segments)[0]


@add_dispatch_support
def unsorted_segment_prod(data, segment_ids, num_segments, name=None):
    """The product of the slices of `data` per segment id in [0, num_segments) (1 for an empty one)."""
    return _unsorted("unsorted_segment_prod", "prod", data, segment_ids, num_segments)[0]


def _unsorted_counts(ids, num_segments):
    return row_partition.unsorted_segment_reduce(creation.ones_like(ids), ids, num_segments, "sum")


@add_dispatch_support
def unsorted_segment_mean(data, segment_ids, num_segments, name=None):
    """The mean of the slices of `data` per segment id in [0, num_segments) (0 for an empty one)."""
    total, _, ids, num_segments = _unsorted("unsorted_segment_mean", "sum", data, segment_ids, num_segments)
    return _mean(total, _unsorted_counts(ids, num_segments))


@add_dispatch_support
def unsorted_segment_sqrt_n(data, segment_ids, num_segments, name=None):
    """The sum of the slices of `data` per segment id divided by the square root of their number
    (0 for an empty segment)."""
    total, _, ids, num_segments = _unsorted("unsorted_segment_sqrt_n", "sum", data, segment_ids, num_segments)
    counts = _per_segment(cast.cast(_unsorted_counts(ids, num_segments), total.dtype), total)
    return arithmetic.divide_no_nan(total, unary_math.sqrt(counts))
