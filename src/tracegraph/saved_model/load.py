"""`tg.saved_model.load`: a saved model back as an object of callable functions, signatures and Variables.

No Python source of the saved object is needed: each concrete function is rebuilt from its
IR graph and its recorded signature, and runs through the normal execution plans on the
backend in use (compiled in the background, see `warm_start.py`). The Variables are new ones
made from the stored values (trainable as they were), shared by every function that uses them.
"""
import os

from .describe import (decode_arguments, flatten_outputs, output_leaves, parameters_signature)
from .format import SavedModelError, read_metadata, read_variables
from .. import nest
from ..ir.serialize import decode_value
from ..module import Module
from ..trace import ConcreteFunction
from ..trace.graph_loading import load_graph
from ..trace.signature import check_against_spec
from ..variable import Variable
from .warm_start import start_compiling

__all__ = ["load", "LoadedObject", "LoadedFunction", "SignatureFunction", "signature_specs"]


def load(export_dir, tags=None, options=None):
    """The object saved in `export_dir` by `tg.saved_model.save` (TF's `tf.saved_model.load`).

    It has the saved object's `tg.function` attributes (callable as before), `signatures` (a dict of
    functions taking keyword tensors and returning a dict), and `variables` / `trainable_variables`.
    `tags` and `options` are accepted for TF compatibility. A missing, damaged or newer-format file is
    a `SavedModelError` naming it.
    """
    export_dir = os.fspath(export_dir)
    metadata = read_metadata(export_dir)
    where = os.path.join(export_dir, "saved_model.json")
    arrays = read_variables(export_dir, metadata["variables"])
    variables = {entry["key"]: Variable(arrays[entry["key"]], trainable=bool(entry.get("trainable", True)),
                                        name=_short_name(entry.get("path") or entry["name"]))
                 for entry in metadata["variables"]}
    functions = [_load_function(export_dir, entry, variables, f"{where}: function {k}")
                 for k, entry in enumerate(_entries(metadata["functions"], where))]
    signatures = {name: SignatureFunction(name, _item(functions, _field(entry, "function", where), where), entry,
                                          f"{where}: signature {name!r}")
                  for name, entry in metadata["signatures"].items()}
    loaded = _loaded_object(metadata, metadata.get("object", {}).get("class", "?"), functions, signatures, where)
    loaded._saved_variables = list(variables.values())
    for entry in metadata["variables"]:
        _attach_variable(loaded, entry.get("attribute"), variables[entry["key"]])
    start_compiling(functions)  # last: its thread competes for the GIL
    return loaded


def _loaded_object(description, class_name, functions, signatures, where):
    """The LoadedObject for an object's description, with its child objects."""
    attributes = _field(description, "attributes", where)
    children = description.get("objects", {})
    if not isinstance(attributes, dict) or not isinstance(children, dict):
        raise SavedModelError(f"{where}: damaged: 'attributes' and 'objects' must be JSON objects")
    loaded_functions = {name: LoadedFunction(name, [_item(functions, k, where) for k in indices])
                        for name, indices in attributes.items()}
    loaded_children = {name: _loaded_object(child, child.get("class", "?"), functions, {}, f"{where}, object {name!r}")
                       for name, child in children.items()}
    return LoadedObject(loaded_functions, signatures, loaded_children, {"class": class_name})


def _attach_variable(loaded, path, variable):
    """Give `variable` back its attribute (`w`, `encoder.w`) on the loaded object, where that path is free."""
    if not isinstance(path, str):
        return
    *parents, name = path.split(".")
    owner = loaded
    for parent in parents:
        owner = owner._children.get(parent)
        if owner is None:
            return
    if name.isidentifier() and not hasattr(owner, name):
        setattr(owner, name, variable)
        if owner is not loaded:
            owner._saved_variables.append(variable)


def _short_name(name):
    base, colon, index = name.rpartition(":")
    return base if colon and index.isdigit() else name


def _entries(items, where):
    if not all(isinstance(item, dict) for item in items):
        raise SavedModelError(f"{where}: damaged: every entry of 'functions' must be a JSON object")
    return items


def _field(entry, key, where):
    if not isinstance(entry, dict) or key not in entry:
        raise SavedModelError(f"{where}: damaged: missing {key!r}")
    return entry[key]


def _item(functions, k, where):
    if type(k) is not int or not 0 <= k < len(functions):
        raise SavedModelError(f"{where}: damaged: no function number {k!r}")
    return functions[k]


def _load_function(export_dir, entry, variables, where):
    """A ConcreteFunction rebuilt from its graph file and its metadata entry."""
    path = os.path.join(export_dir, _field(entry, "file", where))
    try:
        with open(path, encoding="utf8") as f:
            text = f.read()
    except FileNotFoundError:
        raise SavedModelError(f"{path}: missing (the saved model is incomplete)") from None
    except UnicodeDecodeError as error:
        raise SavedModelError(f"{path}: damaged ({error})") from None
    try:
        graph = load_graph(text, variables=variables)
        arguments = decode_arguments(_field(entry, "arguments", where), f"{where}, arguments")
        outputs = decode_value(_field(entry, "outputs", where), f"{where}, outputs")
        signature = parameters_signature(_field(entry, "parameters", where))
    except (ValueError, TypeError, AttributeError) as error:
        culprit = path if str(error).startswith("Graph.from_json") else where
        raise SavedModelError(f"{culprit}: damaged: {error}") from None
    leaves = output_leaves(outputs)
    if sum(leaf is not None for leaf in leaves) != len(graph.outputs):
        raise SavedModelError(f"{path}: damaged: the graph has {len(graph.outputs)} outputs, its metadata "
                              f"describes {sum(leaf is not None for leaf in leaves)}")
    return ConcreteFunction(_field(entry, "name", where), graph, signature, arguments,
                            [v.name for v in graph.inputs], outputs, leaves)


