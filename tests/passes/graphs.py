"""Small helpers to build graphs by hand for the pass tests."""
import numpy as np

import tracegraph as tg
from tracegraph.ir.graph import Graph
from tracegraph.ir.interpreter import interpret
from tracegraph.core.op import get_op
from tracegraph.spec import TensorSpec


class Builder:
    """`b = Builder(); x = b.input([2]); y = b.op("exp", x); b.graph.outputs = [y]`."""

    def __init__(self, name="g"):
        self.graph = Graph(name)

    def input(self, shape, dtype=tg.float32, name=None):
        return self.graph.add_input(TensorSpec(shape, dtype), name=name)

    def const(self, value, dtype=np.float32):
        array = np.asarray(value, dtype=dtype)
        spec = TensorSpec(array.shape, tg.as_dtype(array.dtype))
        return self.graph.add_node(get_op("const"), [], {"value": array}, [spec]).outputs[0]

    def op(self, name, *inputs, **attrs):
        op = get_op(name)
        specs = op.infer(*[v.spec for v in inputs], **attrs)
        specs = specs if op.multiple_outputs else (specs,)
        node = self.graph.add_node(op, list(inputs), attrs, specs)
        return node.outputs if op.multiple_outputs else node.outputs[0]

    def returns(self, *values):
        self.graph.outputs = list(values)
        return self.graph


def op_names(graph):
    return [n.op.name for n in graph.nodes]


def assert_same_results(before, after, arrays):
    """Both graphs compute the same outputs (the reference interpreter decides)."""
    with np.errstate(all="ignore"):  # 1 / 0 and the like are part of some tests
        results = zip(interpret(before, arrays), interpret(after, arrays))
    for a, b in results:
        a, b = np.asarray(a), np.asarray(b)
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)
