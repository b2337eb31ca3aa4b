"""`bind`: the one point every op application goes through.

If a graph is being traced the application becomes a node of it; otherwise it
runs at once on the inputs' arrays. Either way the active gradient tapes record
it. Eager and traced code share this path, so they cannot drift apart.
"""
import numpy as np

from ..context import state
from ..float_errors import call_ignoring_float_errors
from ..tensor import EagerTensor

__all__ = ["bind", "run_eagerly"]

#: Tests turn this on to check every eager result against its op's shape rule.
CHECK_RESULTS = False


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
    arrays = [_array_of(t, op) for t in inputs]
    specs = _output_specs(op, inputs, arrays, attrs)
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
    try:
        # the attr's type is part of the key: True == 1 == 1.0, but a rule may treat them apart
        key = (op, *[(a.dtype, a.shape) for a in arrays], *[(k, v.__class__, v) for k, v in attrs.items()])
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


def _array_of(tensor, op):
    try:
        return tensor._value
    except AttributeError:
        raise TypeError(f"{op.name}: expected an eager tensor, got {tensor!r}") from None


def _conform(array, spec, op):
    """Make the implementation's result exactly the spec's dtype (NumPy promotes differently)."""
    dtype = spec.dtype.numpy_dtype
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
