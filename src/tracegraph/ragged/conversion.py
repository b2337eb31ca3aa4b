"""Conversions between ragged tensors and nested Python lists or dense tensors.

`constant` builds a RaggedTensor from a nested list; `to_dense` pads rows into a dense
tensor (`RaggedTensor.to_tensor`) and `from_dense` cuts a dense tensor's rows
(`RaggedTensor.from_tensor`). The dense conversions are written with tracegraph ops, so
they trace and differentiate: the gradient of `to_dense` reaches the values it placed.
"""
import numpy as np

from . import ragged_tensor
from .. import dtypes
from ..convert import constant as dense_constant, convert_to_tensor
from ..ops import (arithmetic, array_ops, cast, comparison, creation, gather_scatter, join_split, masking,
                   reduction, row_partition, tiling)
from ..shape import as_shape
from ..tensor import Tensor

__all__ = ["constant", "to_dense", "from_dense"]


# ----- nested lists -------------------------------------------------------------------------------

def _depth(pylist):
    """The nesting depth of a nested list (0 for a scalar); the deepest branch decides."""
    if isinstance(pylist, (list, tuple)):
        return 1 + max((_depth(item) for item in pylist), default=0)
    return 0


def constant(pylist, dtype=None, ragged_rank=None, inner_shape=None, name=None, row_splits_dtype=dtypes.int64):
    """The RaggedTensor of a nested Python list (TF's `tf.ragged.constant`).

    Every list level but the innermost is a ragged dimension, except the last `len(inner_shape)`
    ones when `inner_shape` is given; `ragged_rank` fixes the number of ragged dimensions instead
    (`ragged_rank=0` gives a dense tensor, as the default does for a flat list).
    Python ints give int32 values, floats float32; an empty list gives float32.
    """
    inner_rank = 0 if inner_shape is None else len(inner_shape)
    depth = _depth(pylist)
    if ragged_rank is None:
        ragged_rank = max(depth - 1 - inner_rank, 0)
    if ragged_rank < 0:
        raise ValueError(f"ragged.constant: `ragged_rank` must be non-negative, got {ragged_rank}")
    if ragged_rank == 0:
        return dense_constant(pylist, dtype=dtype)
    rows, nested_splits = list(pylist), []
    for _ in range(ragged_rank):
        splits, values = [0], []
        for row in rows:
            if not isinstance(row, (list, tuple)):
                raise ValueError(f"ragged.constant: all scalars must sit at the same depth; found {row!r} where "
                                 f"a list was expected")
            values.extend(row)
            splits.append(len(values))
        rows = values
        nested_splits.append(np.asarray(splits, dtype=dtypes.as_dtype(row_splits_dtype).as_numpy_dtype))
    flat_values = _flat_values(rows, dtype, inner_shape)
    return ragged_tensor.RaggedTensor.from_nested_row_splits(flat_values, nested_splits)


def _flat_values(items, dtype, inner_shape):
    """The dense tensor of the innermost items (empty: shape [0, *inner_shape], float32 unless `dtype`)."""
    if items:
        return dense_constant(items, dtype=dtype)
    shape = [0, *(inner_shape or [])]
    return dense_constant(np.zeros(shape), dtype=dtypes.float32 if dtype is None else dtype)


# ----- dense tensors --------------------------------------------------------------------------------

def _padding_value(default_value, dtype):
    if default_value is None:
        return creation.zeros([], dtype)
    value = convert_to_tensor(default_value, dtype_hint=dtype)
    if value.dtype != dtype:
        raise TypeError(f"RaggedTensor.to_tensor: `default_value` has dtype {value.dtype.name}, the values "
                        f"{dtype.name}")
    return value


def _requested_dims(shape, rank):
    """`to_tensor`'s `shape` as one entry per axis: None (keep the longest row), an int, or a scalar
    tensor (negative: keep the longest row, as in TF's shape tensors)."""
    if shape is None:
        return [None] * rank
    if isinstance(shape, (list, tuple)) and len(shape) == rank and any(isinstance(d, Tensor) for d in shape):
        return list(shape)  # per-axis entries already (as to_dense passes them to the inner values)
    if isinstance(shape, Tensor):
        if shape.shape.rank != 1 or shape.shape[0] not in (None, rank):
            raise ValueError(f"RaggedTensor.to_tensor: `shape` must be a vector of {rank} sizes, got {shape!r}")
        return [shape[axis] for axis in range(rank)]
    shape = as_shape(shape)
    if shape.rank is None:
        return [None] * rank
    if shape.rank != rank:
        raise ValueError(f"RaggedTensor.to_tensor: `shape` {shape} must have rank {rank}")
    return shape.as_list()


