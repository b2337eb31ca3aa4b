"""Reading and writing Variables, eagerly or as ordered nodes of a traced graph.

A read inside a traced function is a `read_variable` node (the variable is a
capture, read at call time); an assignment is an `assign_variable` node. Both are
stateful, so passes keep them and their order.
"""
from .indexing import decode_key, encode_key
from ..context import state
from ..convert import convert_to_tensor, is_tensor_like
from ..core.dispatch import bind
from ..core.lifting import evaluate_constant
from ..core.op import Op
from ..core.rules import spec_of
from ..tensor import EagerTensor, Tensor

__all__ = ["read", "assign", "assign_slice", "initial_array", "init_scope", "checked_dtype"]


class init_scope:
    """Run code eagerly, outside any graph being traced and any tape (TF's `tf.init_scope`)."""

    def __enter__(self):
        self._saved = state.graph, state.tapes
        state.graph, state.tapes = None, []
        return self

    def __exit__(self, *exc):
        state.graph, state.tapes = self._saved
        return False


def initial_array(initial_value, dtype):
    """The starting array of a Variable, computed eagerly even while tracing.

    Converted as TF does (`convert_to_tensor(initial_value, dtype=dtype)`):
    Python ints and integer arrays may become floats; a tensor must already
    have `dtype`.
    """
    with init_scope():
        if callable(initial_value):
            initial_value = initial_value()
        if isinstance(initial_value, Tensor) and not isinstance(initial_value, EagerTensor):
            initial_value = evaluate_constant(initial_value)
        tensor = convert_to_tensor(initial_value, dtype=dtype)
    return tensor._value


def read(variable):
    """The variable's value now, as a tensor; the tapes see the read."""
    graph = state.graph
    tensor = graph.read_variable(variable) if graph is not None else EagerTensor(variable._array)
    for tape in state.tapes:
        tape.record_variable_read(variable, tensor)
    return tensor


def checked_dtype(variable, value, what):
    """`value` as a tensor of the variable's dtype; TypeError naming both dtypes otherwise."""
    if is_tensor_like(value) and value.dtype != variable.dtype:
        raise TypeError(f"{what}: the variable {variable.name!r} has dtype {variable.dtype.name}, "
                        f"the value has dtype {value.dtype.name}; convert it with tg.cast")
    try:
        return convert_to_tensor(value, dtype=variable.dtype)
    except TypeError as error:
        raise TypeError(f"{what}: cannot assign to the variable {variable.name!r} of dtype "
                        f"{variable.dtype.name}: {error}") from None


def _checked_value(variable, value, what):
    value = checked_dtype(variable, value, what)
    if not variable.shape.is_compatible_with(value.shape):
        raise ValueError(f"{what}: cannot assign a value of shape {value.shape} to the variable "
                         f"{variable.name!r} of shape {variable.shape}")
    return value


def assign(variable, value, what="assign"):
    """Set `variable` to `value` (an ordered node when tracing)."""
    value = _checked_value(variable, value, what)
    graph = state.graph
    if graph is not None:
        graph.assign_variable(variable, value)
    else:
        variable._assign_array(value._value)


def _slice_update_infer(x, update, *index_specs, key):
    return spec_of(x.shape, x.dtype)


def _slice_update_impl(xp, x, update, *index_values, key):
    out = x.copy()
    out[decode_key(key, index_values)] = update
    return out


_slice_update = Op("slice_update", infer=_slice_update_infer, impl=_slice_update_impl)


def assign_slice(variable, key, value):
    """Write `value` into `variable[key]`."""
    items, index_tensors = encode_key(key)
    current = read(variable)
    value = checked_dtype(variable, value, "assign")
    target_shape = current[key].shape
    if not _broadcastable(value.shape, target_shape):
        raise ValueError(f"assign: cannot assign a value of shape {value.shape} to the slice of "
                         f"shape {target_shape} of variable {variable.name!r}")
    assign(variable, bind(_slice_update, [current, value, *index_tensors], {"key": items}))


def _broadcastable(src, dst):
    if src.rank is None or dst.rank is None:
        return True
    if src.rank > dst.rank:
        return False
    return all(a in (1, None) or b is None or a == b
               for a, b in zip(reversed(src.as_tuple()), reversed(dst.as_tuple())))


