"""Python operators on tensors and Variables (`+`, `@`, `[]`, `==`, ...), as TF defines them.

Installed on the classes here so that `tensor.py` and `variable.py` need not
import the op library. `==` and `!=` are elementwise, as in TF2.
"""
from . import arithmetic, bitwise, comparison, indexing, linalg
from ..tensor import Tensor


def _reflected(fn):
    return lambda self, other: fn(other, self)


def _bitwise_or_logical(logical, bitwise):
    def op(x, y):
        from ..convert import operands_to_tensors  # noqa: PLC0415
        x, y = operands_to_tensors(x, y)
        return logical(x, y) if x.dtype.is_bool else bitwise(x, y)
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
}

COMPARISON = {
    "lt": comparison.less,
    "le": comparison.less_equal,
    "gt": comparison.greater,
    "ge": comparison.greater_equal,
}


def _equality(fn, fallback):
    def op(self, other):
        try:
            return fn(self, other)
        except (TypeError, ValueError):
            return fallback  # TF2: comparing with an incompatible value is simply unequal
    return op


def install(cls):
    """Give `cls` the tensor operators; its instances must convert with `convert_to_tensor`."""
    for name, fn in BINARY.items():
        setattr(cls, f"__{name}__", lambda self, other, fn=fn: fn(self, other))
        setattr(cls, f"__r{name}__", _reflected(fn))
    for name, fn in COMPARISON.items():
        setattr(cls, f"__{name}__", lambda self, other, fn=fn: fn(self, other))
    cls.__eq__ = _equality(comparison.equal, False)
    cls.__ne__ = _equality(comparison.not_equal, True)
    cls.__neg__ = lambda self: arithmetic.negative(self)
    cls.__pos__ = lambda self: self
    cls.__abs__ = lambda self: arithmetic.abs(self)
    cls.__invert__ = lambda self: _invert(self)
    cls.__getitem__ = lambda self, key: indexing.getitem(self, key)


install(Tensor)
