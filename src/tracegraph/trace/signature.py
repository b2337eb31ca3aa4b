"""Call signatures: binding arguments, cache keys, leaf names, and `input_signature` checks.

A call's arguments are bound to the Python function's parameters (defaults
applied) and described leaf by leaf, as TF does: tensors by (dtype, shape),
Variables by identity, Python scalars and strings by type and value (so `1`,
`1.0` and `True` differ), other hashable objects by value, unhashable ones by
identity, and nested lists/tuples/dicts by their structure.
"""
import inspect
import numbers

import numpy as np

from .. import nest
from ..convert import convert_to_tensor
from ..spec import TensorSpec
from ..tensor import Tensor
from .errors import InputSignatureError

__all__ = ["TENSOR", "bind_arguments", "describe", "structure_key", "leaf_names", "is_variable", "sorted_keys",
           "check_against_spec", "format_leaf", "format_value", "python_signature"]

TENSOR = "tensor"


def is_variable(value):
    """True for a tg.Variable (without importing the variable module here)."""
    return hasattr(value, "_array") and hasattr(value, "assign_add")


def python_signature(fn):
    """`inspect.signature` of `fn`, with a clear error for callables without one."""
    try:
        return inspect.signature(fn)
    except (TypeError, ValueError) as error:
        raise TypeError(f"tg.function cannot read the signature of {fn!r}: {error}") from None


def bind_arguments(py_signature, args, kwargs, function_name):
    """The call bound to the parameters (`inspect.BoundArguments`), defaults applied."""
    try:
        bound = py_signature.bind(*args, **kwargs)
    except TypeError as error:
        raise TypeError(f"{function_name}: {error}") from None
    bound.apply_defaults()
    return bound


def describe(value):
    """How one leaf enters the cache key (hashable)."""
    if isinstance(value, Tensor):
        return (TENSOR, value.dtype, value.shape.as_tuple())
    if isinstance(value, TensorSpec):
        return (TENSOR, value.dtype, value.shape.as_tuple())
    if is_variable(value):
        return ("variable", id(value))
    if value is None or isinstance(value, (str, bytes, bool, numbers.Number)):
        return ("python", type(value), value)
    try:
        hash(value)
    except TypeError:
        return ("id", id(value))
    return ("object", type(value), value)


def structure_key(value):
    """A hashable description of a nested argument: its structure and leaf descriptions."""
    if isinstance(value, dict):
        return (type(value), tuple((k, structure_key(value[k])) for k in sorted_keys(value)))
    if isinstance(value, (list, tuple)):
        return (type(value), tuple(structure_key(v) for v in value))
    return describe(value)


def sorted_keys(mapping):
    """A dict's keys in the order `nest.flatten` visits them."""
    try:
        return sorted(mapping)
    except TypeError:
        return sorted(mapping, key=repr)


def leaf_names(name, value):
    """A readable name for each leaf of `value`, in `nest.flatten` order: `x`, `d_a`, `pair_0`."""
    if isinstance(value, dict):
        return [n for k in sorted_keys(value) for n in leaf_names(f"{name}_{k}", value[k])]
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return [n for field, v in zip(value._fields, value) for n in leaf_names(f"{name}_{field}", v)]
    if isinstance(value, (list, tuple)):
        return [n for i, v in enumerate(value) for n in leaf_names(f"{name}_{i}", v)]
    return [name]


def check_against_spec(where, value, spec, allow_specs=False):
    """`value` converted to a tensor matching `spec` (nests of specs too); InputSignatureError if it does not.

    `where` names the argument in messages. With `allow_specs`, a TensorSpec
    compatible with `spec` is accepted as it is (for `get_concrete_function`).
    """
    if nest.is_nested(spec):
        try:
            nest.assert_same_structure(spec, value, check_types=False)
        except (TypeError, ValueError) as error:
            raise InputSignatureError(f"{where}: expected the structure {format_value(spec)}, but "
                                      f"received {format_value(value)} ({error})") from None
        flat = [check_against_spec(where, v, s, allow_specs)
                for v, s in zip(nest.flatten(value), nest.flatten(spec))]
        return nest.pack_sequence_as(spec, flat)
    if allow_specs and isinstance(value, TensorSpec):
        _check_compatible(where, value, spec)
        return value
    if not isinstance(value, Tensor):
        try:
            value = convert_to_tensor(value, dtype_hint=spec.dtype)
        except (TypeError, ValueError) as error:
            raise InputSignatureError(f"{where}: expected a tensor of {spec!r}, but received "
                                      f"{value!r}, which is not convertible ({error})") from None
    _check_compatible(where, value, spec)
    return value


def _check_compatible(where, value, spec):
    if value.dtype != spec.dtype:
        raise InputSignatureError(f"{where}: expected a tensor of {spec!r}, but received "
                                  f"{format_leaf(value)} (dtype {value.dtype.name} is not "
                                  f"{spec.dtype.name})")
    if not spec.shape.is_compatible_with(value.shape):
        raise InputSignatureError(f"{where}: expected a tensor of {spec!r}, but received "
                                  f"{format_leaf(value)} (shape {value.shape} is not compatible with "
                                  f"{spec.shape})")


def format_leaf(value):
    """How a leaf reads in messages: a TensorSpec for tensors, the name of a Variable, else repr."""
    if isinstance(value, Tensor):
        return repr(TensorSpec(value.shape, value.dtype))
    if isinstance(value, TensorSpec):
        return repr(value)
    if is_variable(value):
        return f"tg.Variable {value.name!r}"
    return repr(value)


def format_value(value):
    """A possibly nested value with its leaves shown by `format_leaf`."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {format_value(value[k])}" for k in sorted_keys(value)) + "}"
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        items = ", ".join(f"{f}={format_value(v)}" for f, v in zip(value._fields, value))
        return f"{type(value).__name__}({items})"
    if isinstance(value, (list, tuple)):
        items = ", ".join(format_value(v) for v in value)
        return f"[{items}]" if isinstance(value, list) else f"({items}{',' if len(value) == 1 else ''})"
    if isinstance(value, np.ndarray):
        return f"array(shape={value.shape}, dtype={value.dtype})"
    return format_leaf(value)
