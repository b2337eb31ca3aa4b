"""`tg.Variable`: mutable state that tensors read and `assign*` changes.

The value is held as an array that is never changed in place: an assignment
installs a new array, so tensors read earlier keep their values and tensors
stay immutable. Reads and writes go through `state_ops`, so inside a traced
function they become ordered graph nodes and on a tape they are recorded.
"""
import itertools

import numpy as np

from . import dtypes
from .context import state
from .shape import TensorShape
from .tensor import _numpy_text

__all__ = ["Variable", "VariableSynchronization", "VariableAggregation"]

_uids = itertools.count()
_names_used = {}


def _unique_name(name):
    base = name or "Variable"
    n = _names_used.get(base, 0)
    _names_used[base] = n + 1
    return f"{base}:0" if n == 0 else f"{base}_{n}:0"


class VariableSynchronization:
    AUTO, NONE, ON_WRITE, ON_READ = 0, 1, 2, 3


class VariableAggregation:
    NONE, SUM, MEAN, ONLY_FIRST_REPLICA = 0, 1, 2, 3


class Variable:
    """A mutable tensor-valued state (TF's `tf.Variable`)."""

    __array_priority__ = 100

    def __init__(self, initial_value=None, trainable=None, validate_shape=True, caching_device=None,
                 name=None, variable_def=None, dtype=None, import_scope=None, constraint=None,
                 synchronization=VariableSynchronization.AUTO,
                 aggregation=VariableAggregation.NONE, shape=None, experimental_enable_variable_lifting=True):
        from .ops import state_ops  # noqa: PLC0415 - state_ops imports this module
        if initial_value is None:
            raise ValueError("Variable: `initial_value` must be given")
        self._array = state_ops.initial_array(initial_value, dtype)
        self._dtype = dtypes.as_dtype(self._array.dtype)
        self._shape = TensorShape(self._array.shape) if shape is None else TensorShape(shape)
        if not self._shape.is_compatible_with(self._array.shape):
            raise ValueError(f"Variable: initial value of shape {self._array.shape} does not match "
                             f"the given shape {self._shape}")
        self._trainable = True if trainable is None else bool(trainable)
        if synchronization == VariableSynchronization.ON_READ and trainable is None:
            self._trainable = False
        self._name = _unique_name(name)
        self._constraint = constraint
        self._uid = next(_uids)
        if state.graph is not None:
            state.graph.on_variable_created(self)

    # ----- properties --------------------------------------------------------------------------

    @property
    def dtype(self):
        return self._dtype

    @property
    def shape(self):
        return self._shape

    @property
    def ndim(self):
        return self._shape.rank

    @property
    def name(self):
        return self._name

    @property
    def trainable(self):
        return self._trainable

    @property
    def constraint(self):
        return self._constraint

    @property
    def device(self):
        from .device import device_of_array  # noqa: PLC0415
        return device_of_array(self._array)

    def get_shape(self):
        return self._shape

    # ----- reading -----------------------------------------------------------------------------

    def value(self):
        """The current value as a tensor (read when the program reaches this point)."""
        from .ops import state_ops  # noqa: PLC0415
        return state_ops.read(self)

    read_value = value

    def _as_tensor(self):
        return self.value()

    def numpy(self):
        return self.value().numpy()

    def __array__(self, dtype=None, copy=None):
        return self.value().__array__(dtype, copy)

    def __bool__(self):
        return bool(self.value())

    def __float__(self):
        return float(self.value())

    def __int__(self):
        return int(self.value())

    def __index__(self):
        return self.value().__index__()

    def __len__(self):
        return len(self.value())

    def __iter__(self):
        return iter(self.value())

    def __hash__(self):
        return id(self)

    def __getitem__(self, key):
        return VariableSlice(self, key)

    def ref(self):
        return self

    def deref(self):
        return self

    # ----- writing -----------------------------------------------------------------------------

    def assign(self, value, use_locking=False, name=None, read_value=True):
        """Set the variable to `value` (same shape and dtype); returns the variable."""
        from .ops import state_ops  # noqa: PLC0415
        state_ops.assign(self, value, "assign")
        return self if read_value else None

    def assign_add(self, delta, use_locking=False, name=None, read_value=True):
        """Add `delta` to the variable; returns the variable."""
        from .ops import state_ops  # noqa: PLC0415
        state_ops.assign(self, value_plus(self, delta, 1), "assign_add")
        return self if read_value else None

    def assign_sub(self, delta, use_locking=False, name=None, read_value=True):
        """Subtract `delta` from the variable; returns the variable."""
        from .ops import state_ops  # noqa: PLC0415
        state_ops.assign(self, value_plus(self, delta, -1), "assign_sub")
        return self if read_value else None

    # ----- printing ----------------------------------------------------------------------------

    def __repr__(self):
        if state.graph is not None:
            return f"<tg.Variable '{self._name}' shape={self._shape} dtype={self._dtype.name}>"
        return (f"<tg.Variable '{self._name}' shape={self._shape} dtype={self._dtype.name}, "
                f"numpy={_numpy_text(self._array, True)}>")

    __str__ = __repr__


def value_plus(variable, delta, sign):
    """variable + sign * delta, converting delta to the variable's dtype."""
    from .convert import convert_to_tensor  # noqa: PLC0415
    delta = convert_to_tensor(delta, dtype_hint=variable.dtype)
    return variable.value() + delta if sign > 0 else variable.value() - delta


class VariableSlice:
    """`v[key]`: the sliced value, which also accepts `assign*` writing into that slice."""

    __array_priority__ = 100

    def __init__(self, variable, key):
        from .ops.indexing import getitem  # noqa: PLC0415
        self._variable = variable
        self._key = key
        self._tensor = getitem(variable.value(), key)

    def _as_tensor(self):
        return self._tensor

    dtype = property(lambda self: self._tensor.dtype)
    shape = property(lambda self: self._tensor.shape)
    ndim = property(lambda self: self._tensor.ndim)

    def numpy(self):
        return self._tensor.numpy()

    def __array__(self, dtype=None, copy=None):
        return self._tensor.__array__(dtype, copy)

    def __bool__(self):
        return bool(self._tensor)

    def __float__(self):
        return float(self._tensor)

    def __int__(self):
        return int(self._tensor)

    def __getitem__(self, key):
        return self._tensor[key]

    def assign(self, value, use_locking=False, name=None, read_value=True):
        """Write `value` into this slice of the variable; returns the variable."""
        from .ops import state_ops  # noqa: PLC0415
        state_ops.assign_slice(self._variable, self._key, value)
        return self._variable

    def assign_add(self, delta, use_locking=False, name=None, read_value=True):
        return self.assign(self._tensor + delta)

    def assign_sub(self, delta, use_locking=False, name=None, read_value=True):
        return self.assign(self._tensor - delta)

    def __repr__(self):
        return repr(self._tensor)

    __str__ = lambda self: str(self._tensor)  # noqa: E731


def _install_operators():
    from .ops.operators import install  # noqa: PLC0415
    install(Variable)
    install(VariableSlice)
    Variable.__hash__ = lambda self: id(self)
    Variable.__getitem__ = lambda self, key: VariableSlice(self, key)
    VariableSlice.__getitem__ = lambda self, key: self._tensor[key]


