"""Tensors made from nothing or from a shape: zeros, ones, fill, *_like, eye, range, linspace, one_hot.

Ops that take only Python arguments (zeros, eye, range with Python bounds, ...)
compute their value at once; inside a traced function that value is a constant
the tracer captures, so its shape is known statically. Where a tensor argument
may be symbolic (fill's value, range's bounds, one_hot's indices, the `*_like`
ops whose input shape may be unknown until run time) the op is a primitive.
A shape computed while tracing (`tg.zeros(tg.shape(x))`, `tg.fill([n, 3], v)`)
is an input tensor of the `fill_dynamic` primitive, as in `shape_args`.
"""
import numpy as np

from . import array_ops, cast as cast_ops, join_split, reduction, shape_args
from .. import dtypes
from ..context import state
from ..convert import convert_to_tensor, is_tensor_like
from ..core.dispatch import bind
from ..core.op import Op
from ..core.rules import check_dtype, spec_of
from ..errors import InvalidArgumentError
from ..shape import TensorShape, shape_ints
from ..tensor import EagerTensor

__all__ = ["zeros", "ones", "fill", "zeros_like", "ones_like", "eye", "range", "linspace", "lin_space",
           "one_hot"]


def full_shape(op_name, shape):
    """A shape argument as a tuple of non-negative ints: TypeError for a dimension that is not an
    integer, ValueError for an unknown or negative one or too many elements (see `shape_ints`)."""
    if hasattr(shape, "numpy") and not isinstance(shape, (list, tuple)):
        dtype = dtypes.as_dtype(shape.dtype)
        if not dtype.is_integer:
            raise TypeError(f"{op_name}: shape must be an integer tensor, got {dtype.name}")
        shape = shape.numpy().tolist()
    if isinstance(shape, TensorShape):
        if not shape.is_fully_defined():
            raise ValueError(f"{op_name}: shape {shape} must be fully defined")
        shape = shape.as_list()
    if isinstance(shape, int) or hasattr(shape, "__index__"):
        shape = [shape]
    if any(d is None for d in shape):
        raise ValueError(f"{op_name}: shape {list(shape)} must not contain None")
    return shape_ints(op_name, shape)


def device_array_module():
    """The array module of the current `tg.device` (CuPy on a GPU, NumPy otherwise)."""
    if state.device is not None and state.device.device_type == "GPU":
        import cupy  # noqa: PLC0415 - only with a GPU device
        return cupy
    return np


# ----- zeros, ones, fill ---------------------------------------------------------------------

_fill = Op(
    "fill",
    infer=lambda shape, dtype, value: spec_of(shape, dtype),
    impl=lambda xp, shape, dtype, value: xp.full(shape, value, dtype=dtype.numpy_dtype),
)

_broadcast_scalar = Op(
    "broadcast_scalar",
    infer=lambda value, shape: spec_of(shape, value.dtype),
    impl=lambda xp, value, shape: xp.full(shape, value, dtype=value.dtype),
    grad=lambda ctx, g: (_sum_all(g),),
)

_fill_like = Op(
    "fill_like",
    infer=lambda x, value: spec_of(x.shape, x.dtype),
    impl=lambda xp, x, value: xp.full(x.shape, value, dtype=x.dtype),
    grad=lambda ctx, g: (None,),
)


def _sum_all(g):
    return reduction.reduce_sum(g)


def _fill_dynamic_infer(dims, value, hint):
    shape_args.check_shape_tensor("fill", dims, arg="dims")
    _check_scalar_value(value.shape)
    return spec_of(shape_args.hinted_dims(dims, hint), value.dtype)


def _fill_dynamic_impl(xp, dims, value, hint):
    shape = shape_args.array_ints(dims)
    if any(d < 0 for d in shape):
        raise InvalidArgumentError(f"fill: dims must not have negative dimensions, got {list(shape)}")
    return xp.full(shape, value, dtype=value.dtype)


# `dims` is a run-time shape (a 1-D int tensor); `hint` holds the entries known while tracing.
_fill_dynamic = Op("fill_dynamic", infer=_fill_dynamic_infer, impl=_fill_dynamic_impl,
                   grad=lambda ctx, g: (None, _sum_all(g)))


def _check_scalar_value(shape):
    if shape.rank not in (0, None):
        raise ValueError(f"fill: `value` must be a scalar, got shape {shape}")


def _is_run_time_shape(shape):
    """Whether a shape argument is computed while tracing (a symbolic tensor, or a list holding one)."""
    return shape_args.static_value(shape) is None


