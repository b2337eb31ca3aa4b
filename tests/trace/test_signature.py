"""How an `input_signature` binds to the parameters, as in TF 2: `*args`, keyword-only
parameters, defaults, `**kwargs`, methods; and values matched only down to the specs."""
import numpy as np
import pytest

import tracegraph as tg
from tracegraph.trace.errors import InputSignatureError

S = tg.TensorSpec


class Traces:
    """Counts how often a function body runs (= how often it is traced)."""

    def __init__(self):
        self.count = 0


# ----- *args -----------------------------------------------------------------------------------

def test_varargs_take_one_spec_each():
    traces = Traces()

    @tg.function(input_signature=[S([None]), S([None], tg.int32)])
    def f(*args):
        traces.count += 1
        assert len(args) == 2 and args[0].dtype == tg.float32 and args[1].dtype == tg.int32
        return args[0] * tg.cast(args[1], tg.float32)

    np.testing.assert_array_equal(f(tg.constant([1.0, 2.0]), tg.constant([3, 4])).numpy(), [3.0, 8.0])
    np.testing.assert_array_equal(f([1.0, 2.0, 3.0], [1, 1, 2]).numpy(), [1.0, 2.0, 6.0])  # lists convert
    assert traces.count == 1
    concrete = f.get_concrete_function()
    assert concrete is f.get_concrete_function(S([5]), S([5], tg.int32))
    assert [v.name for v in concrete.graph.inputs] == ["args_0", "args_1"]
    assert concrete.structured_input_signature == ((S([None], name="args_0"), S([None], tg.int32, name="args_1")), {})
    np.testing.assert_array_equal(concrete(tg.constant([2.0]), tg.constant([5])).numpy(), [10.0])


def test_varargs_after_named_parameters_take_the_remaining_specs():
    @tg.function(input_signature=[S([]), S([]), S([])])
    def f(x, *rest, scale=2.0):
        assert len(rest) == 2
        return (x + rest[0] + rest[1]) * scale

    assert float(f(1.0, 2.0, 3.0)) == 12.0
    assert f.get_concrete_function().structured_input_signature[0] == (
        S([], name="x"), S([], name="rest_0"), S([], name="rest_1"))


def test_varargs_need_exactly_one_value_per_spec():
    f = tg.function(lambda *args: args[0], input_signature=[S([]), S([])])
    with pytest.raises(InputSignatureError, match="argument `args`: expected the structure"):
        f(1.0)
    with pytest.raises(InputSignatureError, match="argument `args`: expected the structure"):
        f(1.0, 2.0, 3.0)
    with pytest.raises(InputSignatureError, match="dtype int32 is not float32"):
        f(1.0, tg.constant(2))


def test_varargs_make_named_parameters_positional_only():
    f = tg.function(lambda x, *rest: x, input_signature=[S([])])
    assert float(f(1.0)) == 1.0
    with pytest.raises(TypeError, match="`x` must be passed by position"):
        f(x=1.0)


def test_an_input_signature_of_only_varargs_may_be_empty():
    f = tg.function(lambda *args: tg.constant(len(args)), input_signature=[])
    assert int(f()) == 0
    with pytest.raises(InputSignatureError, match="expected the structure"):
        f(1.0)


# ----- keyword-only parameters and defaults -------------------------------------------------------

def test_keyword_only_parameters_take_specs_after_the_positional_ones():
    traces = Traces()

    @tg.function(input_signature=[S([]), S([])])
    def f(x, *, y=10.0, training=False):
        traces.count += 1
        return x * y + (1.0 if training else 0.0)

    assert float(f(2.0, y=3.0)) == 6.0
    assert float(f(2.0)) == 20.0  # the default is converted to a tensor of y's spec
    assert traces.count == 1
    args, kwargs = f.get_concrete_function().structured_input_signature
    assert args == (S([], name="x"),) and kwargs == {"y": S([], name="y"), "training": False}
    with pytest.raises(InputSignatureError, match="argument `y`"):
        f(2.0, y=tg.constant(3))


def test_keyword_only_parameters_need_defaults():
    with pytest.raises(TypeError, match="keyword-only parameter `y` must have a default"):
        tg.function(lambda x, *, y: x, input_signature=[S([]), S([])])


def test_parameters_without_a_spec_keep_their_defaults():
    @tg.function(input_signature=[S([None])])
    def f(x, power=2, *, offset=0.0):
        return x ** power + offset

    np.testing.assert_array_equal(f(tg.constant([3.0])).numpy(), [9.0])
    np.testing.assert_array_equal(f(tg.constant([3.0]), 2, offset=0.0).numpy(), [9.0])  # the default itself
    with pytest.raises(TypeError, match="argument `power` is not covered by the input_signature"):
        f(tg.constant([3.0]), 3)
    with pytest.raises(TypeError, match="argument `offset` is not covered"):
        f(tg.constant([3.0]), offset=1.0)


def test_a_spec_covers_a_parameter_with_a_default():
    f = tg.function(lambda x, y=2.0: x * y, input_signature=[S([]), S([])])
    assert float(f(3.0)) == 6.0
    assert float(f(3.0, 4.0)) == 12.0
    assert float(f(3.0, y=5.0)) == 15.0


def test_every_required_parameter_needs_a_spec_and_no_spec_is_left_over():
    with pytest.raises(TypeError, match="no TensorSpec for the parameter `y`"):
        tg.function(lambda x, y: x, input_signature=[S([])])
    with pytest.raises(TypeError, match="1 more TensorSpec"):
        tg.function(lambda x: x, input_signature=[S([]), S([])])


def test_var_keyword_arguments_are_not_accepted():
    f = tg.function(lambda x, **options: x, input_signature=[S([])])
    assert float(f(1.0)) == 1.0
    with pytest.raises(TypeError, match=r"keyword arguments \['scale'\] are not accepted"):
        f(1.0, scale=2.0)


# ----- methods and nested specs ------------------------------------------------------------------

class Model:
    def __init__(self, factor):
        self.factor = factor

    @tg.function(input_signature=[S([None]), S([None])])
    def combine(self, *parts):
        return (parts[0] + parts[1]) * self.factor


def test_methods_skip_self():
    model = Model(3.0)
    np.testing.assert_array_equal(model.combine(tg.constant([1.0]), tg.constant([2.0])).numpy(), [9.0])
    assert model.combine.get_concrete_function().structured_input_signature[0] == (
        S([None], name="parts_0"), S([None], name="parts_1"))


def test_nested_specs_match_values_only_down_to_the_specs():
    f = tg.function(lambda pair: pair[0] + pair[1], input_signature=[(S([None]), S([None]))])
    np.testing.assert_array_equal(f(([1.0, 2.0], [3.0, 4.0])).numpy(), [4.0, 6.0])
    with pytest.raises(InputSignatureError, match="argument `pair`: expected the structure"):
        f(([1.0, 2.0],))
