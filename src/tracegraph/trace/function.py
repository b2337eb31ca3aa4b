"""`tg.function`: a Python function traced into graphs, one per input signature.

A call computes the cache key of its arguments (see `signature.py`); on a miss
the Python function is traced into a new `ConcreteFunction`. Python side
effects therefore happen only while tracing; `tg.print` and Variable updates
are graph nodes and happen on every call.
"""
import functools
import warnings
import weakref

from .. import nest
from ..config_state import flags
from ..tensor import EagerTensor, SymbolicTensor, Tensor
from ..spec import TensorSpec
from .concrete import ConcreteFunction
from .errors import SymbolicValueError
from .func_graph import FuncGraph
from .scope import tracing
from .signature import (TENSOR, bind_arguments, check_against_signature, describe, format_leaf,
                        is_variable, python_signature, structure_key)

__all__ = ["function", "Function"]

#: After this many traces of one Function, each further retrace warns (TF uses 5 too).
RETRACING_WARNING_THRESHOLD = 5
_EAGER = object()  # cache entry: this signature runs eagerly (fallback after a failed trace)


def function(func=None, input_signature=None, autograph=True, jit_compile=None,
             reduce_retracing=False, experimental_implements=None, experimental_autograph_options=None,
             experimental_attributes=None, experimental_relax_shapes=None,
             experimental_compile=None, experimental_follow_type_hints=None,
             backend=None, fallback="eager"):
    """Compile `func` into graphs (TF's `tf.function`); usable as `@function` or `@function(...)`.

    `backend` names the backend that runs the graphs ("numpy", "numba", "cupy";
    default: the fastest available). `fallback="eager"` runs a call eagerly, with
    one warning, when its tracing needs a concrete value; `fallback="error"`
    raises instead.
    """
    if fallback not in ("eager", "error"):
        raise ValueError(f"tg.function: fallback must be 'eager' or 'error', got {fallback!r}")
    options = dict(input_signature=input_signature, autograph=autograph,
                   reduce_retracing=bool(reduce_retracing or experimental_relax_shapes),
                   jit_compile=jit_compile, backend=backend, fallback=fallback)
    if func is None:
        return lambda f: Function(f, **options)
    return Function(func, **options)


