"""Indexing: NumPy-style `tensor[...]`, gather/scatter, masks, slices, and their gradients.

A `tensor[...]` key is encoded as plain data so it can be an op attribute: a
tuple whose items are `("index", i)`, `("slice", start, stop, step)`,
`("newaxis",)`, `("ellipsis",)` or `("tensor", k)` for a scalar integer tensor
passed as the k-th extra input (slice bounds may be `("tensor", k)` too).
Boolean-mask and integer-list keys go to `boolean_mask` and `gather`, as NumPy
users expect.

Gathers and scatters are adjoint to each other, so each one's gradient is the
other: `gather` ↔ `scatter_add_axis`, `gather_nd` ↔ `tensor_scatter_nd_add`,
`boolean_mask` ↔ `boolean_mask_scatter`. Out-of-range indices raise
`tg.errors.IndexOutOfRangeError`, as TF's CPU kernels do (no wrap-around).
Output sizes that depend on data (masks, nonzero) are `None` in shape rules.
"""
import builtins

import numpy as np

from . import array_ops, comparison, creation
from .dispatch import bind
from .op import Op
from .rules import normalize_axis, same_dtype, spec_of
from .. import dtypes
from ..convert import convert_to_tensor, is_tensor_like
from ..errors import IndexOutOfRangeError, InvalidArgumentError
from ..shape import TensorShape

__all__ = ["getitem", "gather", "gather_nd", "boolean_mask", "scatter_nd", "tensor_scatter_nd_update",
           "tensor_scatter_nd_add", "slice", "strided_slice"]

# This module defines a public `slice` (TF's tf.slice), which shadows the builtin here.
_py_slice = builtins.slice
_FULL = _py_slice(None)


# ===== tensor[key] ===========================================================================

def encode_key(key):
    """Split a user key into (plain-data items, scalar index tensors)."""
    if not isinstance(key, tuple):
        key = (key,)
    items, tensors = [], []
    for k in key:
        if k is None:
            items.append(("newaxis",))
        elif k is Ellipsis:
            items.append(("ellipsis",))
        elif isinstance(k, _py_slice):
            items.append(("slice",) + tuple(_bound(b, tensors) for b in (k.start, k.stop, k.step)))
        elif is_tensor_like(k):
            t = convert_to_tensor(k)
            if t.shape.rank != 0 or not t.dtype.is_integer:
                raise TypeError(f"Only integers, slices, ellipsis, tg.newaxis and scalar integer "
                                f"tensors are valid indices, got a {t.dtype.name} tensor of shape {t.shape}")
            tensors.append(t)
            items.append(("tensor", len(tensors) - 1))
        elif _is_int(k):
            items.append(("index", int(k)))
        else:
            raise TypeError(f"Only integers, slices, ellipsis, tg.newaxis and scalar integer tensors "
                            f"are valid indices, got {k!r}")
    if sum(1 for i in items if i[0] == "ellipsis") > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    return tuple(items), tensors


def _is_int(value):
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, np.ndarray):
        return value.ndim == 0 and value.dtype.kind in "iu"
    return isinstance(value, (int, np.integer))


def _bound(value, tensors):
    if value is None or _is_int(value):
        return None if value is None else int(value)
    if is_tensor_like(value):
        t = convert_to_tensor(value)
        if t.shape.rank not in (0, None) or not t.dtype.is_integer:
            raise TypeError(f"slice bounds must be integers or scalar integer tensors, got a "
                            f"{t.dtype.name} tensor of shape {t.shape}")
        tensors.append(t)
        return ("tensor", len(tensors) - 1)
    raise TypeError(f"slice bounds must be integers or scalar integer tensors, got {value!r}")


def decode_key(items, index_values):
    """The NumPy index tuple for `items`, with tensor placeholders filled from `index_values`."""
    def value(v):
        return int(index_values[v[1]]) if isinstance(v, tuple) else v
    key = []
    for item in items:
        kind = item[0]
        if kind == "index":
            key.append(item[1])
        elif kind == "tensor":
            key.append(int(index_values[item[1]]))
        elif kind == "slice":
            key.append(_py_slice(value(item[1]), value(item[2]), value(item[3])))
        else:
            key.append(None if kind == "newaxis" else Ellipsis)
    return tuple(key)


