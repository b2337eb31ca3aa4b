"""Graphs to JSON and back, so a concrete function can be saved and run without its source.

Attrs are plain data; NumPy arrays (constants) are stored as base64 bytes with
dtype and shape; specs and dtypes by name; tuples and dicts tagged so they come
back as tuples and dicts; sub-graphs recursively. Variables
are stored by name, shape, dtype and current value; loading rebinds them to
the Variables passed in (by name) or creates new ones from the stored values.
"""
import base64
import itertools
import json

import numpy as np

from .. import dtypes
from ..ops.op import get_op
from ..shape import TensorShape
from ..spec import TensorSpec
from .graph import Graph, Node

__all__ = ["graph_to_json", "graph_from_json", "FORMAT_VERSION"]

FORMAT_VERSION = 1


def graph_to_json(graph):
    """JSON text for `graph`."""
    return json.dumps({"format": "tracegraph.graph", "version": FORMAT_VERSION, "graph": _graph(graph)})


def _graph(graph):
    return {
        "name": graph.name,
        "inputs": [_value(v) for v in graph.inputs],
        "variables": [{"name": v.name, "value": _encode(np.asarray(v.numpy())),
                       "trainable": v.trainable} for v in graph.variables],
        "nodes": [{"op": n.op.name, "inputs": [v.name for v in n.inputs],
                   "attrs": {k: _encode(a) for k, a in n.attrs.items()},
                   "outputs": [_value(v) for v in n.outputs]} for n in graph.nodes],
        "outputs": [v.name for v in graph.outputs],
    }


def _value(v):
    return {"name": v.name, "spec": _encode(v.spec)}


def _encode(a):
    if isinstance(a, Graph):
        return {"__graph__": _graph(a)}
    if isinstance(a, np.ndarray):
        if a.dtype == object:
            return {"__strings__": [base64.b64encode(x).decode() for x in a.ravel()], "shape": list(a.shape)}
        return {"__array__": base64.b64encode(np.ascontiguousarray(a).tobytes()).decode(),
                "dtype": a.dtype.str, "shape": list(a.shape)}
    if isinstance(a, TensorSpec):
        return {"__spec__": [a.shape.dims, a.dtype.name]}
    if isinstance(a, dtypes.DType):
        return {"__dtype__": a.name}
    if isinstance(a, tuple):
        return {"__tuple__": [_encode(x) for x in a]}
    if isinstance(a, list):
        return [_encode(x) for x in a]
    if isinstance(a, dict):
        return {"__dict__": [[_encode(k), _encode(v)] for k, v in a.items()]}
    if isinstance(a, (np.integer, np.floating, np.bool_)):
        return a.item()
    if a is None or isinstance(a, (bool, int, float, str)):
        return a
    raise TypeError(f"cannot serialize attribute value {a!r} of type {type(a).__name__}")


def _decode(a, variables):
    if isinstance(a, list):
        return [_decode(x, variables) for x in a]
    if not isinstance(a, dict):
        return a
    if "__graph__" in a:
        return _read_graph(a["__graph__"], variables)
    if "__array__" in a:
        raw = base64.b64decode(a["__array__"])
        return np.frombuffer(raw, dtype=np.dtype(a["dtype"])).reshape(a["shape"]).copy()
    if "__strings__" in a:
        items = [base64.b64decode(x) for x in a["__strings__"]]
        return np.array(items, dtype=object).reshape(a["shape"])
    if "__spec__" in a:
        dims, name = a["__spec__"]
        return TensorSpec(TensorShape(dims), dtypes.as_dtype(name))
    if "__dtype__" in a:
        return dtypes.as_dtype(a["__dtype__"])
    if "__tuple__" in a:
        return tuple(_decode(x, variables) for x in a["__tuple__"])
    if "__dict__" in a:
        return {_decode(k, variables): _decode(v, variables) for k, v in a["__dict__"]}
    raise ValueError(f"unknown tagged value in a serialized graph: {sorted(a)}")


def graph_from_json(text, variables=None):
    """A Graph from `graph_to_json` text; `variables` maps names to existing Variables."""
    data = json.loads(text)
    if data.get("format") != "tracegraph.graph":
        raise ValueError("not a tracegraph graph (missing format tag)")
    if data.get("version") != FORMAT_VERSION:
        raise ValueError(f"unsupported graph format version {data.get('version')}")
    return _read_graph(data["graph"], dict(variables or {}))


def _read_graph(d, variables):
    from ..variable import Variable  # noqa: PLC0415 - variable imports ops, which import ir
    graph = Graph(d["name"])
    env = {}
    for v in d["inputs"]:
        value = graph.new_value(_decode(v["spec"], variables), name=v["name"])
        graph.inputs.append(value)
        env[v["name"]] = value
    for v in d["variables"]:
        var = variables.get(v["name"])
        if var is None:
            var = Variable(_decode(v["value"], variables), trainable=v["trainable"], name=v["name"].split(":")[0])
            variables[v["name"]] = var
        graph.variables.append(var)
    for n in d["nodes"]:
        outputs = [graph.new_value(_decode(o["spec"], variables), name=o["name"]) for o in n["outputs"]]
        attrs = {k: _decode(a, variables) for k, a in n["attrs"].items()}
        graph.nodes.append(Node(get_op(n["op"]), [env[name] for name in n["inputs"]], attrs, outputs))
        env.update((o.name, o) for o in outputs)
    graph.outputs = [env[name] for name in d["outputs"]]
    numbered = [int(name) for name in env if name.isdigit()]
    graph._names = itertools.count(max(numbered, default=-1) + 1)  # new values get fresh names
    return graph
