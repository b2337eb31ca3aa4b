"""Gathers and scatters: gather, gather_nd, scatter_nd, tensor_scatter_nd_*, segment sums.

Gathers and scatters are adjoint to each other, so each one's gradient is the
other: `gather` ↔ `scatter_add_axis`, `gather_nd` ↔ `tensor_scatter_nd_add`.
Out-of-range indices raise `tg.errors.IndexOutOfRangeError`, as TF's CPU
kernels do (no wrap-around).
"""
import numpy as np

from . import array_ops, cast as cast_ops, comparison, creation, indexed_slices, shape_args
from .api_dispatch import add_dispatch_support
from .. import dtypes
from ..buffer_pool import BUFFERS, MIN_BYTES
from ..convert import convert_to_tensor
from ..core.dispatch import bind
from ..core.op import Op
from ..core.rules import normalize_axis, same_dtype, spec_of
from ..errors import IndexOutOfRangeError
from ..shape import TensorShape

__all__ = ["gather", "gather_nd", "scatter_nd", "tensor_scatter_nd_update", "tensor_scatter_nd_add"]


# ----- shared pieces of gathers and scatters --------------------------------------------------

def _check_index_dtype(op_name, spec, arg="indices"):
    if spec.dtype not in (dtypes.int32, dtypes.int64):
        raise TypeError(f"{op_name}: `{arg}` must be int32 or int64, got {spec.dtype.name}")


def _check_range(op_name, values, limit, what, shape):
    """IndexOutOfRangeError unless every index in `values` is in [0, limit)."""
    if values.size == 0:
        return
    low, high = int(values.min()), int(values.max())
    if low < 0 or high >= limit:
        bad = low if low < 0 else high
        raise IndexOutOfRangeError(f"{op_name}: index {bad} in {what} is out of range [0, {limit}) "
                                   f"(shape {tuple(shape)})")


def _add_at(xp, out, index, values):
    """out[index] += values, adding up repeated positions (NumPy's `add.at`; cupyx on a GPU)."""
    if xp is np:
        if isinstance(index, tuple) and all(np.size(i) == 1 for i in index):  # one position: `+=`, 5x faster
            out[index] += values
        else:
            np.add.at(out, index, values)
    else:
        import cupyx  # noqa: PLC0415 - only on a GPU
        cupyx.scatter_add(out, index, values)


def _batch_ranges(xp, batch_shape, total_rank):
    """Index arrays for the leading batch dims, shaped to broadcast over `total_rank` dims."""
    ranges = []
    for j, n in enumerate(batch_shape):
        shape = [1] * total_rank
        shape[j] = n
        ranges.append(xp.arange(n).reshape(shape))
    return ranges


def _merge_dims(op_name, a, b, what):
    """Two sizes of one dimension (None = unknown); ValueError if both known and different."""
    if a is not None and b is not None and a != b:
        raise ValueError(f"{op_name}: {what} differ: {a} vs {b}")
    return a if a is not None else b


# ----- gather ---------------------------------------------------------------------------------

def _gather_infer(params, indices, axis, batch_dims):
    _check_index_dtype("gather", indices)
    if params.shape.rank is None or indices.shape.rank is None:
        return spec_of(None, params.dtype)
    p, i = params.shape.as_list(), indices.shape.as_list()
    if not batch_dims <= axis < len(p) or batch_dims > len(i):
        raise ValueError(f"gather: axis {axis} and batch_dims {batch_dims} do not fit params of shape "
                         f"{params.shape} and indices of shape {indices.shape} "
                         f"(need batch_dims <= axis < rank(params), batch_dims <= rank(indices))")
    batch = [_merge_dims("gather", p[k], i[k], f"batch dimension {k} of params {params.shape} and "
                         f"indices {indices.shape}") for k in range(batch_dims)]
    return spec_of(batch + p[batch_dims:axis] + i[batch_dims:] + p[axis + 1:], params.dtype)


