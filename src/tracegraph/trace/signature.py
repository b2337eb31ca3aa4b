"""Call signatures: binding arguments, cache keys, leaf names, and `input_signature` checks.

A call's arguments are bound to the Python function's parameters (defaults
applied) and described leaf by leaf, as TF does: tensors by (dtype, shape),
Variables by identity, Python scalars and strings by type and value (so `1`,
`1.0` and `True` differ), other hashable objects by value, unhashable ones by
identity, and nested lists/tuples/dicts by their structure.

An `input_signature` is matched to the parameters as TF 2 matches it: its specs
go to the parameters in order (positional ones, then keyword-only ones), and
`*args` takes all the specs that remain, one per extra positional argument. A
parameter left without a spec keeps its default value; `**kwargs` is unused.
"""
import inspect
import numbers

import numpy as np

from .. import nest
from ..convert import convert_to_tensor
from ..spec import TensorSpec
from ..tensor import Tensor
from ..type_spec import CompositeTensor, TypeSpec
from ..variable_base import is_variable
from .errors import InputSignatureError

__all__ = ["TENSOR", "COMPOSITE", "leaf_spec", "input_signature_slots", "signature_call", "bind_arguments", "describe", "structure_key",
           "leaf_names", "sorted_keys", "check_against_spec", "format_leaf", "format_value",
           "python_signature"]

TENSOR = "tensor"
COMPOSITE = "composite"


def python_signature(fn):
    """`inspect.signature` of `fn`, with a clear error for callables without one."""
    try:
        return inspect.signature(fn)
    except (TypeError, ValueError) as error:
        raise TypeError(f"tg.function cannot read the signature of {fn!r}: {error}") from None


def input_signature_slots(py_signature, input_signature, function_name):
    """The specs of `input_signature` by parameter name, assigned as TF assigns them.

    Specs go to the parameters in order; `*args` takes the remaining specs as a
    tuple (it then needs exactly that many values); `self` and `**kwargs` take
    none. TypeError, as in TF, for a parameter without a spec or default, a
    keyword-only parameter without a default, or specs left over.
    """
    specs = list(input_signature)
    slots = {}
    for name, param in py_signature.parameters.items():
        if param.kind is param.KEYWORD_ONLY and param.default is param.empty:
            raise TypeError(f"{function_name}: with an input_signature, the keyword-only parameter `{name}` "
                            f"must have a default value")
        if name == "self" or param.kind is param.VAR_KEYWORD:
            continue
        if param.kind is param.VAR_POSITIONAL:
            slots[name], specs = tuple(specs), []
        elif specs:
            slots[name] = specs.pop(0)
        elif param.default is param.empty:
            raise TypeError(f"{function_name}: the input_signature has no TensorSpec for the parameter "
                            f"`{name}`, which has no default value")
    if specs:
        raise TypeError(f"{function_name}: the input_signature has {len(specs)} more TensorSpec(s) than "
                        f"the function has parameters for: {specs}")
    return slots


def signature_call(py_signature, slots):
    """(args, kwargs) calling the function with the specs in `slots` (for get_concrete_function())."""
    args, kwargs = [], {}
    for name, spec in slots.items():
        kind = py_signature.parameters[name].kind
        if kind is inspect.Parameter.VAR_POSITIONAL:
            args.extend(spec)
        elif kind is inspect.Parameter.KEYWORD_ONLY:
            kwargs[name] = spec
        else:
            args.append(spec)
    return tuple(args), kwargs


def bind_arguments(py_signature, args, kwargs, function_name, slots=None):
    """The call bound to the parameters (`inspect.BoundArguments`), defaults applied.

    With `slots` (from `input_signature_slots`), arguments the input_signature
    does not cover must keep their defaults (TypeError otherwise, as in TF).
    """
    try:
        bound = py_signature.bind(*args, **kwargs)
    except TypeError as error:
        raise TypeError(f"{function_name}: {error}") from None
    if slots is not None:
        _check_uncovered_arguments(py_signature, bound.arguments, kwargs, slots, function_name)
    bound.apply_defaults()
    return bound


