"""Errors that point at the user's line, the eager fallback, and retracing warnings."""
import inspect
import traceback
import warnings

import numpy as np
import pytest

import tracegraph as tg
from tracegraph.trace.errors import SymbolicValueError


def line_of(fn, text):
    """The line number (in this file) of the line of `fn` containing `text`."""
    lines, start = inspect.getsourcelines(fn)
    return start + next(i for i, line in enumerate(lines) if text in line and not line.startswith("def "))


def uses_python_if(x):  # traced with autograph=False here: AutoGraph would make the `if` a tg.cond
    if x > 0:  # needs a concrete value
        return x
    return -x


def converts_to_float(x):
    return float(x) * 2.0


def converts_to_int(x):
    return tg.ones([int(x)])


def calls_numpy(x):
    return np.sin(x)


def calls_dot_numpy(x):
    return x.numpy() + 1


@pytest.mark.parametrize("fn, text, fix", [
    (uses_python_if, "if x > 0", "tg.cond(pred, true_fn, false_fn)"),
    (converts_to_float, "float(x)", "keep it a tensor"),
    (converts_to_int, "int(x)", "keep it a tensor"),
    (calls_numpy, "np.sin(x)", "use tracegraph ops"),
    (calls_dot_numpy, "x.numpy()", "compute with tracegraph ops"),
])
def test_symbolic_value_error_names_the_line_and_the_fix(fn, text, fix):
    f = tg.function(fn, fallback="error", autograph=False)
    with pytest.raises(SymbolicValueError) as info:
        f(tg.constant(2.0))
    message = str(info.value)
    assert f"{__file__}, line {line_of(fn, text)}" in message
    assert text in message
    assert fix in message
    assert isinstance(info.value, TypeError)
    assert info.value.line == line_of(fn, text)


def test_while_fix_is_mentioned_for_bool_conversion():
    f = tg.function(uses_python_if, autograph=False, fallback="error")
    with pytest.raises(SymbolicValueError, match=r"tg.while_loop\(cond, body, loop_vars\)"):
        f(tg.constant(1.0))


def test_fallback_eager_warns_once_and_runs_eagerly():
    f = tg.function(uses_python_if, autograph=False)
    with pytest.warns(UserWarning, match="cannot be traced and runs eagerly") as record:
        assert float(f(tg.constant(-3.0))) == 3.0
    assert len(record) == 1
    assert __file__ in str(record[0].filename)  # attributed to the caller's line
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert float(f(tg.constant(3.0))) == 3.0  # same key: eager, silently
        assert float(f(tg.constant([-2.0])[0] * 1.0)) == 2.0
        np.testing.assert_array_equal(f(tg.constant(5)).numpy(), 5)  # new key, still no new warning


def test_fallback_error_raises():
    f = tg.function(uses_python_if, autograph=False, fallback="error")
    with pytest.raises(SymbolicValueError):
        f(tg.constant(1.0))


def test_run_functions_eagerly_avoids_the_error():
    f = tg.function(uses_python_if, autograph=False, fallback="error")
    tg.config.run_functions_eagerly(True)
    try:
        assert float(f(tg.constant(-2.0))) == 2.0
    finally:
        tg.config.run_functions_eagerly(False)


def test_exceptions_in_user_code_keep_their_type_and_line():
    def broken(x):
        table = {"a": 1}
        return x + table["missing"]

    f = tg.function(broken)
    with pytest.raises(KeyError) as info:
        f(tg.constant(1.0))
    frames = traceback.extract_tb(info.value.__traceback__)
    assert any(fr.filename == __file__ and fr.lineno == line_of(broken, 'table["missing"]') for fr in frames)


def test_op_errors_while_tracing_keep_their_type():
    f = tg.function(lambda x, y: x + y)
    with pytest.raises(ValueError, match="incompatible shapes|broadcast"):
        f(tg.constant([1.0, 2.0]), tg.constant([1.0, 2.0, 3.0]))


def _retrace_messages(calls, fn=lambda x, n=0: x):
    f = tg.function(fn)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        for args in calls:
            f(*args)
    return [str(w.message) for w in record if "traced again" in str(w.message)]


def test_no_retracing_warning_below_the_threshold():
    assert _retrace_messages([(tg.constant([1.0] * n),) for n in range(1, 6)]) == []


def test_retracing_warning_names_a_shape_change():
    messages = _retrace_messages([(tg.constant([1.0] * n),) for n in range(1, 8)])
    assert len(messages) == 1  # one warning per argument and kind of change
    assert "argument `x` changed shape from (5,) to (6,)" in messages[0]
    assert "trace 6" in messages[0]


def test_retracing_warning_names_a_dtype_change():
    dtypes = [tg.float16, tg.float32, tg.float64, tg.int32, tg.int64, tg.uint8]
    messages = _retrace_messages([(tg.zeros([2], dtype),) for dtype in dtypes])
    assert "argument `x` changed dtype from int64 to uint8" in messages[0]


def test_retracing_warning_names_a_python_value_change():
    messages = _retrace_messages([(tg.constant(1.0), n) for n in range(7)])
    assert "argument `n` changed Python value from 4 to 5" in messages[0]
    assert "Pass tensors instead of Python values" in messages[0]


def test_get_concrete_function_of_an_untraceable_call_raises():
    f = tg.function(uses_python_if, autograph=False)
    with pytest.warns(UserWarning):
        f(tg.constant(1.0))
    with pytest.raises(SymbolicValueError):
        f.get_concrete_function(tg.constant(1.0))