def _gather_index(xp, params_shape, indices, axis, batch_dims):
    """An index tuple with params[index] == gather(params, indices, axis, batch_dims)."""
    if batch_dims == 0:
        return (slice(None),) * axis + (indices,)
    middle = params_shape[batch_dims:axis]
    inner = indices.shape[batch_dims:]
    total = batch_dims + len(middle) + len(inner)
    index = _batch_ranges(xp, params_shape[:batch_dims], total)
    for j, n in enumerate(middle):
        shape = [1] * total
        shape[batch_dims + j] = n
        index.append(xp.arange(n).reshape(shape))
    index.append(indices.reshape(indices.shape[:batch_dims] + (1,) * len(middle) + inner))
    return tuple(index)


def _gather_impl(xp, params, indices, axis, batch_dims):
    _check_range("gather", indices, params.shape[axis], "indices", params.shape)
    if batch_dims == 0:
        if axis == 0 and indices.ndim == 0:  # one slice (a loop's step): take copies all of a strided `params`
            return params[int(indices)].copy()
        return xp.take(params, indices, axis=axis)
    return params[_gather_index(xp, params.shape, indices, axis, batch_dims)]


def _gather_grad(ctx, g):
    params, indices = ctx.inputs
    if ctx.attrs["axis"] == 0 and ctx.attrs["batch_dims"] == 0:  # TF's gradient is sparse then
        return indexed_slices.gather_gradient(g, params, indices), None
    zeros = creation.zeros_like(params)
    return scatter_add_axis(zeros, indices, g, ctx.attrs["axis"], ctx.attrs["batch_dims"]), None


def _scatter_add_axis_infer(base, indices, updates, axis, batch_dims):
    same_dtype("scatter_add_axis", base, updates)
    expected = _gather_infer(base, indices, axis=axis, batch_dims=batch_dims)
    if not expected.shape.is_compatible_with(updates.shape):
        raise ValueError(f"scatter_add_axis: `updates` must have shape {expected.shape}, got {updates.shape}")
    return spec_of(base.shape, base.dtype)


def _scatter_add_axis_impl(xp, base, indices, updates, axis, batch_dims):
    return _scatter_add_axis_in_place(xp, _copy(xp, base), indices, updates, axis, batch_dims)


def _scatter_add_axis_in_place(xp, base, indices, updates, axis, batch_dims):
    _check_range("scatter_add_axis", indices, base.shape[axis], "indices", base.shape)
    _add_at(xp, base, _gather_index(xp, base.shape, indices, axis, batch_dims), updates)
    return base


def _copy(xp, array):
    """A copy of `array` to update: a large one goes into a pooled buffer nothing else holds (a loop that
    writes one slice of a big buffer per step would otherwise page-fault a fresh copy every step)."""
    if array.nbytes < MIN_BYTES:
        return array.copy()
    out = BUFFERS.empty(xp, array.shape, array.dtype)
    out[...] = array
    return out


def _scatter_add_axis_grad(ctx, g):
    indices = ctx.inputs[1]
    return g, None, gather(g, indices, axis=ctx.attrs["axis"], batch_dims=ctx.attrs["batch_dims"])


_gather = Op("gather", infer=_gather_infer, impl=_gather_impl, grad=_gather_grad)
_scatter_add_axis = Op("scatter_add_axis", infer=_scatter_add_axis_infer, impl=_scatter_add_axis_impl,
                       grad=_scatter_add_axis_grad, update_in_place=_scatter_add_axis_in_place)


def _gather_axes(op_name, params, indices, axis, batch_dims):
    """`axis` and `batch_dims` made non-negative, TF-style (axis defaults to batch_dims)."""
    batch_dims = int(batch_dims)
    if batch_dims < 0:
        if indices.shape.rank is None:
            raise ValueError(f"{op_name}: negative batch_dims needs indices of known rank")
        batch_dims += indices.shape.rank
    if axis is None:
        axis = batch_dims
    axis = int(axis)
    if axis < 0:
        if params.shape.rank is None:
            raise ValueError(f"{op_name}: a negative axis needs params of known rank")
        axis += params.shape.rank
    if params.shape.rank is not None:
        normalize_axis(op_name, axis, params.shape.rank)
    return axis, batch_dims


