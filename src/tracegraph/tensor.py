"""Tensors: immutable n-dimensional arrays with a dtype and a shape.

`Tensor` is the type users see (`isinstance(x, tg.Tensor)`). An `EagerTensor`
holds a concrete array (NumPy, or CuPy on a GPU); a `SymbolicTensor` stands for
a value of a graph being traced and has only a spec. Arithmetic operators are
installed by `ops/operators.py`, so this module knows nothing of ops.
"""
import numpy as np

from . import dtypes
from .shape import TensorShape
from .device import device_of_array, gpu_count
from .spec import TensorSpec, spec_of
from .user_code import user_frame

__all__ = ["Tensor", "EagerTensor", "SymbolicTensor", "SymbolicValueError", "newaxis"]

newaxis = None


class Tensor:
    """An immutable multi-dimensional array (TF's `tf.Tensor`)."""

    # `_slice_source` is set only on the result of `variable[key]`, which then
    # also accepts `assign` (see variable.py), as TF's sliced variables do.
    # `_keras_mask` is set only on a Keras layer's output that has a mask (keras/masking.py).
    __slots__ = ("__weakref__", "_slice_source", "_keras_mask")
    # NumPy defers `ndarray + tensor` to our reflected operators, as TF's tensors do.
    __array_priority__ = 100

    @property
    def ndim(self):
        """The number of dimensions (None if unknown)."""
        return self.shape.rank

    def get_shape(self):
        """The shape, as `.shape` (TF's alias)."""
        return self.shape

    def __setitem__(self, key, value):
        raise TypeError("'tg.Tensor' object does not support item assignment: tensors are immutable. "
                        "Use a tg.Variable and `v[key].assign(value)`, or build a new tensor "
                        "(e.g. with tg.where)")

    def ref(self):
        """A hashable reference to this tensor (tensors themselves are unhashable)."""
        return _TensorRef(self)

    experimental_ref = ref

    def __hash__(self):
        raise TypeError("Tensor is unhashable. Instead, use tensor.ref() as the key.")

    def __len__(self):
        rank = self.shape.rank
        if rank == 0:
            raise TypeError("len() of a 0-d tensor")
        n = self.shape[0]
        if n is None:
            raise TypeError(f"len() of a tensor whose first dimension is unknown ({self.shape})")
        return n


TensorSpec.value_type = Tensor


class EagerTensor(Tensor):
    """A tensor with a concrete value, computed eagerly."""

    __slots__ = ("_value",)

    def __init__(self, array):
        self._value = array

    @property
    def dtype(self):
        """The element type (a `tg.DType`)."""
        return dtypes.from_numpy(self._value.dtype)

    @property
    def shape(self):
        """The `TensorShape` (always fully known for an eager tensor)."""
        return TensorShape.from_ints(self._value.shape)

    @property
    def ndim(self):
        """The number of dimensions."""
        return self._value.ndim

    @property
    def spec(self):
        """The `TensorSpec` (shape and dtype) of this value."""
        return spec_of(TensorShape.from_ints(self._value.shape), dtypes.from_numpy(self._value.dtype))

    @property
    def device(self):
        return device_of_array(self._value)

    def cpu(self):
        """This tensor on the CPU (itself if it is already there)."""
        if type(self._value) is np.ndarray:
            return self
        return EagerTensor(self._host_array())

    def gpu(self, gpu_index=0):
        """This tensor on CUDA GPU `gpu_index` (RuntimeError if the machine has none)."""
        if gpu_index >= gpu_count():
            raise RuntimeError(f"Tensor.gpu: GPU {gpu_index} was requested but this machine has "
                               f"{gpu_count()} usable GPU(s) (CuPy with a CUDA device is needed)")
        import cupy  # noqa: PLC0415 - only with a GPU
        with cupy.cuda.Device(gpu_index):
            return EagerTensor(cupy.asarray(self._value))

    def _host_array(self):
        """The value as a NumPy array on the host (copied from a GPU if it lives there)."""
        value = self._value
        if type(value) is not np.ndarray:
            value = value.get() if hasattr(value, "get") else np.asarray(value)
        return value

    def _read_only_view(self):
        view = self._host_array().view()
        view.flags.writeable = False
        return view

    def numpy(self):
        """The value as a NumPy array (read-only: tensors are immutable); a NumPy scalar if 0-d."""
        value = self._host_array()
        if value.ndim == 0:
            return value[()]  # a NumPy scalar, as TF returns for 0-d tensors
        return self._read_only_view()

    def __array__(self, dtype=None, copy=None):
        value = self._read_only_view()
        if dtype is not None and np.dtype(dtype) != value.dtype:
            return value.astype(dtype)
        if copy:
            return value.copy()
        return value

    def _scalar(self, kind):
        if self._value.size != 1:
            if kind == "bool":
                raise ValueError("The truth value of an array with more than one element is "
                                 "ambiguous. Use tg.reduce_any or tg.reduce_all")
            raise TypeError(f"Only tensors with one element can be converted to Python {kind}s; "
                            f"this one has shape {self.shape}")
        return self._value.item()

    def __bool__(self):
        return builtin_bool(self._scalar("bool"))

    def __float__(self):
        return float(self._scalar("float"))

    def __int__(self):
        return int(self._scalar("int"))

    def __index__(self):
        if not self.dtype.is_integer:
            raise TypeError(f"Only integer tensors can be used as an index, got {self.dtype.name}")
        return int(self._scalar("int"))

    def __complex__(self):
        return complex(self._scalar("complex"))

    def __format__(self, format_spec):
        if self._value.ndim == 0:
            return format(self._value.item(), format_spec)
        return format(str(self), format_spec)

    def __str__(self):
        return f"tg.Tensor({_numpy_text(self._value, False)}, shape={self.shape}, dtype={self.dtype.name})"

    def __repr__(self):
        return (f"<tg.Tensor: shape={self.shape}, dtype={self.dtype.name}, "
                f"numpy={_numpy_text(self._value, True)}>")

    def __reduce__(self):
        return (EagerTensor, (np.array(self.__array__()),))

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self


