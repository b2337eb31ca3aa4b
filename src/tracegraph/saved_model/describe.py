"""What a saved model records of one concrete function, and the names of a signature's tensors.

Both sides use these: `save` to write the description, `load` to rebuild a ConcreteFunction
from it and to call a signature with keyword tensors.
"""
import inspect

from .. import nest
from ..ir.serialize import decode_value, encode_value
from ..spec import TensorSpec
from ..trace.signature import leaf_names
from ..type_spec import CompositeTensor, TypeSpec

__all__ = ["describe_concrete", "parameters_signature", "output_structure", "output_leaves",
           "signature_input_names", "signature_output_names", "returns_tensors", "flatten_outputs"]


def describe_concrete(concrete, file):
    """The metadata entry of `concrete` (its graph is written to `file`, relative to the export dir)."""
    parameters = concrete._python_signature.parameters
    arguments = concrete._arguments
    try:
        encoded_arguments = encode_value(dict(arguments))
    except TypeError as error:
        raise ValueError(f"tg.saved_model.save: the concrete function {concrete.name!r} was traced with an "
                         f"argument that cannot be saved ({error}); trace it with tensors or plain Python "
                         f"values (numbers, strings, tuples, lists, dicts)") from None
    return {"file": file, "name": concrete.name,
            "parameters": [[name, parameters[name].kind.name] for name in arguments],
            "arguments": encoded_arguments,
            "outputs": encode_value(output_structure(concrete.structured_outputs))}


def parameters_signature(parameters):
    """An `inspect.Signature` with the stored [name, kind] parameters (no defaults: Python values
    the function was traced with are in its arguments)."""
    return inspect.Signature([inspect.Parameter(name, getattr(inspect.Parameter, kind))
                              for name, kind in parameters])


def decode_arguments(data, where):
    """The traced arguments (name -> value with specs for tensors) from their stored form."""
    arguments = decode_value(data, where)
    if not isinstance(arguments, dict):
        raise ValueError(f"{where}: 'arguments' must be a tagged dict")
    return arguments


def output_structure(outputs):
    """The outputs' structure with each tensor replaced by its spec (composites by their type spec)."""
    def spec(value):
        if value is None:
            return None
        if isinstance(value, CompositeTensor):
            return value._type_spec
        return TensorSpec(value.shape, value.dtype)
    return nest.map_structure(spec, outputs)


def output_leaves(structure):
    """The ConcreteFunction's `output_leaves` for an output structure: graph output indices, None for None."""
    leaves, k = [], 0
    for leaf in nest.flatten(structure, expand_composites=True):
        leaves.append(None if leaf is None else k)
        k += leaf is not None
    return leaves


def signature_input_names(arguments):
    """[(keyword name, spec)] for the tensor leaves of `arguments`, in graph-input order, named as TF names a
    signature's inputs: a TensorSpec's own name where the user gave one, else the parameter's name, made
    unique with `_1`, `_2`, ... (`pair`, `pair_1`)."""
    names, taken = [], set()
    for parameter, value in arguments.items():
        for leaf, automatic in zip(nest.flatten(value), leaf_names(parameter, value)):
            if not isinstance(leaf, TypeSpec):
                continue
            given = leaf.name if isinstance(leaf, TensorSpec) and leaf.name != automatic else None
            name = _unique(given or parameter, taken)
            taken.add(name)
            names.append((name, TensorSpec(leaf.shape, leaf.dtype, name) if isinstance(leaf, TensorSpec) else leaf))
    return names


def _unique(name, taken):
    k = 0
    candidate = name
    while candidate in taken:
        k += 1
        candidate = f"{name}_{k}"
    return candidate


def signature_output_names(structure):
    """[(output name, spec)]: a dict's keys for a flat dict of outputs, else `output_0`, `output_1`, ...;
    a TensorSpec is named after its output, as TF shows it."""
    if isinstance(structure, dict) and not any(nest.is_nested(v) for v in structure.values()):
        named = [(str(key), structure[key]) for key in sorted(structure, key=str) if structure[key] is not None]
    else:
        named = [(f"output_{k}", leaf) for k, leaf in enumerate(x for x in nest.flatten(structure) if x is not None)]
    return [(name, TensorSpec(spec.shape, spec.dtype, name) if isinstance(spec, TensorSpec) else spec)
            for name, spec in named]


def returns_tensors(structure):
    """True if a function's outputs can make a signature (TF's rule): some tensors, and no None."""
    leaves = nest.flatten(structure)
    return bool(leaves) and all(leaf is not None for leaf in leaves)


def flatten_outputs(structure, values):
    """A signature's result dict from the structured result `values` of its function."""
    if isinstance(structure, dict) and not any(nest.is_nested(v) for v in structure.values()):
        return {str(key): values[key] for key in sorted(structure, key=str) if structure[key] is not None}
    leaves = [leaf for leaf in nest.flatten(values) if leaf is not None]
    return {f"output_{k}": leaf for k, leaf in enumerate(leaves)}
