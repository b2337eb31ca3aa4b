"""`tg.saved_model.save`: an object's concrete functions, variables and signatures written to a directory.

What is saved, as TF does: for every `tg.function` attribute of the object, each concrete
function it has traced, and the one of its `input_signature` (traced now if needed); for a
Keras model, its `call` for the model's input spec (as `__call__` and the default signature).
Everything is written to a temporary directory beside `export_dir`, then renamed into place.
"""
import json
import os
import shutil
import tempfile

from .describe import (describe_concrete, output_structure, returns_tensors, signature_input_names,
                       signature_output_names)
from .format import (FORMAT_NAME, FORMAT_VERSION, FUNCTIONS_DIR, METADATA_FILE, VARIABLES_FILE,
                     write_variables)
from .. import nest
from ..ir.graph import all_variables
from ..atomic_files import sync_directory
from ..ir.serialize import encode_value, graph_to_json
from ..module import Module
from ..spec import TensorSpec
from ..trace import ConcreteFunction, Function, function
from ..variable_base import is_variable

__all__ = ["save"]

DEFAULT_SIGNATURE = "serving_default"


def save(obj, export_dir, signatures=None, options=None):
    """Write `obj`'s concrete functions (IR JSON), variables and signatures to `export_dir` (TF's
    `tf.saved_model.save`).

    `signatures`: a `tg.function` with an `input_signature`, a ConcreteFunction, or a dict of
    signature names to either; by default a Keras model's `call` or the object's only
    `tg.function` with an `input_signature` becomes `serving_default`. `options` is accepted for TF
    compatibility. An existing saved model at `export_dir` is replaced.
    """
    tree = _object_tree(obj, {id(obj)}, root=True)
    signatures = _signature_functions(obj, tree["functions"], signatures)
    concretes = _unique(list(_tree_functions(tree)) + list(signatures.values()))
    keys = _variable_keys(obj, concretes)
    index = {id(c): k for k, c in enumerate(concretes)}
    metadata = {
        "format": FORMAT_NAME, "version": FORMAT_VERSION,
        "object": _describe_object(obj),
        "functions": [describe_concrete(c, f"{FUNCTIONS_DIR}/{k}.json") for k, c in enumerate(concretes)],
        **_describe_tree(tree, index),
        "signatures": {name: _describe_signature(c, index[id(c)]) for name, c in signatures.items()},
    }
    graphs = [graph_to_json(c.graph, variable_key=lambda v: keys[id(v)][0]) for c in concretes]
    _write_directory(export_dir, metadata, graphs, list(keys.values()), _variable_attributes(tree))


# ----- what to save -------------------------------------------------------------------------------

def _is_keras_model(obj):
    """A Keras layer or model (duck-typed: saving does not import keras)."""
    return isinstance(obj, Module) and callable(getattr(obj, "call", None)) and hasattr(obj, "built")


def _kind(obj):
    return "keras_model" if _is_keras_model(obj) else "module" if isinstance(obj, Module) else "object"


def _describe_object(obj):
    return {"class": f"{type(obj).__module__}.{type(obj).__qualname__}", "kind": _kind(obj)}


def _object_tree(obj, seen, root=False):
    """{"object", "functions": {name: [ConcreteFunction]}, "children": {name: tree}} for `obj` and the
    Modules in its public attributes that hold functions or Variables (a Keras model's call: the root's only)."""
    children = {}
    for name, value in sorted(vars(obj).items()):
        if isinstance(value, Module) and not name.startswith("_") and id(value) not in seen:
            seen.add(id(value))
            child = _object_tree(value, seen)
            if child["functions"] or child["children"] or _own_variables(value):
                children[name] = child
    return {"object": obj, "functions": _attribute_functions(obj, keras_call=root), "children": children}


def _tree_functions(tree):
    for concretes in tree["functions"].values():
        yield from concretes
    for child in tree["children"].values():
        yield from _tree_functions(child)


