"""`tg.Variable`: mutable state that tensors read and `assign*` changes.

The value is held as an array that is never changed in place: an assignment
installs a new array, so tensors read earlier keep their values and tensors
stay immutable. Reads and writes go through `state_ops`, so inside a traced
function they become ordered graph nodes and on a tape they are recorded.
"""
import contextlib
import inspect
import itertools
import threading

from . import dtypes
from .context import state
from .device import device_of_array
from .name_scope import current_prefix
from .shape import TensorShape
from .ops import array_ops, gather_scatter, indexing, operators, state_ops
from .ops.indexed_slices import IndexedSlices
from .tensor import EagerTensor, SymbolicTensor, _numpy_text
from .variable_base import VariableBase

__all__ = ["Variable", "VariableSynchronization", "VariableAggregation", "variable_creator_scope",
           "construct_variable"]

_uids = itertools.count()
_names_used = {}


def _unique_name(name):
    """`scope/name:0`, or `scope/name_<n>:0` if the name was used before (so checkpoints can tell them
    apart); `scope/` is the active `tg.name_scope`."""
    base = current_prefix() + (name or "Variable")
    n = _names_used.get(base, 0)
    _names_used[base] = n + 1
    return f"{base}:0" if n == 0 else f"{base}_{n}:0"


class VariableSynchronization:
    """How a distributed variable is synchronized (accepted for TF compatibility)."""
    AUTO, NONE, ON_WRITE, ON_READ = 0, 1, 2, 3


class VariableAggregation:
    """How distributed updates are combined (accepted for TF compatibility)."""
    NONE, SUM, MEAN, ONLY_FIRST_REPLICA = 0, 1, 2, 3


class _Creators(threading.local):
    """Per thread: the creators of the `variable_creator_scope`s entered, innermost last."""

    def __init__(self):
        super().__init__()
        self.stack = []


_creators = _Creators()


@contextlib.contextmanager
def variable_creator_scope(variable_creator):
    """Within the block, `tg.Variable(...)` (in this thread) calls `variable_creator(next_creator, **kwargs)`.

    As TF's `tf.variable_creator_scope`: the creator gets the constructor's arguments as keywords and
    returns the variable, usually by calling `next_creator(**kwargs)` with arguments it changed (the
    next creator of an enclosing scope, in the end the plain constructor). A `tg.distribute` strategy's
    scope makes its variables (mirrored, or broadcast from worker 0) this way.
    """
    stack = _creators.stack
    stack.append(variable_creator)
    try:
        yield
    finally:
        stack.pop()


class _VariableMetaclass(type):
    """Routes `tg.Variable(...)` through the creators of the `variable_creator_scope`s in force."""

    def __call__(cls, *args, **kwargs):
        stack = _creators.stack
        if cls is not Variable or not stack:
            return super().__call__(*args, **kwargs)
        bound = _CONSTRUCTOR.bind(None, *args, **kwargs)
        bound.apply_defaults()  # as TF's creators, every argument is there by name
        arguments = dict(bound.arguments)
        del arguments["self"]
        return _through_creators(list(stack), len(stack) - 1)(**arguments)


def construct_variable(cls, *args, **kwargs):
    """`cls(*args, **kwargs)` without the creators of `variable_creator_scope`s (for a creator that
    makes the variable itself, as a `tg.distribute` strategy does)."""
    return type.__call__(cls, *args, **kwargs)


def _through_creators(creators, index):
    """The creator chain from `creators[index]` outwards, ending in the plain constructor."""
    if index < 0:
        return lambda **kwargs: construct_variable(Variable, **kwargs)
    return lambda **kwargs: creators[index](_through_creators(creators, index - 1), **kwargs)