def _check_uncovered_arguments(py_signature, passed, kwargs, slots, function_name):
    has_varargs = any(p.kind is p.VAR_POSITIONAL for p in py_signature.parameters.values())
    for name, value in passed.items():
        param = py_signature.parameters[name]
        if has_varargs and name in kwargs and param.kind is param.POSITIONAL_OR_KEYWORD:
            # TF: beside *args in an input_signature, the named parameters are positional-only.
            raise TypeError(f"{function_name}: `{name}` must be passed by position (the function takes "
                            f"*{_varargs_name(py_signature)} with an input_signature)")
        if name in slots or name == "self":
            continue
        if param.kind is param.VAR_KEYWORD:
            raise TypeError(f"{function_name}: keyword arguments {sorted(value)} are not accepted with an "
                            f"input_signature")
        if structure_key(value) != structure_key(param.default):
            raise TypeError(f"{function_name}: argument `{name}` is not covered by the input_signature, so "
                            f"it keeps its default value {param.default!r}; got {format_value(value)}")


def _varargs_name(py_signature):
    return next(n for n, p in py_signature.parameters.items() if p.kind is p.VAR_POSITIONAL)


def leaf_spec(value):
    """The TypeSpec of a leaf that becomes graph inputs (a tensor, a composite, or a spec given in
    their place), else None (a Python value, part of the cache key only)."""
    if isinstance(value, Tensor):
        return TensorSpec(value.shape, value.dtype)
    if isinstance(value, CompositeTensor):
        return value._type_spec
    if isinstance(value, TypeSpec):
        return value
    return None


def describe(value):
    """How one leaf enters the cache key (hashable)."""
    if isinstance(value, Tensor):
        return (TENSOR, value.dtype, value.shape.as_tuple())
    if isinstance(value, TensorSpec):
        return (TENSOR, value.dtype, value.shape.as_tuple())
    if isinstance(value, (CompositeTensor, TypeSpec)):
        return (COMPOSITE, leaf_spec(value))
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
        # Matched only down to the specs (TF's flatten_up_to): a list under a spec is a tensor's value.
        checked = [check_against_spec(where, v, s, allow_specs) for v, s in _paired_children(where, value, spec)]
        return nest.pack_sequence_as(spec, [leaf for c in checked for leaf in nest.flatten(c)])
    if not isinstance(spec, TensorSpec):
        return _checked_composite(where, value, spec, allow_specs)
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


def _checked_composite(where, value, spec, allow_specs):
    """`value` if it is a composite (or, with `allow_specs`, a composite spec) that `spec` describes."""
    given = value if allow_specs and isinstance(value, TypeSpec) else \
        value._type_spec if isinstance(value, CompositeTensor) else None
    if given is None or not given.is_subtype_of(spec):
        raise InputSignatureError(f"{where}: expected a value of {spec!r}, but received {format_leaf(value)}")
    return value


def _paired_children(where, value, spec):
    """[(child of value, child of spec)]; InputSignatureError unless `value` nests like `spec` at the top."""
    if isinstance(spec, dict):
        fits = isinstance(value, dict) and sorted_keys(value) == sorted_keys(spec)
        pairs = [(value[k], spec[k]) for k in sorted_keys(spec)] if fits else []
    else:
        fits = isinstance(value, (list, tuple)) and len(value) == len(spec)
        pairs = list(zip(value, spec)) if fits else []
    if not fits:
        raise InputSignatureError(f"{where}: expected the structure {format_value(spec)}, but received "
                                  f"{format_value(value)}")
    return pairs


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
    if isinstance(value, TypeSpec):
        return repr(value)
    if isinstance(value, CompositeTensor):
        return repr(value._type_spec)
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