def _describe_tree(tree, index):
    """The metadata of an object: its function attributes (concrete function numbers) and its children."""
    return {"attributes": {name: [index[id(c)] for c in cs] for name, cs in tree["functions"].items()},
            "objects": {name: {**_describe_object(child["object"]), **_describe_tree(child, index)}
                        for name, child in tree["children"].items()}}


def _attribute_functions(obj, keras_call=False):
    """{attribute name: [ConcreteFunction]} for the object's `tg.function` attributes (and a Keras model's call)."""
    names = {name for cls in type(obj).__mro__ for name, value in vars(cls).items() if isinstance(value, Function)}
    names |= {name for name, value in vars(obj).items() if isinstance(value, Function) and not name.startswith("_")}
    found = {}
    for name in sorted(names):
        bound = getattr(obj, name)
        concretes = [concrete for _, concrete, _ in bound._traces]
        if bound.input_signature is not None:
            concretes.append(bound.get_concrete_function())
        if concretes:
            found[name] = _unique(concretes)
    if keras_call and _is_keras_model(obj) and "__call__" not in found:
        found["__call__"] = [_keras_call(obj)]
    return found


def _keras_call(model):
    """The model's call, traced for its input spec (batch dimension unknown), in inference mode; the signature's
    inputs are named `inputs`, `inputs_1`, ... (as TF 2.21 names a Keras 3 model's)."""
    spec = _keras_input_spec(model)

    def call(inputs):
        return model(inputs, training=False)

    return function(call).get_concrete_function(spec)


def _keras_input_spec(model):
    """The model's input spec: one TensorSpec, or the structure (list, dict) its inputs were given in."""
    structure = getattr(model, "_input_structure", None)  # a functional model's inputs as given
    if structure is None and getattr(model, "inputs", None):
        structure = model.inputs[0] if len(model.inputs) == 1 else list(model.inputs)
    if structure is not None:
        return nest.map_structure(lambda x: TensorSpec((None,) + tuple(x.shape)[1:], x.dtype), structure)
    shape = getattr(model, "_build_input_shape", None)
    if shape is None:
        raise ValueError(f"tg.saved_model.save: the Keras model {model.name!r} is not built, so its input spec "
                         f"is unknown; call it on data or build it before saving")
    specs = [TensorSpec((None,) + tuple(s)[1:], model.dtype) for s in (shape if isinstance(shape, list) else [shape])]
    return specs if isinstance(shape, list) else specs[0]


def _signature_functions(obj, attributes, signatures):
    """{signature name: ConcreteFunction}, from the `signatures` argument or TF's default."""
    if signatures is None:
        if _is_keras_model(obj):
            return {DEFAULT_SIGNATURE: attributes["__call__"][0]}
        candidates = [getattr(obj, name).get_concrete_function() for name in sorted(attributes)
                      if getattr(obj, name).input_signature is not None]
        candidates = [c for c in candidates if returns_tensors(output_structure(c.structured_outputs))]
        return {DEFAULT_SIGNATURE: candidates[0]} if len(candidates) == 1 else {}
    if not isinstance(signatures, dict):
        signatures = {DEFAULT_SIGNATURE: signatures}
    return {name: _signature_concrete(name, value) for name, value in signatures.items()}


def _signature_concrete(name, value):
    if isinstance(value, Function):
        if value.input_signature is None:
            raise ValueError(f"tg.saved_model.save: signature {name!r} is a tg.function without an "
                             f"input_signature; give it one, or pass f.get_concrete_function(specs)")
        value = value.get_concrete_function()
    if not isinstance(value, ConcreteFunction):
        raise TypeError(f"tg.saved_model.save: signature {name!r} must be a tg.function or a ConcreteFunction, "
                        f"got {type(value).__name__}")
    if not returns_tensors(output_structure(value.structured_outputs)):
        raise ValueError(f"tg.saved_model.save: signature {name!r} ({value.name}) must return tensors (a tensor, "
                         f"or a structure of them without None), as a served function does")
    return value