@add_dispatch_support
def gather(params, indices, validate_indices=None, axis=None, batch_dims=0, name=None):
    """Slices of `params` along `axis` picked by `indices` (TF's `tf.gather`).

    The result has shape `params.shape[:axis] + indices.shape[batch_dims:] +
    params.shape[axis + 1:]`; the first `batch_dims` dimensions of `params` and
    `indices` are batch dimensions gathered in step. Indices must lie in
    `[0, params.shape[axis])`.
    """
    params = convert_to_tensor(params)
    indices = convert_to_tensor(indices)
    axis, batch_dims = _gather_axes("gather", params, indices, axis, batch_dims)
    return bind(_gather, [params, indices], {"axis": axis, "batch_dims": batch_dims})


def scatter_add_axis(base, indices, updates, axis=0, batch_dims=0):
    """`base` plus `updates` added at the slices `gather(base, indices, axis, batch_dims)` reads.

    The adjoint of `gather`; repeated indices add up.
    """
    base, updates = convert_to_tensor(base), convert_to_tensor(updates)
    indices = convert_to_tensor(indices)
    axis, batch_dims = _gather_axes("scatter_add_axis", base, indices, axis, batch_dims)
    return bind(_scatter_add_axis, [base, indices, updates], {"axis": axis, "batch_dims": batch_dims})


# ----- gather_nd and the nd scatters ----------------------------------------------------------

def _nd_result_shape(op_name, params, indices, batch_dims):
    """The shape gather_nd gives (None if it cannot be known yet); validates ranks."""
    if params.shape.rank is None or indices.shape.rank is None:
        return TensorShape(None)
    p, i = params.shape.as_list(), indices.shape.as_list()
    if len(i) < batch_dims + 1 or len(p) < batch_dims:
        raise ValueError(f"{op_name}: indices of shape {indices.shape} and params of shape {params.shape} "
                         f"are too small for batch_dims={batch_dims}")
    depth = i[-1]
    if depth is None:
        return TensorShape(None)
    if depth > len(p) - batch_dims:
        raise ValueError(f"{op_name}: the last dimension of indices ({depth}) must be at most the rank "
                         f"of params ({len(p)}) minus batch_dims ({batch_dims}); shapes {indices.shape} "
                         f"and {params.shape}")
    batch = [_merge_dims(op_name, p[k], i[k], f"batch dimension {k} of params {params.shape} and "
                         f"indices {indices.shape}") for k in range(batch_dims)]
    return TensorShape(batch + i[batch_dims:-1] + p[batch_dims + depth:])


def _gather_nd_infer(params, indices, batch_dims):
    _check_index_dtype("gather_nd", indices)
    return spec_of(_nd_result_shape("gather_nd", params, indices, batch_dims), params.dtype)


def _nd_index(xp, op_name, params_shape, indices, batch_dims):
    """The index tuple with params[index] == gather_nd(params, indices, batch_dims); range-checked."""
    depth = indices.shape[-1]
    for k in range(depth):
        _check_range(op_name, indices[..., k], params_shape[batch_dims + k], f"indices[..., {k}]",
                     params_shape)
    rank = indices.ndim - 1
    index = _batch_ranges(xp, params_shape[:batch_dims], rank)
    index.extend(indices[..., k] for k in range(depth))
    return tuple(index)


def _gather_nd_impl(xp, params, indices, batch_dims):
    return params[_nd_index(xp, "gather_nd", params.shape, indices, batch_dims)]


def _gather_nd_grad(ctx, g):
    params, indices = ctx.inputs
    zeros = creation.zeros_like(params)
    return bind(_scatter_nd_add, [zeros, indices, g], {"batch_dims": ctx.attrs["batch_dims"]}), None


def _scatter_nd_infer(op_name):
    def infer(tensor, indices, updates, batch_dims):
        _check_index_dtype(op_name, indices)
        same_dtype(op_name, tensor, updates)
        expected = _nd_result_shape(op_name, tensor, indices, batch_dims)
        if not expected.is_compatible_with(updates.shape):
            raise ValueError(f"{op_name}: `updates` must have shape {expected} for indices of shape "
                             f"{indices.shape} into a tensor of shape {tensor.shape}; got {updates.shape}")
        return spec_of(tensor.shape, tensor.dtype)
    return infer