def _run_time_hint(op_name, shape):
    """The entries of a shape computed while tracing that are known now (see `shape_args.shape_hint`)."""
    if isinstance(shape, (list, tuple)) and any(d is None for d in shape):
        raise ValueError(f"{op_name}: shape {list(shape)} must not contain None")
    hint = shape_args.shape_hint(shape)
    if hint is not None and any(d is not None and d < 0 for d in hint):
        shown = list(shape) if isinstance(shape, (list, tuple)) else list(hint)
        raise ValueError(f"{op_name}: shape must not have negative dimensions, got {shown}")
    return hint


def _fill_run_time_shape(op_name, shape, value, hint):
    """`value` (a scalar tensor) filled into a shape known only at run time."""
    dims = shape_args.shape_argument(op_name, shape)
    return bind(_fill_dynamic, [dims, value], {"hint": hint})


def _constant_fill(op_name, shape, dtype, value):
    dtype = dtypes.as_dtype(dtype)
    if _is_run_time_shape(shape):
        hint = _run_time_hint(op_name, shape)
        if not shape_args.fully_known(hint):
            scalar = EagerTensor(np.full((), value, dtype=dtype.numpy_dtype))
            return _fill_run_time_shape(op_name, shape, scalar, hint)
        shape = hint  # computed while tracing, but every entry is known
    shape = full_shape(op_name, shape)
    if state.graph is not None:
        return bind(_fill, [], {"shape": shape, "dtype": dtype, "value": value})
    return EagerTensor(device_array_module().full(shape, value, dtype=dtype.numpy_dtype))


def zeros(shape, dtype=dtypes.float32, name=None):
    """A tensor of zeros of the given shape and dtype.

    `shape` may be a list (of ints and scalar int tensors), a TensorShape or a
    1-D int tensor; inside a traced function it may be computed at run time
    (e.g. `tg.shape(x)`): the result's static shape then has the sizes known
    while tracing (`tg.zeros(tg.shape(x))` has x's static shape), the others
    are known at run time.
    """
    return _constant_fill("zeros", shape, dtype, 0)


def ones(shape, dtype=dtypes.float32, name=None):
    """A tensor of ones of the given shape and dtype (`shape` as in `zeros`)."""
    return _constant_fill("ones", shape, dtype, 1)


def fill(dims, value, name=None):
    """A tensor of shape `dims` filled with the scalar `value` (its dtype follows `value`).

    `dims` is as `shape` in `zeros`, so it may be computed at run time.
    `value` may be a tensor; the gradient with respect to it is the sum of the
    incoming gradient.
    """
    value = convert_to_tensor(value)
    _check_scalar_value(value.shape)
    if _is_run_time_shape(dims):
        hint = _run_time_hint("fill", dims)
        if not shape_args.fully_known(hint):
            return _fill_run_time_shape("fill", dims, value, hint)
        dims = hint  # computed while tracing, but every entry is known
    return bind(_broadcast_scalar, [value], {"shape": full_shape("fill", dims)})


def _like(x, dtype, value):
    x = convert_to_tensor(x)
    if dtype is not None and dtypes.as_dtype(dtype) != x.dtype:
        x = cast_ops.cast(x, dtype)
    return bind(_fill_like, [x], {"value": value})


def zeros_like(input, dtype=None, name=None):  # noqa: A002 - TF's argument name
    """Zeros of the shape (and dtype, unless given) of `input`."""
    return _like(input, dtype, 0)


def ones_like(input, dtype=None, name=None):  # noqa: A002 - TF's argument name
    """Ones of the shape (and dtype, unless given) of `input`."""
    return _like(input, dtype, 1)


def one_hot_flat(index, n, dtype):
    """A length-`n` vector with a one at `index` (a constant; used to seed Jacobians)."""
    row = np.zeros(n, dtype=dtypes.as_dtype(dtype).numpy_dtype)
    row[index] = 1
    return EagerTensor(row)


# ----- eye -----------------------------------------------------------------------------------

def _static_int(op_name, arg, value):
    """A Python int from an int or a concrete scalar integer tensor."""
    if hasattr(value, "numpy"):
        value = value.numpy()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{op_name}: `{arg}` must be an integer, got {value!r}")
    return int(value)


