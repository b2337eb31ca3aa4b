"""`ConcreteFunction`: one traced graph for one input signature, and its execution."""
import numpy as np

from .. import nest
from ..context import state
from ..tensor import EagerTensor, Tensor
from .signature import format_leaf

__all__ = ["ConcreteFunction"]


class ConcreteFunction:
    """A traced graph with its signature; callable with tensors (TF's ConcreteFunction)."""

    def __init__(self, name, graph, arguments, input_leaves, output_structure, output_leaves,
                 backend=None):
        self.name = name
        self.graph = graph
        self._arguments = arguments              # parameter name -> value (tensors as specs)
        self._input_leaves = input_leaves        # (parameter name, spec) per graph input
        self._output_structure = output_structure
        self._output_leaves = output_leaves      # per flat output: index into graph.outputs or ("py", value)
        self._backend_name = backend
        self._optimized = None
        self._plan = None

    # ----- the graph, before and after optimization --------------------------------------------

    @property
    def optimized_graph(self):
        """The graph after the optimization passes (what is executed)."""
        if self._optimized is None:
            from ..passes import optimize  # noqa: PLC0415 - passes import the IR only
            self._optimized = optimize(self.graph)
        return self._optimized

    def optimization_stages(self):
        """[(pass name, graph after it)] for every pass of the pipeline, to see what each did."""
        from ..passes import optimize_stages  # noqa: PLC0415
        return optimize_stages(self.graph)

    @property
    def backend(self):
        from ..backend import default_backend_name, get_backend  # noqa: PLC0415
        return get_backend(self._backend_name or default_backend_name())

    def compile(self):
        """Compile for the backend now (it happens on the first call otherwise)."""
        if self._plan is None:
            self._plan = self.backend.compile(self.optimized_graph)
        return self._plan

    # ----- TF's introspection API --------------------------------------------------------------

    @property
    def inputs(self):
        from ..tensor import SymbolicTensor  # noqa: PLC0415
        return [SymbolicTensor(self.graph, v) for v in self.graph.inputs]

    @property
    def outputs(self):
        from ..tensor import SymbolicTensor  # noqa: PLC0415
        return [SymbolicTensor(self.graph, v) for v in self.graph.outputs]

    @property
    def variables(self):
        return tuple(self.graph.variables)

    @property
    def trainable_variables(self):
        return tuple(v for v in self.graph.variables if v.trainable)

    @property
    def structured_input_signature(self):
        """(positional args, keyword args) with tensors described by TensorSpecs."""
        return tuple(self._arguments.values()), {}

    @property
    def structured_outputs(self):
        outputs = self.outputs
        flat = [outputs[leaf] if isinstance(leaf, int) else leaf[1] for leaf in self._output_leaves]
        return nest.pack_sequence_as(self._output_structure, flat)

    def pretty_printed_signature(self, verbose=True):
        """The signature as readable text: parameters with their specs, output type, captures."""
        lines = ["Input Parameters:"]
        for name, value in self._arguments.items():
            shown = nest.map_structure(format_leaf, value) if nest.is_nested(value) else format_leaf(value)
            lines.append(f"  {name} (POSITIONAL_OR_KEYWORD): {shown}")
        lines.append("Output Type:")
        outputs = nest.map_structure(lambda t: format_leaf(t) if isinstance(t, Tensor) else repr(t),
                                     self.structured_outputs)
        lines.append(f"  {outputs}")
        lines.append("Captures:")
        if self.graph.variables:
            lines.extend(f"  Variable {v.name!r}: TensorSpec(shape={v.shape}, dtype={v.dtype!r})"
                         for v in self.graph.variables)
        else:
            lines.append("  None")
        return "\n".join(lines)

    def __repr__(self):
        return f"<ConcreteFunction {self.name}({', '.join(self._arguments)})>"

    __str__ = pretty_printed_signature

    # ----- calling -----------------------------------------------------------------------------

    def __call__(self, *args, **kwargs):
        """Call with tensors: either the tensor arguments in order, or named like the Python function."""
        flat = list(args) + list(kwargs.values())
        if len(flat) != len(self._input_leaves):
            raise TypeError(f"{self.name}: this concrete function takes {len(self._input_leaves)} tensor "
                            f"argument(s) ({', '.join(n for n, _ in self._input_leaves)}), got {len(flat)}")
        from .signature import check_against_signature  # noqa: PLC0415
        tensors = [check_against_signature(name, value, spec)
                   for value, (name, spec) in zip(flat, self._input_leaves)]
        return self.call_flat(tensors)

    def call_flat(self, tensors):
        """Run on a flat list of input tensors already known to match the signature."""
        if state.graph is not None or state.tapes:
            from .inline import call_graph_with_bind  # noqa: PLC0415
            return self._pack(call_graph_with_bind(self.graph, tensors))
        plan = self._plan or self.compile()
        arrays = plan([t._value for t in tensors])
        return self._pack([EagerTensor(a if type(a) is np.ndarray else _as_array(a)) for a in arrays])

    def _pack(self, outputs):
        flat = [outputs[leaf] if isinstance(leaf, int) else leaf[1] for leaf in self._output_leaves]
        return nest.pack_sequence_as(self._output_structure, flat)


def _as_array(value):
    if hasattr(value, "__cuda_array_interface__"):
        return value
    return np.asarray(value)
