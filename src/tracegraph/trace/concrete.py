"""`ConcreteFunction`: one traced graph for one input signature, and its execution."""
import threading
import weakref

import numpy as np

from . import tiering
from .errors import InputSignatureError
from .signature import check_against_spec, format_value, sorted_keys
from .. import nest
from ..backend import default_backend_name, get_backend
from ..context import state
from ..float_errors import call_ignoring_float_errors
from ..ir.graph import all_variables
from ..ops.inline import call_graph_with_bind
from ..passes import optimize, optimize_stages
from ..spec import TensorSpec
from ..tensor import EagerTensor, SymbolicTensor, Tensor
from ..type_spec import CompositeTensor, TypeSpec

__all__ = ["ConcreteFunction"]

_POSITIONAL_KINDS = ("POSITIONAL_ONLY", "POSITIONAL_OR_KEYWORD")


class ConcreteFunction:
    """A traced graph with its signature; callable with tensors (TF's ConcreteFunction).

    `graph` is the graph as traced; `optimized_graph` what runs after the
    optimization passes (`optimization_stages()` shows each pass). The first
    call compiles the optimized graph for the backend into a flat plan; on a
    compiling CPU backend (Numba) it does so on a background thread while the
    first calls run NumPy's plan (tiered execution, see `trace/tiering.py`; with
    `tg.function(..., experimental_tiered_execution=False)`, here `tiered=False`, or
    `tg.config.experimental.set_tiered_execution(False)` the first call waits instead).
    A Function keeps every trace, so the optimized graph is kept only while someone uses it.
    """

    def __init__(self, name, graph, python_signature, arguments, input_names, result, output_leaves,
                 backend=None, tiered=None):
        self.name = name
        self.graph = graph
        self._python_signature = python_signature
        self._arguments = arguments          # parameter -> value as traced, tensors as (named) TensorSpecs
        self._input_names = input_names      # one name per graph input (parameter, or its leaf path)
        self._result = result                # what the Python function returned (gives the output structure)
        self._output_leaves = output_leaves  # per flat result leaf: index into graph.outputs, or None
        self._single_output = not nest.is_nested(result) and not isinstance(result, CompositeTensor) \
            and output_leaves == [0]
        self._positional_inputs = _positional_input_specs(python_signature, arguments, graph.inputs)
        # A dict of tensors (a train step's metrics) is rebuilt by zipping keys: no structure walk per call.
        self._flat_dict_keys = _flat_dict_keys(result, output_leaves)
        self._backend_name = backend
        self._optimized = _no_graph  # a weak reference: the plan, once compiled, is what runs
        self._tiered = tiered        # None: as tg.config.experimental.set_tiered_execution says
        self._plan = None            # the backend's compiled plan (tier 1), once ready
        self._compile_lock = threading.Lock()
        self._reset_tiering()

    def _reset_tiering(self):
        self._tier0 = None           # NumPy's plan while the compiled one is made in the background
        self._warm_inputs = None     # the arrays the compiled plan warms up on
        self._tiered_up = None       # set when the background compile has ended
        self._tier_job = None        # the background compile, prepared but not yet queued

    def __getstate__(self):
        """The state for copy and pickle: all but the lock, the weak reference and the tiering
        state, which a copy makes anew."""
        state = self.__dict__.copy()
        for name in ("_compile_lock", "_optimized", "_tier0", "_warm_inputs", "_tiered_up",
                     "_tier_job"):
            state.pop(name, None)
        return state

    def __setstate__(self, state):
        state.setdefault("_tiered", None)
        self.__dict__.update(state)
        self._optimized = _no_graph
        self._compile_lock = threading.Lock()
        self._reset_tiering()

    # ----- the graph, before and after optimization --------------------------------------------

    @property
    def optimized_graph(self):
        """The graph after the optimization passes (what is executed).

        It is optimized again when asked for after the last reference to it is
        gone (the passes are deterministic), so every trace need not keep two graphs.
        """
        graph = self._optimized()
        if graph is None:
            graph = optimize(self.graph)
            self._optimized = weakref.ref(graph)
        return graph

    def optimization_stages(self):
        """[(stage name, graph)]: the traced graph, then the graph after each pass of the pipeline."""
        return optimize_stages(self.graph)

    @property
    def backend(self):
        """The backend that runs this function (its `backend=` option, or the default)."""
        return get_backend(self._backend_name or default_backend_name())

    @property
    def execution_tier(self):
        """1 once calls run the backend's compiled plan; 0 while they run NumPy's (or before the first call)."""
        return 0 if self._plan is None else 1

    def wait_compiled(self, timeout=None):
        """Wait until a background compile started by a call has ended; True unless `timeout` passed.

        After it, `execution_tier` is 1 unless the compile failed (a `TieringWarning` says why).
        """
        return tiering.wait(self, timeout)

    def compile(self):
        """Compile for the backend now (the first call does it otherwise); returns the plan.

        Threads making the first call at once compile it once: the others wait for that plan,
        as does a call of `compile` while the plan is compiled in the background.
        """
        if self._plan is None:
            with self._compile_lock:
                if self._plan is None:
                    self._plan = self.backend.compile(self.optimized_graph)
        return self._plan

    # ----- TF's introspection API --------------------------------------------------------------

    @property
    def inputs(self):
        """The graph's input placeholders, as symbolic tensors."""
        return [SymbolicTensor(self.graph, v) for v in self.graph.inputs]

    @property
    def outputs(self):
        """The graph's outputs, flat, as symbolic tensors."""
        return [SymbolicTensor(self.graph, v) for v in self.graph.outputs]

    @property
    def variables(self):
        """The Variables the function reads or writes (captured by reference)."""
        return tuple(all_variables(self.graph))

    @property
    def trainable_variables(self):
        """The trainable ones among `variables`."""
        return tuple(v for v in self.variables if v.trainable)

    @property
    def structured_input_signature(self):
        """(positional arguments, keyword arguments) as traced, tensors described by TensorSpecs."""
        args, kwargs = [], {}
        for name, value in self._arguments.items():
            kind = self._python_signature.parameters[name].kind
            if kind.name in _POSITIONAL_KINDS:
                args.append(value)
            elif kind.name == "VAR_POSITIONAL":
                args.extend(value)
            elif kind.name == "KEYWORD_ONLY":
                kwargs[name] = value
            else:
                kwargs.update(value)
        return tuple(args), kwargs

    @property
    def structured_outputs(self):
        """The return value's structure with symbolic tensors of the graph as leaves."""
        outputs = self.outputs
        return self._pack([None if leaf is None else outputs[leaf] for leaf in self._output_leaves])

    @property
    def output_dtypes(self):
        """The dtypes of `structured_outputs`."""
        return nest.map_structure(lambda t: None if t is None else t.dtype, self.structured_outputs)

    @property
    def output_shapes(self):
        """The shapes of `structured_outputs`."""
        return nest.map_structure(lambda t: None if t is None else t.shape, self.structured_outputs)

    def pretty_printed_signature(self, verbose=True):
        """The signature as text: parameters with their specs (or traced Python values), output, captures."""
        if not verbose:
            return f"{self.name}({', '.join(self._arguments)})"
        lines = ["Input Parameters:"]
        for name, value in self._arguments.items():
            kind = self._python_signature.parameters[name].kind.name
            lines.append(f"  {name} ({kind}): {_format_traced(value)}")
        lines.append("Output Type:")
        lines.append(f"  {format_value(nest.map_structure(_output_spec, self.structured_outputs))}")
        lines.append("Captures:")
        variables = self.variables
        lines.extend(f"  tg.Variable {v.name!r}: {TensorSpec(v.shape, v.dtype)!r}" for v in variables)
        if not variables:
            lines.append("  None")
        return "\n".join(lines)

    def __repr__(self):
        return f"<ConcreteFunction {self.pretty_printed_signature(verbose=False)}>"

    def __str__(self):
        return f"ConcreteFunction {self.pretty_printed_signature(verbose=False)}\n" \
               f"{self.pretty_printed_signature()}"

    # ----- calling -----------------------------------------------------------------------------

    def __call__(self, *args, **kwargs):
        """Call with the arguments of the Python function (Python ones may be left out), or flat tensors.

        Tensors are checked against the traced specs (InputSignatureError, a
        TypeError and ValueError, naming the argument); Python arguments must
        equal the values the function was traced with.
        """
        expected = self._positional_inputs
        if not kwargs and expected is not None and len(args) == len(expected):
            # The fast path: eager tensors, positionally, of exactly the input dtypes and fitting shapes.
            for arg, (dtype, shape) in zip(args, expected):
                if arg.__class__ is not EagerTensor or arg._value.dtype != dtype or \
                        arg._value.shape != shape and not _shape_fits(arg._value.shape, shape):
                    break
            else:
                return self.call_flat(args)
        return self.call_flat(self._flat_inputs(args, kwargs))

    def call_flat(self, tensors):
        """Run on a flat sequence of input tensors already known to match the graph's inputs."""
        if state.graph is not None or state.tapes:
            return self._pack(call_graph_with_bind(self.graph, list(tensors)))
        plan = self._plan
        # (one input is the common case, and a list display is cheaper than a comprehension)
        inputs = [tensors[0]._value] if len(tensors) == 1 else [t._value for t in tensors]
        arrays = call_ignoring_float_errors(plan, inputs) if plan is not None else \
            self._call_before_compiled(inputs)
        if self._single_output:
            array = arrays[0]
            return EagerTensor(array if type(array) is np.ndarray else _as_array(array))
        return self._pack([EagerTensor(a if type(a) is np.ndarray else _as_array(a)) for a in arrays])

    def _call_before_compiled(self, inputs):
        """Run a call made before the compiled plan is ready: on NumPy's plan while it compiles in
        the background (queued by the first such call, once that call is done, so that the
        compiler does not slow it down), else on the compiled plan, made now."""
        tier0 = self._tier0
        if tier0 is None:
            if not tiering.tiers_up(self):
                return call_ignoring_float_errors(self.compile(), inputs)
            tier0 = tiering.prepare(self, inputs)
        else:
            tiering.offer_inputs(self, inputs)
        try:
            return call_ignoring_float_errors(self._plan or tier0, inputs)
        finally:
            tiering.submit(self)

    def _pack(self, outputs):
        if self._flat_dict_keys is not None:
            return dict(zip(self._flat_dict_keys, outputs))
        flat = [None if leaf is None else outputs[leaf] for leaf in self._output_leaves]
        return nest.pack_sequence_as(self._result, flat, expand_composites=True)

    def _flat_inputs(self, args, kwargs):
        try:
            bound = self._python_signature.bind_partial(*args, **kwargs)
        except TypeError:
            bound = None
        if bound is None and not kwargs and len(args) == len(self._input_names) \
                and all(isinstance(a, Tensor) for a in args):
            return [check_against_spec(f"{self.name}: input `{name}`", a, v.spec)
                    for a, name, v in zip(args, self._input_names, self.graph.inputs)]
        if bound is None:
            raise TypeError(f"{self.name}: the arguments {format_value(list(args))}"
                            f"{' and ' + format_value(kwargs) if kwargs else ''} do not fit the "
                            f"signature {self.pretty_printed_signature(verbose=False)}")
        tensors = []
        for name, traced in self._arguments.items():
            if name not in bound.arguments:
                if _has_specs(traced):
                    raise TypeError(f"{self.name}: missing tensor argument `{name}` "
                                    f"(expected {format_value(traced)})")
                continue
            tensors.extend(_match_argument(f"{self.name}: argument `{name}`", bound.arguments[name], traced))
        return tensors


