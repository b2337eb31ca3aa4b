"""Shape-like arguments of ops: a reshape target, tile multiples, a broadcast shape, slice bounds.

Such an argument is an op attribute when its value is known now: Python ints,
lists, NumPy arrays, TensorShapes, eager tensors. Inside a traced function it
may be a symbolic tensor (`tg.shape(x)` of a tensor with unknown dimensions);
then a `*_dynamic` primitive takes it as an input tensor, and its shape rule
knows the rank (from the tensor's length or a hint) but not the sizes.
"""
import numpy as np

from . import join_split
from .. import dtypes
from ..convert import convert_to_tensor, is_tensor_like
from ..shape import TensorShape
from ..tensor import EagerTensor

__all__ = ["static_value", "static_ints", "shape_argument", "shape_hint", "check_shape_tensor",
           "dynamic_rank", "hinted_dims", "array_ints"]


def static_value(value):
    """`value` as Python data (an int or a nested list) if it is known now, else None.

    Known: Python numbers and lists of them, NumPy arrays, TensorShapes (None
    for unknown dims), eager tensors. A symbolic tensor anywhere makes it None.
    """
    if isinstance(value, TensorShape):
        return value.as_list()
    if is_tensor_like(value):
        t = convert_to_tensor(value)
        return t.numpy().tolist() if isinstance(t, EagerTensor) else None
    if isinstance(value, (np.ndarray, np.generic)):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        items = [static_value(v) for v in value]
        if any(i is None and v is not None for i, v in zip(items, value)):
            return None
        return items
    return value


def static_ints(value):
    """A 1-D shape-like argument as a tuple of ints if known now, else None (a scalar gives a 1-tuple)."""
    known = static_value(value)
    if known is None:
        return None
    return tuple(int(d) for d in (known if isinstance(known, list) else [known]))


def shape_argument(op_name, value):
    """A 1-D int32/int64 tensor from a shape-like argument that may hold symbolic tensors."""
    if isinstance(value, (list, tuple)):
        parts = [convert_to_tensor(v) if is_tensor_like(v) else v for v in value]
        dtype = next((p.dtype for p in parts if is_tensor_like(p)), dtypes.int32)
        parts = [p if is_tensor_like(p) else convert_to_tensor(-1 if p is None else p, dtype=dtype)
                 for p in parts]
        for p in parts:
            if p.shape.rank != 0:
                raise ValueError(f"{op_name}: each entry of a shape list must be a scalar, got one of "
                                 f"shape {p.shape}")
        result = join_split.stack(parts) if parts else convert_to_tensor(np.zeros([0], np.int32))
    else:
        result = convert_to_tensor(value)
    check_shape_tensor(op_name, result.spec)
    return result


def shape_hint(value):
    """The entries of a shape-like list that are known now (None elsewhere); None if not a list."""
    if not isinstance(value, (list, tuple)):
        return None
    hint = []
    for v in value:
        known = static_value(v)
        hint.append(int(known) if isinstance(known, (int, np.integer)) else None)
    return tuple(hint)


def check_shape_tensor(op_name, spec, arg="shape"):
    """TypeError/ValueError unless `spec` is a 1-D int32/int64 tensor (or of unknown rank)."""
    if spec.dtype not in (dtypes.int32, dtypes.int64):
        raise TypeError(f"{op_name}: `{arg}` must be an int32 or int64 tensor, got {spec.dtype.name}")
    if spec.shape.rank not in (1, None):
        raise ValueError(f"{op_name}: `{arg}` must be 1-D, got shape {spec.shape}")


def dynamic_rank(shape_spec, hint):
    """The result rank of a dynamic-shape op: from the hint or the shape tensor's length."""
    if hint is not None:
        return len(hint)
    return shape_spec.shape[0] if shape_spec.shape.rank == 1 else None


def hinted_dims(shape_spec, hint):
    """The result dims of a dynamic-shape op as far as the hint knows them; None if the rank is unknown."""
    n = dynamic_rank(shape_spec, hint)
    if n is None:
        return None
    return [None] * n if hint is None else [d if d is not None and d >= 0 else None for d in hint]


def array_ints(array):
    """A 1-D integer array (NumPy or CuPy) as a tuple of Python ints."""
    return tuple(int(d) for d in array.tolist())
