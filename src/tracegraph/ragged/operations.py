"""The public ops on ragged tensors: `tg.concat`, `tg.stack`, `tg.gather`, `tg.where`, the
reductions and the unsorted segment reductions, registered as handlers of those ops (see
`ops/api_dispatch.py`).

Everything is written with tracegraph ops on the row splits and the values, so it runs
eagerly and traced alike, and gradients reach the flat values through gathers and
segment reductions.
"""
from . import elementwise
from .ragged_tensor import RaggedTensor
from .. import dtypes
from ..convert import convert_to_tensor
from ..core.rules import normalize_axis
from ..ops import (arithmetic, array_ops, cast, comparison, creation, gather_scatter, join_split, masking,
                   reduction, row_partition, segment_ops, sorting, unary_math)
from ..ops.api_dispatch import dispatch_for_api

__all__ = []  # handlers only: the public names are the ops they extend


# ----- shared pieces --------------------------------------------------------------------------------

def splits_from_lengths(lengths):
    """The row splits of rows of `lengths` values."""
    return join_split.concat([creation.zeros([1], lengths.dtype), reduction.cumsum(lengths)], axis=0)


def selected_rows(rt, starts, lengths):
    """The RaggedTensor of the rows `values[starts[i]:starts[i] + lengths[i]]` of `rt.values`."""
    splits = splits_from_lengths(lengths)
    rowids = row_partition.value_rowids(splits)
    positions = arithmetic.add(gather_scatter.gather(starts, rowids), row_partition.offsets_in_rows(splits))
    return RaggedTensor.from_row_splits(gather_scatter.gather(rt.values, positions), splits, validate=False)


def gather_rows(rt, indices):
    """The rows `indices` (a 1-D int tensor) of `rt`, as a RaggedTensor."""
    indices = cast.cast(indices, rt.row_splits.dtype)
    return selected_rows(rt, gather_scatter.gather(rt.row_splits[:-1], indices),
                          gather_scatter.gather(rt.row_lengths(), indices))


def _as_ragged(op_name, value, ragged_rank, splits_dtype):
    """`value` as a RaggedTensor of `ragged_rank` (a dense tensor's dimensions become uniform rows)."""
    if isinstance(value, RaggedTensor):
        if value.ragged_rank != ragged_rank:
            raise ValueError(f"{op_name}: ragged inputs must have the same ragged rank, got {value.ragged_rank} "
                             f"and {ragged_rank}")
        return value.with_row_splits_dtype(splits_dtype) if value.row_splits.dtype != splits_dtype else value
    tensor = convert_to_tensor(value)
    if tensor.shape.rank is None or tensor.shape.rank <= ragged_rank:
        raise ValueError(f"{op_name}: a dense input of shape {tensor.shape} cannot join ragged inputs of ragged "
                         f"rank {ragged_rank}")
    return RaggedTensor.from_tensor(tensor, ragged_rank=ragged_rank, row_splits_dtype=splits_dtype)


def _ragged_inputs(op_name, values):
    """`values` all as RaggedTensors of the ragged rank and row splits dtype of the first ragged one."""
    first = next(v for v in values if isinstance(v, RaggedTensor))
    return [_as_ragged(op_name, v, first.ragged_rank, first.row_splits.dtype) for v in values]


# ----- concat and stack -------------------------------------------------------------------------------

def _concat_rows(rts):
    """The rows of all of `rts`, one after the other (axis 0)."""
    values = join_split.concat([rt.values for rt in rts], axis=0)
    pieces, offset = [rts[0].row_splits], rts[0].row_splits[-1]
    for rt in rts[1:]:
        pieces.append(arithmetic.add(rt.row_splits[1:], offset))
        offset = arithmetic.add(offset, rt.row_splits[-1])
    return RaggedTensor.from_row_splits(values, join_split.concat(pieces, axis=0), validate=False)


def _concat_within_rows(rts):
    """Row `i` of the result is row `i` of every one of `rts`, joined (axis 1)."""
    _check_same_nrows("concat", rts)
    lengths = arithmetic.add_n([rt.row_lengths() for rt in rts])
    values = join_split.concat([rt.values for rt in rts], axis=0)
    rowids = join_split.concat([rt.value_rowids() for rt in rts], axis=0)
    # A stable sort by row keeps each row's pieces in input order and each piece's values in order.
    order = sorting.argsort(rowids, stable=True)
    return RaggedTensor.from_row_lengths(gather_scatter.gather(values, order), lengths, validate=False)