def _scatter_nd_add_impl(xp, tensor, indices, updates, batch_dims):
    return _scatter_nd_add_in_place(xp, _copy(xp, tensor), indices, updates, batch_dims)


def _scatter_nd_add_in_place(xp, tensor, indices, updates, batch_dims):
    _add_at(xp, tensor, _nd_index(xp, "tensor_scatter_nd_add", tensor.shape, indices, batch_dims), updates)
    return tensor


def _scatter_nd_update_impl(xp, tensor, indices, updates, batch_dims):
    return _scatter_nd_update_in_place(xp, _copy(xp, tensor), indices, updates, batch_dims)


def _scatter_nd_update_in_place(xp, tensor, indices, updates, batch_dims):
    tensor[_nd_index(xp, "tensor_scatter_nd_update", tensor.shape, indices, batch_dims)] = updates
    return tensor


def _scatter_nd_add_grad(ctx, g):
    indices = ctx.inputs[1]
    return g, None, gather_nd(g, indices, batch_dims=ctx.attrs["batch_dims"])


def _scatter_nd_update_grad(ctx, g):
    _, indices, updates = ctx.inputs
    batch_dims = ctx.attrs["batch_dims"]
    # The rows are read before they are cleared: `g` then dies at the clearing, which may write into it.
    updates_grad = gather_nd(g, indices, batch_dims=batch_dims)
    cleared = bind(_scatter_nd_update, [g, indices, creation.zeros_like(updates)], {"batch_dims": batch_dims})
    return cleared, None, updates_grad


_gather_nd = Op("gather_nd", infer=_gather_nd_infer, impl=_gather_nd_impl, grad=_gather_nd_grad)
_scatter_nd_add = Op("tensor_scatter_nd_add", infer=_scatter_nd_infer("tensor_scatter_nd_add"),
                     impl=_scatter_nd_add_impl, grad=_scatter_nd_add_grad, update_in_place=_scatter_nd_add_in_place)
_scatter_nd_update = Op("tensor_scatter_nd_update", infer=_scatter_nd_infer("tensor_scatter_nd_update"),
                        impl=_scatter_nd_update_impl, grad=_scatter_nd_update_grad,
                        update_in_place=_scatter_nd_update_in_place)


def gather_nd(params, indices, batch_dims=0, name=None):
    """Slices of `params` picked by index vectors: the last axis of `indices` (TF's `tf.gather_nd`).

    The result has shape `indices.shape[:-1] + params.shape[batch_dims + K:]`,
    where K = `indices.shape[-1]`.
    """
    params = convert_to_tensor(params)
    indices = convert_to_tensor(indices)
    return bind(_gather_nd, [params, indices], {"batch_dims": _nd_batch_dims(indices, batch_dims)})


def _nd_batch_dims(indices, batch_dims):
    batch_dims = int(batch_dims)
    if batch_dims < 0:
        if indices.shape.rank is None:
            raise ValueError("gather_nd: negative batch_dims needs indices of known rank")
        batch_dims += indices.shape.rank
    return batch_dims


def _scatter_operands(tensor, indices, updates):
    tensor = convert_to_tensor(tensor)
    updates = convert_to_tensor(updates, dtype_hint=tensor.dtype)
    return tensor, convert_to_tensor(indices), updates


def tensor_scatter_nd_add(tensor, indices, updates, name=None):
    """A copy of `tensor` with `updates` added at `indices` (repeated indices add up)."""
    tensor, indices, updates = _scatter_operands(tensor, indices, updates)
    return bind(_scatter_nd_add, [tensor, indices, updates], {"batch_dims": 0})


def tensor_scatter_nd_update(tensor, indices, updates, name=None):
    """A copy of `tensor` with the elements or slices at `indices` replaced by `updates`.

    With repeated indices, which update wins is unspecified (as in TF).
    """
    tensor, indices, updates = _scatter_operands(tensor, indices, updates)
    return bind(_scatter_nd_update, [tensor, indices, updates], {"batch_dims": 0})