class LoadedObject(Module):
    """A loaded saved model: its functions and child objects as attributes, `signatures`, and its Variables
    (a `tg.Module`)."""

    def __init__(self, functions, signatures, children, description):
        super().__init__(name="loaded")
        self._functions = functions
        self._children = children
        self._saved_variables = []  # the root's: all, in saved order; a child's: those of its attributes
        self._description = description
        self.signatures = signatures
        for name, value in {**children, **functions}.items():
            if not name.startswith("__"):
                setattr(self, name, value)

    def _attribute_leaves(self):
        """The Module walk sees the Variables in their saved order, then the child objects."""
        yield from self._saved_variables
        yield from self._children.values()

    def __call__(self, *args, **kwargs):
        """Call the saved object's `__call__` (a Keras model's call, or a Module's `tg.function __call__`)."""
        loaded = self._functions.get("__call__")
        if loaded is None:
            raise TypeError(f"the loaded object (saved from {self._description.get('class', '?')}) is not "
                            f"callable: it had no tg.function __call__ (its functions: {sorted(self._functions)})")
        return loaded(*args, **kwargs)

    def __repr__(self):
        return f"<tg.saved_model loaded object of {self._description.get('class', '?')}>"


class LoadedFunction:
    """A saved `tg.function` attribute: its concrete functions, called with whichever fits the arguments."""

    def __init__(self, name, concrete_functions):
        self.__name__ = name
        self.concrete_functions = list(concrete_functions)

    def __call__(self, *args, **kwargs):
        """Run the first concrete function whose signature the arguments fit."""
        if len(self.concrete_functions) == 1:
            return self.concrete_functions[0](*args, **kwargs)
        for concrete in self.concrete_functions:
            try:
                tensors = concrete._flat_inputs(args, kwargs)
            except (TypeError, ValueError):
                continue
            return concrete.call_flat(tensors)
        signatures = "\n".join(f"  {c.pretty_printed_signature(verbose=False)}: "
                               f"{_specs_text(c)}" for c in self.concrete_functions)
        raise TypeError(f"loaded function {self.__name__!r}: the arguments fit none of its saved concrete "
                        f"functions:\n{signatures}")

    def get_concrete_function(self, *args, **kwargs):
        """The saved ConcreteFunction these arguments (tensors or specs) fit."""
        for concrete in self.concrete_functions:
            args_spec, kwargs_spec = concrete.structured_input_signature
            if not args and not kwargs or _fits(args, args_spec) and _fits(kwargs, kwargs_spec):
                return concrete
        raise ValueError(f"loaded function {self.__name__!r} has no saved concrete function for these arguments")

    def __repr__(self):
        return f"<loaded tg.function {self.__name__}: {len(self.concrete_functions)} concrete function(s)>"


def _specs_text(concrete):
    args, kwargs = concrete.structured_input_signature
    return repr(args if not kwargs else (args, kwargs))


def _fits(values, specs):
    try:
        nest.assert_same_structure(values, specs, check_types=False)
    except (TypeError, ValueError):
        return False
    return all(v == s if not hasattr(s, "is_compatible_with") else s.is_compatible_with(v)
               for v, s in zip(nest.flatten(values), nest.flatten(specs)))


def signature_specs(entry, where):
    """A signature entry's inputs and outputs, `[(name, spec)]` each, decoded from `saved_model.json`
    (without loading its function); a damaged entry is a SavedModelError naming `where`."""
    try:
        inputs = [(key, decode_value(spec, where)) for key, spec in _field(entry, "inputs", where)]
        outputs = [(key, decode_value(spec, where)) for key, spec in _field(entry, "outputs", where)]
    except (TypeError, ValueError) as error:
        raise SavedModelError(f"{where}: damaged: {error}") from None
    return inputs, outputs


class SignatureFunction:
    """A saved signature: called with keyword tensors, returns a dict of output tensors (TF's signature)."""

    def __init__(self, name, concrete, entry, where):
        self.name = name
        self.concrete_function = concrete
        self._inputs, self._outputs = signature_specs(entry, where)

    @property
    def structured_input_signature(self):
        """((), {input name: spec}), as TF shows a signature's inputs."""
        return (), dict(self._inputs)

    @property
    def structured_outputs(self):
        """{output name: spec}."""
        return dict(self._outputs)

    @property
    def variables(self):
        """The Variables the signature's function uses."""
        return self.concrete_function.variables

    @property
    def trainable_variables(self):
        """The trainable ones among `variables`."""
        return self.concrete_function.trainable_variables

    def __call__(self, *args, **kwargs):
        """Run with one keyword tensor per input name; returns {output name: tensor}."""
        if args:
            raise TypeError(f"signature {self.name!r} takes keyword arguments only "
                            f"({', '.join(name for name, _ in self._inputs)}), got {len(args)} positional")
        missing = [name for name, _ in self._inputs if name not in kwargs]
        unknown = sorted(set(kwargs) - {name for name, _ in self._inputs})
        if missing or unknown:
            raise TypeError(f"signature {self.name!r} expects the inputs "
                            f"{[name for name, _ in self._inputs]}; missing {missing}, unexpected {unknown}")
        tensors = []
        for name, spec in self._inputs:
            value = check_against_spec(f"signature {self.name!r}: input {name!r}", kwargs[name], spec)
            tensors.extend(nest.flatten(value, expand_composites=True))
        result = self.concrete_function.call_flat(tensors)
        return flatten_outputs(self.concrete_function._result, result)

    def __repr__(self):
        inputs = ", ".join(f"{name}: {spec!r}" for name, spec in self._inputs)
        return f"<signature {self.name}({inputs})>"
