"""`bind`: the one point every op application goes through.

If a graph is being traced the application becomes a node of it; otherwise it
runs at once on the inputs' arrays. Either way the active gradient tapes record
it. Eager and traced code share this path, so they cannot drift apart.
"""
import functools

import numpy as np

from ..context import state
from ..convert import eager_operand_arrays
from ..float_errors import ERROR_STATE, IGNORING, call_ignoring_float_errors
from ..tensor import EagerTensor

__all__ = ["bind", "run_eagerly", "run_unary_now", "run_binary_now"]

#: Tests turn this on to check every eager result against its op's shape rule.
CHECK_RESULTS = False

#: Whether `run_unary_now`/`run_binary_now` may apply ops at once (tests turn it off to compare the
#: fast path with `bind`'s general one). Off on a NumPy without the error-state variable they set.
FAST_PATH = ERROR_STATE is not None


def bind(op, inputs, attrs=None):
    """Apply `op` to the tensors `inputs`; returns a Tensor (a tuple for multi-output ops)."""
    if attrs is None:
        attrs = {}
    graph = state.graph
    if graph is not None:
        outputs = graph.apply(op, inputs, attrs)
    else:
        outputs = run_eagerly(op, inputs, attrs)
    for tape in state.tapes:
        tape.record_operation(op, inputs, attrs, outputs)
    return outputs


def run_eagerly(op, inputs, attrs):
    """Check the inputs with the op's shape rule, run its implementation, wrap the result."""
    try:
        arrays = [t._value for t in inputs]
    except AttributeError:
        arrays = [_array_of(t, op) for t in inputs]  # raises, naming the input that is not eager
    specs = _output_specs(op, inputs, arrays, attrs)
    if state.device is None and FAST_PATH and _on_host(arrays):
        token = ERROR_STATE.set(IGNORING)  # `call_ignoring_float_errors` inline, with xp = NumPy
        try:
            result = op.impl(np, *arrays, **attrs)
        finally:
            ERROR_STATE.reset(token)
    else:
        if state.device is not None:
            arrays = place_on_device(arrays, state.device)
        xp = array_module(arrays) if arrays or state.device is None else device_module(state.device)
        result = call_ignoring_float_errors(op.impl, xp, *arrays, **attrs)
    if op.multiple_outputs:
        return tuple(EagerTensor(_conform(r, s, op)) for r, s in zip(result, specs))
    return EagerTensor(_conform(result, specs, op))


#: Output specs of eager applications by (op, input dtypes and shapes, attrs): a shape rule is a
#: pure function of those, and eager code applies the same op to the same kinds of arrays over
#: and over (a training loop), so it runs once per kind. Bounded: cleared when full.
_SPEC_CACHE = {}
_SPEC_CACHE_SIZE = 4096


def _output_specs(op, inputs, arrays, attrs):
    """`op.infer` on the inputs' specs, remembered for inputs of the same dtypes and shapes."""
    key = (op, *[(a.dtype, a.shape) for a in arrays])
    if attrs:
        # the attr's type is part of the key: True == 1 == 1.0, but a rule may treat them apart
        key += tuple([(k, v.__class__, v) for k, v in attrs.items()])
    try:
        return _SPEC_CACHE[key]
    except KeyError:
        pass
    except TypeError:  # an unhashable attr (a list): no caching
        return op.infer(*[t.spec for t in inputs], **attrs)
    specs = op.infer(*[t.spec for t in inputs], **attrs)
    if len(_SPEC_CACHE) >= _SPEC_CACHE_SIZE:
        _SPEC_CACHE.clear()
    _SPEC_CACHE[key] = specs
    return specs


# ----- the fast path of plain eager code ---------------------------------------------------------

#: What `run_unary_now`/`run_binary_now` need of an application, by (op, input dtypes and shapes):
#: the NumPy dtype of the result, the function of the NumPy arrays that computes it, and the result's
#: spec. A shape rule is a pure function of the dtypes and shapes, so it runs (and validates the
#: inputs) once per kind; errors are never remembered. Bounded: cleared when full.
_NOW_CACHE = {}
_NOW_CACHE_SIZE = 4096


def run_unary_now(op, x):
    """`bind(op, [x])` for a single-output op and an eager tensor `x` holding a NumPy array, when
    nothing records the application (no graph, no tape, no `tg.device` scope); None when that
    does not hold, and the caller takes the general path. Results and errors are those of `bind`."""
    flags = state.__dict__  # this thread's attributes: one lookup instead of three
    if flags["graph"] is not None or flags["tapes"] or flags["device"] is not None or not FAST_PATH:
        return None
    if x.__class__ is not EagerTensor or x._value.__class__ is not np.ndarray:
        return None
    a = x._value
    key = (op, a.dtype, a.shape)
    entry = _NOW_CACHE.get(key)
    if entry is None:
        entry = _now_entry(op, key, (a,))
    token = ERROR_STATE.set(IGNORING)
    try:
        result = entry[1](a)
    finally:
        ERROR_STATE.reset(token)
    if result.__class__ is not np.ndarray or result.dtype is not entry[0] or CHECK_RESULTS:
        return _wrap(result, entry, (a,), op)
    return EagerTensor(result)


