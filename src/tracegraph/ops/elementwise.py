"""Factories for elementwise ops: the common shape of unary and binary primitives.

An elementwise op is a function of scalars applied at every position (with
broadcasting). Each has a scalar `template` that fusing backends render; the
template language is C-like: `{0}`, `{1}` are the operands, arithmetic uses
`+ - * /`, everything else is a call of a named scalar function (`exp({0})`,
`where({0}, {1}, {2})`) that each backend maps to its own code.
"""
import functools

from . import api_dispatch
from ..convert import convert_to_tensor, operands_to_tensors
from ..core.dispatch import bind, run_binary_now, run_unary_now
from ..core.op import Op
from ..core.rules import elementwise_spec
from ..type_spec import CompositeTensor

__all__ = ["unary", "binary", "implementation", "apply_unary", "apply_binary"]


def unary(name, impl, template, grad=None, kinds="numeric", result_dtype=None, into=None):
    """Define a one-input elementwise op; `impl(xp, x)`, or the name of the `xp` ufunc that is it
    (`into(xp, x, out)`: see `Op`)."""
    def infer(x):
        return elementwise_spec(name, [x], kinds, result_dtype)
    return Op(name, infer=infer, grad=grad, template=template, into=into, **implementation(impl))


def binary(name, impl, template, grad=None, kinds="numeric", result_dtype=None):
    """Define a two-input broadcasting elementwise op; `impl(xp, x, y)`, or the name of the `xp`
    ufunc that is it."""
    def infer(x, y):
        return elementwise_spec(name, [x, y], kinds, result_dtype)
    return Op(name, infer=infer, grad=grad, template=template, **implementation(impl))


def implementation(impl):
    """The `impl` and `ufunc` facets for an implementation given as a function or a ufunc's name
    (which plans can then call with `out=`)."""
    if not isinstance(impl, str):
        return {"impl": impl}

    def call_ufunc(xp, *arrays):
        return getattr(xp, impl)(*arrays)
    call_ufunc.__name__ = impl
    return {"impl": call_ufunc, "ufunc": impl}


def apply_unary(op, x):
    """Convert `x` (Python values take their natural dtype) and apply `op`; a composite `x` goes
    to its kind's elementwise handler (see `api_dispatch.py`)."""
    result = run_unary_now(op, x)  # the fast path of plain eager code
    if result is not None:
        return result
    if isinstance(x, CompositeTensor):
        handler = api_dispatch.elementwise_handler((x,))
        if handler is not None:
            return handler(functools.partial(apply_unary, op), x)
    return bind(op, [convert_to_tensor(x)])


def apply_binary(op, x, y):
    """Convert `x`, `y` to one dtype, TF-style, and apply `op`; a composite operand goes to its
    kind's elementwise handler (see `api_dispatch.py`)."""
    result = run_binary_now(op, x, y)  # the fast path of plain eager code
    if result is not None:
        return result
    if isinstance(x, CompositeTensor) or isinstance(y, CompositeTensor):  # not on the hot path otherwise
        handled = binary_on_composites(functools.partial(apply_binary, op), x, y)
        if handled is not NOT_COMPOSITE:
            return handled
    return bind(op, operands_to_tensors(x, y))


#: What `binary_on_composites` returns when neither operand is a composite with an elementwise handler.
NOT_COMPOSITE = object()


def binary_on_composites(fn, x, y):
    """`fn` (a binary elementwise function of tensors) applied through the elementwise handler of
    the composite operand's kind (ragged: to the flat values), or NOT_COMPOSITE. Public binary ops
    that are not a single `apply_binary` (`equal`, `truediv`, ...) route composites with it."""
    if isinstance(x, CompositeTensor) or isinstance(y, CompositeTensor):
        handler = api_dispatch.elementwise_handler((x, y))
        if handler is not None:
            return handler(fn, x, y)
    return NOT_COMPOSITE