def _describe_signature(concrete, function_index):
    inputs = signature_input_names(concrete._arguments)
    outputs = signature_output_names(output_structure(concrete.structured_outputs))
    return {"function": function_index,
            "inputs": [[name, encode_value(spec)] for name, spec in inputs],
            "outputs": [[name, encode_value(spec)] for name, spec in outputs]}


def _unique(items):
    seen, result = set(), []
    for item in items:
        if id(item) not in seen:
            seen.add(id(item))
            result.append(item)
    return result


def _own_variables(obj):
    """{attribute name: Variable} for the Variables `obj` holds directly in public attributes."""
    return {name: value for name, value in sorted(vars(obj).items()) if is_variable(value) and not name.startswith("_")}


def _variable_attributes(tree, prefix=""):
    """{id(variable): dotted attribute path} (`w`, `encoder.w`) of the Variables held in public attributes."""
    found = {}
    for name, child in reversed(tree["children"].items()):  # (the shortest path wins: the root's, last)
        found.update(_variable_attributes(child, f"{prefix}{name}."))
    found.update({id(v): prefix + name for name, v in _own_variables(tree["object"]).items()})
    return found


def _variable_keys(obj, concretes):
    """{id(variable): (key, variable)}: the object's tracked variables first, then any other a graph uses."""
    tracked = list(obj.variables) if isinstance(obj, Module) else []
    used = [v for c in concretes for v in all_variables(c.graph)]
    keys = {}
    for variable in tracked + used:
        if id(variable) not in keys:
            keys[id(variable)] = (f"v{len(keys)}", variable)
    return keys


# ----- writing ------------------------------------------------------------------------------------

def _write_directory(export_dir, metadata, graphs, variables, attributes):
    """Write all files to a temporary directory beside `export_dir`, then rename it into place."""
    export_dir = os.path.abspath(os.fspath(export_dir))
    parent = os.path.dirname(export_dir)
    os.makedirs(parent, exist_ok=True)
    _check_replaceable(export_dir)
    temporary = tempfile.mkdtemp(dir=parent, prefix=f".{os.path.basename(export_dir)}.tmp-")
    try:
        os.mkdir(os.path.join(temporary, FUNCTIONS_DIR))
        with open(os.path.join(temporary, VARIABLES_FILE), "wb") as f:
            metadata["variables"] = write_variables(f, variables)
            _sync(f)
        for entry, (_, variable) in zip(metadata["variables"], variables):
            if id(variable) in attributes:
                entry["attribute"] = attributes[id(variable)]
        for entry, text in zip(metadata["functions"], graphs):
            _write_text(os.path.join(temporary, entry["file"]), text)
        _write_text(os.path.join(temporary, METADATA_FILE), json.dumps(metadata, indent=1))
        os.chmod(temporary, 0o777 & ~_umask())
        _replace(temporary, export_dir)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    sync_directory(parent)


def _check_replaceable(export_dir):
    if os.path.exists(export_dir) and (not os.path.isdir(export_dir) or (
            os.listdir(export_dir) and not os.path.exists(os.path.join(export_dir, METADATA_FILE)))):
        raise FileExistsError(f"tg.saved_model.save: {export_dir} exists and is not a saved model; "
                              f"choose another path or remove it")


def _replace(temporary, export_dir):
    """Move the new directory into place; an old saved model is moved aside first and then deleted."""
    if not os.path.exists(export_dir):
        os.rename(temporary, export_dir)
        return
    old = tempfile.mkdtemp(dir=os.path.dirname(export_dir), prefix=f".{os.path.basename(export_dir)}.old-")
    os.rmdir(old)
    os.rename(export_dir, old)
    os.rename(temporary, export_dir)
    shutil.rmtree(old, ignore_errors=True)


def _write_text(path, text):
    with open(path, "w", encoding="utf8") as f:
        f.write(text)
        _sync(f)


def _sync(f):
    f.flush()
    os.fsync(f.fileno())


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask
