"""`tg.function`: a Python function traced into graphs, one per input signature.

A call binds its arguments to the function's parameters and computes a cache
key from them (see `signature.py`); on a miss the Python function is traced
into a new `ConcreteFunction`, with a symbolic placeholder for every tensor.
Python side effects therefore happen only while tracing; `tg.print` and
Variable updates are graph nodes and happen on every call.

Calls whose arguments are all eager tensors, passed positionally, take a fast
path: a dictionary keyed by their (dtype, shape)s leads straight to the
concrete function, so a cached call costs a few microseconds above the ops.
That path takes no lock; a cache miss takes the Function's lock, so threads
calling a new Function at once trace it once per signature.
"""
import functools
import inspect
import threading
import types
import weakref

import numpy as np

from .concrete import ConcreteFunction
from .errors import SymbolicValueError, TracingRecursionError, warn_user
from .signature import (COMPOSITE, TENSOR, bind_arguments, check_against_spec, describe, format_leaf,
                        input_signature_slots, leaf_names, leaf_spec, python_signature, signature_call,
                        structure_key)
from .. import nest
from ..autograph import converted_call
from ..backend import get_backend
from ..config_state import flags
from ..convert import convert_to_tensor
from ..core.func_graph import FuncGraph
from ..core.scope import tracing
from ..spec import TensorSpec
from ..tensor import EagerTensor, SymbolicTensor, Tensor
from ..type_spec import CompositeTensor, TypeSpec

__all__ = ["function", "Function"]

#: After this many traces of one Function, every further trace warns about retracing (TF uses 5 too).
RETRACING_WARNING_THRESHOLD = 5

_EAGER = "eager"  # cache entry: calls with this key run eagerly (fallback after a failed trace)


def function(func=None, input_signature=None, autograph=True, jit_compile=None,
             reduce_retracing=False, experimental_implements=None, experimental_autograph_options=None,
             experimental_attributes=None, experimental_relax_shapes=None,
             experimental_compile=None, experimental_follow_type_hints=None,
             backend=None, fallback="eager", experimental_tiered_execution=None):
    """Compile `func` into graphs (TF's `tf.function`); usable as `@function` or `@function(...)`.

    `input_signature` (a list of `tg.TensorSpec`, or nests of them) fixes the
    specs of the leading arguments: one graph serves every call that fits.
    `reduce_retracing=True` traces shapes that vary with `None` dimensions.
    `autograph=True` converts Python `if`/`while`/`for` on tensors into graph
    control flow (see `tg.autograph`); `jit_compile` and the `experimental_*`
    options are accepted for compatibility. `backend` names the backend that runs the graphs
    ("numpy", "numba", "cupy"; default: the fastest available); an unknown
    name is a ValueError and a backend that cannot run here a RuntimeError, at once.
    `fallback="eager"` runs a call eagerly, with one warning, when tracing it
    needs a concrete value (e.g. `if tensor:`); `fallback="error"` raises.
    `experimental_tiered_execution=False` makes the first call of each trace wait for the
    compiled plan (bit-identical results from the first call), True lets it run NumPy's plan
    meanwhile; None (the default) follows `tg.config.experimental.set_tiered_execution`.
    """
    if fallback not in ("eager", "error"):
        raise ValueError(f"tg.function: fallback must be 'eager' or 'error', got {fallback!r}")
    options = dict(input_signature=input_signature, autograph=autograph,
                   reduce_retracing=bool(reduce_retracing or experimental_relax_shapes),
                   jit_compile=jit_compile, backend=backend, fallback=fallback,
                   experimental_tiered_execution=experimental_tiered_execution)
    if func is None:
        return lambda f: Function(f, **options)
    return Function(func, **options)


class Function:
    """A Python function traced on demand into concrete functions (TF's `tf.function` result)."""

    def __init__(self, python_function, input_signature=None, autograph=True, reduce_retracing=False,
                 jit_compile=None, backend=None, fallback="eager", name=None,
                 experimental_tiered_execution=None):
        self._python_function = python_function
        self._signature = python_signature(python_function)
        self._input_signature = _checked_input_signature(input_signature)
        self._name = name or getattr(python_function, "__name__", type(python_function).__name__)
        _check_traceable(python_function, self._name)
        _check_backend(backend, self._name)
        # parameter name -> its spec(s) in the input_signature (a tuple of specs for *args)
        self._signature_slots = None if self._input_signature is None else \
            input_signature_slots(self._signature, self._input_signature, self._name)
        self._reduce_retracing = reduce_retracing
        self._backend = backend
        self._fallback = fallback
        self._options = dict(input_signature=input_signature, autograph=autograph,
                             reduce_retracing=reduce_retracing, jit_compile=jit_compile,
                             backend=backend, fallback=fallback,
                             experimental_tiered_execution=experimental_tiered_execution)
        self._cache = {}          # cache key -> ConcreteFunction, or _EAGER
        self._fast_cache = {}     # _fast_key(args) of positional eager tensors -> ConcreteFunction
        self._fast_array_cache = {}  # _fast_key(args) of positional NumPy arrays -> ConcreteFunction
        self._traces = []         # (key with shapes erased, ConcreteFunction, its leaf specs), in order
        self._tracing_count = 0
        self._tracing_started = False  # once True, a trace may not create tg.Variables (see _trace)
        self._last_leaves = None  # leaf name -> leaf (a TensorSpec for a tensor), of the latest trace
        self._warned = set()
        self._instances = {}      # id(instance) -> Function, for methods
        # Held from a cache miss to the end of its trace (and while binding a method's Function).
        # Reentrant: tracing may call this function again (recursion) on the same thread.
        self._lock = threading.RLock()
        functools.update_wrapper(self, python_function)

    def __getstate__(self):
        """The state for copy and pickle: all but the lock, which a copy makes anew (as TF does)."""
        state = self.__dict__.copy()
        del state["_lock"]
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._lock = threading.RLock()

    # ----- TF's API ----------------------------------------------------------------------------

    @property
    def python_function(self):
        """The original Python function (for a method, bound to its instance)."""
        if isinstance(self._python_function, _WeakMethod):
            return self._python_function.bound_method()
        return self._python_function

    @property
    def input_signature(self):
        """The `input_signature` given, or None."""
        return self._input_signature

    @property
    def function_spec(self):
        """The Python function's `inspect.Signature`."""
        return self._signature

    def experimental_get_tracing_count(self):
        """How many times this function has been traced."""
        return self._tracing_count

    def pretty_printed_concrete_signatures(self, verbose=True):
        """The signatures of all concrete functions traced so far, one block each."""
        blocks = []
        for _, concrete, _ in self._traces:
            header = concrete.pretty_printed_signature(verbose=False)
            blocks.append(f"{header}\n{concrete.pretty_printed_signature()}" if verbose else header)
        return ("\n\n" if verbose else "\n").join(blocks)

    def get_concrete_function(self, *args, **kwargs):
        """The ConcreteFunction for these arguments, tracing if needed.

        Tensors may be given as `tg.TensorSpec`s. Compatible specs give the same
        object: with `input_signature` (then no arguments are needed) every
        fitting call shares one, and a function traced with `None` dimensions
        serves later calls whose shapes fit it.
        """
        if self._input_signature is not None and not args and not kwargs:
            args, kwargs = signature_call(self._signature, self._signature_slots)
        call = self._canonical_call(args, kwargs, allow_specs=True)
        concrete = self._lookup(call)
        if concrete is None or concrete is _EAGER:
            with self._lock:
                concrete = self._lookup(call)  # another thread may have traced it meanwhile
                if concrete is None or concrete is _EAGER:  # an untraceable call: tracing again raises why
                    concrete = self._trace(call)
        return concrete

    # ----- calling -----------------------------------------------------------------------------

    def __call__(self, *args, **kwargs):
        """Run the concrete function for these arguments (tracing one first if there is none)."""
        if not kwargs and not flags.run_functions_eagerly:
            try:
                concrete = self._fast_cache[_fast_key(args)]
            except KeyError:  # not seen yet
                pass
            except AttributeError:  # not all eager tensors: perhaps all NumPy arrays
                concrete = self._fast_array_cache.get(_fast_array_key(args))
                if concrete is not None:
                    return concrete.call_flat([EagerTensor(np.array(a)) for a in args])
            else:
                return concrete.call_flat(args)
        return self._call(args, kwargs)

    def _call(self, args, kwargs):
        """The general call path: bind, look up or trace, then run (or fall back to eager)."""
        if flags.run_functions_eagerly:
            return self._python_function(*args, **kwargs)
        call = self._canonical_call(args, kwargs, allow_specs=False)
        concrete = self._lookup(call) or self._trace_once(call)
        if concrete is _EAGER:
            return self._python_function(*args, **kwargs)
        if not kwargs and _same_objects(call.tensors, args):
            self._fast_cache[_fast_key(args)] = concrete
        elif not kwargs and _converted_arrays(call.tensors, args):
            self._fast_array_cache[_fast_array_key(args)] = concrete
        return concrete.call_flat(call.tensors)

    def _canonical_call(self, args, kwargs, allow_specs):
        """The call bound to the parameters and described leaf by leaf (see `_Call`)."""
        slots = self._signature_slots
        bound = bind_arguments(self._signature, args, kwargs, self._name, slots)
        call = _Call()
        for name, value in bound.arguments.items():
            if slots is not None and name in slots:
                value = check_against_spec(f"{self._name}: argument `{name}`", value, slots[name], allow_specs)
                call.add_argument(name, value, nest.flatten(slots[name]))
            else:
                value = _arrays_as_tensors(value)
                spec = next((leaf for leaf in nest.flatten(value) if isinstance(leaf, TypeSpec)), None)
                if not allow_specs and spec is not None:
                    raise TypeError(f"{self._name}: argument `{name}` holds a tg.{type(spec).__name__}; call "
                                    f"the function with tensors (specs are for get_concrete_function)")
                call.add_argument(name, value, None)
        return call

    def _lookup(self, call):
        """An existing ConcreteFunction (or _EAGER) that serves this call, if any."""
        found = self._cache.get(call.key)
        if found is not None:
            return found
        shape_free = _erase_shapes(call.key)
        for key, concrete, traced_specs in self._traces:
            if key == shape_free and _fits_trace(call.specs, traced_specs):
                self._cache[call.key] = concrete
                return concrete
        return None

    # ----- tracing -----------------------------------------------------------------------------

    def _trace_once(self, call):
        """Trace for `call`, unless another thread did while this one waited for the lock."""
        with self._lock:
            return self._lookup(call) or self._trace_or_fallback(call)

    def _trace_or_fallback(self, call):
        try:
            return self._trace(call)
        except SymbolicValueError as error:
            if self._fallback == "error":
                raise
            if "fallback" not in self._warned:
                self._warned.add("fallback")
                warn_user(f"tg.function {self._name!r} cannot be traced and runs eagerly instead "
                          f"(slower):\n{error}")
            self._cache[call.key] = _EAGER
            return _EAGER

    def _trace(self, call):
        """Trace the Python function for `call` into a new ConcreteFunction, and cache it.

        TF's rule for tg.Variables: the first trace may create them. If it does,
        the call is traced again, and this second trace (the one kept) must
        create none: it finds the Variables of the first, as the singleton
        pattern `if self.v is None: self.v = tg.Variable(...)` does. No later
        trace may create any. Breaking the rule is a ValueError.
        """
        self._warn_if_retracing_often(call)
        if self._tracing_started:
            concrete, specs = self._trace_graph(call, f"Trace {self._tracing_count + 1} of {self._name!r} (for new "
                                               f"arguments) is not its first, and it created a tg.Variable")
        else:
            self._tracing_started = True  # before tracing: a trace that recurses into this one is a later one
            concrete, specs = self._trace_graph(call, None)
            if concrete.graph.created_variables:
                concrete, specs = self._trace_graph(call, (
                    f"The first trace of {self._name!r} created the tg.Variables "
                    f"{list(concrete.graph.created_variables)}, so it was traced a second time, as TF does, "
                    f"to check that they are created only once, and the second trace created another"))
        self._cache[call.key] = concrete
        self._traces.append((_erase_shapes(call.key), concrete, specs))
        self._last_leaves = dict(zip(call.names, map(_leaf_summary, call.leaves)))
        return concrete

    def _trace_graph(self, call, variable_creation_error):
        """One trace of the Python function for `call`: (a ConcreteFunction, not cached; the leaf
        specs it was traced with, which later calls must fit to use it)."""
        specs = self._relaxed(call) if self._reduce_retracing else call.specs
        graph = FuncGraph(self._name, variable_creation_error=variable_creation_error)
        traced_leaves = [leaf if spec is None else _placeholder(graph, spec, name)
                         for leaf, spec, name in zip(call.leaves, specs, call.names)]
        self._tracing_count += 1
        traced = inspect.BoundArguments(self._signature, call.pack(traced_leaves))
        with tracing(graph):
            result = self._run_python_function(traced)
            output_leaves = graph.record_outputs(result)
        graph.finish_tracing()
        signature_leaves = [leaf if spec is None else _named(spec, name)
                            for leaf, spec, name in zip(call.leaves, specs, call.names)]
        concrete = ConcreteFunction(self._name, graph, self._signature, call.pack(signature_leaves),
                                    [v.name for v in graph.inputs], result, output_leaves,
                                    backend=self._backend,
                                    tiered=self._options.get("experimental_tiered_execution"))
        return concrete, specs

    def _run_python_function(self, traced):
        """The Python function (converted by AutoGraph unless turned off) on the symbolic arguments;
        endless recursion is explained."""
        try:
            if self._options["autograph"] and flags.autograph:
                return converted_call(self.python_function, *traced.args, **traced.kwargs)
            return self._python_function(*traced.args, **traced.kwargs)
        except RecursionError as error:
            if isinstance(error, TracingRecursionError):  # explained by a trace further in
                raise
            raise TracingRecursionError(self._name, error) from None

    def _relaxed(self, call):
        """The call's specs, generalized against the latest trace of the same kind (reduce_retracing)."""
        shape_free = _erase_shapes(call.key)
        for key, _, traced_specs in reversed(self._traces):
            if key == shape_free:
                return [None if s is None else s.most_specific_common_supertype([t]) or s
                        for s, t in zip(call.specs, traced_specs)]
        return call.specs

    def _warn_if_retracing_often(self, call):
        if self._tracing_count < RETRACING_WARNING_THRESHOLD or self._last_leaves is None:
            return
        changes = [c for c in _changes(self._last_leaves, dict(zip(call.names, call.leaves)))
                   if c[:2] not in self._warned]
        if not changes:
            return
        self._warned.update(c[:2] for c in changes)
        details = "; ".join(f"argument `{name}` changed {kind} {how}" for name, kind, how in changes)
        warn_user(
            f"tg.function {self._name!r} is traced again (trace {self._tracing_count + 1}), and "
            f"tracing is expensive: {details}. Pass tensors instead of Python values that change, "
            f"use an input_signature with None dimensions, or reduce_retracing=True.")

    # ----- methods -----------------------------------------------------------------------------

    def __get__(self, instance, owner):
        """`@tg.function` on a method: one Function (and cache) per instance.

        The per-instance Function refers to its instance weakly, so it does not
        keep the instance alive.
        """
        if instance is None:
            return self
        bound = self._instances.get(id(instance))
        if bound is None:
            with self._lock:  # threads binding at once must share one Function (one trace, one set of Variables)
                bound = self._instances.get(id(instance)) or self._bind(instance)
        return bound

    def _bind(self, instance):
        """A new Function for the method of `instance`, remembered for the instance's lifetime."""
        try:
            method = _WeakMethod(self._python_function, instance)
            weakref.finalize(instance, self._instances.pop, id(instance), None)
        except TypeError:  # not weak-referenceable: bind strongly, for the life of this Function
            method = types.MethodType(self._python_function, instance)
        bound = Function(method, name=self._name, **self._options)
        self._instances[id(instance)] = bound
        return bound

    def __repr__(self):
        return f"<tg.function {self._name}>"


class _WeakMethod:
    """A method bound to a weak reference of its instance (so caches do not keep instances alive)."""

    def __init__(self, function, instance):
        self._function = function
        self._instance = weakref.ref(instance)
        self.__signature__ = inspect.signature(types.MethodType(function, instance))
        functools.update_wrapper(self, function)

    def bound_method(self):
        return types.MethodType(self._function, self._instance())

    def __call__(self, *args, **kwargs):
        return self._function(self._instance(), *args, **kwargs)


class _Call:
    """One call's arguments: bound, flattened into leaves, with a spec per tensor leaf and a cache key."""

    def __init__(self):
        self.arguments = {}  # name -> value (tensors converted where the input_signature says so)
        self.leaves = []     # every leaf of every argument, in order (composites whole)
        self.specs = []      # per leaf: its TypeSpec if it becomes graph inputs, else None
        self.names = []      # per leaf: a readable name (`x`, `d_a`, `args_0`)
        self.tensors = []    # the graph inputs' tensors, in order (composites as their components)
        self._key = []

    def add_argument(self, name, value, signature_specs):
        """Add argument `name`; `signature_specs` are its flat input_signature specs, if it has any."""
        self.arguments[name] = value
        leaves = nest.flatten(value)
        self.leaves.extend(leaves)
        self.names.extend(leaf_names(name, value))
        if signature_specs is not None:
            self.specs.extend(signature_specs)
            self.tensors.extend(nest.flatten(value, expand_composites=True))
            self._key.append(("signature",))
            return
        for leaf in leaves:
            spec = leaf_spec(leaf)  # None for a Python value: part of the key, not an input
            self.specs.append(spec)
            if spec is not None:
                self.tensors.extend(nest.flatten(leaf, expand_composites=True))
        self._key.append(structure_key(value))

    @property
    def key(self):
        """The cache key: one hashable part per argument."""
        return tuple(self._key)

    def pack(self, leaves):
        """The arguments with their leaves replaced by `leaves` (in order), as name -> value."""
        it = iter(leaves)
        return {name: nest.pack_sequence_as(value, [next(it) for _ in nest.flatten(value)])
                if nest.is_nested(value) else next(it) for name, value in self.arguments.items()}


