"""`tg.sparse` functions that work row by row: `split`, `softmax`, `fill_empty_rows` and the
sparse segment reductions (TF's `tf.sparse.segment_sum/mean/sqrt_n`).

They pick and move entries with index arithmetic and combine values through the
differentiable segment kernels of `ops/row_partition.py`, so gradients reach the values.
"""
from .. import dtypes
from ..convert import convert_to_tensor
from ..ops import (arithmetic, array_ops, cast, comparison, creation, gather_scatter, join_split, masking,
                   row_partition, segment_ops, tiling, unary_math)
from . import index_ops
from .operations import _normalized_axes, _permuted, _rank, _sparse_argument
from .sparse_tensor import SparseTensor

__all__ = ["split", "softmax", "fill_empty_rows", "segment_sum", "segment_mean", "segment_sqrt_n"]


# ----- split ------------------------------------------------------------------------------------------

def _piece_bounds(size, num_split, k):
    """The start and size of piece `k` of `num_split` along an axis of `size` (the first
    `size % num_split` pieces one longer, as in TF)."""
    base, extra = arithmetic.floordiv(size, num_split), arithmetic.floormod(size, num_split)
    start = arithmetic.add(arithmetic.multiply(base, k), arithmetic.minimum(extra, k))
    return start, arithmetic.add(base, cast.cast(comparison.less(k, extra), size.dtype))


def split(sp_input=None, num_split=None, axis=None, name=None):
    """`sp_input` cut into `num_split` SparseTensors along `axis` (TF's `tf.sparse.split`): piece `k`
    holds the entries in its range of `axis`, indexed from the range's start."""
    sp_input = _sparse_argument("split", "sp_input", sp_input)
    if num_split is None or axis is None:
        raise ValueError("tg.sparse.split: `num_split` and `axis` must be given")
    num_split = int(num_split)
    if num_split < 1:
        raise ValueError(f"tg.sparse.split: `num_split` must be positive, got {num_split}")
    rank = _rank("split", sp_input)
    axis = _normalized_axes("tg.sparse.split", int(axis), rank)[0]
    unit = creation.one_hot_flat(axis, rank, dtypes.int64)
    size, column = sp_input.dense_shape[axis], sp_input.indices[:, axis]
    static = sp_input.shape.as_list()
    pieces = []
    for k in range(num_split):
        start, length = _piece_bounds(size, num_split, convert_to_tensor(k, dtype=dtypes.int64))
        inside = comparison.logical_and(comparison.greater_equal(column, start),
                                        comparison.less(column, arithmetic.add(start, length)))
        indices = arithmetic.subtract(masking.boolean_mask(sp_input.indices, inside), arithmetic.multiply(start, unit))
        shape = arithmetic.add(arithmetic.multiply(sp_input.dense_shape, 1 - unit), arithmetic.multiply(length, unit))
        known = list(static)
        if static[axis] is not None:
            known[axis] = static[axis] // num_split + (k < static[axis] % num_split)
        pieces.append(SparseTensor._from_parts(indices, masking.boolean_mask(sp_input.values, inside), shape, known))
    return pieces


# ----- softmax ----------------------------------------------------------------------------------------

def _groups(sp_input):
    """For every entry the number of its group (the entries sharing all indices but the last), and
    the number of groups."""
    rank = _rank("softmax", sp_input)
    if rank < 2:
        raise ValueError(f"tg.sparse.softmax: `sp_input` must have rank >= 2, got shape {sp_input.shape}")
    mask = convert_to_tensor([1] * (rank - 1) + [0], dtype=dtypes.int64)
    union, groups = index_ops.union_positions(arithmetic.multiply(sp_input.indices, mask), sp_input.dense_shape)
    return groups, array_ops.shape(union, out_type=dtypes.int64)[0]


def softmax(sp_input, name=None):
    """The softmax over the last dimension of `sp_input`, over the stored entries only (absent
    entries take no part, as in TF's `tf.sparse.softmax`); the result has the same indices."""
    sp_input = _sparse_argument("softmax", "sp_input", sp_input)
    groups, count = _groups(sp_input)
    values = sp_input.values
    # The maximum only keeps exp from overflowing; softmax does not depend on it.
    largest = gather_scatter.gather(
        row_partition.unsorted_segment_reduce(cast.stop_gradient(values), groups, count, "max"), groups)
    exps = unary_math.exp(arithmetic.subtract(values, largest))
    totals = row_partition.unsorted_segment_reduce(exps, groups, count, "sum")
    return SparseTensor._from_parts(sp_input.indices, arithmetic.divide(exps, gather_scatter.gather(totals, groups)),
                                    sp_input.dense_shape, sp_input.shape)


