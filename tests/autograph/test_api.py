"""to_code, opting out, functions without source, recursion into helpers, the conversion cache, the loop protocol."""
import functools
import warnings

import numpy as np
import pytest

import tracegraph as tg
from tracegraph.autograph import conversion
from tracegraph.autograph.calls import converted_call


def absolute(x):
    if x < 0:
        x = -x
    return x


def test_to_code_shows_the_converted_source():
    code = tg.autograph.to_code(absolute)
    assert code.startswith("def absolute(x):")
    assert "def if_body(x):" in code and "def else_body(x):" in code
    assert "ag__.if_stmt(x < 0, if_body, else_body, (x,), ('x',)" in code
    compile(code, "<to_code>", "exec")  # valid Python
    assert tg.autograph.to_code(tg.function(absolute)) == code


def test_to_code_rejects_what_has_no_source():
    with pytest.raises(TypeError, match="expected a Python function"):
        tg.autograph.to_code(len)
    first, second = (lambda x: x), (lambda x: -x)  # alike lambdas on one line: which is which?
    with pytest.raises(TypeError, match="lambda"):
        tg.autograph.to_code(first)


def helper_with_a_tensor_if(x):
    if x > 0:
        return x * 10
    return x


def test_user_functions_called_from_converted_code_are_converted():
    @tg.function(fallback="error")
    def outer(x):
        return helper_with_a_tensor_if(x) + 1

    assert int(outer(tg.constant(2))) == 21
    assert int(outer(tg.constant(-2))) == -1


def recursive_sum(values, index):
    if index == len(values):  # a Python condition: the recursion ends while tracing
        return values[0] * 0
    return values[index] + recursive_sum(values, index + 1)


def test_recursion_through_converted_calls():
    assert int(tg.function(recursive_sum)(tg.constant([1, 2, 3]), 0)) == 6


def test_conversion_is_cached_per_code_object(monkeypatch):
    calls = []
    original = conversion._convert_code
    monkeypatch.setattr(conversion, "_convert_code", lambda f: calls.append(f) or original(f))

    def fresh(x):
        while x > 100:
            x = x // 2
        return x

    first = tg.function(fresh)
    assert int(first(tg.constant(1000))) == 62
    assert int(first(tg.constant([1000])[0] * 1)) == 62  # another trace
    assert int(tg.function(fresh)(tg.constant(1000))) == 62  # another Function
    assert calls == [fresh]


def test_library_and_own_functions_are_called_unconverted(monkeypatch):
    converted = []
    original = conversion.convert
    monkeypatch.setattr(conversion, "convert", lambda f, runtime: converted.append(f) or original(f, runtime))
    converted_call(np.add, 1, 2)
    converted_call(tg.reduce_sum, tg.constant([1]))
    converted_call(warnings.catch_warnings)
    assert converted == []
    converted_call(absolute, 3)
    assert converted == [absolute]


def test_do_not_convert_calls_the_function_as_written():
    @tg.autograph.experimental.do_not_convert
    def python_if(x):
        if x > 0:
            return x
        return -x

    with pytest.raises(TypeError, match="Python bool"):
        tg.function(lambda x: python_if(x), fallback="error")(tg.constant(1))
    assert tg.autograph.do_not_convert is tg.autograph.experimental.do_not_convert


def test_autograph_false_and_the_global_switch_turn_conversion_off():
    with pytest.raises(TypeError, match="Python bool"):
        tg.function(absolute, autograph=False, fallback="error")(tg.constant(-1))
    tg.config.experimental.enable_autograph(False)
    try:
        assert not tg.config.experimental.autograph_enabled()
        with pytest.raises(TypeError, match="Python bool"):
            tg.function(absolute, fallback="error")(tg.constant(-1))
    finally:
        tg.config.experimental.enable_autograph(True)
    assert int(tg.function(absolute, fallback="error")(tg.constant(-1))) == 1


