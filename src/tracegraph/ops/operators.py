"""Python operators on tensors and Variables (`+`, `@`, `[]`, `==`, ...), as TF defines them.

Installed on the classes here so that `tensor.py` and `variable.py` need not
import the op library. Every binary operator has its reflected form, so a
Python number or a NumPy array on the left works too (`2 * t`, `np.ones(2) * t`:
NumPy defers to tensors because of their `__array_priority__`); the tensor's
dtype wins, as in TF. `==` and `!=` are elementwise, as in TF2.
"""
from . import arithmetic, bitwise, comparison, indexing, linalg
from ..convert import constant, operands_to_tensors
from ..core.rules import broadcast_shapes
from ..tensor import Tensor


def _reflected(fn):
    return lambda self, other: fn(other, self)


def _bitwise_or_logical(logical, bitwise_fn):
    """`&`, `|`, `^`: logical on bool tensors, bitwise on integers (as in TF)."""
    def op(x, y):
        x, y = operands_to_tensors(x, y)
        return logical(x, y) if x.dtype.is_bool else bitwise_fn(x, y)
    return op


def _invert(x):
    return comparison.logical_not(x) if x.dtype.is_bool else bitwise.invert(x)


BINARY = {
    "add": arithmetic.add,
    "sub": arithmetic.subtract,
    "mul": arithmetic.multiply,
    "truediv": arithmetic.truediv,
    "floordiv": arithmetic.floordiv,
    "mod": arithmetic.floormod,
    "pow": arithmetic.pow,
    "matmul": linalg.matmul,
    "and": _bitwise_or_logical(comparison.logical_and, bitwise.bitwise_and),
    "or": _bitwise_or_logical(comparison.logical_or, bitwise.bitwise_or),
    "xor": _bitwise_or_logical(comparison.logical_xor, bitwise.bitwise_xor),
    "lshift": bitwise.left_shift,
    "rshift": bitwise.right_shift,
}

COMPARISON = {
    "lt": comparison.less,
    "le": comparison.less_equal,
    "gt": comparison.greater,
    "ge": comparison.greater_equal,
}


def _divmod(x, y):
    return arithmetic.floordiv(x, y), arithmetic.floormod(x, y)


def _equality(fn, result_if_shapes_differ):
    """TF2's `==`/`!=`: elementwise; `None` compares unequal (a Python bool); shapes
    that cannot broadcast give a scalar bool tensor instead of an error; mixing
    dtypes is a TypeError."""
    def op(self, other):
        if other is None:
            return result_if_shapes_differ
        x, y = operands_to_tensors(self, other)
        try:
            broadcast_shapes(fn.__name__, x.shape, y.shape)
        except ValueError:
            return constant(result_if_shapes_differ)
        return fn(x, y)
    return op


def install(cls):
    """Give `cls` the tensor operators; its instances must convert with `convert_to_tensor`."""
    for name, fn in BINARY.items():
        setattr(cls, f"__{name}__", lambda self, other, fn=fn: fn(self, other))
        setattr(cls, f"__r{name}__", _reflected(fn))
    for name, fn in COMPARISON.items():
        setattr(cls, f"__{name}__", lambda self, other, fn=fn: fn(self, other))
    cls.__divmod__ = lambda self, other: _divmod(self, other)
    cls.__rdivmod__ = lambda self, other: _divmod(other, self)
    cls.__eq__ = _equality(comparison.equal, False)
    cls.__ne__ = _equality(comparison.not_equal, True)
    cls.__neg__ = lambda self: arithmetic.negative(self)
    cls.__pos__ = lambda self: self
    cls.__abs__ = lambda self: arithmetic.abs(self)
    cls.__invert__ = lambda self: _invert(self)
    cls.__getitem__ = lambda self, key: indexing.getitem(self, key)


install(Tensor)
