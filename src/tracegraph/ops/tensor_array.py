"""`tg.TensorArray`: a list of equally shaped tensors that loops write one element at a time.

A TensorArray is a composite value (see `type_spec.py`) made of two tensors:

- the *buffer*, of shape [size, *element_shape], holding the elements (zeros where
  nothing was written yet). While the element shape is not known (nothing written, no
  `element_shape` given) the buffer is a placeholder of shape [size]; the first write of
  a non-scalar element replaces it by zeros of the full shape, at run time, so a
  TensorArray without `element_shape` can enter a traced `tg.while_loop`;
- the *states*, an int8 vector of shape [size]: per element, unwritten, written, or
  cleared by a read (`clear_after_read`).

Writes are functional, as in TF: `ta.write(i, x)` returns a new TensorArray whose buffer
is a new tensor (the `tensor_array_scatter` op), so a TensorArray is an ordinary loop
variable of `tg.while_loop`, an output of `tg.cond` and `tg.function`, and gradients flow
through writes and reads like through any op. With `dynamic_size=True` a write past the
end grows both tensors (by concatenating zeros), so in a traced loop the size is a
run-time value.

Bad input is checked where the values are known: eagerly, every index, every unwritten
or cleared element read, every second write of an element; while tracing, indices and
sizes known at trace time are checked then, and the ops check index ranges when they
run. Inside a traced function an unwritten element reads as zeros and a second write
replaces the element, as TF's graph-mode TensorArrays do.
"""
import numpy as np

from . import arithmetic, array_ops, cast, creation, gather_scatter, join_split, reduction
from .. import dtypes
from ..convert import convert_to_tensor
from ..core.dispatch import bind
from ..core.op import Op
from ..core.rules import spec_of
from ..errors import IndexOutOfRangeError, InvalidArgumentError
from ..shape import TensorShape, as_shape
from ..spec import TensorSpec
from ..tensor import EagerTensor
from ..type_spec import CompositeTensor, TypeSpec, register

__all__ = ["TensorArray", "TensorArraySpec"]

#: The states of an element (the int8 values of the states tensor).
UNWRITTEN, WRITTEN, CLEARED = 0, 1, 2


# ----- the ops: writing rows of the buffer, and its gradient ----------------------------------

def _check_indices(op_name, spec):
    if spec.dtype not in (dtypes.int32, dtypes.int64) or spec.shape.rank not in (1, None):
        raise TypeError(f"{op_name}: `indices` must be a 1-D int32 or int64 tensor, got {spec.short()}")


def _written_buffer_shape(buffer, values):
    """The buffer's shape after writing `values` (rows of elements): [size, *element shape]."""
    size = buffer.shape[0] if buffer.shape.rank else None
    element = _element_shape_of(values)
    if buffer.shape.rank is not None and buffer.shape.rank >= 2:
        if not buffer.shape[1:].is_compatible_with(element):
            raise ValueError(f"tensor_array_scatter: elements of shape {element} do not fit a buffer of "
                             f"elements of shape {buffer.shape[1:]}")
        element = buffer.shape[1:].merge_with(element)
    return TensorShape([size]).concatenate(element)


def _scatter_infer(buffer, indices, values):
    _check_indices("tensor_array_scatter", indices)
    if values.dtype != buffer.dtype:
        raise TypeError(f"tensor_array_scatter: `values` has dtype {values.dtype.name}, the buffer "
                        f"{buffer.dtype.name}")
    if values.shape.rank == 0:
        raise ValueError("tensor_array_scatter: `values` must have a leading axis of rows, got a scalar")
    return spec_of(_written_buffer_shape(buffer, values), buffer.dtype)


def _check_rows(op_name, indices, size):
    if indices.size and (int(indices.min()) < 0 or int(indices.max()) >= size):
        bad = int(indices.min()) if int(indices.min()) < 0 else int(indices.max())
        raise IndexOutOfRangeError(f"{op_name}: index {bad} is out of range [0, {size})")