def eye(num_rows, num_columns=None, batch_shape=None, dtype=dtypes.float32, name=None):
    """An identity matrix [num_rows, num_columns] (square by default), optionally batched.

    With `batch_shape` the result has shape batch_shape + [num_rows, num_columns].
    """
    rows = _static_int("eye", "num_rows", num_rows)
    columns = rows if num_columns is None else _static_int("eye", "num_columns", num_columns)
    if rows < 0 or columns < 0:
        raise ValueError(f"eye: num_rows and num_columns must be >= 0, got {rows} and {columns}")
    batch = () if batch_shape is None else full_shape("eye", batch_shape)
    xp = device_array_module()
    matrix = xp.eye(rows, columns, dtype=dtypes.as_dtype(dtype).numpy_dtype)
    if batch:
        matrix = xp.broadcast_to(matrix, batch + (rows, columns)).copy()
    return EagerTensor(matrix)


# ----- range ---------------------------------------------------------------------------------

_RANGE_DTYPES = (dtypes.int32, dtypes.int64, dtypes.float16, dtypes.bfloat16, dtypes.float32,
                 dtypes.float64)


def _range_length(start, limit, delta):
    """TF's element count, computed in the arguments' own dtype; errors as TF raises them."""
    if delta == 0:
        raise InvalidArgumentError(f"range: requires delta != 0, got delta = {delta}")
    if delta > 0 and start > limit:
        raise InvalidArgumentError(f"range: requires start <= limit when delta > 0, got {start} > {limit}")
    if delta < 0 and start < limit:
        raise InvalidArgumentError(f"range: requires start >= limit when delta < 0, got {start} < {limit}")
    if np.issubdtype(type(start), np.integer):
        return int((abs(int(limit) - int(start)) + abs(int(delta)) - 1) // abs(int(delta)))
    return int(np.ceil(np.abs((limit - start) / delta)))


def _range_impl(xp, start, limit, delta):
    # The bounds decide the output's size, so they are read on the host (CuPy: `.get()`).
    start, limit, delta = (np.asarray(v.get() if hasattr(v, "get") else v)[()] for v in (start, limit, delta))
    n = _range_length(start, limit, delta)
    # TF adds delta to a running value, so float results round exactly as a sequential sum.
    steps = np.full(n, delta, dtype=start.dtype)
    if n:
        steps[0] = start
    return xp.asarray(np.cumsum(steps, dtype=start.dtype))


def _range_infer(start, limit, delta):
    for arg, spec in (("start", start), ("limit", limit), ("delta", delta)):
        if spec.shape.rank not in (0, None):
            raise ValueError(f"range: `{arg}` must be a scalar, got shape {spec.shape}")
    return spec_of([None], start.dtype)


_range = Op("range", infer=_range_infer, impl=_range_impl)


def _range_dtype(args, dtype):
    """`dtype`, else the widest of the arguments' dtypes (TF's order: int32 < int64 < floats)."""
    candidates = [dtypes.as_dtype(dtype)] if dtype is not None else [a.dtype for a in args]
    for candidate in candidates:
        if candidate not in _RANGE_DTYPES:
            raise TypeError(f"range: dtype must be int32, int64 or floating, got {candidate.name}")
    return max(candidates, key=_RANGE_DTYPES.index)


def range(start, limit=None, delta=1, dtype=None, name="range"):  # noqa: A001 - TF's public name
    """The numbers start, start + delta, ... up to but excluding `limit`, like Python's range.

    `tg.range(n)` counts from 0. Without `dtype`, the result is the widest of
    the arguments' dtypes: int32 for Python ints, float32 once a Python float
    is involved (int64/float64 tensors widen it). Float results are a running
    sum start + delta + delta + ..., rounded as TF rounds them.
    """
    if limit is None:
        start, limit = 0, start
    requested = None if dtype is None else dtypes.as_dtype(dtype)
    args = [convert_to_tensor(a) if is_tensor_like(a) else convert_to_tensor(a, dtype=requested)
            for a in (start, limit, delta)]
    target = _range_dtype(args, dtype)
    args = [cast_ops.cast(a, target) for a in args]
    if all(isinstance(a, EagerTensor) for a in args):
        values = _range_impl(np, *(np.asarray(a.numpy()) for a in args))
        return EagerTensor(device_array_module().asarray(values))
    return bind(_range, args)


# ----- linspace ------------------------------------------------------------------------------

def linspace(start, stop, num, name=None, axis=0):
    """`num` evenly spaced values from `start` to `stop`, both included.

    `start` and `stop` may be tensors (of one shape); the values then run along
    a new `axis` of the result. Integer endpoints give float64, as in TF.
    Inner values are start + delta * i with delta = (stop - start) / (num - 1),
    computed in the result's dtype; the endpoints are exact.
    """
    start = convert_to_tensor(start)
    stop = convert_to_tensor(stop, dtype_hint=start.dtype)
    if stop.dtype != start.dtype:
        raise TypeError(f"linspace: `start` is {start.dtype.name} but `stop` is {stop.dtype.name}")
    if start.dtype.is_integer:
        start, stop = cast_ops.cast(start, dtypes.float64), cast_ops.cast(stop, dtypes.float64)
    check_dtype("linspace", start.spec, "float", arg="start")
    num = _static_int("linspace", "num", num)
    if num < 0:
        raise InvalidArgumentError(f"linspace: `num` must be >= 0, got {num}")
    if start.shape != stop.shape:
        start, stop = start + zeros_like(stop), stop + zeros_like(start)
    rank = start.shape.rank
    if rank is None:
        raise ValueError("linspace: `start` and `stop` need a known rank")
    if not -rank - 1 <= axis <= rank:
        raise ValueError(f"linspace: axis {axis} is out of range for a result of rank {rank + 1}")
    axis = axis % (rank + 1)
    first, last = array_ops.expand_dims(start, axis), array_ops.expand_dims(stop, axis)
    if num <= 1:
        key = (slice(None),) * axis + (slice(0, num),)
        return first[key]
    delta = (last - first) / (num - 1)
    inner_shape = [1] * (rank + 1)
    inner_shape[axis] = num - 2
    counts = np.arange(1, num - 1, dtype=start.dtype.numpy_dtype).reshape(inner_shape)
    inner = first + delta * convert_to_tensor(counts)
    return join_split.concat([first, inner, last], axis)


lin_space = linspace


# ----- one_hot -------------------------------------------------------------------------------

def _one_hot_infer(indices, on_value, off_value, depth, axis):
    check_dtype("one_hot", indices, "integer", arg="indices")
    if on_value.dtype != off_value.dtype:
        raise TypeError(f"one_hot: on_value is {on_value.dtype.name} but off_value is {off_value.dtype.name}")
    if indices.shape.rank is None:
        return spec_of(None, on_value.dtype)
    dims = list(indices.shape.as_tuple())
    dims.insert(len(dims) if axis == -1 else axis, depth)
    return spec_of(dims, on_value.dtype)


def _one_hot_impl(xp, indices, on_value, off_value, depth, axis):
    hot = indices[..., None] == xp.arange(depth)
    out = xp.where(hot, on_value, off_value)
    return out if axis == -1 else xp.moveaxis(out, -1, axis)


_one_hot = Op("one_hot", infer=_one_hot_infer, impl=_one_hot_impl, grad=lambda ctx, g: (None, None, None))


def _one_hot_dtype(on_value, off_value, dtype):
    """TF's rule: `dtype`, else on_value's dtype, else off_value's, else float32."""
    if dtype is not None:
        return dtypes.as_dtype(dtype)
    for value in (on_value, off_value):
        if value is not None:
            return convert_to_tensor(value).dtype
    return dtypes.float32


def _one_hot_value(value, default, dtype, arg):
    if value is None:
        return convert_to_tensor(np.array(default, dtype=dtype.numpy_dtype))
    tensor = convert_to_tensor(value, dtype_hint=dtype)
    if tensor.dtype != dtype:
        raise TypeError(f"one_hot: dtype {tensor.dtype.name} of {arg} does not match dtype {dtype.name}")
    if tensor.shape.rank not in (0, None):
        raise ValueError(f"one_hot: {arg} must be a scalar, got shape {tensor.shape}")
    return tensor


def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None, name=None):
    """Vectors of length `depth` with `on_value` at each index and `off_value` elsewhere.

    The new axis goes last by default (`axis=-1`), or at `axis`. Indices
    outside [0, depth) give a vector of all `off_value`. The dtype is `dtype`,
    else that of `on_value` or `off_value`, else float32. Not differentiable.
    """
    indices = convert_to_tensor(indices)
    depth = _static_int("one_hot", "depth", depth)
    if depth < 0:
        raise ValueError(f"one_hot: depth must be >= 0, got {depth}")
    dtype = _one_hot_dtype(on_value, off_value, dtype)
    on = _one_hot_value(on_value, 1, dtype, "on_value")
    off = _one_hot_value(off_value, 0, dtype, "off_value")
    axis = -1 if axis is None else int(axis)
    rank = indices.shape.rank
    if axis < -1 or (rank is not None and axis > rank):
        raise ValueError(f"one_hot: axis {axis} is out of range for indices of rank {rank}; "
                         f"expected -1 or 0..{rank}")
    if rank is not None and axis == rank:
        axis = -1
    return bind(_one_hot, [indices, on, off], {"depth": depth, "axis": axis})
