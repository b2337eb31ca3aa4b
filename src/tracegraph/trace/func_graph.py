"""`FuncGraph`: the graph being built while a Python function is traced.

`bind` sends every op application here while tracing. Inputs are turned into
values of this graph: its own symbolic tensors as they are, eager tensors as
constants, symbolic tensors of an enclosing graph as captured inputs (for the
branches and bodies of control flow).
"""
from ..ir.graph import Graph
from ..ops.op import Op
from ..ops.rules import spec_of
from ..tensor import EagerTensor, SymbolicTensor

__all__ = ["FuncGraph", "CONST", "READ_VARIABLE", "ASSIGN_VARIABLE"]


CONST = Op("const", infer=lambda value: spec_of(value.shape, _dtype_of(value)),
           impl=lambda xp, value: value)


def _dtype_of(array):
    from ..dtypes import as_dtype  # noqa: PLC0415
    return as_dtype(array.dtype)


# The executor passes the Variable object itself as the `variable` argument (see backend.resolve_attrs).
READ_VARIABLE = Op("read_variable", infer=lambda variable, spec: spec,
                   impl=lambda xp, variable, spec: variable._array, stateful=True)


def _assign_impl(xp, value, variable, spec):
    variable._array = value


ASSIGN_VARIABLE = Op("assign_variable", infer=lambda value, variable, spec: (),
                     impl=_assign_impl, stateful=True, multiple_outputs=True)


class GraphLeakError(ValueError):
    """A symbolic tensor of one traced function was used outside of it."""


class FuncGraph(Graph):
    """A graph under construction by tracing."""

    def __init__(self, name="graph", parent=None, allow_variable_creation=True):
        super().__init__(name, parent)
        self.allow_variable_creation = allow_variable_creation
        self._constants = {}  # id(eager tensor) -> (tensor, value): one const node per tensor
        self._outer = {}      # id(outer Value) -> inner input Value

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
        cached = self._constants.get(id(tensor))
        if cached is not None:
            return cached[1]
        value = self.add_node(CONST, [], {"value": tensor._value}, [tensor.spec]).outputs[0]
        self._constants[id(tensor)] = (tensor, value)
        return value

    def _capture_outer(self, tensor):
        if not self._is_ancestor(tensor.graph):
            raise GraphLeakError(
                f"The symbolic tensor {tensor} belongs to another traced function (or to a trace "
                f"that has finished) and cannot be used here. Return it from that function instead "
                f"of storing it in a Python variable.")
        if id(tensor.value) in self._outer:
            return self._outer[id(tensor.value)]
        outer_value = self.parent.value_of(tensor) if tensor.graph is not self.parent else tensor.value
        inner = self.add_input(tensor.spec, name=f"captured_{tensor.value.name}")
        self.outer_captures.append((outer_value, inner))
        self._outer[id(tensor.value)] = inner
        return inner

    def _is_ancestor(self, graph):
        g = self.parent
        while g is not None:
            if g is graph:
                return True
            g = g.parent
        return False

    # ----- variables ---------------------------------------------------------------------------

    def read_variable(self, variable):
        """A `read_variable` node: the variable's value when the graph runs."""
        attrs = {"variable": self.variable_index(variable), "spec": spec_of(variable.shape, variable.dtype)}
        return self.apply(READ_VARIABLE, [], attrs)

    def assign_variable(self, variable, value):
        """An `assign_variable` node, ordered after everything traced before it."""
        attrs = {"variable": self.variable_index(variable), "spec": spec_of(variable.shape, variable.dtype)}
        self.apply(ASSIGN_VARIABLE, [value], attrs)

    def on_variable_created(self, variable):
        if not self.allow_variable_creation:
            raise ValueError(
                f"tg.function only supports singleton tg.Variables created on the first call; "
                f"this call traced the function again and created the variable {variable.name!r}. "
                f"Create variables outside the function, or only once (e.g. `if self.v is None:`).")