def _expanded(items, shape):
    """Items with the ellipsis expanded to full slices (the rank must be known)."""
    rank = shape.rank
    consumed = sum(1 for i in items if i[0] in ("index", "tensor", "slice"))
    if consumed > rank:
        raise IndexOutOfRangeError(f"too many indices: {consumed} indices for a tensor of rank {rank} "
                                   f"(shape {shape})")
    out, filled = [], False
    for item in items:
        if item[0] == "ellipsis":
            out.extend([("slice", None, None, None)] * (rank - consumed))
            filled = True
        else:
            out.append(item)
    if not filled:
        out.extend([("slice", None, None, None)] * (rank - consumed))
    return out


def _getitem_infer(x, *index_specs, key):
    if x.shape.rank is None:
        return spec_of(None, x.dtype)
    dims, axis = [], 0
    for item in _expanded(key, x.shape):
        kind = item[0]
        if kind == "newaxis":
            dims.append(1)
            continue
        n = x.shape[axis]
        axis += 1
        if kind == "index":
            if n is not None and not -n <= item[1] < n:
                raise IndexOutOfRangeError(f"index {item[1]} is out of bounds for axis {axis - 1} "
                                           f"with size {n} (tensor shape {x.shape})")
        elif kind == "slice":
            dims.append(_slice_length(item, n))
    return spec_of(dims, x.dtype)


def _slice_length(item, n):
    _, start, stop, step = item
    if step == 0:
        raise ValueError("slice step cannot be zero")
    if any(isinstance(v, tuple) for v in (start, stop, step)) or n is None:
        return None
    return len(range(*_py_slice(start, stop, step).indices(n)))


def _getitem_impl(xp, x, *index_values, key):
    try:
        return x[decode_key(key, index_values)]
    except IndexError as error:
        raise IndexOutOfRangeError(f"{error} (tensor shape {tuple(x.shape)})") from None


def _getitem_grad(ctx, g):
    x, *indices = ctx.inputs
    return (bind(_getitem_scatter, [g, x, *indices], {"key": ctx.attrs["key"]}),) + (None,) * len(indices)


def _scatter_into_zeros(xp, g, x, *index_values, key):
    out = xp.zeros(x.shape, dtype=g.dtype)
    out[decode_key(key, index_values)] = g
    return out


_getitem = Op("getitem", infer=_getitem_infer, impl=_getitem_impl, grad=_getitem_grad)

# The adjoint of getitem: `g` written into zeros shaped like `x` (basic indexing never repeats).
_getitem_scatter = Op(
    "getitem_grad",
    infer=lambda g, x, *idx, key: spec_of(x.shape, g.dtype),
    impl=_scatter_into_zeros,
    grad=lambda ctx, gg: (bind(_getitem, [gg, *ctx.inputs[2:]], {"key": ctx.attrs["key"]}),)
    + (None,) * (len(ctx.inputs) - 1),
)


def getitem(tensor, key):
    """`tensor[key]` with NumPy semantics for ints, slices, `...`, `tg.newaxis`.

    A boolean key (tensor, array or list) selects like `tg.boolean_mask`; a list,
    array or tensor of integers gathers along the first axis (a list may hold
    negative indices, counted from the end as in NumPy).
    """
    x = convert_to_tensor(tensor)
    if _is_advanced(key):
        return _advanced_index(x, key)
    items, tensors = encode_key(key)
    if x.shape.rank is None and any(i[0] == "ellipsis" for i in items):
        raise ValueError("indexing with `...` needs a tensor of known rank")
    return bind(_getitem, [x, *tensors], {"key": items})


def _is_advanced(key):
    if isinstance(key, list):
        return True
    if isinstance(key, np.ndarray):
        return key.ndim > 0 or key.dtype == np.bool_
    return is_tensor_like(key) and convert_to_tensor(key).shape.rank not in (0, None)


def _advanced_index(x, key):
    if not is_tensor_like(key):
        array = np.asarray(key)
        if array.dtype == np.bool_:
            return boolean_mask(x, convert_to_tensor(array))
        if array.dtype.kind not in "iu" and array.size:
            raise TypeError(f"index lists must hold integers or bools, got {key!r}")
        return gather(x, convert_to_tensor(_wrapped_list_indices(array.astype(np.int64), x)))
    key = convert_to_tensor(key)
    if key.dtype.is_bool:
        return boolean_mask(x, key)
    if not key.dtype.is_integer:
        raise TypeError(f"index tensors must be bool or integer, got {key.dtype.name}")
    return gather(x, key)