def run_binary_now(op, x, y):
    """`run_unary_now` for a binary op: `bind(op, operands_to_tensors(x, y))` when the operands are
    eager tensors of one dtype holding NumPy arrays, or one and a Python float/int fitting it."""
    flags = state.__dict__
    if flags["graph"] is not None or flags["tapes"] or flags["device"] is not None or not FAST_PATH:
        return None
    arrays = eager_operand_arrays(x, y)
    if arrays is None:
        return None
    a, b = arrays
    key = (op, a.dtype, a.shape, b.shape)  # eager_operand_arrays gives arrays of one dtype
    entry = _NOW_CACHE.get(key)
    if entry is None:
        entry = _now_entry(op, key, arrays)
    token = ERROR_STATE.set(IGNORING)
    try:
        result = entry[1](a, b)
    finally:
        ERROR_STATE.reset(token)
    if result.__class__ is not np.ndarray or result.dtype is not entry[0] or result is a or result is b \
            or CHECK_RESULTS:
        return _wrap(result, entry, arrays, op)
    return EagerTensor(result)


def _now_entry(op, key, arrays):
    """(result NumPy dtype, function of the arrays, result spec) for `key`; the shape rule raises
    here for invalid inputs, every time (errors are not remembered)."""
    spec = op.infer(*[EagerTensor(a).spec for a in arrays])
    # a ufunc op's impl is exactly that ufunc of xp (see Op): call it without the impl's indirection
    fn = getattr(np, op.ufunc) if op.ufunc is not None else functools.partial(op.impl, np)
    entry = (spec.dtype.numpy_dtype, fn, spec)
    if len(_NOW_CACHE) >= _NOW_CACHE_SIZE:
        _NOW_CACHE.clear()
    _NOW_CACHE[key] = entry
    return entry


def _wrap(array, entry, inputs, op):
    """`_conform` for a result computed from the NumPy arrays `inputs`, wrapped in an EagerTensor.
    A result that is one of the inputs is copied: an input may be a shared read-only constant."""
    if any(array is a for a in inputs):
        array = array.copy()
    return EagerTensor(_conform(array, entry[2], op))


def _on_host(arrays):
    """True when every array is a NumPy array (a loop: cheaper than `all` of a generator here)."""
    for a in arrays:
        if a.__class__ is not np.ndarray:
            return False
    return True


def _array_of(tensor, op):
    try:
        return tensor._value
    except AttributeError:
        raise TypeError(f"{op.name}: expected an eager tensor, got {tensor!r}") from None


def _conform(array, spec, op):
    """Make the implementation's result exactly the spec's dtype (NumPy promotes differently)."""
    dtype = spec.dtype.numpy_dtype
    if array.__class__ is np.ndarray and array.dtype is dtype and not CHECK_RESULTS:
        return array
    if type(array) is not np.ndarray and not hasattr(array, "__cuda_array_interface__"):
        array = np.asarray(array)
    if array.dtype != dtype:
        array = array.astype(dtype)
    if CHECK_RESULTS and not spec.shape.is_compatible_with(array.shape):
        raise AssertionError(f"{op.name}: shape rule says {spec.shape}, implementation gave {array.shape}")
    return array


def place_on_device(arrays, device):
    """The arrays moved to `device` (a DeviceSpec): CuPy arrays on a GPU, NumPy on the CPU."""
    if device.device_type == "GPU":
        import cupy  # noqa: PLC0415 - only under tg.device("/gpu:N")
        with cupy.cuda.Device(device.device_index):
            # string tensors (object arrays) stay on the host: CuPy has no arrays of objects
            return [a if type(a) is not np.ndarray or a.dtype == object else cupy.asarray(a) for a in arrays]
    return [a if type(a) is np.ndarray else (a.get() if hasattr(a, "get") else np.asarray(a)) for a in arrays]


def device_module(device):
    """The array module of a device: CuPy for a GPU, NumPy for the CPU."""
    if device.device_type == "GPU":
        import cupy  # noqa: PLC0415 - only under tg.device("/gpu:N")
        return cupy
    return np


def array_module(arrays):
    """NumPy, unless an input lives on the GPU (then CuPy)."""
    for a in arrays:
        if type(a) is not np.ndarray and type(a).__module__.startswith("cupy"):
            import cupy  # noqa: PLC0415 - imported only when a GPU array exists
            return cupy
    return np
