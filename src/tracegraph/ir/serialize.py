"""Graphs to JSON and back, so a concrete function can be saved and run without its source.

Attrs are plain data; NumPy arrays (constants) are stored as base64 bytes with
dtype and shape; specs and dtypes by name; tuples and dicts tagged so they come
back as tuples and dicts; sub-graphs recursively; where the user defined each
node as an optional `defined_at` list. Variables are stored by name and current
value, or, when the caller names them (`variable_key`), by that key alone: a saved
model keeps the values in its own file and binds the keys on loading.

Loading checks the document as it reads it and then runs the verifier, so a
damaged or hand-edited file is a ValueError saying what is wrong and where, never
a graph that fails (or computes something else) later. Variables bind to the
Variables the caller passes, by name; a stored variable nobody binds is an error,
unless the caller asks for new Variables made from the stored values.
"""
import base64
import binascii
import itertools
import json

import numpy as np

from .graph import Graph, Node
from .location import SourceLocation
from .verifier import VerificationError, verify
from .. import dtypes
from ..shape import TensorShape
from ..spec import TensorSpec
from ..type_spec import TypeSpec, registered_class
from ..variable_base import is_variable

__all__ = ["graph_to_json", "graph_from_json", "encode_value", "decode_value", "FORMAT_VERSION"]

FORMAT_VERSION = 1


def graph_to_json(graph, variable_key=None):
    """JSON text for `graph`.

    `variable_key(variable)`, if given, names each variable in the document instead of its
    own name, and its value is left out (the caller stores it and binds the key on loading).
    """
    return json.dumps({"format": "tracegraph.graph", "version": FORMAT_VERSION,
                       "graph": _graph(graph, variable_key)})


def encode_value(value):
    """The JSON-able form of an attribute-like value (specs, type specs, arrays, nests of them)."""
    return _encode(value)


def decode_value(data, where="value"):
    """A value back from `encode_value`'s form; ValueError naming `where` if it is malformed."""
    return _Reader({}, None)._attr(data, where)


def _graph(graph, variable_key=None):
    return {
        "name": graph.name,
        "inputs": [_value(v) for v in graph.inputs],
        "variables": [_variable(v, variable_key) for v in graph.variables],
        "nodes": [_node(n, variable_key) for n in graph.nodes],
        "outputs": [v.name for v in graph.outputs],
    }


def _variable(variable, variable_key):
    if variable_key is not None:
        return {"name": variable_key(variable), "trainable": variable.trainable}
    return {"name": variable.name, "value": _encode(np.asarray(variable.numpy())), "trainable": variable.trainable}


def _node(node, variable_key=None):
    data = {"op": node.op.name, "inputs": [v.name for v in node.inputs],
            "attrs": {k: _encode(a, variable_key) for k, a in node.attrs.items()},
            "outputs": [_value(v) for v in node.outputs]}
    if node.defined_at:
        data["defined_at"] = [None if place is None else list(place) for place in node.defined_at]
    return data


def _value(v):
    return {"name": v.name, "spec": _encode(v.spec)}


def _encode(a, variable_key=None):
    if isinstance(a, Graph):
        return {"__graph__": _graph(a, variable_key)}
    if isinstance(a, np.ndarray):
        if a.dtype == object:
            return {"__strings__": [base64.b64encode(x).decode() for x in a.ravel()], "shape": list(a.shape)}
        return {"__array__": base64.b64encode(np.ascontiguousarray(a).tobytes()).decode(),
                "dtype": a.dtype.str, "shape": list(a.shape)}
    if isinstance(a, TensorSpec):
        return {"__spec__": [a.shape.dims, a.dtype.name] + ([] if a.name is None else [a.name])}
    if isinstance(a, TypeSpec):
        name = getattr(type(a), "_registered_name", None)
        if name is None:
            raise TypeError(f"cannot serialize {a!r}: register its class with tracegraph.type_spec.register")
        return {"__type_spec__": name, "serialization": _encode(a._serialize())}
    if isinstance(a, TensorShape):
        return {"__shape__": a.dims}
    if isinstance(a, dtypes.DType):
        return {"__dtype__": a.name}
    if isinstance(a, tuple):
        return {"__tuple__": [_encode(x, variable_key) for x in a]}
    if isinstance(a, list):
        return [_encode(x, variable_key) for x in a]
    if isinstance(a, dict):
        return {"__dict__": [[_encode(k), _encode(v, variable_key)] for k, v in a.items()]}
    if isinstance(a, (np.integer, np.floating, np.bool_)):
        return a.item()
    if a is None or isinstance(a, (bool, int, float, str)):
        return a
    raise TypeError(f"cannot serialize attribute value {a!r} of type {type(a).__name__}")


