"""`FuncGraph`: the graph being built while a Python function is traced.

`bind` sends every op application here while tracing. Inputs are turned into
values of this graph: its own symbolic tensors as they are, eager tensors as
constants, symbolic tensors of an enclosing graph as captured inputs (for the
branches and bodies of control flow).
"""
import types

from .primitives import ASSIGN_VARIABLE, CONST, READ_VARIABLE
from .rules import spec_of
from .. import nest
from ..convert import convert_to_tensor
from ..ir.graph import Graph
from ..tensor import EagerTensor, SymbolicTensor

__all__ = ["FuncGraph", "GraphLeakError"]


class GraphLeakError(ValueError):
    """A symbolic tensor of one traced function was used outside of it."""


class FuncGraph(Graph):
    """A graph under construction by tracing."""

    def __init__(self, name="graph", parent=None, variable_creation_error=None):
        super().__init__(name, parent)
        # None: tg.Variable() may be called while tracing; else why it may not (see on_variable_created).
        # A sub-graph (parent given) asks its parent, so one rule holds for a whole trace.
        self.variable_creation_error = variable_creation_error
        self.created_variables = ()  # names of the Variables created while tracing this graph
        # For the branches of tg.cond: the tapes of the enclosing trace, which see the branch's
        # variable reads as reads in the enclosing graph (so the cond node has them as operands
        # and a tape there can differentiate through the branch). None: reads stay local.
        self.outer_tapes = None
        self._tables = _TracingTables()

    @property
    def captured_tensors(self):
        """id(outer Value) -> the tensor of the parent graph that was captured (while tracing).

        It is the very object the user's code used, so gradient tapes that watch
        it see the control-flow node's operand.
        """
        return self._tables.captured_tensors

    def finish_tracing(self):
        """Release what only tracing needs: the look-up tables (here and in the sub-graphs) and the rule.

        The tables hold every node and the user's eager tensors used as constants,
        and a Function keeps every trace: without them a trace costs only its graph.
        """
        self._tables = _FINISHED
        self.variable_creation_error = None
        for node in self.all_nodes():
            for sub in node.subgraphs():
                if isinstance(sub, FuncGraph):
                    sub._tables = _FINISHED

    def add_node(self, op, inputs, attrs, specs):
        """Append a node (see `Graph.add_node`), remembering it as the producer of its outputs."""
        node = super().add_node(op, inputs, attrs, specs)
        for value in node.outputs:
            self._tables.producers[id(value)] = node
        return node

    def producer_of(self, value):
        """The node that produced `value` while tracing, or None (an input of this graph).

        Unlike `producers()` this costs one dict look-up: ops that inspect how a
        symbolic argument was computed (e.g. a shape built from `tg.shape`) use it.
        """
        return self._tables.producers.get(id(value))

    # ----- called by bind ----------------------------------------------------------------------

    def apply(self, op, inputs, attrs):
        """Append `op(inputs)` as a node; returns symbolic output tensor(s)."""
        values = [self.value_of(t) for t in inputs]
        specs = op.infer(*[v.spec for v in values], **attrs)
        specs = specs if op.multiple_outputs else (specs,)
        node = self.add_node(op, values, attrs, specs)
        outputs = tuple(SymbolicTensor(self, v) for v in node.outputs)
        return outputs if op.multiple_outputs else outputs[0]

    def value_of(self, tensor):
        """The value of this graph that stands for `tensor`."""
        if isinstance(tensor, SymbolicTensor):
            if tensor.graph is self:
                return tensor.value
            return self._capture_outer(tensor)
        if isinstance(tensor, EagerTensor):
            return self._constant(tensor)
        raise TypeError(f"expected a tensor, got {tensor!r}")

    def _constant(self, tensor):
        cached = self._tables.constants.get(id(tensor))
        if cached is not None:
            return cached[1]
        value = self.add_node(CONST, [], {"value": tensor._value}, [tensor.spec]).outputs[0]
        self._tables.constants[id(tensor)] = (tensor, value)
        return value

    def _capture_outer(self, tensor):
        if not self._is_ancestor(tensor.graph):
            raise GraphLeakError(
                f"The symbolic tensor {tensor} belongs to another traced function (or to a trace "
                f"that has finished) and cannot be used here. Return it from that function instead "
                f"of storing it in a Python variable.")
        outer = self._tables.outer
        if id(tensor.value) in outer:
            return outer[id(tensor.value)]
        original = tensor.value
        if tensor.graph is not self.parent:  # from further out: the parent captures it first
            tensor = SymbolicTensor(self.parent, self.parent.value_of(tensor))
        inner = outer.get(id(tensor.value))  # the parent's value may be captured already
        if inner is None:
            inner = self.add_input(tensor.spec, name=f"captured_{tensor.value.name}")
            self.outer_captures.append((tensor.value, inner))
            self._tables.captured_tensors[id(tensor.value)] = tensor
            outer[id(tensor.value)] = inner
        outer[id(original)] = inner  # so the next use of the far value finds it (one input per value)
        return inner

    def _is_ancestor(self, graph):
        g = self.parent
        while g is not None:
            if g is graph:
                return True
            g = g.parent
        return False

    def record_outputs(self, result):
        """Make the traced function's return value the graph's outputs.

        Returns one entry per leaf of `result` (flattened with `nest`, composites into their
        components): the index of its graph output, or None for a leaf that is None (returned as is).
        Variables are read; other values are converted to tensors, as TF does.
        """
        leaves = []
        for item in nest.flatten(result, expand_composites=True):
            if item is None:
                leaves.append(None)
                continue
            tensor = item if isinstance(item, (EagerTensor, SymbolicTensor)) else convert_to_tensor(item)
            self.outputs.append(self.value_of(tensor))
            leaves.append(len(self.outputs) - 1)
        return leaves

    # ----- variables ---------------------------------------------------------------------------

    def read_variable(self, variable):
        """A `read_variable` node: the variable's value when the graph runs.

        In a cond branch that has not assigned the variable, the read is made in the
        enclosing graph instead (the same value: nothing in between writes it) and
        captured, so gradients with respect to the variable flow through the cond.
        """
        if self.outer_tapes is not None and id(variable) not in self._tables.assigned:
            outer = self.parent.read_variable(variable)
            if self.outer_tapes:
                for tape in self.outer_tapes:
                    tape.record_variable_read(variable, outer)
            return SymbolicTensor(self, self.value_of(outer))
        attrs = {"variable": self.variable_index(variable), "spec": spec_of(variable.shape, variable.dtype)}
        return self.apply(READ_VARIABLE, [], attrs)

    def assign_variable(self, variable, value):
        """An `assign_variable` node, ordered after everything traced before it."""
        self._tables.assigned.add(id(variable))
        attrs = {"variable": self.variable_index(variable), "spec": spec_of(variable.shape, variable.dtype)}
        self.apply(ASSIGN_VARIABLE, [value], attrs)

    def on_variable_created(self, variable):
        """Called by `tg.Variable()` while tracing: ValueError if this trace may not create Variables.

        TF's rule: a function may create Variables on its first call only, and
        only once (see `Function._trace`).
        """
        if self.parent is not None:
            self.parent.on_variable_created(variable)
            return
        if self.variable_creation_error is not None:
            raise ValueError(
                f"tg.function only supports singleton tg.Variables created on the first call. Make "
                f"sure the tg.Variable is only created once or created outside tg.function. "
                f"({self.variable_creation_error}: the variable {variable.name!r}. Create it outside the "
                f"function, or once: `if self.v is None: self.v = tg.Variable(...)`.)")
        self.created_variables += (variable.name,)


class _TracingTables:
    """The look-up tables a FuncGraph needs while it is being traced, and not after."""

    __slots__ = ("constants", "outer", "captured_tensors", "assigned", "producers")

    def __init__(self):
        self.constants = {}         # id(eager tensor) -> (tensor, value): one const node per tensor
        self.outer = {}             # id(outer Value) -> inner input Value
        self.captured_tensors = {}  # id(outer Value) -> the captured tensor of the parent graph
        self.assigned = set()       # ids of variables this graph assigned (later reads stay local)
        self.producers = {}         # id(value) -> the node that produced it (kept as nodes are added)


class _FinishedTables:
    """The tables of a finished trace: empty, and nothing can be added (no node is added any more)."""

    __slots__ = ()
    constants = outer = captured_tensors = producers = types.MappingProxyType({})
    assigned = frozenset()


_FINISHED = _FinishedTables()