def _fast_key(args):
    """(class, dtype number, shape) of each argument; AttributeError unless all are eager tensors.

    The class is part of the key, so only EagerTensors (the only arguments put
    into the fast cache) can ever match. The dtype number stands for the dtype:
    it is cheaper to hash, and it identifies the dtype just as well.
    """
    if len(args) == 1:
        value = args[0]._value
        return args[0].__class__, value.dtype.num, value.shape
    return tuple([(a.__class__, a._value.dtype.num, a._value.shape) for a in args])


def _fast_array_key(args):
    """(class, dtype number, shape) of each argument, for calls with NumPy arrays only; None if
    an argument is not one."""
    try:
        return tuple([(a.__class__, a.dtype.num, a.shape) for a in args])
    except AttributeError:
        return None


def _converted_arrays(tensors, args):
    """Whether `tensors` are the positional `args`, each a plain numeric NumPy array converted as it
    is (same dtype and shape): then a later call with such arrays may convert them by copying."""
    return len(tensors) == len(args) and all(
        type(a) is np.ndarray and a.dtype.kind in _NUMERIC_KINDS and type(t) is EagerTensor
        and t._value.dtype == a.dtype and t._value.shape == a.shape for t, a in zip(tensors, args))


_NUMERIC_KINDS = frozenset("biufc")