def _check_same_nrows(op_name, rts):
    sizes = {rt.shape[0] for rt in rts} - {None}
    if len(sizes) > 1:
        raise ValueError(f"{op_name}: joining along a ragged axis needs inputs with the same number of rows, got "
                         f"{[rt.shape[0] for rt in rts]}")


@dispatch_for_api(join_split.concat, RaggedTensor)
def concat(values, axis, name="concat"):
    """`tg.concat` of ragged (and dense) tensors along `axis`."""
    rts = _ragged_inputs("concat", list(values))
    axis = normalize_axis("concat", axis, rts[0].shape.rank)
    if len(rts) == 1:
        return rts[0]
    if axis == 0:
        return _concat_rows(rts)
    if axis == 1:
        return _concat_within_rows(rts)
    for rt in rts[1:]:
        elementwise.check_same_splits("concat", rts[0].row_splits, rt.row_splits)
    return rts[0].with_values(join_split.concat([rt.values for rt in rts], axis=axis - 1))


def expand_dims(rt, axis):
    """`rt` with a new dimension of size 1 at `axis` (0 <= axis <= rank)."""
    if axis == 0:
        return RaggedTensor.from_row_splits(rt, join_split.stack([creation.zeros([], rt.row_splits.dtype),
                                                                   rt.nrows()]), validate=False)
    if axis == 1:
        return RaggedTensor.from_row_splits(rt, creation.range(arithmetic.add(rt.nrows(), 1),
                                                               dtype=rt.row_splits.dtype), validate=False)
    values = rt.values
    inner = expand_dims(values, axis - 1) if isinstance(values, RaggedTensor) else \
        array_ops.expand_dims(values, axis - 1)
    return rt.with_values(inner)


@dispatch_for_api(join_split.stack, RaggedTensor)
def stack(values, axis=0, name="stack"):
    """`tg.stack` of ragged (and dense) tensors along a new `axis`."""
    rts = _ragged_inputs("stack", list(values))
    axis = normalize_axis("stack", axis, rts[0].shape.rank + 1)
    return concat([expand_dims(rt, axis) for rt in rts], axis=axis)


# ----- gather and where ------------------------------------------------------------------------------

@dispatch_for_api(gather_scatter.gather, RaggedTensor)
def gather(params, indices, validate_indices=None, axis=None, batch_dims=0, name=None):
    """`tg.gather` with ragged `params` (rows along axis 0) and/or ragged `indices`."""
    if axis not in (None, 0) or batch_dims != 0:
        raise ValueError(f"gather: with ragged arguments only axis=0 and batch_dims=0 are supported, got "
                         f"axis={axis}, batch_dims={batch_dims}")
    if isinstance(indices, RaggedTensor):
        picked = gather_scatter.gather(params, indices.flat_values)  # dispatches again if `params` is ragged
        return RaggedTensor.from_nested_row_splits(picked, indices.nested_row_splits, validate=False)
    indices = convert_to_tensor(indices)
    if indices.shape.rank is None or indices.shape.rank > 1:
        if indices.shape.rank is None:
            raise ValueError("gather: indices of unknown rank cannot pick rows of a RaggedTensor")
        return gather(params, RaggedTensor.from_tensor(indices, ragged_rank=indices.shape.rank - 1))
    if indices.shape.rank == 0:
        return gather_rows(params, array_ops.reshape(indices, [1])).values
    return gather_rows(params, indices)


def _coordinates(condition):
    """The int64 coordinates of the true elements of the ragged bool `condition`, shape [n, rank]."""
    flat = masking.nonzero_coordinates(condition.flat_values)
    index = flat[:, 0]
    columns = [flat[:, 1:]]
    for splits in reversed(condition.nested_row_splits):
        splits = cast.cast(splits, dtypes.int64)
        rowids = row_partition.value_rowids(splits)
        row = gather_scatter.gather(rowids, index)
        columns.insert(0, array_ops.expand_dims(arithmetic.subtract(index, gather_scatter.gather(splits, row)), 1))
        index = row
    return join_split.concat([array_ops.expand_dims(index, 1), *columns], axis=1)