def test_a_function_without_source_is_called_unconverted_with_one_warning():
    namespace = {}
    exec("def no_source(x):\n    return x + 1\n", namespace)  # noqa: S102 - a function without a file
    no_source = namespace["no_source"]
    with pytest.warns(tg.autograph.AutoGraphWarning, match="cannot convert 'no_source'") as record:
        assert int(tg.function(no_source)(tg.constant(1))) == 2
        assert int(tg.function(lambda x: no_source(x) * 2)(tg.constant(1))) == 4
    assert len(record) == 1
    assert "Define it in a file" in str(record[0].message)


class Countdown:
    """A test iterable that runs converted loops itself, as datasets will (`_autograph_for_loop`)."""

    def __init__(self, start):
        self.start = start
        self.calls = 0

    def _autograph_for_loop(self, body, values, extra_test):
        self.calls += 1
        for element in range(self.start, 0, -1):
            if extra_test is not None and not extra_test(*values):
                break
            values = body(element, *values)
        return values


def test_for_over_an_object_with_the_loop_protocol():
    countdown = Countdown(4)

    @tg.function(fallback="error")
    def total(x):
        for k in countdown:
            if k == 2:
                break
            x = x + k
        return x

    assert int(total(tg.constant(0))) == 4 + 3
    assert countdown.calls == 1


class Base:
    def scale(self, x):
        return x * 2


class Derived(Base):
    factor = 3

    def scale(self, x):
        if x > 0:
            x = super().scale(x)
        return x

    @classmethod
    def triple(cls, x):
        return x * cls.factor if x > 0 else x

    @staticmethod
    def negate(x):
        return -x if x > 0 else x


def test_methods_using_super_classmethods_and_staticmethods_are_converted():
    @tg.function(fallback="error")
    def f(x):
        obj = Derived()
        return obj.scale(x), Derived.triple(x), obj.negate(x)

    assert [int(t) for t in f(tg.constant(5))] == [10, 15, -5]
    assert [int(t) for t in f(tg.constant(-5))] == [-5, -5, -5]


def test_renamed_functions_convert_and_renamed_lambdas_run_as_written_without_a_warning():
    def positive_part(x):
        if x > 0:
            return x
        return tg.zeros_like(x)
    positive_part.__name__ = "renamed"
    doubled = lambda x: x * 2.0  # noqa: E731
    doubled.__name__ = "renamed_lambda"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert tg.function(positive_part)(tg.constant(-1.0)).numpy() == 0.0
        assert tg.function(doubled)(tg.constant(2.0)).numpy() == 4.0


def test_a_wrapper_made_with_functools_wraps_converts_its_own_source():
    def inner(x):
        return x * 3.0

    @functools.wraps(inner)
    def wrapper(x):
        if x > 0:
            return inner(x)
        return -x

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f = tg.function(wrapper)
        assert f(tg.constant(2.0)).numpy() == 6.0
        assert f(tg.constant(-2.0)).numpy() == 2.0


def test_a_lambda_is_converted_with_its_closure_and_defaults():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        magnitude = tg.function(lambda x: x if x > 0 else -x)
        assert magnitude(tg.constant(-2.0)).numpy() == 2.0 and magnitude(tg.constant(3.0)).numpy() == 3.0
        floor = tg.constant(5.0)
        clipped = tg.function(lambda x, scale=2.0: x * scale if tg.reduce_sum(x) > floor else floor)
        assert clipped(tg.constant([1.0, 2.0])).numpy() == 5.0
        np.testing.assert_array_equal(clipped(tg.constant([3.0, 4.0])).numpy(), [6.0, 8.0])
    assert "ag__.if_exp" in tg.autograph.to_code(lambda y: y * 2 if y > 0 else y)


def test_two_alike_lambdas_on_one_line_run_as_written_without_a_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plus, minus = tg.function(lambda x: x + 1.0), tg.function(lambda x: x - 1.0)
        assert plus(tg.constant(1.0)).numpy() == 2.0 and minus(tg.constant(1.0)).numpy() == 0.0