def _no_graph():
    """A dead weak reference's answer: no optimized graph is held yet."""
    return None


def _flat_dict_keys(result, output_leaves):
    """The keys, in output order, of a result that is a dict of plain tensors (one graph output each,
    in order); None for any other structure."""
    if type(result) is not dict or output_leaves != list(range(len(result))):
        return None
    if any(nest.is_nested(v) or isinstance(v, CompositeTensor) or v is None for v in result.values()):
        return None
    return nest.flatten({key: key for key in result})  # the keys in nest's order (sorted)


def _positional_input_specs(python_signature, arguments, inputs):
    """[(numpy dtype, shape dims)] per graph input if the leading parameters are exactly the
    tensor inputs, one plain tensor each, so positional tensors map onto inputs one to one (the
    fast path of `__call__`); None otherwise."""
    kinds = [python_signature.parameters[name].kind.name for name in arguments]
    values = list(arguments.values())
    n = len(inputs)
    if len(values) < n or not all(isinstance(v, TensorSpec) and k in _POSITIONAL_KINDS
                                  for v, k in zip(values[:n], kinds[:n])):
        return None
    if any(_has_specs(v) for v in values[n:]):
        return None
    return [(v.spec.dtype.numpy_dtype, v.spec.shape.as_tuple()) for v in inputs]


