"""The IR: an SSA graph of typed values.

A `Graph` has explicit `inputs` (placeholders), `variables` it reads or writes
(captured by reference), `nodes` in topological (program) order, and `outputs`.
Every `Value` is produced once, by an input or by one node, and typed by a
`TensorSpec`. Control flow nodes (`cond`, `while_loop`) hold sub-graphs in their
attrs, so regions nest. Outer values that a sub-graph uses are passed to it as
explicit extra inputs (`outer_captures`).

`Graph.from_json` (reading `to_json` output back) is installed by `trace/graph_loading.py`:
loading needs the op registry and the Variable class, which the IR does not know.
"""
import itertools

from ..spec import TensorSpec
from .location import user_location

__all__ = ["Value", "Node", "Graph", "is_stateful", "all_variables"]


class Value:
    """One SSA value, typed by a spec. Which node produces it is a property of a
    graph (`Graph.producers()`), not of the value, so passes can share values
    between the graphs before and after them."""

    __slots__ = ("spec", "name")

    def __init__(self, spec, name):
        self.spec, self.name = spec, name

    def __repr__(self):
        return f"%{self.name}: {self.spec.short()}"


class Node:
    """One op application: `outputs = op(inputs, **attrs)`.

    `defined_at` holds the `SourceLocation`s of the user's code that defined the
    node: one for an op the user called, one per instruction (the member's, or
    None) for a fused node, none for a node a pass made up. Run-time errors name them.
    """

    __slots__ = ("op", "inputs", "attrs", "outputs", "defined_at")

    def __init__(self, op, inputs, attrs, outputs=(), defined_at=()):
        self.op, self.inputs, self.attrs, self.outputs = op, list(inputs), dict(attrs), list(outputs)
        self.defined_at = tuple(defined_at)

    def subgraphs(self):
        """The graphs this node holds in its attrs (for control flow)."""
        return [v for v in self.attrs.values() if isinstance(v, Graph)]

    @property
    def stateful(self):
        """Whether the node has effects beyond its outputs (see `is_stateful`)."""
        return is_stateful(self)

    def __repr__(self):
        return f"<Node {self.op.name}: {self.inputs} -> {self.outputs}>"


class Graph:
    """An SSA graph; see the module docstring."""

    def __init__(self, name="graph", parent=None):
        self.name = name
        self.parent = parent
        self.inputs = []
        self.nodes = []
        self.outputs = []
        self.variables = []          # Variables referenced by read/assign nodes, by index
        self.outer_captures = []     # (outer Value, inner input Value) for sub-graphs
        self._names = itertools.count()

    # ----- building ----------------------------------------------------------------------------

    def new_value(self, spec, name=None):
        """A fresh value of this graph (named uniquely)."""
        return Value(spec, name or f"{next(self._names)}")

    def add_input(self, spec, name=None):
        """Append a placeholder input of type `spec`."""
        value = self.new_value(TensorSpec(spec.shape, spec.dtype), name=name and self._unique(name))
        self.inputs.append(value)
        return value

    def _unique(self, name):
        existing = {v.name for v in self.inputs}
        if name not in existing:
            return name
        for k in itertools.count(1):
            if f"{name}_{k}" not in existing:
                return f"{name}_{k}"

    def add_node(self, op, inputs, attrs, specs):
        """Append a node applying `op`; `specs` are its output specs (from the shape rule).

        The node remembers the line of the user's code that is adding it.
        """
        location = user_location()
        node = Node(op, inputs, attrs, defined_at=() if location is None else (location,))
        node.outputs = [self.new_value(s) for s in specs]
        self.nodes.append(node)
        return node

    def variable_index(self, variable):
        """The index of `variable` in this graph's variable list (added on first use)."""
        for i, v in enumerate(self.variables):
            if v is variable:
                return i
        self.variables.append(variable)
        return len(self.variables) - 1

    # ----- inspection --------------------------------------------------------------------------

    def producers(self):
        """Map from id(value) to the node that produces it (inputs are absent)."""
        return {id(v): node for node in self.nodes for v in node.outputs}

    def all_nodes(self):
        """Every node of this graph and, depth first, of its sub-graphs."""
        for node in self.nodes:
            yield node
            for sub in node.subgraphs():
                yield from sub.all_nodes()

    def users(self):
        """Map from id(value) to the nodes that consume it."""
        result = {}
        for node in self.nodes:
            for v in node.inputs:
                result.setdefault(id(v), []).append(node)
        return result

    def copy_structure(self, nodes):
        """A graph with the same inputs, variables, captures and outputs but other nodes."""
        g = Graph(self.name, self.parent)
        g.inputs, g.outputs = list(self.inputs), list(self.outputs)
        g.variables, g.outer_captures = list(self.variables), list(self.outer_captures)
        g.nodes = list(nodes)
        g._names = self._names
        return g

    def __str__(self):
        from .printer import format_graph  # noqa: PLC0415 - printer imports this module
        return format_graph(self)

    def to_dot(self):
        """The graph as Graphviz DOT text (render with `dot -Tsvg`)."""
        from .dot import to_dot  # noqa: PLC0415 - dot imports this module
        return to_dot(self)

    def to_json(self):
        """The graph as a JSON string (see `ir.serialize`)."""
        from .serialize import graph_to_json  # noqa: PLC0415 - serialize imports this module
        return graph_to_json(self)


def is_stateful(node):
    """True if `node` reads or writes state (variables, random streams, output).

    A control-flow node is as stateful as the most stateful node of its
    sub-graphs, so a `cond` whose branch assigns a variable is never removed,
    merged or folded by a pass, while a loop of pure arithmetic may be.
    """
    if node.op.stateful:
        return True
    return any(is_stateful(inner) for sub in node.subgraphs() for inner in sub.nodes)


def all_variables(graph):
    """The Variables `graph` and its sub-graphs read or write, each once, in order of first use."""
    found = {}
    _collect_variables(graph, found)
    return list(found.values())


def _collect_variables(graph, found):
    for variable in graph.variables:
        found.setdefault(id(variable), variable)
    for node in graph.nodes:
        for sub in node.subgraphs():
            _collect_variables(sub, found)