def _target_dim(requested, computed):
    """The size of the result along an axis: `requested` if it gives one, else `computed`."""
    if requested is None:
        return computed
    if isinstance(requested, Tensor):
        requested = cast.cast(requested, computed.dtype)
        return comparison.where(comparison.less(requested, 0), computed, requested)
    return convert_to_tensor(requested, dtype=computed.dtype)


def to_dense(rt, default_value=None, shape=None):
    """`rt` as a dense tensor: rows padded with `default_value` to the longest row (or to `shape`,
    whose `None` dims keep the longest row; longer rows and extra rows are cut)."""
    dims = _requested_dims(shape, rt.shape.rank)
    values = rt.values
    if isinstance(values, ragged_tensor.RaggedTensor):
        values = to_dense(values, default_value, None if shape is None else [None] + dims[2:])
    splits = rt.row_splits
    rowids = rt.value_rowids()
    columns = row_partition.offsets_in_rows(splits)
    nrows = _target_dim(dims[0], rt.nrows())
    ncols = _target_dim(dims[1], reduction.reduce_max(join_split.concat(
        [rt.row_lengths(), creation.zeros([1], splits.dtype)], axis=0)))
    indices = join_split.stack([rowids, columns], axis=1)
    if dims[0] is not None or dims[1] is not None:
        kept = comparison.logical_and(comparison.less(rowids, nrows), comparison.less(columns, ncols))
        indices, values = masking.boolean_mask(indices, kept), masking.boolean_mask(values, kept)
    dense_shape = join_split.concat([join_split.stack([nrows, ncols]),
                                     array_ops.shape(values, out_type=splits.dtype)[1:]], axis=0)
    padding = tiling.broadcast_to(_padding_value(default_value, values.dtype), dense_shape)
    return gather_scatter.tensor_scatter_nd_update(padding, indices, values)


def _trailing_padding_lengths(tensor, padding):
    """Per row of `tensor`, the length without its trailing run of `padding` (whole inner slices)."""
    padding = convert_to_tensor(padding, dtype_hint=tensor.dtype)
    if padding.dtype != tensor.dtype:
        raise TypeError(f"RaggedTensor.from_tensor: `padding` has dtype {padding.dtype.name}, `tensor` "
                        f"{tensor.dtype.name}")
    filled = comparison.not_equal(tensor, padding)
    if tensor.shape.rank > 2:
        filled = reduction.reduce_any(filled, axis=list(range(2, tensor.shape.rank)))
    ncols = array_ops.shape(tensor, out_type=dtypes.int64)[1]
    positions = creation.range(1, arithmetic.add(ncols, 1), dtype=dtypes.int64)
    ends = arithmetic.multiply(cast.cast(filled, dtypes.int64), positions)
    return reduction.reduce_max(join_split.concat([ends, creation.zeros_like(ends[:, :1])], axis=1), axis=1)


def _is_nested_lengths(lengths):
    """Whether `lengths` is a list of row-length vectors, one per ragged dimension (TF's test)."""
    return isinstance(lengths, (list, tuple)) and len(lengths) > 0 and not isinstance(lengths[0], (int, float))


