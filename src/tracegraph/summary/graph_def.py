"""A traced graph as a TensorFlow `GraphDef`, for TensorBoard's graph dashboard.

Each input becomes a `Placeholder`, each Variable a `VarHandleOp` that its reads and assigns take as
an input, each node a `NodeDef` named after its op (`add`, `add_1`, ...) with the IR's op name, its
inputs (`name:k` for a second or later output), `T` (its dtype), `_output_shapes`, its plain attrs
and `_defined_at` (the line of the user's code); the graph's results feed `Identity` nodes. A
control-flow node and its sub-graphs form one group, `cond/cond` beside `cond/true_graph/...`,
which the dashboard shows folded.
"""
import ast

import numpy as np
from tensorboard.compat.proto.attr_value_pb2 import AttrValue
from tensorboard.compat.proto.graph_pb2 import GraphDef
from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto
from tensorboard.compat.proto.types_pb2 import DataType
from tensorboard.util import tensor_util

from ..autograph.naming import Namer
from ..dtypes import DType
from ..io.tensors import DATA_TYPE_NAMES
from ..ir.graph import Graph
from ..ir.printer import format_attrs

__all__ = ["graph_def"]

#: A constant with more elements than this shows only its shape and dtype, not its values.
MAX_CONST_VALUES = 64


def graph_def(graph):
    """The `GraphDef` proto of the IR `graph`."""
    builder = _Builder()
    builder.add_graph(graph, prefix="", arguments={})
    return builder.proto


class _Builder:
    def __init__(self):
        self.proto = GraphDef()
        # `name(wanted)`: `wanted`, or `wanted_1`, `wanted_2`... if taken (TF's rule); nothing is taken yet
        self.name = Namer(ast.parse("")).new
        self.handles = {}  # id(Variable) -> its VarHandleOp's name (one per Variable, in every sub-graph)

    def node(self, name, op, inputs=(), specs=(), attrs=None):
        node = self.proto.node.add(name=self.name(name), op=op, input=list(inputs))
        if specs:
            node.attr["T"].type = data_type(specs[0].dtype)
            node.attr["_output_shapes"].list.shape.extend(shape_proto(s.shape) for s in specs)
        for key, value in (attrs or {}).items():
            node.attr[key].CopyFrom(value)
        return node.name

    def op_node(self, name, node, inputs, specs):
        """A node for an IR node, with its attrs and where the user's code defined it."""
        attrs = _attrs(node)
        if node.defined_at and node.defined_at[0] is not None:
            attrs["_defined_at"] = AttrValue(s=str(node.defined_at[0]).encode())
        return self.node(name, node.op.name, inputs, specs, attrs)

    def handle(self, variable):
        """The name of `variable`'s `VarHandleOp` node, added on first use."""
        if id(variable) not in self.handles:
            self.handles[id(variable)] = self.node(
                _variable_name(variable), "VarHandleOp", attrs={"dtype": AttrValue(type=data_type(variable.dtype)),
                                                                "shape": AttrValue(shape=shape_proto(variable.shape))})
        return self.handles[id(variable)]

    def add_graph(self, graph, prefix, arguments):
        """Add `graph`'s nodes under `prefix`; `arguments` maps id(input value) to an outer source."""
        sources = {}
        for k, value in enumerate(graph.inputs):
            outer = arguments.get(id(value))
            sources[id(value)] = outer or self.node(prefix + (value.name if not prefix else f"arg_{k}"),
                                                    "Placeholder", specs=[value.spec])
        for node in graph.nodes:
            inputs = [sources[id(v)] for v in node.inputs if id(v) in sources]
            if "variable" in node.attrs and isinstance(node.attrs["variable"], int):
                inputs.append(self.handle(graph.variables[node.attrs["variable"]]))
            subgraphs = [(key, sub) for key, sub in node.attrs.items() if isinstance(sub, Graph)]
            base = node.op.name if node.op.name != "const" else "Const"
            group = self.name(prefix + base) + "/" if subgraphs else prefix
            name = self.op_node(group + base if subgraphs else prefix + base, node, inputs,
                                [v.spec for v in node.outputs] or [v.spec for v in node.inputs[:1]])
            for j, value in enumerate(node.outputs):
                sources[id(value)] = name if j == 0 else f"{name}:{j}"
            for key, sub in subgraphs:
                captured = {id(inner): sources[id(outer)] for outer, inner in sub.outer_captures
                            if id(outer) in sources}
                self.add_graph(sub, f"{group}{key}/", captured)
        for k, value in enumerate(graph.outputs):
            if id(value) in sources:
                self.node(prefix + "Identity", "Identity", [sources[id(value)]], [value.spec])


def _attrs(node):
    """The node's plain attrs as AttrValues: scalars typed, a small constant as a tensor, the rest as text."""
    shown = dict(text.split("=", 1) for text in format_attrs(node))
    result = {}
    for key, value in node.attrs.items():
        if isinstance(value, Graph) or value is None or key == "variable":
            continue
        if isinstance(value, bool):
            result[key] = AttrValue(b=value)
        elif isinstance(value, int):
            result[key] = AttrValue(i=value)
        elif isinstance(value, float):
            result[key] = AttrValue(f=value)
        elif isinstance(value, str):
            result[key] = AttrValue(s=value.encode())
        elif isinstance(value, DType):
            result[key] = AttrValue(type=data_type(value))
        elif isinstance(value, np.ndarray) and value.size <= MAX_CONST_VALUES and value.dtype != object:
            result[key] = AttrValue(tensor=tensor_util.make_tensor_proto(value))
        elif key in shown:
            result[key] = AttrValue(s=shown[key].encode())
    return result


def data_type(dtype):
    """The `DataType` enum value of a tracegraph dtype (`DT_INVALID` for one TF lacks)."""
    name = dtype.name if hasattr(dtype, "name") else str(dtype)
    try:
        return DataType.Value(DATA_TYPE_NAMES.get(name, "DT_" + name.upper()))
    except ValueError:
        return DataType.Value("DT_INVALID")


def shape_proto(shape):
    """A `TensorShapeProto` (-1 for an unknown dimension, `unknown_rank` for an unknown rank)."""
    if shape.rank is None:
        return TensorShapeProto(unknown_rank=True)
    return TensorShapeProto(dim=[TensorShapeProto.Dim(size=-1 if d is None else d) for d in shape])


def _variable_name(variable):
    return variable.name.split(":")[0] if variable.name else "Variable"