def _wrapped_list_indices(indices, x):
    """Negative indices of a Python list count from the end, as in NumPy; checked here."""
    n = x.shape[0] if x.shape.rank else None
    if x.shape.rank == 0:
        raise IndexOutOfRangeError(f"cannot index a scalar (shape {x.shape}) with a list")
    if n is not None:
        bad = indices[(indices < -n) | (indices >= n)]
        if bad.size:
            raise IndexOutOfRangeError(f"index {int(bad.flat[0])} is out of bounds for axis 0 with "
                                       f"size {n} (tensor shape {x.shape})")
        indices = np.where(indices < 0, indices + n, indices)
    dtype = np.int32 if not indices.size or indices.max() <= np.iinfo(np.int32).max else np.int64
    return indices.astype(dtype)


# ===== shared pieces of gathers and scatters ===================================================

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


# ===== gather ================================================================================

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
        return (_FULL,) * axis + (indices,)
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
        return xp.take(params, indices, axis=axis)
    return params[_gather_index(xp, params.shape, indices, axis, batch_dims)]


def _gather_grad(ctx, g):
    params, indices = ctx.inputs
    zeros = creation.zeros_like(params)
    return scatter_add_axis(zeros, indices, g, ctx.attrs["axis"], ctx.attrs["batch_dims"]), None


def _scatter_add_axis_infer(base, indices, updates, axis, batch_dims):
    same_dtype("scatter_add_axis", base, updates)
    expected = _gather_infer(base, indices, axis=axis, batch_dims=batch_dims)
    if not expected.shape.is_compatible_with(updates.shape):
        raise ValueError(f"scatter_add_axis: `updates` must have shape {expected.shape}, got {updates.shape}")
    return spec_of(base.shape, base.dtype)


def _scatter_add_axis_impl(xp, base, indices, updates, axis, batch_dims):
    _check_range("scatter_add_axis", indices, base.shape[axis], "indices", base.shape)
    out = base.copy()
    _add_at(xp, out, _gather_index(xp, base.shape, indices, axis, batch_dims), updates)
    return out


def _scatter_add_axis_grad(ctx, g):
    indices = ctx.inputs[1]
    return g, None, gather(g, indices, axis=ctx.attrs["axis"], batch_dims=ctx.attrs["batch_dims"])


_gather = Op("gather", infer=_gather_infer, impl=_gather_impl, grad=_gather_grad)
_scatter_add_axis = Op("scatter_add_axis", infer=_scatter_add_axis_infer, impl=_scatter_add_axis_impl,
                       grad=_scatter_add_axis_grad)


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


# ===== gather_nd and the nd scatters =========================================================

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
    out = tensor.copy()
    _add_at(xp, out, _nd_index(xp, "tensor_scatter_nd_add", tensor.shape, indices, batch_dims), updates)
    return out


def _scatter_nd_update_impl(xp, tensor, indices, updates, batch_dims):
    out = tensor.copy()
    out[_nd_index(xp, "tensor_scatter_nd_update", tensor.shape, indices, batch_dims)] = updates
    return out


def _scatter_nd_add_grad(ctx, g):
    indices = ctx.inputs[1]
    return g, None, gather_nd(g, indices, batch_dims=ctx.attrs["batch_dims"])


def _scatter_nd_update_grad(ctx, g):
    _, indices, updates = ctx.inputs
    batch_dims = ctx.attrs["batch_dims"]
    cleared = bind(_scatter_nd_update, [g, indices, creation.zeros_like(updates)], {"batch_dims": batch_dims})
    return cleared, None, gather_nd(g, indices, batch_dims=batch_dims)


_gather_nd = Op("gather_nd", infer=_gather_nd_infer, impl=_gather_nd_impl, grad=_gather_nd_grad)
_scatter_nd_add = Op("tensor_scatter_nd_add", infer=_scatter_nd_infer("tensor_scatter_nd_add"),
                     impl=_scatter_nd_add_impl, grad=_scatter_nd_add_grad)
_scatter_nd_update = Op("tensor_scatter_nd_update", infer=_scatter_nd_infer("tensor_scatter_nd_update"),
                        impl=_scatter_nd_update_impl, grad=_scatter_nd_update_grad)


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
    dims = array_ops.static_ints(shape)
    if dims is None:
        shape_tensor = array_ops.shape_argument("scatter_nd", shape)
        if shape_tensor.dtype != indices.dtype:
            from .cast import cast  # noqa: PLC0415 - cast is a sibling; keep the import local
            shape_tensor = cast(shape_tensor, indices.dtype)
        return bind(_scatter_nd_dynamic, [indices, updates, shape_tensor])
    zeros = creation.zeros(dims, updates.dtype)
    return bind(_scatter_nd_add, [zeros, indices, updates], {"batch_dims": 0})


# ===== boolean masks and nonzero =============================================================