def from_dense(tensor, lengths, padding, ragged_rank, row_splits_dtype):
    """The RaggedTensor of the rows of `tensor` (see `RaggedTensor.from_tensor`)."""
    tensor = convert_to_tensor(tensor)
    rank = tensor.shape.rank
    if rank is None or rank < 2:
        raise ValueError(f"RaggedTensor.from_tensor: `tensor` must have a known rank >= 2, got shape {tensor.shape}")
    if lengths is not None and padding is not None:
        raise ValueError("RaggedTensor.from_tensor: give `lengths` or `padding`, not both")
    if _is_nested_lengths(lengths):
        if ragged_rank not in (1, len(lengths)):
            raise ValueError(f"RaggedTensor.from_tensor: nested `lengths` give ragged_rank={len(lengths)}, "
                             f"got ragged_rank={ragged_rank}")
        return _from_nested_lengths(tensor, lengths, row_splits_dtype)
    if not 1 <= ragged_rank < rank:
        raise ValueError(f"RaggedTensor.from_tensor: `ragged_rank` must be in [1, {rank}), got {ragged_rank}")
    dims = array_ops.shape(tensor, out_type=row_splits_dtype)
    static = tensor.shape.as_list()
    # Dimensions 0..ragged_rank-1 become one of rows; `lengths`/`padding` cut those rows, and the
    # outer dimensions come back as partitions of uniform length (as TF's from_tensor does).
    if ragged_rank > 1:
        tensor = array_ops.reshape(tensor, _merged_shape(dims, ragged_rank))
    result = _cut_rows(tensor, lengths, padding, row_splits_dtype)
    for axis in reversed(range(1, ragged_rank)):
        result = ragged_tensor.RaggedTensor.from_uniform_row_length(
            result, _dim(static, dims, axis), nrows=reduction.reduce_prod(dims[:axis]), validate=False)
    return result


def _merged_shape(dims, count):
    """The shape `dims` with its first `count` dimensions merged (a product, not -1: sizes may be 0)."""
    return join_split.concat([reduction.reduce_prod(dims[:count])[None], dims[count:]], axis=0)


def _dim(static, dims, axis):
    """Dimension `axis`: a constant when the static shape knows it (so the result's shape does)."""
    return dims[axis] if static[axis] is None else convert_to_tensor(static[axis], dtype=dims.dtype)


def _cut_rows(tensor, lengths, padding, row_splits_dtype):
    """The rows of the (rank >= 2) `tensor` cut to `lengths`, or before trailing `padding`, or whole
    (then a partition of uniform length)."""
    dims = array_ops.shape(tensor, out_type=row_splits_dtype)
    if lengths is None and padding is None:
        return ragged_tensor.RaggedTensor.from_uniform_row_length(
            array_ops.reshape(tensor, _merged_shape(dims, 2)), _dim(tensor.shape.as_list(), dims, 1), nrows=dims[0],
            validate=False)
    if padding is not None:
        lengths = cast.cast(_trailing_padding_lengths(tensor, padding), row_splits_dtype)
    else:
        # TF clips lengths into [0, number of columns].
        lengths = cast.cast(convert_to_tensor(lengths, dtype_hint=row_splits_dtype), row_splits_dtype)
        lengths = arithmetic.maximum(arithmetic.minimum(lengths, dims[1]), 0)
    columns = creation.range(dims[1], dtype=row_splits_dtype)
    kept = comparison.less(array_ops.expand_dims(columns, 0), array_ops.expand_dims(lengths, 1))
    return ragged_tensor.RaggedTensor.from_row_lengths(masking.boolean_mask(tensor, kept), lengths, validate=False)


def _from_nested_lengths(tensor, nested_lengths, row_splits_dtype):
    """The RaggedTensor of ragged rank len(nested_lengths) whose rows are the leading parts of the
    rows of `tensor` that the nested row lengths describe."""
    lengths = [cast.cast(convert_to_tensor(level, dtype_hint=row_splits_dtype), row_splits_dtype)
               for level in nested_lengths]
    if tensor.shape.rank < len(lengths) + 1:
        raise ValueError(f"RaggedTensor.from_tensor: {len(lengths)} levels of `lengths` need a tensor of rank > "
                         f"{len(lengths)}, got shape {tensor.shape}")
    ones = tiling.broadcast_to(convert_to_tensor(True), reduction.reduce_sum(lengths[-1])[None])
    mask_rt = ragged_tensor.RaggedTensor.from_nested_row_lengths(ones, lengths, validate=False)
    leading = array_ops.shape(tensor, out_type=row_splits_dtype)[:len(lengths) + 1]
    mask = mask_rt.to_tensor(default_value=False, shape=leading)
    return ragged_tensor.RaggedTensor.from_nested_row_lengths(masking.boolean_mask(tensor, mask), lengths,
                                                              validate=False)