builtin_bool = type(True)


def _numpy_text(value, is_repr):
    """The value part of TF's tensor printing: NumPy's str/repr, on a new line if multi-line."""
    if hasattr(value, "get") and type(value) is not np.ndarray:
        value = value.get()
    if value.ndim == 0:
        item = value[()]
        # TF shows scalars as plain Python values (`3.0`, `b'hi'`), even under NumPy 2's scalar reprs.
        return repr(item) if isinstance(item, bytes) else str(item)
    text = repr(value) if is_repr else str(value)
    return "\n" + text if "\n" in text else text


class SymbolicTensor(Tensor):
    """A value of a graph being traced: it has a spec but no concrete value.

    Anything that needs the value (Python `bool`, `float`, `.numpy()`) raises an
    error that names the user's line and explains what to use instead.
    """

    __slots__ = ("graph", "value")

    def __init__(self, graph, value):
        self.graph = graph
        self.value = value

    @property
    def dtype(self):
        return self.value.spec.dtype

    @property
    def shape(self):
        return self.value.spec.shape

    @property
    def spec(self):
        return self.value.spec

    @property
    def name(self):
        return self.value.name

    @property
    def device(self):
        return ""

    def _needs_value(self, what, fix):
        raise SymbolicValueError(what, fix)

    def numpy(self):
        self._needs_value("Calling .numpy() on a symbolic tensor",
                          "compute with tracegraph ops instead, or use tg.print to see values")

    def __array__(self, dtype=None, copy=None):
        self._needs_value("Converting a symbolic tensor to a NumPy array",
                          "use tracegraph ops (tg.math, tg.linalg, ...) instead of NumPy functions")

    def __bool__(self):
        self._needs_value("Using a symbolic tensor as a Python bool",
                          "use tg.cond(pred, true_fn, false_fn) for an `if`, "
                          "tg.while_loop(cond, body, loop_vars) for a `while`")

    def __float__(self):
        self._needs_value("Converting a symbolic tensor to a Python float",
                          "keep it a tensor, or pass the number as a Python argument")

    def __int__(self):
        self._needs_value("Converting a symbolic tensor to a Python int",
                          "keep it a tensor (tg.range / tg.while_loop take tensors)")

    def __index__(self):
        self.__int__()

    def __iter__(self):
        if self.shape.rank is not None and self.shape.rank > 0 and self.shape[0] is not None:
            return super().__iter__()
        self._needs_value("Iterating over a symbolic tensor of unknown length",
                          "use tg.while_loop, or tg.range for a loop counter")

    def __str__(self):
        return f"Tensor(\"{self.value.name}\", shape={self.shape}, dtype={self.dtype.name})"

    def __repr__(self):
        return f"<tg.Tensor '{self.value.name}' shape={self.shape} dtype={self.dtype.name}>"


class _TensorRef:
    """A hashable handle for a tensor (TF's `tensor.ref()`)."""

    __slots__ = ("_tensor",)

    def __init__(self, tensor):
        self._tensor = tensor

    def deref(self):
        return self._tensor

    def __hash__(self):
        return id(self._tensor)

    def __eq__(self, other):
        return isinstance(other, _TensorRef) and other._tensor is self._tensor


class SymbolicValueError(TypeError):
    """A traced function needed a concrete value where only a symbolic one exists.

    It is a TypeError (TF raises `OperatorNotAllowedInGraphError`, also a TypeError).
    """

    def __init__(self, what, fix):
        filename, line, source = user_frame()
        self.filename, self.line = filename, line
        self.what, self.fix = what, fix
        location = f"{filename}, line {line}" + (f":\n    {source}" if source else "")
        super().__init__(
            f"{what} is not possible while tracing a tg.function: the tensor has no value until "
            f"the function runs.\n  at {location}\nFix: {fix}. (Or run the function eagerly: "
            f"tg.function(..., fallback='eager'), the default, does that with a warning; "
            f"tg.config.run_functions_eagerly(True) does it for every function.)")