def _mask_infer(x, mask, axis):
    if mask.dtype != dtypes.bool:
        raise TypeError(f"boolean_mask: `mask` must be a bool tensor, got {mask.dtype.name}")
    if x.shape.rank is None or mask.shape.rank is None:
        return spec_of(None, x.dtype)
    k = mask.shape.rank
    covered = x.shape[axis:axis + k]
    if k == 0 or axis + k > x.shape.rank or not covered.is_compatible_with(mask.shape):
        raise ValueError(f"boolean_mask: the mask's shape {mask.shape} must match dimensions "
                         f"{axis}..{axis + k - 1} of the tensor's shape {x.shape}")
    dims = x.shape.as_list()
    return spec_of(dims[:axis] + [None] + dims[axis + k:], x.dtype)


def _mask_index(mask, axis):
    return (_FULL,) * axis + (mask,)


def _mask_scatter_impl(xp, g, mask, x, axis):
    out = xp.zeros(x.shape, dtype=g.dtype)
    out[_mask_index(mask, axis)] = g
    return out


def _mask_impl(xp, x, mask, axis):
    try:
        return x[_mask_index(mask, axis)]
    except IndexError:
        raise InvalidArgumentError(f"boolean_mask: the mask's shape {tuple(mask.shape)} must match "
                                   f"dimensions {axis}..{axis + mask.ndim - 1} of the tensor's shape "
                                   f"{tuple(x.shape)}") from None


_boolean_mask = Op(
    "boolean_mask", infer=_mask_infer, impl=_mask_impl,
    grad=lambda ctx, g: (bind(_mask_scatter, [g, ctx.inputs[1], ctx.inputs[0]], dict(ctx.attrs)), None),
)

# The adjoint of boolean_mask: `g` written into zeros shaped like `x` where the mask is true.
_mask_scatter = Op(
    "boolean_mask_scatter",
    infer=lambda g, mask, x, axis: spec_of(x.shape, g.dtype),
    impl=_mask_scatter_impl,
    grad=lambda ctx, gg: (bind(_boolean_mask, [gg, ctx.inputs[1]], dict(ctx.attrs)), None, None),
)


def boolean_mask(tensor, mask, axis=None, name="boolean_mask"):
    """The elements (or slices) of `tensor` where the k-D bool `mask` is true (TF's `tf.boolean_mask`).

    `mask` covers dimensions `axis .. axis + k - 1` of `tensor`; those collapse
    into one dimension whose size is the number of true values.
    """
    x = convert_to_tensor(tensor)
    mask = convert_to_tensor(mask)
    if mask.shape.rank == 0:
        raise ValueError("boolean_mask: `mask` cannot be a scalar")
    axis = 0 if axis is None else int(axis)
    if axis < 0:
        if x.shape.rank is None:
            raise ValueError("boolean_mask: a negative axis needs a tensor of known rank")
        axis += x.shape.rank
    return bind(_boolean_mask, [x, mask], {"axis": axis})


def _nonzero_infer(condition):
    rank = condition.shape.rank
    return spec_of([None, rank], dtypes.int64)


_nonzero = Op("nonzero_coordinates", infer=_nonzero_infer,
              impl=lambda xp, c: xp.argwhere(c),
              grad=lambda ctx, g: (None,))


def nonzero_coordinates(condition):
    """The int64 coordinates of the true (non-zero) elements of `condition`, shape [n, rank].

    Rows are in row-major order; this is `tg.where(condition)` with one argument.
    """
    return bind(_nonzero, [convert_to_tensor(condition)])


# ===== split_like (concat's gradient) ========================================================

def _split_like_infer(g, *refs, axis):
    specs = []
    for r in refs:
        if g.shape.rank is None:
            dims = None if r.shape.rank is None else [None] * r.shape.rank
            if dims is not None:
                dims[axis] = r.shape[axis]
        else:
            dims = g.shape.as_list()
            dims[axis] = r.shape[axis] if r.shape.rank is not None else None
        specs.append(spec_of(dims, g.dtype))
    return tuple(specs)


def _split_like_impl(xp, g, *refs, axis):
    cuts = np.cumsum([r.shape[axis] for r in refs])[:-1].tolist()
    return tuple(xp.split(g, cuts, axis=axis))


_split_like = Op("split_like", infer=_split_like_infer, impl=_split_like_impl, multiple_outputs=True,
                 grad=lambda ctx, *gs: (array_ops.concat(list(gs), ctx.attrs["axis"]),)
                 + (None,) * (len(ctx.inputs) - 1))