def _scatter_impl(xp, buffer, indices, values):
    _check_rows("tensor_array_scatter", indices, buffer.shape[0])
    element_shape = tuple(values.shape[1:])
    if tuple(buffer.shape[1:]) == element_shape:
        out = buffer.copy()
    elif buffer.ndim == 1:  # the placeholder of an array whose element shape was unknown: the first write sets it
        out = xp.zeros((buffer.shape[0], *element_shape), dtype=buffer.dtype)
    else:
        raise InvalidArgumentError(f"TensorArray: an element of shape {element_shape} does not fit the "
                                   f"elements of shape {tuple(buffer.shape[1:])} written before")
    out[indices] = values
    return out


def _scatter_grad(ctx, g):
    buffer, indices, _ = ctx.inputs
    return clear_rows(g, buffer, indices), None, gather_scatter.gather(g, indices)


_scatter = Op("tensor_array_scatter", infer=_scatter_infer, impl=_scatter_impl, grad=_scatter_grad)


def _clear_rows_infer(g, buffer, indices):
    _check_indices("tensor_array_clear_rows", indices)
    return spec_of(buffer.shape, g.dtype)


def _clear_rows_impl(xp, g, buffer, indices):
    if g.shape != buffer.shape:  # `buffer` was a placeholder, which the write replaced: nothing flows back
        return xp.zeros(buffer.shape, dtype=g.dtype)
    out = g.copy()
    out[indices] = 0
    return out


def _clear_rows_grad(ctx, gg):
    g, _, indices = ctx.inputs
    # The map g -> clear_rows(g) is a projection (or zero), so it is its own adjoint.
    return clear_rows(gg, g, indices), None, None


_clear_rows = Op("tensor_array_clear_rows", infer=_clear_rows_infer, impl=_clear_rows_impl,
                 grad=_clear_rows_grad)


def scatter_rows(buffer, indices, values):
    """`buffer` with rows `indices` replaced by `values` (a placeholder buffer becomes a full one)."""
    return bind(_scatter, [buffer, indices, values])


def clear_rows(g, buffer, indices):
    """The gradient of `scatter_rows` for its buffer: `g` with rows `indices` zeroed, or zeros
    shaped like `buffer` when the write replaced a placeholder buffer."""
    return bind(_clear_rows, [g, buffer, indices])


# ----- the type spec ----------------------------------------------------------------------------

@register("tracegraph.TensorArraySpec")
class TensorArraySpec(TypeSpec):
    """The type of a TensorArray (TF's `tf.TensorArraySpec`): element shape, dtype, flags, and
    the shape of its buffer (which knows the size when it is static)."""

    __slots__ = ("element_shape", "dtype", "dynamic_size", "infer_shape", "buffer_shape", "clear_after_read")

    def __init__(self, element_shape=None, dtype=dtypes.float32, dynamic_size=False, infer_shape=True,
                 buffer_shape=None, clear_after_read=True):
        self.element_shape = as_shape(element_shape)
        self.dtype = dtypes.as_dtype(dtype)
        self.dynamic_size = bool(dynamic_size)
        self.infer_shape = bool(infer_shape)
        if buffer_shape is None:  # any size; a buffer of unknown rank may still be a placeholder
            buffer_shape = [None, *self.element_shape.as_list()] if self.element_shape.is_fully_defined() else None
        self.buffer_shape = as_shape(buffer_shape)
        self.clear_after_read = bool(clear_after_read)

    @property
    def value_type(self):
        return TensorArray

    @property
    def _component_specs(self):
        size = self.buffer_shape[0] if self.buffer_shape.rank else None
        return (TensorSpec(self.buffer_shape, self.dtype), TensorSpec([size], dtypes.int8))

    def _to_components(self, value):
        return (value._buffer, value._states)

    def _from_components(self, components):
        buffer, states = components
        return TensorArray._from_parts(buffer, states, self.dtype, self.element_shape, self.dynamic_size,
                                       self.clear_after_read, self.infer_shape)

    def _serialize(self):
        return (self.element_shape, self.dtype, self.dynamic_size, self.infer_shape, self.buffer_shape,
                self.clear_after_read)

    def __repr__(self):
        return (f"TensorArraySpec(element_shape={self.element_shape}, dtype={self.dtype!r}, "
                f"dynamic_size={self.dynamic_size}, infer_shape={self.infer_shape}, "
                f"buffer_shape={self.buffer_shape})")