# ----- reading ------------------------------------------------------------------------------------

def graph_from_json(text, ops, variables=None, new_variable=None):
    """A verified Graph from `graph_to_json` text; ValueError naming the problem for a bad document.

    `ops` maps op names to the Ops the nodes get (the IR knows no op library of its own).
    `variables` binds the stored variables to existing ones: a dict from name (the stored
    full name `"w:0"` or the short name `"w"`) to Variable, or a list of Variables; a
    Variable also binds to the stored variable of its own name. A stored variable left
    unbound is an error unless `new_variable` is given: `new_variable(value, trainable, name)`
    then makes one holding the stored value (the IR does not know the Variable class).
    """
    try:
        data = json.loads(text)
    except (TypeError, json.JSONDecodeError) as error:
        raise ValueError(f"Graph.from_json: the text is not valid JSON ({error})") from None
    if not isinstance(data, dict):
        raise ValueError(f"Graph.from_json: expected a JSON object with a serialized graph, "
                         f"got {_json_kind(data)}")
    if data.get("format") != "tracegraph.graph":
        raise ValueError("Graph.from_json: not a tracegraph graph (missing format tag)")
    version = data.get("version")
    if type(version) is not int:
        raise ValueError(f"Graph.from_json: 'version' must be an integer, got {_json_kind(version)} {version!r}")
    if version != FORMAT_VERSION:
        raise ValueError(f"Graph.from_json: unsupported graph format version {version} "
                         f"(this tracegraph reads version {FORMAT_VERSION})")
    binder = _VariableBinder(variables, new_variable)
    graph = _Reader(ops, binder).graph(_field(data, "graph", dict, "the document"), "graph")
    try:
        verify(graph)
    except VerificationError as error:
        raise ValueError(f"Graph.from_json: the graph is inconsistent: {error}") from None
    return graph


class _VariableBinder:
    """Finds the Variable each stored variable binds to (the same one for every sub-graph)."""

    def __init__(self, variables, new_variable):
        if variables is not None and not isinstance(variables, (dict, list, tuple)):
            raise TypeError(f"Graph.from_json: 'variables' must be a dict of name -> Variable or a list of "
                            f"Variables, got {type(variables).__name__}")
        self.by_key = dict(variables) if isinstance(variables, dict) else {}
        given = list(variables.values()) if isinstance(variables, dict) else list(variables or ())
        self.by_own_name = {}
        for v in given:
            self.by_own_name.setdefault(_own_name(v), []).append(v)
        self.new_variable = new_variable
        self.bound = {}  # stored name -> Variable

    def _find(self, name):
        """The Variable given for the stored variable `name`, or None."""
        for key in (name, _short_name(name)):
            if key in self.by_key:
                return self.by_key[key]
        candidates = {id(v): v for v in self.by_own_name.get(name, [])}
        if len(candidates) > 1:
            raise ValueError(f"Graph.from_json: {len(candidates)} different Variables given are named {name!r}; "
                             f"pass variables={{{name!r}: v}} to say which one the graph uses")
        return next(iter(candidates.values()), None)

    def bind(self, stored, where):
        name = _field(stored, "name", str, where)
        if name in self.bound:
            return self.bound[name]
        given = self._find(name)
        if "value" not in stored and given is not None:  # stored by key: the caller holds the value
            self.bound[name] = given
            return given
        value = _decode(_field(stored, "value", dict, where), f"{where}, value")
        if not isinstance(value, np.ndarray):
            raise ValueError(f"Graph.from_json: {where}: 'value' must be a tagged array, got {stored['value']!r}")
        if given is None and self.new_variable is None:
            known = sorted(set(self.by_key) | set(self.by_own_name)) or "none"
            raise ValueError(f"Graph.from_json: the graph uses the variable {name!r}, but no Variable is bound "
                             f"to it (variables given: {known}); pass variables={{{_short_name(name)!r}: v}} "
                             f"or variables=[v], or create_variables=True for a new Variable from the "
                             f"stored value")
        if given is None:
            given = self.new_variable(value, _field(stored, "trainable", bool, where), _short_name(name))
        elif given.dtype.numpy_dtype != value.dtype or not given.shape.is_compatible_with(value.shape):
            raise ValueError(f"Graph.from_json: the Variable bound to {name!r} has dtype {given.dtype.name} "
                             f"and shape {given.shape}, but the graph stores dtype "
                             f"{dtypes.as_dtype(value.dtype).name} and shape {tuple(value.shape)}")
        self.bound[name] = given
        return given