def _leaf_summary(leaf):
    """What `_changes` needs of a leaf: a tensor's or composite's spec (not its arrays, which may be
    large), else the leaf."""
    return leaf_spec(leaf) if isinstance(leaf, (Tensor, CompositeTensor)) else leaf


def _placeholder(graph, spec, name):
    """The symbolic value standing for an argument of `spec` while tracing: a tensor for a TensorSpec,
    a composite of symbolic components (graph inputs `name_0`, `name_1`, ...) for a composite spec."""
    if isinstance(spec, TensorSpec):
        return SymbolicTensor(graph, graph.add_input(spec, name=spec.name or name))
    components = nest.flatten(spec, expand_composites=True)
    inputs = [SymbolicTensor(graph, graph.add_input(c, name=f"{name}_{i}")) for i, c in enumerate(components)]
    return nest.pack_sequence_as(spec, inputs, expand_composites=True)


def _named(spec, name):
    """A tensor's spec named after its argument (as TF's traced signatures show); composite specs as they are."""
    return TensorSpec(spec.shape, spec.dtype, spec.name or name) if isinstance(spec, TensorSpec) else spec


def _same_objects(a, b):
    return len(a) == len(b) and all(x is y and type(x) is EagerTensor for x, y in zip(a, b))


def _arrays_as_tensors(value):
    """NumPy arrays in `value` become tensors (TF treats them as tensors, not as Python objects)."""
    flat = nest.flatten(value)
    if not any(type(leaf).__module__ == "numpy" and hasattr(leaf, "shape") for leaf in flat):
        return value
    converted = [convert_to_tensor(leaf) if type(leaf).__module__ == "numpy" and hasattr(leaf, "shape")
                 else leaf for leaf in flat]
    return nest.pack_sequence_as(value, converted) if nest.is_nested(value) else converted[0]


