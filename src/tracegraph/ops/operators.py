"""Python operators on tensors and Variables (`+`, `@`, `[]`, `==`, ...), as TF defines them.

Installed on the classes here so that `tensor.py` and `variable.py` need not
import the op library. Every binary operator has its reflected form, so a
Python number or a NumPy array on the left works too (`2 * t`, `np.ones(2) * t`:
NumPy defers to tensors because of their `__array_priority__`); the tensor's
dtype wins, as in TF. `==` and `!=` are elementwise, as in TF2.
"""
from . import arithmetic, bitwise, comparison, indexing, linalg
from ..convert import constant, operands_to_tensors
from ..core.dispatch import run_binary_now
from ..core.op import get_op
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


#: Operators whose function is exactly `apply_binary` of one op, by the op's registered name: their
#: methods go to the eager fast path themselves, saving the function's call (most eager ops are these).
DIRECT = {"add": "add", "sub": "subtract", "mul": "multiply", "pow": "pow", "mod": "floormod",
          "lt": "less", "le": "less_equal", "gt": "greater", "ge": "greater_equal"}


def _direct(fn, op):
    """The method `self <op> other`: `fn(self, other)`, through the eager fast path when it applies."""
    def method(self, other):
        result = run_binary_now(op, self, other)
        return fn(self, other) if result is None else result
    return method


def _direct_reflected(fn, op):
    """The method `other <op> self` (`__radd__`, ...) of `_direct`."""
    def method(self, other):
        result = run_binary_now(op, other, self)
        return fn(other, self) if result is None else result
    return method


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
    # the op functions themselves are the methods (`fn(self, other)`): a wrapping lambda would cost
    # a call per eager op
    for name, fn in BINARY.items():
        setattr(cls, f"__{name}__", fn)
        setattr(cls, f"__r{name}__", _reflected(fn))
    for name, fn in COMPARISON.items():
        setattr(cls, f"__{name}__", fn)
    for name, op_name in DIRECT.items():
        fn = BINARY.get(name) or COMPARISON[name]
        setattr(cls, f"__{name}__", _direct(fn, get_op(op_name)))
        if name in BINARY:
            setattr(cls, f"__r{name}__", _direct_reflected(fn, get_op(op_name)))
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
