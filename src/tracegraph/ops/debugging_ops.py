"""Run-time assertions (`tg.debugging.assert_*`, TF's names): a failed one raises InvalidArgumentError.

Eagerly the check runs at once. Inside a traced function it is a stateful node
(like `tg.print`), so it runs on every call, in program order, and is never
removed as dead code; a failure names the line of the user's code that made the
assertion, as every run-time error does.
"""
from . import comparison
from .logging_ops import format_for_print
from .. import dtypes
from ..convert import convert_to_tensor
from ..core.dispatch import bind
from ..core.op import Op
from ..errors import InvalidArgumentError

__all__ = ["Assert", "assert_equal", "assert_none_equal", "assert_less", "assert_less_equal", "assert_greater",
           "assert_greater_equal", "assert_positive", "assert_negative", "assert_non_negative",
           "assert_non_positive"]


def _assert_infer(condition, *data, message, labels, summarize):
    if condition.dtype != dtypes.bool:
        raise TypeError(f"Assert: `condition` must be a bool tensor, got {condition.dtype.name}")
    return ()


def _assert_impl(xp, condition, *data, message, labels, summarize):
    if bool(xp.all(condition)):
        return ()
    shown = [f"{label} = {format_for_print(value, summarize)}" for label, value in zip(labels, data)]
    raise InvalidArgumentError("\n".join([message, *shown]))


_assert = Op("assert", infer=_assert_infer, impl=_assert_impl, stateful=True, multiple_outputs=True)


def Assert(condition, data, summarize=None, name=None):  # noqa: N802 - TF's public name
    """Raise InvalidArgumentError showing the tensors `data` unless every element of `condition` is true."""
    data = [convert_to_tensor(d) for d in data]
    _check(convert_to_tensor(condition), data, "assertion failed", [f"data[{k}]" for k in range(len(data))],
           summarize)


def _check(condition, data, message, labels, summarize):
    summarize = 3 if summarize is None else summarize
    bind(_assert, [condition, *data], {"message": message, "labels": tuple(labels), "summarize": summarize})


def _assert_comparison(x, y, symbol, compare, message, summarize):
    x, y = convert_to_tensor(x), convert_to_tensor(y)
    _check(compare(x, y), [x, y], _header(message, f"x {symbol} y"), ["x", "y"], summarize)


def _assert_sign(x, symbol, compare, message, summarize):
    x = convert_to_tensor(x)
    _check(compare(x, 0), [x], _header(message, f"x {symbol} 0"), ["x"], summarize)


def _header(message, condition):
    text = f"Condition {condition} did not hold element-wise:"
    return f"{message}\n{text}" if message else text


def assert_equal(x, y, message=None, summarize=None, name=None):
    """InvalidArgumentError unless x == y element-wise (broadcasting); `message` leads the error."""
    _assert_comparison(x, y, "==", comparison.equal, message, summarize)


def assert_none_equal(x, y, message=None, summarize=None, name=None):
    """InvalidArgumentError unless x != y element-wise."""
    _assert_comparison(x, y, "!=", comparison.not_equal, message, summarize)


def assert_less(x, y, message=None, summarize=None, name=None):
    """InvalidArgumentError unless x < y element-wise."""
    _assert_comparison(x, y, "<", comparison.less, message, summarize)


def assert_less_equal(x, y, message=None, summarize=None, name=None):
    """InvalidArgumentError unless x <= y element-wise."""
    _assert_comparison(x, y, "<=", comparison.less_equal, message, summarize)


def assert_greater(x, y, message=None, summarize=None, name=None):
    """InvalidArgumentError unless x > y element-wise."""
    _assert_comparison(x, y, ">", comparison.greater, message, summarize)


def assert_greater_equal(x, y, message=None, summarize=None, name=None):
    """InvalidArgumentError unless x >= y element-wise."""
    _assert_comparison(x, y, ">=", comparison.greater_equal, message, summarize)


def assert_positive(x, message=None, summarize=None, name=None):
    """InvalidArgumentError unless every element of x is > 0."""
    _assert_sign(x, ">", comparison.greater, message, summarize)


def assert_negative(x, message=None, summarize=None, name=None):
    """InvalidArgumentError unless every element of x is < 0."""
    _assert_sign(x, "<", comparison.less, message, summarize)


def assert_non_negative(x, message=None, summarize=None, name=None):
    """InvalidArgumentError unless every element of x is >= 0."""
    _assert_sign(x, ">=", comparison.greater_equal, message, summarize)


def assert_non_positive(x, message=None, summarize=None, name=None):
    """InvalidArgumentError unless every element of x is <= 0."""
    _assert_sign(x, "<=", comparison.less_equal, message, summarize)
