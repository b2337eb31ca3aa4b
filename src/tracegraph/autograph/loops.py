"""The run-time helpers for converted `while` and `for` loops.

A loop whose condition (or iterable) is a Python value runs as a Python loop,
unrolled while tracing, exactly as Python runs it. A tensor condition, a
tensor iterable (its first axis) or a `tg.range` makes one `tg.while_loop`
whose loop variables are the Python variables the body carries from one
iteration to the next. An iterable with an `_autograph_for_loop` method
(datasets) runs the loop itself: see `for_stmt`.
"""
import threading

import numpy as np

from . import errors
from .conditionals import and_, is_tensor
from .undefined import UndefinedReturnValue, is_undefined
from .. import nest
from ..convert import convert_to_tensor
from ..errors import InvalidArgumentError
from ..ops.array_ops import shape
from ..ops.comparison import greater, greater_equal, less, less_equal, where
from ..ops.creation import zeros_like
from ..ops.debugging_ops import Assert, assert_none_equal
from ..ops.control_flow import while_loop
from ..shape import TensorShape
from ..tensor import SymbolicTensor

__all__ = ["while_stmt", "for_stmt", "set_loop_options"]


def _loop_stack():
    """The converted tensor loops being traced in this thread, innermost last."""
    if not hasattr(_active_loops, "stack"):
        _active_loops.stack = []
    return _active_loops.stack


def while_stmt(test, body, values, names, used_after=(), attributes=()):
    """A converted `while`: `values = body(*values)` while `test(*values)`; returns the final values.

    `names` are the loop variables (the body assigns them and they are read at
    the loop's head or after it). If the test gives a tensor, the loop from
    there on is one `tg.while_loop`.
    """
    values = tuple(values)
    while True:
        keep_going = test(*values)
        if is_tensor(keep_going):
            loop = _TensorLoop(names, "while", used_after, attributes)
            return loop.run(test, body, values)
        if not keep_going:
            return values
        values = tuple(body(*values))


def for_stmt(iterable, body, values, names, extra_test=None, used_after=(), attributes=()):
    """A converted `for`: `values = body(element, *values)` for each element; returns the final values.

    `extra_test(*values)`, when given, is checked before each iteration and ends
    the loop when false (it is how `break` and `return` stop a loop). An object
    with a method `_autograph_for_loop(body, values, extra_test)` runs the loop
    itself and returns the final values: that is how datasets plug in.
    """
    values = tuple(values)
    run_itself = getattr(iterable, "_autograph_for_loop", None)
    if run_itself is not None:
        return tuple(run_itself(body, values, extra_test))
    if is_tensor(iterable):
        return _tensor_for(iterable, body, values, names, extra_test, used_after, attributes)
    for element in iterable:
        if extra_test is not None:
            keep_going = extra_test(*values)
            if is_tensor(keep_going):
                errors.tensor_break_in_python_loop(iterable)
            if not keep_going:
                break
        values = tuple(body(element, *values))
    return values


def _tensor_for(iterable, body, values, names, extra_test, used_after, attributes):
    """`for element in tensor` as a while loop over an index along the first axis."""
    bounds = _range_bounds(iterable)
    if bounds is not None:
        return _range_for(*bounds, body, values, names, extra_test, used_after, attributes)
    sequence = convert_to_tensor(iterable)
    length = shape(sequence)[0]

    def test(index, *loop_values):
        in_range = less(index, length)
        if extra_test is None:
            return in_range
        return and_(lambda: in_range, lambda: extra_test(*loop_values))

    def step(index, *loop_values):
        return (index + 1, *body(sequence[index], *loop_values))

    loop = _TensorLoop(("the loop index",) + tuple(names), "for", used_after, attributes)
    return loop.run(test, step, (convert_to_tensor(0),) + values)[1:]


def _range_bounds(iterable):
    """(start, limit, delta) of a `tg.range` being traced, or None for any other tensor."""
    if not isinstance(iterable, SymbolicTensor):
        return None
    producer = iterable.graph.producer_of(iterable.value)
    if producer is None or producer.op.name != "range":
        return None
    return tuple(SymbolicTensor(iterable.graph, v) for v in producer.inputs)


