"""Tensors made from nothing or from a shape: zeros, ones, fill, *_like."""
from .dispatch import bind
from .op import Op
from .rules import spec_of
from .. import dtypes
from ..context import state
from ..convert import convert_to_tensor
from ..shape import TensorShape

__all__ = ["zeros", "ones", "fill", "zeros_like", "ones_like", "full_shape", "one_hot_flat"]


def full_shape(op_name, shape):
    """A shape argument as a tuple of non-negative ints (ValueError naming the op otherwise)."""
    if hasattr(shape, "numpy") and not isinstance(shape, (list, tuple)):
        shape = shape.numpy().tolist()
    if isinstance(shape, TensorShape):
        shape = shape.as_list()
    if isinstance(shape, int) or hasattr(shape, "__index__"):
        shape = [shape]
    dims = tuple(int(d) for d in shape)
    if any(d < 0 for d in dims):
        raise ValueError(f"{op_name}: shape must not have negative dimensions, got {list(dims)}")
    return dims



_fill = Op(
    "fill",
    infer=lambda shape, dtype, value: spec_of(shape, dtype),
    impl=lambda xp, shape, dtype, value: xp.full(shape, value, dtype=dtype.numpy_dtype),
)

_fill_like = Op(
    "fill_like",
    infer=lambda x, value: spec_of(x.shape, x.dtype),
    impl=lambda xp, x, value: xp.full(x.shape, value, dtype=x.dtype),
    grad=lambda ctx, g: (None,),
)


def _xp():
    if state.device is not None and state.device.device_type == "GPU":
        import cupy  # noqa: PLC0415 - only with a GPU device
        return cupy
    import numpy  # noqa: PLC0415
    return numpy


def _constant_fill(op_name, shape, dtype, value):
    dtype = dtypes.as_dtype(dtype)
    shape = full_shape(op_name, shape)
    if state.graph is not None:
        return bind(_fill, [], {"shape": shape, "dtype": dtype, "value": value})
    from ..tensor import EagerTensor  # noqa: PLC0415
    return EagerTensor(_xp().full(shape, value, dtype=dtype.numpy_dtype))


def zeros(shape, dtype=dtypes.float32, name=None):
    """A tensor of zeros of the given shape and dtype."""
    return _constant_fill("zeros", shape, dtype, 0)


def ones(shape, dtype=dtypes.float32, name=None):
    """A tensor of ones of the given shape and dtype."""
    return _constant_fill("ones", shape, dtype, 1)


def fill(dims, value, name=None):
    """A tensor of shape `dims` filled with the scalar `value` (its dtype follows `value`)."""
    value = convert_to_tensor(value)
    if value.shape.rank != 0:
        raise ValueError(f"fill: `value` must be a scalar, got shape {value.shape}")
    return _constant_fill("fill", dims, value.dtype, value.numpy().item())


def _like(x, dtype, value):
    x = convert_to_tensor(x)
    if dtype is not None and dtypes.as_dtype(dtype) != x.dtype:
        from .cast import cast  # noqa: PLC0415 - cast imports creation indirectly
        x = cast(x, dtype)
    return bind(_fill_like, [x], {"value": value})


def zeros_like(input, dtype=None, name=None):  # noqa: A002 - TF's argument name
    """Zeros of the shape (and dtype, unless given) of `input`."""
    return _like(input, dtype, 0)


def ones_like(input, dtype=None, name=None):  # noqa: A002 - TF's argument name
    """Ones of the shape (and dtype, unless given) of `input`."""
    return _like(input, dtype, 1)


def one_hot_flat(index, n, dtype):
    """A length-`n` vector with a one at `index` (a constant; used to seed Jacobians)."""
    from ..tensor import EagerTensor  # noqa: PLC0415
    import numpy  # noqa: PLC0415
    row = numpy.zeros(n, dtype=dtypes.as_dtype(dtype).numpy_dtype)
    row[index] = 1
    return EagerTensor(row)
