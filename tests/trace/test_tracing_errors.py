"""Functions tg.function cannot trace, and bad options, are explained where the user made them.

Generator functions and unknown or unusable backends are reported when the function is
decorated; recursion that never ends while tracing names the function, the user's line
and what to write instead.
"""
import pytest

import tracegraph as tg
from tracegraph.backend import backend_names, get_backend


def test_a_generator_function_is_rejected_when_decorated():
    def numbers(x):
        yield x

    with pytest.raises(TypeError, match="'numbers'.*generator function") as raised:
        tg.function(numbers)
    assert "test_tracing_errors.py" in str(raised.value)  # where it is defined
    assert "Fix:" in str(raised.value)


def test_a_generator_method_is_rejected_when_decorated_with_options():
    with pytest.raises(TypeError, match="generator function"):
        class Model:  # noqa: F841 - the decorator raises while the class body runs
            @tg.function(input_signature=[tg.TensorSpec([], tg.float32)])
            def steps(self, x):
                yield x


def test_a_coroutine_function_is_rejected_when_decorated():
    async def later(x):
        return x

    with pytest.raises(TypeError, match="'later'.*coroutine function"):
        tg.function(later)


def test_a_function_calling_itself_on_a_tensor_condition_gets_a_recursion_error_that_explains():
    @tg.function
    def countdown(n):
        return tg.cond(n > 0, lambda: countdown(n - 1), lambda: n)

    with pytest.raises(RecursionError) as raised:
        countdown(tg.constant(3))
    message = str(raised.value)
    assert "'countdown'" in message and "tg.while_loop" in message
    assert "test_tracing_errors.py" in message and "countdown(n - 1)" in message  # the user's line


def test_python_recursion_on_a_tensor_inside_a_function_gets_a_recursion_error_that_explains():
    def factorial(n):
        return tg.where(n <= 1, tg.ones_like(n), n * factorial(n - 1))

    f = tg.function(lambda n: factorial(n))
    with pytest.raises(RecursionError, match="tg.while_loop") as raised:
        f(tg.constant(5))
    assert "n * factorial(n - 1)" in str(raised.value)
    with pytest.raises(RecursionError, match="tg.while_loop"):  # the function is still usable: it raises again
        f(tg.constant(5))


def test_recursion_on_a_python_int_still_traces():
    @tg.function
    def power(x, n):
        return tg.ones_like(x) if n == 0 else x * power(x, n - 1)

    assert float(power(tg.constant(2.0), 5)) == 32.0


def test_an_unknown_backend_is_rejected_when_decorated_with_the_known_names():
    with pytest.raises(ValueError, match="'nope'") as raised:
        tg.function(lambda x: x, backend="nope")
    for name in backend_names():
        assert name in str(raised.value)


def test_a_backend_that_cannot_run_here_is_rejected_when_decorated_with_the_reason():
    try:
        get_backend("cupy")
    except RuntimeError as error:
        reason = str(error).split(": ", 1)[1]
    else:
        pytest.skip("the CuPy backend can run here")
    with pytest.raises(RuntimeError, match="backend 'cupy' is not available") as raised:
        tg.function(lambda x: x, backend="cupy")
    assert reason in str(raised.value)