class Function:
    """A traced-on-demand Python function (TF's `tf.types.experimental.PolymorphicFunction`)."""

    def __init__(self, python_function, input_signature=None, autograph=True,
                 reduce_retracing=False, jit_compile=None, backend=None, fallback="eager", name=None):
        self._python_function = python_function
        self._py_signature = python_signature(python_function)
        self._input_signature = _check_input_signature(input_signature)
        self._reduce_retracing = reduce_retracing
        self._backend = backend
        self._fallback = fallback
        self._options = dict(input_signature=input_signature, autograph=autograph,
                             reduce_retracing=reduce_retracing, jit_compile=jit_compile,
                             backend=backend, fallback=fallback)
        self._name = name or getattr(python_function, "__name__", "function")
        self._cache = {}               # exact key -> ConcreteFunction (or _EAGER)
        self._concrete = []            # every ConcreteFunction traced, in order
        self._tracing_count = 0
        self._last_traced = None       # parameter name -> leaf descriptions of the last trace
        self._warned = set()
        self._instances = weakref.WeakKeyDictionary()
        self._param_names = list(self._py_signature.parameters)
        self._simple = all(p.kind == p.POSITIONAL_OR_KEYWORD for p in self._py_signature.parameters.values())
        functools.update_wrapper(self, python_function)

    # ----- TF's API ----------------------------------------------------------------------------

    @property
    def python_function(self):
        """The original Python function."""
        return self._python_function

    @property
    def input_signature(self):
        return self._input_signature

    @property
    def function_spec(self):
        return self._py_signature

    def experimental_get_tracing_count(self):
        """How many times this function has been traced."""
        return self._tracing_count

    def pretty_printed_concrete_signatures(self, verbose=True):
        """The signatures of all concrete functions traced so far."""
        return "\n\n".join(f"{cf.name}({', '.join(cf._arguments)})\n{cf.pretty_printed_signature()}"
                           for cf in self._concrete)

    def get_concrete_function(self, *args, **kwargs):
        """The ConcreteFunction for these arguments (specs or tensors), tracing if needed.

        Compatible specs give the same object: with `input_signature`, every
        matching call shares one; otherwise a traced function with unknown
        dimensions serves later calls whose shapes fit it.
        """
        if self._input_signature is not None and not args and not kwargs:
            args = tuple(self._input_signature)
        arguments = self._arguments(args, kwargs, allow_specs=True)
        key, leaves = self._key(arguments)
        found = self._lookup(key, leaves)
        if isinstance(found, ConcreteFunction):
            return found
        return self._trace(arguments, key, leaves)

    # ----- calling -----------------------------------------------------------------------------

    def __call__(self, *args, **kwargs):
        if flags.run_functions_eagerly:
            return self._python_function(*args, **kwargs)
        arguments = self._arguments(args, kwargs, allow_specs=False)
        key, leaves = self._key(arguments)
        concrete = self._cache.get(key)
        if concrete is None:
            concrete = self._lookup(key, leaves)
            if concrete is None:
                concrete = self._trace_or_fallback(arguments, key, leaves)
        if concrete is _EAGER:
            return self._python_function(*args, **kwargs)
        return concrete.call_flat([t for t in leaves if isinstance(t, Tensor)])

    def _arguments(self, args, kwargs, allow_specs):
        """Bound arguments (name -> value); with an input_signature, tensors checked and converted."""
        if self._simple and not kwargs and len(args) == len(self._param_names):
            arguments = dict(zip(self._param_names, args))
        else:
            arguments = bind_arguments(self._py_signature, args, kwargs)
        if self._input_signature is not None:
            names = list(arguments)
            if len(args) > len(self._input_signature) and not kwargs:
                raise TypeError(f"{self._name}: got {len(args)} positional arguments but the "
                                f"input_signature has {len(self._input_signature)} entries")
            for name, spec in zip(names, self._input_signature):
                value = arguments[name]
                if allow_specs and isinstance(value, TensorSpec):
                    if not (value.dtype == spec.dtype and spec.shape.is_compatible_with(value.shape)):
                        raise TypeError(f"argument `{name}`: {value!r} does not match the "
                                        f"input_signature entry {spec!r}")
                    arguments[name] = _Relaxed(spec, spec)
                else:
                    arguments[name] = check_against_signature(name, value, spec)
                    arguments[name] = nest.map_structure(lambda t, s: _Relaxed(t, s), arguments[name], spec) \
                        if nest.is_nested(spec) else _Relaxed(arguments[name], spec)
        return arguments

    def _key(self, arguments):
        """(cache key, flat leaves) for bound arguments."""
        leaves = []
        parts = []
        for value in arguments.values():
            if isinstance(value, EagerTensor):  # the common case, kept fast
                leaves.append(value)
                array = value._value
                parts.append((TENSOR, array.dtype, array.shape))
                continue
            flat = nest.flatten(value)
            for leaf in flat:
                if isinstance(leaf, _Relaxed):
                    leaves.append(leaf.tensor)
                elif isinstance(leaf, (Tensor, TensorSpec)) or type(leaf).__name__ == "ndarray":
                    leaves.append(leaf if not type(leaf).__name__ == "ndarray" else _to_tensor(leaf))
                else:
                    leaves.append(leaf)
            parts.append(_structure_key(value))
        return tuple(parts), leaves

    def _lookup(self, key, leaves):
        """An existing ConcreteFunction whose signature accepts these leaves, if any."""
        if key in self._cache:
            return self._cache[key]
        python_part = _python_part(key)
        specs = [_spec(l) for l in leaves if isinstance(l, (Tensor, TensorSpec))]
        for cf in self._concrete:
            if cf._python_key != python_part or len(cf._input_leaves) != len(specs):
                continue
            if all(s.is_compatible_with(spec) for (_, s), spec in zip(cf._input_leaves, specs)):
                self._cache[key] = cf
                return cf
        return None

    # ----- tracing -----------------------------------------------------------------------------

    def _trace_or_fallback(self, arguments, key, leaves):
        try:
            return self._trace(arguments, key, leaves)
        except SymbolicValueError as error:
            if self._fallback == "error":
                raise
            warnings.warn(f"tg.function {self._name!r} cannot be traced and runs eagerly instead "
                          f"(slower):\n{error}", stacklevel=3)
            self._cache[key] = _EAGER
            return _EAGER

    def _trace(self, arguments, key, leaves):
        specs = self._input_specs(leaves)
        self._warn_if_retracing_often(arguments)
        graph = FuncGraph(self._name, allow_variable_creation=self._tracing_count == 0)
        input_leaves, symbolic = [], iter([])
        names = _leaf_names(arguments)
        placeholders = []
        for name, spec in zip(names, specs):
            if spec is not None:
                value = graph.add_input(spec, name=name)
                placeholders.append(SymbolicTensor(graph, value))
                input_leaves.append((name, spec))
            else:
                placeholders.append(None)
        symbolic = iter(placeholders)
        traced_arguments = {}
        flat_index = 0
        for name, value in arguments.items():
            flat = nest.flatten(value) if not isinstance(value, _Relaxed) else [value]
            replaced = []
            for leaf in flat:
                placeholder = next(symbolic)
                replaced.append(placeholder if placeholder is not None else leaves[flat_index])
                flat_index += 1
            traced_arguments[name] = nest.pack_sequence_as(value, replaced) if nest.is_nested(value) \
                else replaced[0]
        self._tracing_count += 1
        with tracing(graph):
            result = self._call_python(traced_arguments)
            output_structure, output_leaves = _graph_outputs(graph, result)
        described = {n: (s if s is not None else v) for n, s, v in
                     zip(names, specs, (l for l in leaves))}
        signature_arguments = _pack_arguments(arguments, [
            s if s is not None else l for s, l in zip(specs, leaves)])
        cf = ConcreteFunction(self._name, graph, signature_arguments, input_leaves, output_structure,
                              output_leaves, backend=self._backend)
        cf._python_key = _python_part(key)
        self._cache[key] = cf
        self._concrete.append(cf)
        self._last_traced = described
        return cf

    def _input_specs(self, leaves):
        """The spec of each graph input (None for Python leaves), relaxed if asked to."""
        specs = []
        for leaf in leaves:
            if isinstance(leaf, (Tensor, TensorSpec)):
                spec = _spec(leaf)
                specs.append(spec)
            else:
                specs.append(None)
        if self._input_signature is not None:
            flat_signature = nest.flatten(list(self._input_signature))
            it = iter(flat_signature)
            specs = [next(it) if s is not None else None for s in specs]
        elif self._reduce_retracing and self._concrete:
            specs = self._relaxed(specs)
        return specs

    def _relaxed(self, specs):
        previous = [s for _, s in self._concrete[-1]._input_leaves]
        tensor_specs = [s for s in specs if s is not None]
        if len(previous) != len(tensor_specs):
            return specs
        relaxed = iter([s.most_specific_common_supertype([p]) or s for s, p in zip(tensor_specs, previous)])
        return [next(relaxed) if s is not None else None for s in specs]

    def _call_python(self, arguments):
        args, kwargs = [], {}
        for name, param in self._py_signature.parameters.items():
            if name not in arguments:
                continue
            value = arguments[name]
            if param.kind == param.VAR_POSITIONAL:
                args.extend(value)
            elif param.kind == param.VAR_KEYWORD:
                kwargs.update(value)
            elif param.kind == param.KEYWORD_ONLY:
                kwargs[name] = value
            else:
                args.append(value)
        return self._python_function(*args, **kwargs)

    def _warn_if_retracing_often(self, arguments):
        if self._tracing_count < RETRACING_WARNING_THRESHOLD or self._last_traced is None:
            return
        changes = _describe_changes(self._last_traced, _leaf_descriptions(arguments))
        for change in changes:
            if change[0] in self._warned:
                continue
            self._warned.add(change[0])
            warnings.warn(
                f"tg.function {self._name!r} has been traced {self._tracing_count + 1} times; "
                f"retracing is expensive. This time argument `{change[0]}` changed {change[1]}. "
                f"Pass tensors instead of Python values, use input_signature with None dimensions, "
                f"or reduce_retracing=True.", stacklevel=4)

    # ----- methods -----------------------------------------------------------------------------

    def __get__(self, instance, owner):
        """`@tg.function` on a method: one Function (and cache) per instance."""
        if instance is None:
            return self
        try:
            bound = self._instances.get(instance)
        except TypeError:
            bound = None
        if bound is None:
            bound = Function(self._python_function.__get__(instance, owner), name=self._name, **self._options)
            try:
                self._instances[instance] = bound
            except TypeError:
                pass
        return bound

    def __repr__(self):
        return f"<tg.function {self._name}>"