class Variable(VariableBase, metaclass=_VariableMetaclass):
    """A mutable tensor-valued state (TF's `tf.Variable`).

    `initial_value` (a value or a callable returning one) fixes the dtype and
    shape; `dtype` converts it first (ints may become floats, not the reverse).
    The value changes only through `assign`, `assign_add`, `assign_sub` and
    `v[key].assign(...)`; reading it (`value()`, arithmetic, `numpy()`) gives
    tensors, and trainable variables are watched by GradientTapes automatically.
    """

    __array_priority__ = 100

    def __init__(self, initial_value=None, trainable=None, validate_shape=True, caching_device=None,
                 name=None, variable_def=None, dtype=None, import_scope=None, constraint=None,
                 synchronization=VariableSynchronization.AUTO,
                 aggregation=VariableAggregation.NONE, shape=None, experimental_enable_variable_lifting=True):
        if initial_value is None:
            raise ValueError("Variable: `initial_value` must be given")
        self._array = state_ops.initial_array(initial_value, dtype)
        self._dtype = dtypes.as_dtype(self._array.dtype)
        if shape is None:
            shape = self._array.shape if validate_shape else None
        self._shape = TensorShape(shape)
        if not self._shape.is_compatible_with(self._array.shape):
            raise ValueError(f"Variable: initial value of shape {self._array.shape} does not match "
                             f"the given shape {self._shape}")
        self._trainable = True if trainable is None else bool(trainable)
        if synchronization == VariableSynchronization.ON_READ and trainable is None:
            self._trainable = False
        self._name = _unique_name(name)
        self._constraint = constraint
        self._synchronization = synchronization
        self._aggregation = aggregation
        self._uid = next(_uids)
        if state.graph is not None:
            state.graph.on_variable_created(self)

    # ----- properties --------------------------------------------------------------------------

    @property
    def dtype(self):
        """The element type (fixed at creation)."""
        return self._dtype

    @property
    def shape(self):
        """The `TensorShape` (fixed at creation)."""
        return self._shape

    @property
    def ndim(self):
        """The number of dimensions."""
        return self._shape.rank

    @property
    def name(self):
        """The unique name, e.g. `'Variable:0'`."""
        return self._name

    @property
    def trainable(self):
        """Whether GradientTapes watch this variable automatically."""
        return self._trainable

    @property
    def constraint(self):
        """The constraint function given at creation (applied by optimizers), or None."""
        return self._constraint

    @property
    def synchronization(self):
        """The `VariableSynchronization` given at creation."""
        return self._synchronization

    @property
    def aggregation(self):
        """The `VariableAggregation` given at creation."""
        return self._aggregation

    @property
    def device(self):
        """The device holding the value."""
        return device_of_array(self._array)

    def get_shape(self):
        """The shape, as `.shape` (TF's alias)."""
        return self._shape

    # ----- reading -----------------------------------------------------------------------------

    def value(self):
        """The current value as a tensor (read when the program reaches this point)."""
        return state_ops.read(self)

    def read_value(self):
        """The current value as a tensor (TF's explicit read; same as `value()`)."""
        return self.value()

    def _as_tensor(self):
        return self.value()

    def numpy(self):
        """The current value as a (read-only) NumPy array, or a NumPy scalar for 0-d."""
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
        return slice_of(self, key)

    def __setitem__(self, key, value):
        raise TypeError("'tg.Variable' object does not support item assignment; "
                        "use `v[key].assign(value)`")

    def ref(self):
        """A hashable reference (Variables are hashable by identity, so the variable itself)."""
        return self

    def deref(self):
        """The variable (the inverse of `ref`)."""
        return self

    # ----- writing -----------------------------------------------------------------------------

    def assign(self, value, use_locking=False, name=None, read_value=True):
        """Set the variable to `value` (same shape and dtype); returns the variable."""
        state_ops.assign(self, value, "assign")
        return self if read_value else None

    def assign_add(self, delta, use_locking=False, name=None, read_value=True):
        """Add `delta` to the variable; returns the variable."""
        state_ops.assign(self, value_plus(self, delta, 1), "assign_add")
        return self if read_value else None

    def assign_sub(self, delta, use_locking=False, name=None, read_value=True):
        """Subtract `delta` from the variable; returns the variable."""
        state_ops.assign(self, value_plus(self, delta, -1), "assign_sub")
        return self if read_value else None

    def scatter_add(self, sparse_delta, use_locking=False, name=None):
        """Add the slices of `sparse_delta` (an IndexedSlices) to the rows it names (repeated rows
        add up); returns the variable. The sparse update of an embedding table's gradient."""
        rows, values = _sparse_rows(self, sparse_delta, "scatter_add")
        state_ops.assign(self, gather_scatter.tensor_scatter_nd_add(self.value(), rows, values), "scatter_add")
        return self

    def scatter_sub(self, sparse_delta, use_locking=False, name=None):
        """Subtract the slices of `sparse_delta` (an IndexedSlices) from the rows it names; returns the variable."""
        rows, values = _sparse_rows(self, sparse_delta, "scatter_sub")
        state_ops.assign(self, gather_scatter.tensor_scatter_nd_add(self.value(), rows, -values), "scatter_sub")
        return self

    def scatter_update(self, sparse_delta, use_locking=False, name=None):
        """Replace the rows `sparse_delta` (an IndexedSlices) names by its slices; returns the variable."""
        rows, values = _sparse_rows(self, sparse_delta, "scatter_update")
        state_ops.assign(self, gather_scatter.tensor_scatter_nd_update(self.value(), rows, values),
                         "scatter_update")
        return self

    # ----- printing ----------------------------------------------------------------------------

    def __repr__(self):
        if state.graph is not None:
            return f"<tg.Variable '{self._name}' shape={self._shape} dtype={self._dtype.name}>"
        return (f"<tg.Variable '{self._name}' shape={self._shape} dtype={self._dtype.name}, "
                f"numpy={_numpy_text(self._array, True)}>")

    __str__ = __repr__