# ----- fill_empty_rows ------------------------------------------------------------------------------

def fill_empty_rows(sp_input, default_value, name=None):
    """`sp_input` with an entry `default_value` at [r, 0, ..., 0] for every row `r` that has no
    entry, in row-major order, and the bool vector of the rows that were empty."""
    sp_input = _sparse_argument("fill_empty_rows", "sp_input", sp_input)
    rank = _rank("fill_empty_rows", sp_input)
    default = convert_to_tensor(default_value, dtype=sp_input.dtype)
    if default.shape.rank not in (0, None):
        raise ValueError(f"tg.sparse.fill_empty_rows: `default_value` must be a scalar, got shape {default.shape}")
    rows = sp_input.indices[:, 0]
    counts = gather_scatter.scatter_nd(array_ops.expand_dims(rows, -1), creation.ones_like(rows),
                                       sp_input.dense_shape[:1])
    empty = comparison.equal(counts, 0)
    new_rows = masking.nonzero_coordinates(empty)  # [m, 1]
    new_indices = arithmetic.multiply(new_rows, creation.one_hot_flat(0, rank, dtypes.int64))
    new_values = tiling.broadcast_to(default, array_ops.shape(new_rows, out_type=dtypes.int64)[:1])
    joined = SparseTensor._from_parts(join_split.concat([sp_input.indices, new_indices], axis=0),
                                      join_split.concat([sp_input.values, new_values], axis=0),
                                      sp_input.dense_shape, sp_input.shape)
    return _permuted(joined, index_ops.canonical_order(joined.indices, joined.dense_shape)), empty


# ----- sparse segment reductions ---------------------------------------------------------------------

def _segment_sums(function, data, indices, segment_ids, num_segments, sparse_gradient):
    """The sums of the rows `data[indices]` per sorted segment id, and the splits of the segments.
    The gradient for `data` is an IndexedSlices with `sparse_gradient`, else dense (as TF's)."""
    data = convert_to_tensor(data)
    gather = gather_scatter.gather if sparse_gradient else row_partition.dense_gather
    rows = gather(data, convert_to_tensor(indices))
    ids = convert_to_tensor(segment_ids)
    if ids.dtype not in (dtypes.int32, dtypes.int64):
        raise TypeError(f"tg.sparse.{function}: `segment_ids` must be int32 or int64, got {ids.dtype.name}")
    if num_segments is None:
        splits = segment_ops.sorted_splits(f"tg.sparse.{function}", ids)
    else:
        splits = row_partition.row_splits_from_value_rowids(ids, cast.cast(convert_to_tensor(num_segments), ids.dtype))
    return row_partition.segment_reduce(rows, splits, "sum"), splits


def _scaled(total, splits, scale):
    counts = cast.cast(arithmetic.subtract(splits[1:], splits[:-1]), total.dtype)
    for _ in range(total.shape.rank - 1):
        counts = array_ops.expand_dims(counts, -1)
    return arithmetic.divide_no_nan(total, scale(counts))


def segment_sum(data, indices, segment_ids, num_segments=None, name=None, sparse_gradient=False):
    """`output[i]` is the sum of the rows `data[indices[j]]` with `segment_ids[j] == i` (sorted
    ids; `num_segments` rows, by default max(id) + 1; an empty segment gives 0). With
    `sparse_gradient`, the gradient for `data` is an IndexedSlices of the picked rows."""
    return _segment_sums("segment_sum", data, indices, segment_ids, num_segments, sparse_gradient)[0]


def segment_mean(data, indices, segment_ids, num_segments=None, name=None, sparse_gradient=False):
    """As `segment_sum`, divided by the number of rows in each segment (0 for an empty segment)."""
    total, splits = _segment_sums("segment_mean", data, indices, segment_ids, num_segments, sparse_gradient)
    return _scaled(total, splits, lambda counts: counts)


def segment_sqrt_n(data, indices, segment_ids, num_segments=None, name=None, sparse_gradient=False):
    """As `segment_sum`, divided by the square root of the number of rows in each segment."""
    total, splits = _segment_sums("segment_sqrt_n", data, indices, segment_ids, num_segments, sparse_gradient)
    return _scaled(total, splits, unary_math.sqrt)