def split_like(g, inputs, axis):
    """`g` split along `axis` into pieces as long as each of `inputs` is there (concat's adjoint).

    Sizes known now give a static split; otherwise they are read at run time.
    """
    sizes = [t.shape[axis] if t.shape.rank is not None else None for t in inputs]
    if all(s is not None for s in sizes):
        return array_ops.split(g, sizes, axis=axis)
    return list(bind(_split_like, [g, *inputs], {"axis": axis}))


# ===== slice and strided_slice ===============================================================

def slice(input_, begin, size, name=None):  # noqa: A001 - TF's public name
    """The block of `input_` starting at `begin` with extent `size` (-1: to the end).

    Written as `input_[begin[0]:begin[0] + size[0], ...]`, so it differentiates
    like indexing. `begin` and `size` may be tensors computed while tracing.
    """
    x = convert_to_tensor(input_)
    begins = array_ops.static_ints(begin)
    sizes = array_ops.static_ints(size)
    rank = x.shape.rank
    if begins is not None and sizes is not None:
        _check_slice_args(x, begins, sizes)
        key = tuple(_py_slice(b, None if s == -1 else b + s) for b, s in zip(begins, sizes))
        return getitem(x, key)
    begin_parts = _scalar_parts("slice", begin, rank)
    size_parts = _scalar_parts("slice", size, rank)
    key = []
    for b, s in zip(begin_parts, size_parts):
        if is_tensor_like(s):
            # size -1 means "to the end"; a stop past the end does that in Python slicing.
            stop = comparison.where(comparison.less(s, 0), np.iinfo(np.int32).max, b + s)
        else:
            stop = None if int(s) == -1 else b + s
        key.append(_py_slice(b, stop))
    return getitem(x, tuple(key))


def _check_slice_args(x, begins, sizes):
    if len(begins) != len(sizes) or (x.shape.rank is not None and len(begins) != x.shape.rank):
        raise ValueError(f"slice: `begin` {begins} and `size` {sizes} must both have one entry per "
                         f"dimension of the input of shape {x.shape}")
    for axis, (b, s) in enumerate(zip(begins, sizes)):
        n = x.shape[axis] if x.shape.rank is not None else None
        if b < 0 or s < -1:
            raise InvalidArgumentError(f"slice: begin[{axis}] = {b} must be >= 0 and size[{axis}] = {s} "
                                       f">= -1")
        if n is not None and (b > n or (s != -1 and b + s > n)):
            raise InvalidArgumentError(f"slice: begin[{axis}] = {b} with size[{axis}] = {s} runs past "
                                       f"dimension {axis} of size {n} (input shape {x.shape})")


def _scalar_parts(op_name, value, rank):
    """A 1-D argument as a list of Python ints and scalar tensors (one per entry)."""
    if isinstance(value, (list, tuple)):
        return list(value)
    t = convert_to_tensor(value)
    if t.shape.rank != 1 or t.shape[0] is None:
        raise ValueError(f"{op_name}: a tensor argument must be 1-D of known length, got shape {t.shape}")
    return array_ops.unstack(t)


def strided_slice(input_, begin, end, strides=None, begin_mask=0, end_mask=0, ellipsis_mask=0,
                  new_axis_mask=0, shrink_axis_mask=0, var=None, name=None):
    """TF's `tf.strided_slice`: `input_[begin:end:strides]` with TF's bit masks.

    Bit i of `begin_mask`/`end_mask` ignores `begin[i]`/`end[i]`; of
    `ellipsis_mask` makes entry i an `...`; of `new_axis_mask` a `tg.newaxis`;
    of `shrink_axis_mask` an integer index `begin[i]`.
    """
    x = convert_to_tensor(input_)
    begins = _scalar_parts("strided_slice", begin, None)
    ends = _scalar_parts("strided_slice", end, None)
    steps = [1] * len(begins) if strides is None else _scalar_parts("strided_slice", strides, None)
    if not len(begins) == len(ends) == len(steps):
        raise ValueError(f"strided_slice: begin, end and strides must have one length, got "
                         f"{len(begins)}, {len(ends)}, {len(steps)}")
    key = []
    for i, (b, e, s) in enumerate(zip(begins, ends, steps)):
        bit = 1 << i
        if ellipsis_mask & bit:
            key.append(Ellipsis)
        elif new_axis_mask & bit:
            key.append(None)
        elif shrink_axis_mask & bit:
            key.append(b)
        else:
            key.append(_py_slice(None if begin_mask & bit else b, None if end_mask & bit else e, s))
    return getitem(x, tuple(key))


# ===== segment sums (tg.math) ================================================================

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