@dispatch_for_api(comparison.where, RaggedTensor)
def where(condition, x=None, y=None, name=None):
    """`tg.where` with a ragged `condition` (or ragged `x`/`y`): picks elementwise, or with only
    `condition` gives the coordinates of its true elements."""
    if x is None and y is None:
        if not isinstance(condition, RaggedTensor):
            raise TypeError("where: with only `condition`, it must be the RaggedTensor")
        return _coordinates(condition)
    if x is None or y is None:
        raise ValueError("where: `x` and `y` must both be given, or neither")
    return elementwise.elementwise("where", _where_dense, condition, x, y, first_of_one_dtype=1)


def _where_dense(condition, x, y):
    return comparison.where(condition, x, y)


# ----- reductions -------------------------------------------------------------------------------------
# As TF's `ragged_reduce_aggregate`: axis 0 combines rows column by column, axis 1 reduces each row, and
# deeper axes reduce the values of every row. Combining ragged rows pads them, so a result row is as long
# as the longest row it combines.

def _segment_aggregate(data, segment_ids, num_segments, reducer):
    """Row `j` of the result reduces the rows `i` of `data` with `segment_ids[i] == j`, element by
    element over the positions each has (TF's `_ragged_segment_aggregate`)."""
    if not isinstance(data, RaggedTensor):
        return row_partition.unsorted_segment_reduce(data, segment_ids, num_segments, reducer)
    lengths = data.row_lengths()
    widths = arithmetic.maximum(row_partition.unsorted_segment_reduce(lengths, segment_ids, num_segments, "max"), 0)
    splits = splits_from_lengths(widths)
    # Value `k` of row `i` goes to position k - start(i) of output row `segment_ids[i]`.
    starts = gather_scatter.gather(gather_scatter.gather(splits, segment_ids), data.value_rowids())
    targets = arithmetic.add(starts, row_partition.offsets_in_rows(data.row_splits))
    values = _segment_aggregate(data.values, targets, splits[-1], reducer)
    return RaggedTensor.from_row_splits(values, splits, validate=False)


def _expand(result, axis):
    return expand_dims(result, axis) if isinstance(result, RaggedTensor) else array_ops.expand_dims(result, axis)


def _reduce_one_axis(rt, dense_reduce, reducer, axis, keepdims):
    if not isinstance(rt, RaggedTensor):
        return dense_reduce(rt, axis=axis, keepdims=keepdims)
    if axis == 0:
        lengths = rt.row_lengths()
        width = reduction.reduce_max(join_split.concat([lengths, creation.zeros([1], lengths.dtype)], axis=0))
        result = _segment_aggregate(rt.values, row_partition.offsets_in_rows(rt.row_splits), width, reducer)
    elif axis == 1 and not isinstance(rt.values, RaggedTensor):
        result = row_partition.segment_reduce(rt.values, rt.row_splits, reducer)  # sorted rows: no sort needed
    elif axis == 1:
        result = _segment_aggregate(rt.values, rt.value_rowids(), rt.nrows(), reducer)
    else:
        return rt.with_values(_reduce_one_axis(rt.values, dense_reduce, reducer, axis - 1, keepdims))
    return _expand(result, axis) if keepdims else result


def _axes(op_name, rt, axis):
    rank = rt.shape.rank
    axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
    return sorted({normalize_axis(op_name, int(a), rank) for a in axes}, reverse=True)


def _reduce(op_name, dense_reduce, reducer, rt, axis, keepdims):
    if axis is None:
        result = dense_reduce(rt.flat_values, keepdims=False)
        return array_ops.reshape(result, [1] * rt.shape.rank) if keepdims else result
    result = rt
    for a in _axes(op_name, rt, axis):  # from the innermost axis out, so the others keep their numbers
        result = _reduce_one_axis(result, dense_reduce, reducer, a, keepdims)
    return result


def _register_reduction(api, reducer):
    @dispatch_for_api(api, RaggedTensor)
    def reduce(input_tensor, axis=None, keepdims=False, name=None):
        return _reduce(api.__name__, api, reducer, input_tensor, axis, keepdims)
    reduce.__name__ = api.__name__
    reduce.__doc__ = (f"`tg.{api.__name__}` of a RaggedTensor over any axes (a ragged axis reduces each row; "
                      f"axis 0 combines the rows column by column).")
    return reduce


