"""Python builtins called with tensors from converted code, given their graph meaning (TF's py_builtins).

`range(n)` with a tensor `n` is `tg.range(n)` (so `for i in range(n)` becomes a graph
loop), `len(t)` of a tensor whose length is only known at run time is `tg.shape(t)[0]`,
and `int(t)` / `float(t)` are casts. With Python arguments they are the builtins.
"""
import builtins

from .conditionals import is_tensor
from .. import dtypes
from ..ops.array_ops import shape
from ..ops.cast import cast
from ..ops.creation import range as tensor_range

__all__ = ["override_for"]


def _range(*args):
    if any(is_tensor(a) for a in args):
        return tensor_range(*args)
    return builtins.range(*args)


def _len(value):
    if is_tensor(value) and value.shape.rank not in (None, 0) and value.shape[0] is None:
        return shape(value)[0]
    return builtins.len(value)


def _int(value=0, *args):
    if is_tensor(value) and not args:
        return cast(value, dtypes.int32)
    return builtins.int(value, *args)


def _float(value=0.0):
    if is_tensor(value):
        return cast(value, dtypes.float32)
    return builtins.float(value)


_OVERRIDES = {id(builtins.range): _range, id(builtins.len): _len, id(builtins.int): _int,
              id(builtins.float): _float}


def override_for(function):
    """The graph-aware replacement of the builtin `function`, or None."""
    return _OVERRIDES.get(id(function))