class _Relaxed:
    """An argument checked against an input_signature: traced with the signature's spec."""

    __slots__ = ("tensor", "spec")

    def __init__(self, tensor, spec):
        self.tensor, self.spec = tensor, spec


def _to_tensor(array):
    from ..convert import convert_to_tensor  # noqa: PLC0415
    return convert_to_tensor(array)


def _spec(leaf):
    return leaf if isinstance(leaf, TensorSpec) else TensorSpec(leaf.shape, leaf.dtype)


def _structure_key(value):
    if isinstance(value, _Relaxed):
        return ("signature",)
    if nest.is_nested(value) and any(isinstance(l, _Relaxed) for l in nest.flatten(value)):
        return ("signature",)
    return structure_key(value)


def _python_part(key):
    """The key with tensor shapes erased: what must match exactly for a compatible reuse."""
    def erase(part):
        if isinstance(part, tuple) and part and part[0] == TENSOR:
            return (TENSOR, part[1])
        if isinstance(part, tuple):
            return tuple(erase(p) for p in part)
        return part
    return erase(key)


def _leaf_names(arguments):
    names = []
    for name, value in arguments.items():
        n = 1 if isinstance(value, _Relaxed) else len(nest.flatten(value))
        names.extend([name] * n if n == 1 else [f"{name}_{i}" for i in range(n)])
    return names


