"""Indexing: NumPy-style `tensor[key]`, TF's `slice` and `strided_slice`, and their gradients.

A `tensor[key]` key is encoded as plain data so it can be an op attribute: a
tuple whose items are `("index", i)`, `("slice", start, stop, step)`,
`("newaxis",)`, `("ellipsis",)` or `("tensor", k)` for a scalar integer tensor
passed as the k-th extra input (slice bounds may be `("tensor", k)` too).
Boolean-mask and integer-list keys go to `boolean_mask` and `gather`, as NumPy
users expect. `slice` and `strided_slice` are written as `tensor[key]`, so
they differentiate like indexing.
"""
import builtins

import numpy as np

from . import comparison, gather_scatter, join_split, masking, shape_args
from ..convert import convert_to_tensor, is_tensor_like
from ..core.dispatch import bind
from ..core.op import Op
from ..core.rules import spec_of
from ..errors import IndexOutOfRangeError, InvalidArgumentError
# Re-exported: `comparison.where` imports it from here (its home is masking).

__all__ = ["getitem", "slice", "strided_slice"]

# This module defines a public `slice` (TF's tf.slice), which shadows the builtin here.
_py_slice = builtins.slice


# ----- tensor[key] ----------------------------------------------------------------------------

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
        result = x[decode_key(key, index_values)]
    except IndexError as error:
        raise IndexOutOfRangeError(f"{error} (tensor shape {tuple(x.shape)})") from None
    if x.dtype == object and not isinstance(result, np.ndarray):
        return np.array(result, dtype=object)  # one string: NumPy gives the bare bytes, a plan needs an array
    return result


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
            return masking.boolean_mask(x, convert_to_tensor(array))
        if array.dtype.kind not in "iu" and array.size:
            raise TypeError(f"index lists must hold integers or bools, got {key!r}")
        indices = _wrapped_list_indices(array.astype(np.int64), x)
        return gather_scatter.gather(x, convert_to_tensor(indices))
    key = convert_to_tensor(key)
    if key.dtype.is_bool:
        return masking.boolean_mask(x, key)
    if not key.dtype.is_integer:
        raise TypeError(f"index tensors must be bool or integer, got {key.dtype.name}")
    return gather_scatter.gather(x, key)


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


# ----- slice and strided_slice ----------------------------------------------------------------

def slice(input_, begin, size, name=None):  # noqa: A001 - TF's public name
    """The block of `input_` starting at `begin` with extent `size` (-1: to the end).

    Written as `input_[begin[0]:begin[0] + size[0], ...]`, so it differentiates
    like indexing. `begin` and `size` may be tensors computed while tracing.
    """
    x = convert_to_tensor(input_)
    begins = shape_args.static_ints(begin)
    sizes = shape_args.static_ints(size)
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
    return join_split.unstack(t)


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