def _own_name(variable):
    name = getattr(variable, "name", None)
    if not isinstance(name, str) or not is_variable(variable):
        raise TypeError(f"Graph.from_json: 'variables' must hold Variables, got {variable!r}")
    return name


def _short_name(name):
    """`"w"` for a Variable's full name `"w:0"` (TF's output-index suffix)."""
    base, colon, index = name.rpartition(":")
    return base if colon and index.isdigit() else name


class _Reader:
    """Builds a graph from its decoded JSON, checking each part; errors say where the problem is."""

    GRAPH_KEYS = {"name": str, "inputs": list, "variables": list, "nodes": list, "outputs": list}
    NODE_KEYS = {"op": str, "inputs": list, "attrs": dict, "outputs": list}

    def __init__(self, ops, binder):
        self.ops = ops
        self.binder = binder

    def graph(self, d, where):
        for key, kind in self.GRAPH_KEYS.items():
            _field(d, key, kind, where)
        graph = Graph(d["name"])
        where = f"graph {d['name']!r}"
        env = {}
        for k, v in enumerate(d["inputs"]):
            value = self._new_value(graph, v, env, f"{where}, input {k}")
            graph.inputs.append(value)
        graph.variables = [self.binder.bind(_as(v, dict, f"{where}, variable {k}"), f"{where}, variable {k}")
                           for k, v in enumerate(d["variables"])]
        defined_later = self._definitions(d["nodes"], where)
        for k, n in enumerate(d["nodes"]):
            graph.nodes.append(self._node(graph, n, env, defined_later, f"{where}, node {k}"))
        graph.outputs = [self._use(name, env, defined_later, f"{where}: output") for name in d["outputs"]]
        numbered = [int(name) for name in env if name.isdigit()]
        graph._names = itertools.count(max(numbered, default=-1) + 1)  # new values get fresh names
        return graph

    def _definitions(self, nodes, where):
        """Map from each value name a node defines to that node's number (for the error messages)."""
        defined = {}
        for k, n in enumerate(nodes):
            node_where = f"{where}, node {k}"
            for key, kind in self.NODE_KEYS.items():
                _field(_as(n, dict, node_where), key, kind, node_where)
            for o in n["outputs"]:
                defined.setdefault(_field(_as(o, dict, node_where), "name", str, f"{node_where}, output"), k)
        return defined

    def _node(self, graph, n, env, defined_later, where):
        op = self.ops.get(n["op"])
        if op is None:
            raise ValueError(f"Graph.from_json: {where}: unknown op {n['op']!r}")
        where = f"{where} ({n['op']})"
        inputs = [self._use(name, env, defined_later, f"{where}: input") for name in n["inputs"]]
        attrs = {k: self._attr(a, f"{where}, attr {k!r}") for k, a in n["attrs"].items()}
        outputs = [self._new_value(graph, o, env, f"{where}, output {j}") for j, o in enumerate(n["outputs"])]
        return Node(op, inputs, attrs, outputs, _locations(n.get("defined_at", []), where))

    def _new_value(self, graph, v, env, where):
        name = _field(_as(v, dict, where), "name", str, where)
        spec = _decode(_field(v, "spec", dict, where), f"{where}, spec")
        if not isinstance(spec, TensorSpec):
            raise ValueError(f"Graph.from_json: {where}: 'spec' must be a tagged spec, got {v['spec']!r}")
        if name in env:
            raise ValueError(f"Graph.from_json: {where}: the value name {name!r} is defined twice")
        env[name] = value = graph.new_value(spec, name=name)
        return value

    @staticmethod
    def _use(name, env, defined_later, where):
        if not isinstance(name, str):
            raise ValueError(f"Graph.from_json: {where} must be a value name (a string), got {name!r}")
        if name in env:
            return env[name]
        later = defined_later.get(name)
        reason = f"node {later} defines it later" if later is not None else "nothing defines it"
        raise ValueError(f"Graph.from_json: {where} {name!r} is not defined before it ({reason})")

    def _attr(self, a, where):
        if isinstance(a, dict) and "__graph__" in a:
            return self.graph(_as(a["__graph__"], dict, where), where)
        if isinstance(a, list):
            return [self._attr(x, where) for x in a]
        if isinstance(a, dict) and "__tuple__" in a:
            return tuple(self._attr(x, where) for x in _as(a["__tuple__"], list, where))
        if isinstance(a, dict) and "__dict__" in a:
            return {self._attr(k, where): self._attr(v, where) for k, v in _pairs(a["__dict__"], where)}
        if isinstance(a, dict) and "__type_spec__" in a:
            return self._type_spec(a, where)
        return _decode(a, where)

    def _type_spec(self, a, where):
        """A registered TypeSpec rebuilt from its serialization."""
        try:
            cls = registered_class(a["__type_spec__"])
        except LookupError as error:
            raise ValueError(f"Graph.from_json: {where}: {error}") from None
        serialization = self._attr(_field(a, "serialization", dict, where), where)
        try:
            return cls._deserialize(serialization)
        except (TypeError, ValueError) as error:
            raise ValueError(f"Graph.from_json: {where}: malformed {a['__type_spec__']} serialization: "
                             f"{error}") from None