def _sparse_rows(variable, sparse_delta, what):
    """The row coordinates ([n, 1]) and slices of an IndexedSlices update of `variable`."""
    if not isinstance(sparse_delta, IndexedSlices):
        raise TypeError(f"{what}: `sparse_delta` must be a tg.IndexedSlices, got {type(sparse_delta).__name__}")
    values = state_ops.checked_dtype(variable, sparse_delta.values, what)
    return array_ops.expand_dims(sparse_delta.indices, -1), values


def value_plus(variable, delta, sign):
    """variable + sign * delta, with delta converted to the variable's dtype."""
    delta = state_ops.checked_dtype(variable, delta, "assign_add" if sign > 0 else "assign_sub")
    return variable.value() + delta if sign > 0 else variable.value() - delta


class _SliceAssign:
    """`assign*` for the tensor `variable[key]` writes into that slice of the variable.

    The tensor is the one the indexing op produced (so tapes that recorded it
    still know it); only its class is switched to a subclass with these methods.
    """

    __slots__ = ()

    def assign(self, value, use_locking=False, name=None, read_value=True):
        """Write `value` into this slice of the variable; returns the variable."""
        variable, key = self._slice_source
        state_ops.assign_slice(variable, key, value)
        return variable if read_value else None

    def assign_add(self, delta, use_locking=False, name=None, read_value=True):
        """Add `delta` to this slice of the variable; returns the variable."""
        return self.assign(self + delta, read_value=read_value)

    def assign_sub(self, delta, use_locking=False, name=None, read_value=True):
        """Subtract `delta` from this slice of the variable; returns the variable."""
        return self.assign(self - delta, read_value=read_value)


class SlicedEagerTensor(_SliceAssign, EagerTensor):
    """An eager `variable[key]`: a tensor that also accepts `assign*`."""

    __slots__ = ()


class SlicedSymbolicTensor(_SliceAssign, SymbolicTensor):
    """A traced `variable[key]`: a tensor that also accepts `assign*`."""

    __slots__ = ()


_SLICED = {EagerTensor: SlicedEagerTensor, SymbolicTensor: SlicedSymbolicTensor}


def slice_of(variable, key):
    """`variable[key]`: the sliced value, which also accepts `assign*` (TF's sliced variables)."""
    tensor = indexing.getitem(variable.value(), key)
    sliced_class = _SLICED.get(type(tensor))
    if sliced_class is not None:
        tensor.__class__ = sliced_class
        tensor._slice_source = (variable, key)
    return tensor


# Variables take the tensor operators (`+`, `@`, `==`, ...); they stay hashable by identity, and
# `v[key]` is a sliced variable that accepts `assign*`.
operators.install(Variable)
Variable.__hash__ = lambda self: id(self)
Variable.__getitem__ = slice_of


_CONSTRUCTOR = inspect.signature(Variable.__init__)