reduce_sum = _register_reduction(reduction.reduce_sum, "sum")
reduce_max = _register_reduction(reduction.reduce_max, "max")
reduce_min = _register_reduction(reduction.reduce_min, "min")
reduce_any = _register_reduction(reduction.reduce_any, "any")
reduce_all = _register_reduction(reduction.reduce_all, "all")
reduce_prod = _register_reduction(reduction.reduce_prod, "prod")


# ----- unsorted segment reductions of ragged rows ------------------------------------------------------

def _segment_rows(op_name, data, segment_ids, num_segments, reducer):
    """`reducer` over the rows of ragged `data` that share a segment id (TF's ragged unsorted_segment_*):
    the rows combine position by position, so a result row is as long as its longest row."""
    if isinstance(segment_ids, RaggedTensor):  # one id per value of the rows: the rows' values are the data
        elementwise.check_same_splits(op_name, data.row_splits, segment_ids.row_splits)
        return _segment_rows(op_name, data.values, segment_ids.values, num_segments, reducer)
    ids = convert_to_tensor(segment_ids)
    if ids.shape.rank != 1:
        raise ValueError(f"{op_name}: with ragged data, `segment_ids` must be a vector or ragged, got shape "
                         f"{ids.shape}")
    if not isinstance(data, RaggedTensor):
        return getattr(segment_ops, op_name)(data, ids, num_segments)
    kept = masking.nonzero_coordinates(comparison.greater_equal(ids, 0))[:, 0]  # negative ids drop their rows
    data, ids = gather_rows(data, kept), cast.cast(gather_scatter.gather(ids, kept), data.row_splits.dtype)
    return _segment_aggregate(data, ids, cast.cast(convert_to_tensor(num_segments), ids.dtype), reducer)


def _register_segment_reduction(api, reducer):
    @dispatch_for_api(api, RaggedTensor)
    def segment_reduce(data, segment_ids, num_segments, name=None):
        return _segment_rows(api.__name__, data, segment_ids, num_segments, reducer)
    segment_reduce.__name__ = api.__name__
    segment_reduce.__doc__ = (f"`tg.math.{api.__name__}` of the rows of a RaggedTensor (rows combine position by "
                              f"position; a negative id drops its row).")
    return segment_reduce


unsorted_segment_max = _register_segment_reduction(segment_ops.unsorted_segment_max, "max")
unsorted_segment_min = _register_segment_reduction(segment_ops.unsorted_segment_min, "min")
unsorted_segment_prod = _register_segment_reduction(segment_ops.unsorted_segment_prod, "prod")


def _scaled_segment_sum(op_name, data, segment_ids, num_segments, scale):
    total = _segment_rows(op_name, data, segment_ids, num_segments, "sum")
    ones = data.with_flat_values(creation.ones_like(data.flat_values))
    count = _segment_rows(op_name, ones, segment_ids, num_segments, "sum")
    if isinstance(total, RaggedTensor):
        return total.with_flat_values(total.flat_values / scale(count.flat_values))
    return total / scale(count)


@dispatch_for_api(segment_ops.unsorted_segment_mean, RaggedTensor)
def unsorted_segment_mean(data, segment_ids, num_segments, name=None):
    """`tg.math.unsorted_segment_mean` of the rows of a RaggedTensor: sums over counts, position by position."""
    return _scaled_segment_sum("unsorted_segment_mean", data, segment_ids, num_segments, lambda count: count)


@dispatch_for_api(segment_ops.unsorted_segment_sqrt_n, RaggedTensor)
def unsorted_segment_sqrt_n(data, segment_ids, num_segments, name=None):
    """`tg.math.unsorted_segment_sqrt_n` of the rows of a RaggedTensor: sums over the counts' square roots."""
    return _scaled_segment_sum("unsorted_segment_sqrt_n", data, segment_ids, num_segments, unary_math.sqrt)


@dispatch_for_api(reduction.reduce_mean, RaggedTensor)
def reduce_mean(input_tensor, axis=None, keepdims=False, name=None):
    """`tg.reduce_mean` of a RaggedTensor: the sum over `axis` divided by the number of values summed
    (NaN for an empty row of floats)."""
    total = reduction.reduce_sum(input_tensor, axis=axis, keepdims=keepdims)
    ones = input_tensor.with_flat_values(creation.ones_like(input_tensor.flat_values))
    count = reduction.reduce_sum(ones, axis=axis, keepdims=keepdims)
    return total / count  # the operator: `total` is ragged when an inner ragged axis was reduced
