"""Call signatures: canonical arguments, cache keys, and `input_signature` checking.

A call's arguments are bound to the Python function's parameters (defaults
applied) and described leaf by leaf, as TF does: tensors by (dtype, shape),
Variables by identity, Python scalars and strings by value, other objects by
hash or identity, nested lists/tuples/dicts by structure.
"""
import inspect
import numbers

import numpy as np

from .. import nest
from ..convert import convert_to_tensor
from ..spec import TensorSpec
from ..tensor import Tensor

__all__ = ["bind_arguments", "describe", "TENSOR", "is_variable", "check_against_signature",
           "format_leaf"]

TENSOR = "tensor"


def is_variable(value):
    return hasattr(value, "_array") and hasattr(value, "assign_add")


def bind_arguments(py_signature, args, kwargs):
    """The call's arguments as an ordered dict name -> value, defaults applied."""
    try:
        bound = py_signature.bind(*args, **kwargs)
    except TypeError as error:
        raise TypeError(f"{error} (calling a tg.function)") from None
    bound.apply_defaults()
    return bound.arguments


def describe(value):
    """(key part, spec or None): how one leaf enters the cache key.

    Tensors (and NumPy arrays, which are converted) are described by their
    spec; everything else by value, hash or identity.
    """
    if isinstance(value, Tensor):
        return (TENSOR, value.dtype.numpy_dtype, value.shape.as_tuple()), TensorSpec(value.shape, value.dtype)
    if isinstance(value, TensorSpec):
        return (TENSOR, value.dtype.numpy_dtype, value.shape.as_tuple()), value
    if isinstance(value, np.ndarray):
        return describe(convert_to_tensor(value))
    if is_variable(value):
        return ("variable", id(value)), None
    if value is None or isinstance(value, (str, bytes, bool, numbers.Number)):
        return ("py", type(value).__name__, value), None
    try:
        hash(value)
        return ("obj", value), None
    except TypeError:
        return ("id", id(value)), None


def structure_key(value):
    """A hashable description of a nested argument: its structure and leaf descriptions."""
    if isinstance(value, dict):
        return ("dict", tuple((k, structure_key(value[k])) for k in sorted(value, key=repr)))
    if isinstance(value, (list, tuple)):
        kind = type(value).__name__ if not isinstance(value, list) else "list"
        return (kind, tuple(structure_key(v) for v in value))
    return describe(value)[0]


def format_leaf(value):
    """How a leaf reads in messages: a spec for tensors, repr for Python values."""
    if isinstance(value, (Tensor, TensorSpec)):
        return f"TensorSpec(shape={value.shape}, dtype={value.dtype!r})"
    if is_variable(value):
        return f"Variable {value.name!r}"
    return repr(value)


def check_against_signature(name, value, spec):
    """Convert `value` for the parameter `name` with spec `spec`; clear error on mismatch."""
    if isinstance(spec, TensorSpec):
        try:
            tensor = convert_to_tensor(value, dtype_hint=spec.dtype) if not isinstance(value, Tensor) else value
        except (TypeError, ValueError) as error:
            raise TypeError(f"argument `{name}`: expected {spec!r}, got {value!r} ({error})") from None
        if tensor.dtype != spec.dtype:
            raise TypeError(f"argument `{name}`: expected a tensor of {spec!r}, but received "
                            f"{format_leaf(tensor)} (dtype {tensor.dtype.name} != {spec.dtype.name})")
        if not spec.shape.is_compatible_with(tensor.shape):
            raise ValueError(f"argument `{name}`: expected a tensor of {spec!r}, but received "
                             f"{format_leaf(tensor)} (shape {tensor.shape} is not compatible with "
                             f"{spec.shape})")
        return tensor
    if nest.is_nested(spec):
        try:
            nest.assert_same_structure(spec, value, check_types=False)
        except (TypeError, ValueError) as error:
            raise ValueError(f"argument `{name}`: its structure does not match the input_signature "
                             f"{spec!r}: {error}") from None
        flat = [check_against_signature(name, v, s) for v, s in zip(nest.flatten(value), nest.flatten(spec))]
        return nest.pack_sequence_as(spec, flat)
    raise TypeError(f"input_signature entries must be tg.TensorSpec or nests of them, got {spec!r}")


def python_signature(fn):
    """`inspect.signature` of `fn`, with a clear error for builtins."""
    try:
        return inspect.signature(fn)
    except (TypeError, ValueError) as error:
        raise TypeError(f"tg.function cannot read the signature of {fn!r}: {error}") from None
