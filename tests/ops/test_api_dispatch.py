"""`ops/api_dispatch.py`: public ops route calls with a registered composite argument to its handler."""
import pytest

import tracegraph as tg
from tracegraph.ops.api_dispatch import (add_dispatch_support, dispatch_for_api, dispatch_for_binary_elementwise_apis,
                                       dispatch_for_unary_elementwise_apis)
from tracegraph.type_spec import CompositeTensor


class Boxed(CompositeTensor):
    """A toy composite: one tensor in a box."""

    def __init__(self, tensor):
        self.tensor = tensor


class Unregistered(CompositeTensor):
    pass


@add_dispatch_support
def double(x, scale=2):
    """A public op of tensors."""
    return tg.multiply(x, scale)


@dispatch_for_api(double, Boxed)
def _double_boxed(x, scale=2):
    return Boxed(tg.multiply(x.tensor, scale))


@add_dispatch_support
def total(values):
    return tg.add_n(values)


@dispatch_for_api(total, Boxed)
def _total_boxed(values):
    return Boxed(tg.add_n([v.tensor if isinstance(v, Boxed) else v for v in values]))


def test_tensors_take_the_op_and_registered_composites_their_handler():
    assert double(tg.constant(3)).numpy() == 6
    boxed = double(Boxed(tg.constant(3)), scale=5)
    assert isinstance(boxed, Boxed) and boxed.tensor.numpy() == 15


def test_a_composite_inside_a_list_argument_dispatches():
    result = total([tg.constant(1), Boxed(tg.constant(2))])
    assert isinstance(result, Boxed) and result.tensor.numpy() == 3


def test_the_wrapper_keeps_the_op_name_and_docstring():
    assert double.__name__ == "double" and double.__doc__ == "A public op of tensors."


def test_registration_errors_are_clear():
    with pytest.raises(TypeError, match="add_dispatch_support"):
        dispatch_for_api(len, Boxed)
    with pytest.raises(TypeError, match="CompositeTensor subclasses"):
        dispatch_for_api(double, int)
    with pytest.raises(ValueError, match="already has a handler for Boxed"):
        dispatch_for_api(double, Boxed)(lambda x, scale=2: x)


def test_an_unregistered_composite_reaches_the_op_itself():
    with pytest.raises(Exception):
        double(Unregistered())


def test_the_public_ops_dispatch_ragged_tensors():
    assert tg.RaggedTensor in tg.concat.composite_handlers
    assert tg.RaggedTensor in tg.reduce_sum.composite_handlers


@dispatch_for_unary_elementwise_apis(Boxed)
def _unary_boxed(op, x):
    return Boxed(op(x.tensor))


@dispatch_for_binary_elementwise_apis(Boxed)
def _binary_boxed(op, x, y):
    unbox = lambda v: v.tensor if isinstance(v, Boxed) else v  # noqa: E731
    return Boxed(op(unbox(x), unbox(y)))


def test_one_handler_serves_every_elementwise_op():
    assert tg.exp(Boxed(tg.constant(0.0))).tensor.numpy() == 1.0
    assert tg.math.negative(Boxed(tg.constant(2))).tensor.numpy() == -2
    assert tg.subtract(10, Boxed(tg.constant(3))).tensor.numpy() == 7
    assert tg.maximum(Boxed(tg.constant(3)), tg.constant(5)).tensor.numpy() == 5
    with pytest.raises(ValueError, match="already has a handler"):
        dispatch_for_unary_elementwise_apis(Boxed)(lambda op, x: x)