def _decode(a, where):
    """A leaf value from its JSON form: a plain value, or a tagged array, spec or dtype."""
    if not isinstance(a, dict):
        return a
    try:
        return _decode_tagged(a, where)
    except (KeyError, TypeError, ValueError, binascii.Error) as error:
        if isinstance(error, ValueError) and str(error).startswith("Graph.from_json"):
            raise
        raise ValueError(f"Graph.from_json: {where}: malformed tagged value {_abbreviated(a)}: "
                         f"{type(error).__name__}: {error}") from None


def _decode_tagged(a, where):
    if "__array__" in a:
        raw = base64.b64decode(a["__array__"], validate=True)
        return np.frombuffer(raw, dtype=np.dtype(a["dtype"])).reshape(a["shape"]).copy()
    if "__strings__" in a:
        items = [base64.b64decode(x, validate=True) for x in a["__strings__"]]
        return np.array(items, dtype=object).reshape(a["shape"])
    if "__spec__" in a:
        dims, dtype, *name = a["__spec__"]
        if len(name) > 1:
            raise ValueError("'__spec__' must be [dims, dtype] or [dims, dtype, name]")
        return TensorSpec(TensorShape(dims), dtypes.as_dtype(dtype), *name)
    if "__dtype__" in a:
        return dtypes.as_dtype(a["__dtype__"])
    if "__shape__" in a:
        return TensorShape(a["__shape__"])
    raise ValueError(f"Graph.from_json: {where}: unknown tagged value with keys {sorted(a)}")


def _pairs(items, where):
    if not isinstance(items, list) or not all(isinstance(p, list) and len(p) == 2 for p in items):
        raise ValueError(f"Graph.from_json: {where}: '__dict__' must be a list of [key, value] pairs")
    return items


def _locations(places, where):
    """The `defined_at` of a node: each a [file, line, function] triple or null."""
    try:
        return tuple(None if p is None else SourceLocation(str(p[0]), int(p[1]), str(p[2])) for p in places)
    except (TypeError, ValueError, IndexError):
        raise ValueError(f"Graph.from_json: {where}: 'defined_at' must be a list of [file, line, function] "
                         f"triples, got {places!r}") from None


def _field(d, key, kind, where):
    """`d[key]`, checked to be of JSON type `kind`."""
    if key not in d:
        raise ValueError(f"Graph.from_json: {where} has no key {key!r}")
    return _as(d[key], kind, f"{where}, {key!r}")


def _as(value, kind, where):
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ValueError(f"Graph.from_json: {where} must be {_JSON_NAMES[kind]}, got {_json_kind(value)}")
    return value


_JSON_NAMES = {dict: "an object", list: "a list", str: "a string", int: "an integer", bool: "true or false"}


def _json_kind(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    for kind, name in _JSON_NAMES.items():
        if isinstance(value, kind):
            return name
    return "a number" if isinstance(value, float) else type(value).__name__


def _abbreviated(a):
    text = json.dumps(a)
    return text if len(text) <= 80 else text[:77] + "..."