# ----- TensorArray --------------------------------------------------------------------------------

def _concrete(tensor):
    """The NumPy value of an eager tensor; None for a symbolic one (known only when the graph runs)."""
    return np.asarray(tensor.numpy()) if isinstance(tensor, EagerTensor) else None


def _integer_argument(method, name, value, rank):
    """`value` as an int32/int64 tensor of the given rank (TypeError naming the argument otherwise)."""
    tensor = convert_to_tensor(value, dtype_hint=dtypes.int32)
    if not tensor.dtype.is_integer or tensor.shape.rank not in (rank, None):
        kind = "a scalar" if rank == 0 else "a 1-D tensor"
        raise TypeError(f"TensorArray.{method}: `{name}` must be {kind} of integers, got {tensor!r}")
    return cast.cast(tensor, dtypes.int32)


class TensorArray(CompositeTensor):
    """A list of tensors of one dtype and shape with functional writes (TF's `tf.TensorArray`).

    `write`, `scatter` and `unstack` return a new TensorArray, which must be used instead of
    the old one; `read`, `gather`, `stack` and `concat` read elements. `size` fixes the number
    of elements unless `dynamic_size=True`, which lets writes past the end grow the array.
    The element shape is `element_shape` if given, else that of the first write; every element
    has that shape (the elements live in one dense tensor, so `infer_shape=False`, which lets
    TF's elements differ in shape, changes nothing here). `clear_after_read` (default True) makes a
    second `read` of an element an error when running eagerly.
    """

    __slots__ = ("_buffer", "_states", "_dtype", "_element_shape", "_dynamic_size", "_clear_after_read",
                 "_infer_shape")

    def __init__(self, dtype, size=None, dynamic_size=None, clear_after_read=None, tensor_array_name=None,
                 handle=None, flow=None, infer_shape=True, element_shape=None,
                 colocate_with_first_write_call=True, name=None):
        if handle is not None or flow is not None:
            raise ValueError("TensorArray: `handle` and `flow` belong to TF1's resource TensorArrays; "
                             "tracegraph's TensorArray is a value: create it with `dtype` and `size`")
        if size is None:
            raise ValueError("TensorArray: `size` is required (it may be 0 with dynamic_size=True)")
        dtype = dtypes.as_dtype(dtype)
        size = _integer_argument("__init__", "size", size, 0)
        known_size = _concrete(size)
        if known_size is not None and int(known_size) < 0:
            raise ValueError(f"TensorArray: `size` must be non-negative, got {int(known_size)}")
        element_shape = as_shape(element_shape)
        dims = [size, *element_shape.as_list()] if element_shape.is_fully_defined() else [size]
        self._set_parts(creation.zeros(dims, dtype), creation.zeros([size], dtypes.int8), dtype, element_shape,
                        bool(dynamic_size), True if clear_after_read is None else bool(clear_after_read),
                        bool(infer_shape))

    def _set_parts(self, buffer, states, dtype, element_shape, dynamic_size, clear_after_read, infer_shape):
        if buffer.shape.rank is not None and buffer.shape.rank >= 2 and \
                buffer.shape[1:].is_compatible_with(element_shape):
            element_shape = element_shape.merge_with(buffer.shape[1:])
        self._buffer, self._states, self._dtype = buffer, states, dtype
        self._element_shape, self._dynamic_size = element_shape, dynamic_size
        self._clear_after_read, self._infer_shape = clear_after_read, infer_shape

    @classmethod
    def _from_parts(cls, buffer, states, dtype, element_shape, dynamic_size, clear_after_read, infer_shape):
        array = cls.__new__(cls)
        array._set_parts(buffer, states, dtype, element_shape, dynamic_size, clear_after_read, infer_shape)
        return array

    def _with(self, buffer, states, element_shape=None):
        """A TensorArray like this one, of other tensors (and a more specific element shape)."""
        element_shape = self._element_shape if element_shape is None else element_shape
        return self._from_parts(buffer, states, self._dtype, element_shape,
                                self._dynamic_size, self._clear_after_read, self._infer_shape)

    # ----- properties ---------------------------------------------------------------------------

    @property
    def dtype(self):
        """The dtype of the elements."""
        return self._dtype

    @property
    def element_shape(self):
        """The shape of the elements, as far as it is known (a TensorShape)."""
        return self._element_shape

    @property
    def dynamic_size(self):
        """Whether writes past the end grow the array."""
        return self._dynamic_size

    @property
    def _type_spec(self):
        return TensorArraySpec(self._element_shape, self._dtype, self._dynamic_size, self._infer_shape,
                               self._buffer.shape, self._clear_after_read)

    def __repr__(self):
        size = self._static_size()
        return (f"<tg.TensorArray: size={'?' if size is None else size}, dtype={self._dtype.name}, "
                f"element_shape={self._element_shape}, dynamic_size={self._dynamic_size}>")

    def _static_size(self):
        return self._states.shape[0] if self._states.shape.rank == 1 else None

    def size(self, name=None):
        """The number of elements, as a scalar int32 tensor."""
        size = self._static_size()
        if size is not None:
            return convert_to_tensor(size, dtype=dtypes.int32)
        return array_ops.shape(self._states)[0]

    # ----- writing ------------------------------------------------------------------------------

    def write(self, index, value, name=None):
        """A TensorArray with element `index` set to `value`; use it instead of this one."""
        index = _integer_argument("write", "index", index, 0)
        element = self._converted("write", value)
        return self._write_rows("write", array_ops.reshape(index, [1]), array_ops.expand_dims(element, 0))

    def scatter(self, indices, value, name=None):
        """A TensorArray with elements `indices[k]` set to `value[k]`; use it instead of this one."""
        indices = _integer_argument("scatter", "indices", indices, 1)
        return self._write_rows("scatter", indices, self._rows("scatter", value))

    def unstack(self, value, name=None):
        """A TensorArray whose elements are the rows of `value` (its size becomes their number)."""
        return self._holding("unstack", self._rows("unstack", value))

    def split(self, value, lengths, name=None):
        """A TensorArray whose elements are consecutive pieces of `value` along its first axis,
        `lengths[k]` rows each. The elements of a TensorArray share one shape here, so the
        lengths must be equal (TF allows pieces of different lengths)."""
        value = self._rows("split", value)
        lengths = _concrete(_integer_argument("split", "lengths", lengths, 1))
        if lengths is None:
            raise TypeError("TensorArray.split: `lengths` must be known while tracing (a list of ints or an "
                            "eager tensor), since the pieces must all have one length")
        if lengths.size and (lengths != lengths[0]).any():
            raise ValueError(f"TensorArray.split: `lengths` {lengths.tolist()} are not all equal; the elements "
                             f"of a TensorArray share one shape, so the pieces must have one length")
        count, length = lengths.size, int(lengths[0]) if lengths.size else 0
        rows = value.shape[0] if value.shape.rank else None
        if rows is not None and rows != count * length:
            raise ValueError(f"TensorArray.split: `lengths` add up to {count * length}, but `value` has "
                             f"{rows} rows")
        rest = array_ops.shape(value)[1:]
        return self._holding("split", array_ops.reshape(value, join_split.concat([[count, length], rest], 0)))

    def _holding(self, method, rows):
        """A TensorArray of the elements `rows` (all written), replacing this one's."""
        count = rows.shape[0] if rows.shape.rank else None
        size = self._static_size()
        if not self._dynamic_size and None not in (count, size) and count > size:
            raise ValueError(f"TensorArray.{method}: cannot {method} {count} tensors into a TensorArray of "
                             f"static size {size} (use dynamic_size=True)")
        states = creation.fill(array_ops.shape(rows)[:1], np.int8(WRITTEN))
        return self._with(rows, states, self._inferred_shape(method, _element_shape_of(rows)))

    def _converted(self, method, value):
        """`value` as a tensor of the array's dtype (TypeError naming both dtypes otherwise)."""
        tensor = convert_to_tensor(value, dtype_hint=self._dtype)
        if tensor.dtype != self._dtype:
            raise TypeError(f"TensorArray.{method}: `value` has dtype {tensor.dtype.name}, but the "
                            f"TensorArray holds {self._dtype.name}")
        return tensor

    def _rows(self, method, value):
        """`value` as a tensor whose first axis runs over elements."""
        rows = self._converted(method, value)
        if rows.shape.rank == 0:
            raise ValueError(f"TensorArray.{method}: `value` must have a leading axis of elements, got a scalar")
        return rows

    def _inferred_shape(self, method, element_shape):
        """The element shape after writing elements of `element_shape` (ValueError if they do not fit)."""
        if not self._element_shape.is_compatible_with(element_shape):
            raise ValueError(f"TensorArray.{method}: `value` has elements of shape {element_shape}, but "
                             f"the TensorArray's elements have shape {self._element_shape}")
        return self._element_shape.merge_with(element_shape)

    def _write_rows(self, method, indices, rows):
        """A TensorArray with rows `rows` written at `indices` (grown first if the size is dynamic)."""
        element_shape = self._inferred_shape(method, _element_shape_of(rows))
        buffer, states = self._buffer, self._states
        if self._dynamic_size:
            buffer, states = self._grown_to_fit(indices, buffer, states)
        self._check_writes(method, indices, states)
        written = creation.fill(array_ops.shape(indices), np.int8(WRITTEN))
        return self._with(scatter_rows(buffer, indices, rows), scatter_rows(states, indices, written),
                          element_shape)

    def _grown_to_fit(self, indices, buffer, states):
        """The buffer and states grown with zeros so that every index in `indices` is inside."""
        known, size = _concrete(indices), self._static_size()
        if known is not None:
            needed = int(known.max()) + 1 if known.size else 0
            if size is not None and needed <= size:
                return buffer, states
        else:  # -1 joins the indices so that an empty scatter needs no rows (NumPy has no max of nothing)
            needed = reduction.reduce_max(join_split.concat([indices, [-1]], 0)) + 1
        extra = arithmetic.maximum(needed - array_ops.shape(states)[0], 0)
        return _padded(buffer, extra), _padded(states, extra)

    def _check_writes(self, method, indices, states):
        """Eagerly: IndexOutOfRangeError for an index outside the array, InvalidArgumentError for an
        element written twice (TF's TensorArrays hold each element once)."""
        known, state = _concrete(indices), _concrete(states)
        if known is None:
            return
        self._check_range(method, known, states)
        if state is None:
            return
        values, counts = np.unique(known, return_counts=True)
        twice = values[(state[values] == WRITTEN) | (counts > 1)]
        if twice.size:
            raise InvalidArgumentError(
                f"TensorArray.{method}: could not write to index {twice[0]} because it has already been "
                f"written to; write each element once (a TensorArray is not a mutable list)")

    def _check_range(self, method, known, states):
        """IndexOutOfRangeError naming the first index in `known` outside [0, size) (when size is known)."""
        size = states.shape[0] if states.shape.rank == 1 else None
        outside = known[(known < 0) | (known >= size)] if size is not None else known[known < 0]
        if outside.size:
            growth = "" if self._dynamic_size else " and the array is not resizable (dynamic_size=False)"
            raise IndexOutOfRangeError(f"TensorArray.{method}: index {outside[0]} is out of range: the size is "
                                       f"{size}{growth}")

    # ----- reading ------------------------------------------------------------------------------

    def read(self, index, name=None):
        """The element at `index` (zeros if it was never written and the element shape is known)."""
        index = _integer_argument("read", "index", index, 0)
        self._check_reads("read", array_ops.reshape(index, [1]))
        value = gather_scatter.gather(self._buffer, index)
        if self._clear_after_read and _concrete(index) is not None and _concrete(self._states) is not None:
            cleared = convert_to_tensor(np.array([CLEARED], np.int8))
            self._states = scatter_rows(self._states, array_ops.reshape(index, [1]), cleared)
        return value

    def gather(self, indices, name=None):
        """The elements at `indices`, stacked along a new first axis."""
        indices = _integer_argument("gather", "indices", indices, 1)
        self._check_reads("gather", indices)
        return gather_scatter.gather(self._buffer, indices)

    def stack(self, name=None):
        """All elements stacked along a new first axis: a tensor of shape [size, *element_shape]."""
        self._check_reads("stack", None)
        return self._buffer

    def concat(self, name=None):
        """All elements joined along their first axis (elements must not be scalars)."""
        if self._element_shape.rank == 0:
            raise ValueError("TensorArray.concat: the elements are scalars; concat joins elements along "
                             "their first axis (use stack for scalars)")
        self._check_reads("concat", None)
        rest = self._buffer.shape[2:] if self._buffer.shape.rank is not None else TensorShape(None)
        if rest.is_fully_defined():
            return array_ops.reshape(self._buffer, [-1, *rest.as_list()])
        return array_ops.reshape(self._buffer, join_split.concat([[-1], array_ops.shape(self._buffer)[2:]], 0))

    def _check_reads(self, method, indices):
        """Eagerly: errors for an index outside the array, and for reading an element that holds no
        value (never written while the element shape is unknown, or cleared by an earlier read)."""
        size = self._static_size()
        known = _concrete(indices) if indices is not None else None if size is None else np.arange(size)
        if known is None:
            return
        self._check_range(method, known, self._states)
        state = _concrete(self._states)
        if state is None:
            return
        cleared = known[state[known] == CLEARED]
        if cleared.size:
            raise InvalidArgumentError(
                f"TensorArray.{method}: could not read index {cleared[0]} twice because it was cleared after a "
                f"previous read (perhaps try setting clear_after_read=False?)")
        unwritten = known[state[known] == UNWRITTEN]
        if unwritten.size and not self._element_shape.is_fully_defined():
            raise InvalidArgumentError(
                f"TensorArray.{method}: could not read from index {unwritten[0]} because it has not yet been "
                f"written to, and the element shape ({self._element_shape}) is not known to make zeros of; "
                f"write it first or pass element_shape=")

    # ----- the rest of TF's API -----------------------------------------------------------------

    def identity(self):
        """A TensorArray holding the same elements (its tensors pass through `tg.identity`)."""
        return self._with(cast.identity(self._buffer), cast.identity(self._states))

    def close(self, name=None):
        """Nothing to release: the elements are tensors, freed when no longer referenced (TF's
        graph-mode `close` is likewise a no-op)."""
        return None


def _element_shape_of(rows):
    """The shape of the elements that `rows` holds along its first axis."""
    return rows.shape[1:] if rows.shape.rank is not None else TensorShape(None)


def _padded(tensor, extra):
    """`tensor` followed along axis 0 by `extra` (a scalar int32 tensor) rows of zeros."""
    zeros_shape = join_split.concat([array_ops.reshape(extra, [1]), array_ops.shape(tensor)[1:]], 0)
    return join_split.concat([tensor, creation.zeros(zeros_shape, tensor.dtype)], 0)