def _erase_shapes(key):
    """The key with tensor shapes (and composites' specs) erased: what must match exactly for a concrete
    function to be reused; `_fits_trace` then decides on the specs."""
    if isinstance(key, tuple):
        if key and key[0] == TENSOR:
            return (TENSOR, key[1])
        if key and key[0] == COMPOSITE:
            return (COMPOSITE, type(key[1]))
        return tuple(_erase_shapes(part) for part in key)
    return key


def _fits_trace(specs, traced_specs):
    """True if every leaf spec of a call is a subtype of the spec its trace was made with."""
    return len(specs) == len(traced_specs) and all(
        (s is None) == (t is None) and (s is None or s.is_subtype_of(t)) for s, t in zip(specs, traced_specs))


def _changes(before, after):
    """[(leaf name, "dtype" | "shape" | "Python value" | ..., "from A to B")] between two traces."""
    changes = []
    for name, new in after.items():
        if name not in before:
            changes.append((name, "structure", "(it is new)"))
            continue
        old = before[name]
        if describe(old) == describe(new):
            continue
        if isinstance(old, TypeSpec) and isinstance(new, TypeSpec) and not isinstance(old, TensorSpec):
            kind, how = "spec", f"from {old!r} to {new!r}"
        elif isinstance(old, (Tensor, TensorSpec)) and isinstance(new, (Tensor, TensorSpec)):
            kind = "dtype" if old.dtype != new.dtype else "shape"
            how = f"from {old.dtype.name} to {new.dtype.name}" if kind == "dtype" else \
                f"from {old.shape} to {new.shape}"
        elif isinstance(old, (Tensor, TensorSpec)) or isinstance(new, (Tensor, TensorSpec)):
            kind, how = "kind", f"from {format_leaf(old)} to {format_leaf(new)}"
        else:
            kind, how = "Python value", f"from {format_leaf(old)} to {format_leaf(new)}"
        changes.append((name, kind, how))
    return changes


def _check_traceable(python_function, name):
    """TypeError for a generator or coroutine function: tracing runs a function once, to its return."""
    if inspect.isgeneratorfunction(python_function) or inspect.isasyncgenfunction(python_function):
        kind, fix = "a generator function (it uses `yield`)", (
            "return all the values at once (a list of tensors, or tg.stack of them), or keep the "
            "generator in Python and trace the work done on each value")
    elif inspect.iscoroutinefunction(python_function):
        kind, fix = "a coroutine function (`async def`)", "use a plain `def` function"
    else:
        return
    raise TypeError(f"tg.function cannot trace {name!r}{_defined_at(python_function)}: it is {kind}. A traced "
                    f"function runs once and its graph returns all its outputs at the end, so it cannot hand "
                    f"values out one at a time. Fix: {fix}.")


def _defined_at(python_function):
    """" (defined at file:line)" for a Python function, else ""."""
    code = getattr(inspect.unwrap(python_function), "__code__", None)
    return "" if code is None else f" (defined at {code.co_filename}:{code.co_firstlineno})"


def _check_backend(backend, name):
    """ValueError for an unknown backend name, RuntimeError for one that cannot run here (with the reason)."""
    if backend is None:
        return
    try:
        get_backend(backend)
    except (ValueError, RuntimeError) as error:
        raise type(error)(f"tg.function {name!r}: {error}") from None


def _checked_input_signature(signature):
    if signature is None:
        return None
    if not isinstance(signature, (list, tuple)):
        raise TypeError(f"input_signature must be a list or tuple of tg.TensorSpec, got {signature!r}")
    for spec in nest.flatten(list(signature)):
        if not isinstance(spec, TypeSpec):
            raise TypeError(f"input_signature entries must be tg.TensorSpec or another type spec (or nests of "
                            f"them), got {spec!r}")
    return tuple(signature)
