"""A small toolkit the passes share: substituting values and rebuilding graphs."""
from ..ir.graph import Node

__all__ = ["Rewriter", "is_const", "const_value"]


def is_const(node):
    """True if `node` is a `const` node (None, for a graph input, is not)."""
    return node is not None and node.op.name == "const"


def const_value(node):
    """The array a `const` node holds."""
    return node.attrs["value"]


class Rewriter:
    """Builds the node list of a new graph while replacing values.

    `replace(old, new)` makes every later use of `old` (and the graph's outputs)
    use `new`; `emit(node)` appends a node with its inputs substituted (a new
    Node object only if something changed, so the old graph stays intact).
    """

    def __init__(self, graph):
        self.graph = graph
        self.nodes = []
        self.substitute = {}
        self.producers = {}

    def value(self, v):
        """The value that now stands for `v`."""
        return self.substitute.get(id(v), v)

    def replace(self, old, new):
        """From now on, uses of `old` read `new`."""
        self.substitute[id(old)] = self.value(new)

    def emit(self, node):
        """Append `node` (with substituted inputs) to the new graph; returns the node appended."""
        inputs = [self.value(v) for v in node.inputs]
        if any(a is not b for a, b in zip(inputs, node.inputs)):
            node = Node(node.op, inputs, node.attrs, node.outputs, node.defined_at)
        self.nodes.append(node)
        for v in node.outputs:
            self.producers[id(v)] = node
        return node

    def producer(self, v):
        """The node of the new graph that produces (the substitute of) `v`, or None for inputs."""
        return self.producers.get(id(self.value(v)))

    def finish(self):
        """The new graph: same inputs and variables, rebuilt nodes, substituted outputs."""
        new = self.graph.copy_structure(self.nodes)
        new.outputs = [self.value(v) for v in self.graph.outputs]
        return new