def _range_for(start, limit, delta, body, values, names, extra_test, used_after, attributes):
    """`for i in tg.range(start, limit, delta)` counting i itself, as TF's AutoGraph does: the range
    is never built (a loop of 1e5 steps would read a 1e5-element tensor). `i` advances by adding
    `delta`, so float counters round as the range's running sum does."""
    # The checks of the range op that is not built: an empty or endless range is an error there.
    # A constant delta (tg.range(n): 1) decides its sign while tracing, so the loop's test and the
    # checks are one comparison each instead of a select over both directions.
    sign = _constant_sign(delta)
    if sign is None:
        assert_none_equal(delta, zeros_like(delta), message="range: requires delta != 0")
        upward = greater(delta, zeros_like(delta))
    elif sign == 0:
        raise InvalidArgumentError("range: requires delta != 0")
    bounds_ok = less_equal(start, limit) if sign == 1 else greater_equal(start, limit) if sign == -1 \
        else where(upward, less_equal(start, limit), greater_equal(start, limit))
    Assert(bounds_ok, ["range: requires start <= limit when delta > 0 (start >= limit when delta < 0):",
                       start, limit, delta])

    def test(counter, *loop_values):
        in_range = less(counter, limit) if sign == 1 else greater(counter, limit) if sign == -1 \
            else where(upward, less(counter, limit), greater(counter, limit))
        if extra_test is None:
            return in_range
        return and_(lambda: in_range, lambda: extra_test(*loop_values))

    def step(counter, *loop_values):
        return (counter + delta, *body(counter, *loop_values))

    loop = _TensorLoop(("the loop index",) + tuple(names), "for", used_after, attributes)
    return loop.run(test, step, (start,) + values)[1:]


def _constant_sign(value):
    """The sign (-1, 0, 1) of a symbolic scalar that a `const` node gives, or None if it is computed."""
    producer = value.graph.producer_of(value.value)
    if producer is None or producer.op.name != "const":
        return None
    return int(np.sign(producer.attrs["value"]))


def set_loop_options(parallel_iterations=None, swap_memory=None, maximum_iterations=None, shape_invariants=None):
    """Options for the converted tensor loop this is called in (TF's `set_loop_options`).

    `shape_invariants` is a list of `(variable, shape)` pairs: the loop variable
    may take any shape that fits `shape` (None for a dimension that changes),
    e.g. `[(x, tg.TensorShape([None]))]`. Call it at the start of the loop body.
    The other options are accepted for compatibility; in a Python loop it does nothing.
    """
    stack = _loop_stack()
    if stack and shape_invariants:
        stack[-1].invariants.extend(
            (variable, TensorShape(shape)) for variable, shape in shape_invariants)


_active_loops = threading.local()


class _TensorLoop:
    """One `tg.while_loop` for a converted loop, with errors that name the Python variables.

    A loop variable must keep its dtype, and its shape unless `set_loop_options`
    gives it a less specific shape invariant (TF's rule): the loop is then free to
    relax its shape.
    """

    def __init__(self, names, statement, used_after, attributes):
        self.names, self.statement, self.used_after, self.attributes = names, statement, used_after, attributes
        self.invariants = []  # (the loop variable's tensor in the body, TensorShape) from set_loop_options

    def run(self, test, body, values):
        if self.attributes:
            errors.assignment_in_tensor_block(list(self.attributes), self.statement)
        for name, value in zip(self.names, values):
            if isinstance(value, UndefinedReturnValue):
                errors.return_in_tensor_loop(self.statement)
            if is_undefined(value):
                errors.undefined_loop_variable(name, self.statement, name in self.used_after)
            if value is None:
                errors.none_loop_variable(name, self.statement, entering=True)
        stack = _loop_stack()
        stack.append(self)
        try:
            return tuple(while_loop(test, self._checked(body), values))
        finally:
            stack.pop()

    def _checked(self, body):
        def checked_body(*before):
            self.invariants = []
            after = tuple(body(*before))
            return tuple(self._check(name, old, new) for name, old, new in zip(self.names, before, after))
        return checked_body

    def _check(self, name, before, after):
        """`after` as the next value of loop variable `name` (a Python number becomes a tensor)."""
        if after is None or is_undefined(after):
            errors.none_loop_variable(name, self.statement, entering=False)
        if not is_tensor(before):
            return after  # a structure: tg.while_loop checks it leaf by leaf
        if not is_tensor(after) and not nest.is_nested(after):
            try:
                after = convert_to_tensor(after, dtype=before.dtype)
            except (TypeError, ValueError):
                errors.loop_dtype_changed(name, self.statement, before, after)
        if not is_tensor(after) or after.dtype != before.dtype:
            errors.loop_dtype_changed(name, self.statement, before, after)
        allowed = next((shape for variable, shape in self.invariants if variable is before), before.shape)
        if not after.shape.is_subtype_of(allowed):
            errors.loop_shape_changed(name, self.statement, before.shape, after.shape)
        return after