def _leaf_descriptions(arguments):
    result = {}
    for name, value in arguments.items():
        leaves = [value] if isinstance(value, _Relaxed) else nest.flatten(value)
        for i, leaf in enumerate(leaves):
            leaf = leaf.tensor if isinstance(leaf, _Relaxed) else leaf
            result[name if len(leaves) == 1 else f"{name}[{i}]"] = leaf
    return result


def _describe_changes(before, after):
    changes = []
    for name, new in after.items():
        old = before.get(name)
        old_key, new_key = describe(old)[0] if old is not None else None, describe(new)[0]
        if old_key == new_key:
            continue
        if isinstance(new, (Tensor, TensorSpec)) and isinstance(old, (Tensor, TensorSpec)):
            what = "dtype" if old.dtype != new.dtype else "shape"
            changes.append((name, f"{what} from {format_leaf(old)} to {format_leaf(new)}"))
        else:
            changes.append((name, f"Python value from {format_leaf(old)} to {format_leaf(new)}"))
    return changes


def _pack_arguments(arguments, flat_leaves):
    it = iter(flat_leaves)
    packed = {}
    for name, value in arguments.items():
        if isinstance(value, _Relaxed) or not nest.is_nested(value):
            packed[name] = next(it)
        else:
            packed[name] = nest.pack_sequence_as(value, [next(it) for _ in nest.flatten(value)])
    return packed


def _graph_outputs(graph, result):
    """Record the traced function's return value as graph outputs.

    Returns (structure, leaves): each leaf is an index into graph.outputs, or
    ("py", value) for a None that is returned as is.
    """
    from ..convert import convert_to_tensor  # noqa: PLC0415
    flat = nest.flatten(result)
    leaves = []
    for item in flat:
        if item is None:
            leaves.append(("py", None))
            continue
        if is_variable(item):
            item = item.value()
        tensor = item if isinstance(item, Tensor) else convert_to_tensor(item)
        graph.outputs.append(graph.value_of(tensor))
        leaves.append(len(graph.outputs) - 1)
    return result, leaves


def _check_input_signature(signature):
    if signature is None:
        return None
    if not isinstance(signature, (list, tuple)):
        raise TypeError(f"input_signature must be a list or tuple of tg.TensorSpec, got {signature!r}")
    for spec in nest.flatten(list(signature)):
        if not isinstance(spec, TensorSpec):
            raise TypeError(f"input_signature entries must be tg.TensorSpec, got {spec!r}")
    return tuple(signature)