def _scatter_nd_dynamic_infer(indices, updates, shape):
    _check_index_dtype("scatter_nd", shape, arg="shape")
    length = shape.shape[0] if shape.shape.rank == 1 else None
    if shape.shape.rank not in (1, None):
        raise ValueError(f"scatter_nd: `shape` must be 1-D, got shape {shape.shape}")
    _check_index_dtype("scatter_nd", indices)
    return spec_of(None if length is None else [None] * length, updates.dtype)


def _scatter_nd_dynamic_impl(xp, indices, updates, shape):
    out = xp.zeros(tuple(int(d) for d in shape.tolist()), dtype=updates.dtype)
    _add_at(xp, out, _nd_index(xp, "scatter_nd", out.shape, indices, 0), updates)
    return out


_scatter_nd_dynamic = Op("scatter_nd", infer=_scatter_nd_dynamic_infer, impl=_scatter_nd_dynamic_impl,
                         grad=lambda ctx, g: (None, gather_nd(g, ctx.inputs[0]), None))


def scatter_nd(indices, updates, shape, name=None):
    """Zeros of `shape` with `updates` added at `indices` (repeated indices add up, as in TF)."""
    indices = convert_to_tensor(indices)
    updates = convert_to_tensor(updates)
    dims = shape_args.static_ints(shape)
    if dims is None:
        shape_tensor = shape_args.shape_argument("scatter_nd", shape)
        if shape_tensor.dtype != indices.dtype:
            shape_tensor = cast_ops.cast(shape_tensor, indices.dtype)
        return bind(_scatter_nd_dynamic, [indices, updates, shape_tensor])
    zeros = creation.zeros(dims, updates.dtype)
    return bind(_scatter_nd_add, [zeros, indices, updates], {"batch_dims": 0})


# ----- segment sums (tg.math) -----------------------------------------------------------------

def _segment_infer(data, ids, num_segments):
    _check_index_dtype("unsorted_segment_sum", ids, arg="segment_ids")
    if data.shape.rank is None or ids.shape.rank is None:
        return spec_of(None, data.dtype)
    k = ids.shape.rank
    if not data.shape[:k].is_compatible_with(ids.shape):
        raise ValueError(f"segment sum: `segment_ids` of shape {ids.shape} must match the leading "
                         f"dimensions of `data` of shape {data.shape}")
    return spec_of([num_segments] + data.shape.as_list()[k:], data.dtype)


def _segment_impl(xp, data, ids, num_segments):
    if num_segments is None:
        num_segments = int(ids.max()) + 1 if ids.size else 0
    if ids.size and int(ids.max()) >= num_segments:
        raise IndexOutOfRangeError(f"unsorted_segment_sum: segment id {int(ids.max())} is out of range "
                                   f"[0, {num_segments})")
    out = xp.zeros((num_segments,) + data.shape[ids.ndim:], dtype=data.dtype)
    keep = ids >= 0  # negative ids drop their data, as in TF
    _add_at(xp, out, ids[keep], data[keep])
    return out


def _segment_grad(ctx, g):
    data, ids = ctx.inputs
    valid = comparison.greater_equal(ids, 0)
    picked = gather(g, comparison.where(valid, ids, creation.zeros_like(ids)))
    for _ in range(picked.shape.rank - ids.shape.rank):
        valid = array_ops.expand_dims(valid, -1)
    return comparison.where(valid, picked, creation.zeros_like(picked)), None


_segment_sum = Op("unsorted_segment_sum", infer=_segment_infer, impl=_segment_impl, grad=_segment_grad)


def unsorted_segment_sum(data, segment_ids, num_segments, name=None):
    """Sums of the slices of `data` that share a segment id, for ids 0..num_segments-1.

    Slices with a negative id are dropped (TF's `tf.math.unsorted_segment_sum`).
    """
    data = convert_to_tensor(data)
    ids = convert_to_tensor(segment_ids)
    return bind(_segment_sum, [data, ids], {"num_segments": int(num_segments)})


def segment_sum(data, segment_ids, name=None):
    """Sums of the slices of `data` per (sorted) segment id; max(id) + 1 segments."""
    data = convert_to_tensor(data)
    ids = convert_to_tensor(segment_ids)
    return bind(_segment_sum, [data, ids], {"num_segments": None})