def _shape_fits(shape, dims):
    """True if the concrete `shape` fits `dims` (None: any size; dims None: any shape)."""
    if dims is None:
        return True
    return len(shape) == len(dims) and all(d is None or s == d for s, d in zip(shape, dims))


def _has_specs(traced):
    return any(isinstance(leaf, TypeSpec) for leaf in nest.flatten(traced))


def _match_argument(where, value, traced):
    """The tensors `value` supplies for the traced argument `traced` (checked leaf by leaf)."""
    if isinstance(traced, TensorSpec):
        return [check_against_spec(where, value, traced)]  # lists and numbers convert, as in a call
    if isinstance(traced, TypeSpec):
        return nest.flatten(check_against_spec(where, value, traced), expand_composites=True)
    if nest.is_nested(traced):
        try:
            nest.assert_same_structure(traced, value, check_types=False)
        except (TypeError, ValueError):
            raise InputSignatureError(f"{where}: expected {format_value(traced)}, but received "
                                      f"{format_value(value)}") from None
        return [t for got, expected in _pairs(value, traced) for t in _match_argument(where, got, expected)]
    if not _same_python_value(value, traced):
        raise InputSignatureError(f"{where}: this concrete function was traced with the Python "
                                  f"value {traced!r}, but was called with {value!r}")
    return []


def _pairs(value, traced):
    """The children of two nests of the same structure, side by side."""
    if isinstance(traced, dict):
        return [(value[k], traced[k]) for k in sorted_keys(traced)]  # nest.flatten's order
    return list(zip(value, traced))


def _same_python_value(a, b):
    if a is b:
        return True
    try:
        return type(a) is type(b) and bool(a == b)
    except Exception:  # noqa: BLE001 - objects whose == fails or is ambiguous are simply different
        return False


def _format_traced(value):
    """A traced argument for the signature: specs as they are, Python values as `Literal[v]`."""
    if nest.is_nested(value):
        return format_value(nest.map_structure(_literal_or_spec, value))
    return repr(_literal_or_spec(value))


class _Literal:
    def __init__(self, value):
        self.value = value

    def __repr__(self):
        return f"Literal[{self.value!r}]"


def _literal_or_spec(value):
    return value if isinstance(value, TypeSpec) else _Literal(value)


def _output_spec(value):
    if value is None:
        return None
    return value._type_spec if isinstance(value, CompositeTensor) else TensorSpec(value.shape, value.dtype)


def _as_array(value):
    if hasattr(value, "__cuda_array_interface__"):
        return value
    return np.asarray(value)
