"""The fast path of plain eager elementwise ops (`dispatch.run_unary_now`/`run_binary_now`) gives
exactly what `bind`'s general path gives: values, dtypes, errors and their messages."""
import threading
import warnings

import numpy as np
import pytest

import tracegraph as tg
from tracegraph.core import dispatch
from tracegraph.ops import operators

OPERANDS = {
    "float32": np.array([1.5, -2.0, 0.0, np.nan], np.float32),
    "float64": np.array([[1.5], [-2.0]], np.float64),
    "float16": np.array([3.0, -1.0], np.float16),
    "int32": np.array([7, -3, 0], np.int32),
    "int8": np.array([100, -100], np.int8),
    "uint8": np.array([200, 3], np.uint8),
    "complex64": np.array([1 + 2j, -1j], np.complex64),
    "bool": np.array([True, False]),
    "scalar": np.float32(2.5),
}
PYTHON_VALUES = [2, 2.5, -0.0, 0.0, float("nan"), float("inf"), 300, -1, 2**40, True]
BINARY = [lambda x, y: x + y, lambda x, y: x - y, lambda x, y: x * y, lambda x, y: x / y, lambda x, y: x // y,
          lambda x, y: x % y, lambda x, y: x ** y, lambda x, y: x < y, lambda x, y: x >= y, tg.maximum,
          lambda x, y: x & y]
UNARY = [tg.exp, tg.math.log, tg.sqrt, tg.abs, lambda x: -x, tg.math.sign, tg.nn.relu]


def _outcome(fn, *args):
    """What `fn(*args)` gives, as comparable data: (dtype name, shape, values) or (error type, message)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # NaN and overflow stay silent on both paths
            result = fn(*args)
    except Exception as error:  # noqa: BLE001 - the error itself is what is compared
        return type(error), str(error)
    return result.dtype.name, tuple(result.shape), np.array(result)


def _both_paths(fn, *args, monkeypatch):
    fast = _outcome(fn, *args)
    monkeypatch.setattr(dispatch, "FAST_PATH", False)
    general = _outcome(fn, *args)
    monkeypatch.setattr(dispatch, "FAST_PATH", True)
    return fast, general


def _assert_same(fast, general):
    assert len(fast) == len(general)
    if len(fast) == 2:  # an error
        assert fast == general
        return
    assert fast[:2] == general[:2]
    np.testing.assert_array_equal(fast[2], general[2], strict=True)
    assert (np.signbit(fast[2]) == np.signbit(general[2])).all() if fast[2].dtype.kind == "f" else True


@pytest.mark.parametrize("fn", BINARY)
def test_binary_ops_on_tensors_and_python_numbers_match_the_general_path(fn, monkeypatch):
    for name, array in OPERANDS.items():
        x = tg.constant(array)
        others = [tg.constant(a) for a in OPERANDS.values()] + PYTHON_VALUES
        for y in others:
            for args in ((x, y), (y, x)):
                for _ in range(2):  # the second time from the caches
                    fast, general = _both_paths(fn, *args, monkeypatch=monkeypatch)
                    _assert_same(fast, general)


@pytest.mark.parametrize("fn", UNARY)
def test_unary_ops_match_the_general_path(fn, monkeypatch):
    for array in OPERANDS.values():
        for _ in range(2):
            _assert_same(*_both_paths(fn, tg.constant(array), monkeypatch=monkeypatch))


def test_the_fast_path_is_taken_for_plain_eager_operands(monkeypatch):
    calls = []
    monkeypatch.setattr(dispatch, "run_eagerly", lambda *args: calls.append(args))
    x = tg.constant(np.arange(4, dtype=np.float32))
    np.testing.assert_allclose((x * 2 + 1).numpy(), np.arange(4) * 2 + 1)
    np.testing.assert_allclose(tg.exp(x).numpy(), np.exp(np.arange(4, dtype=np.float32)))
    assert calls == []


def test_broadcasting_errors_keep_their_message_after_valid_shapes_were_cached():
    x, y = tg.constant(np.ones(3, np.float32)), tg.constant(np.ones(4, np.float32))
    x + x
    for _ in range(2):
        with pytest.raises(ValueError, match="incompatible shapes for broadcasting"):
            x + y
    with pytest.raises(TypeError, match="argument `x` must be an? \\w+ tensor"):
        tg.exp(tg.constant([1, 2]))


def test_integer_division_by_zero_is_an_error_on_every_call():
    x = tg.constant([5, 6], tg.int32)
    x % 2
    for _ in range(2):
        with pytest.raises(tg.errors.InvalidArgumentError, match="Integer division by zero"):
            x % 0


def test_negative_zero_and_nan_scalars_are_not_confused_with_other_values():
    x = tg.constant(np.ones(2, np.float32))
    assert not np.signbit((x * 0.0).numpy()).any()
    assert np.signbit((x * -0.0).numpy()).all()
    assert np.isnan((x + float("nan")).numpy()).all()
    assert ((x + 1.0).numpy() == 2).all() and (x + 1).dtype == tg.float32
    with pytest.raises(TypeError):
        tg.constant([1, 2], tg.int32) * 2.5  # a float does not become an int, cached ints or not


def test_results_own_fresh_arrays_never_a_shared_constant():
    x = tg.constant(np.float32(3.0))
    for fn in (tg.maximum, lambda a, b: a + b, tg.math.floormod):
        first, second = fn(x, 5.0), fn(x, 5.0)
        assert first._value.flags.writeable  # as the general path's results are
        assert first._value is not second._value


def test_tapes_still_record_and_traced_functions_still_trace():
    x = tg.constant(np.array([1.0, 2.0]))
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = tg.reduce_sum(tg.exp(x) * 2 + x)
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), np.exp([1.0, 2.0]) * 2 + 1)
    f = tg.function(lambda t: t * 2 + 1)
    np.testing.assert_allclose(f(x).numpy(), [3.0, 5.0])


def test_device_scopes_take_the_general_path():
    x = tg.constant(np.ones(2, np.float32))
    with tg.device("/cpu:0"):
        y = x * 2 + tg.exp(x)
    np.testing.assert_allclose(y.numpy(), 2 + np.e, rtol=1e-6)


def test_tapes_are_per_thread():
    x = tg.constant(np.ones(2, np.float32))
    results = []

    def differentiate():  # a tape in this thread only: the main thread's ops stay on the fast path
        with tg.GradientTape() as tape:
            tape.watch(x)
            y = tg.reduce_sum(x * 3.0)
        results.append(tape.gradient(y, x).numpy())

    with tg.GradientTape() as tape:  # the main thread's tape: the other thread does not see it
        tape.watch(x)
        thread = threading.Thread(target=differentiate)
        thread.start()
        thread.join()
        z = x * 5.0
    np.testing.assert_array_equal(results[0], [3, 3])
    np.testing.assert_array_equal(tape.gradient(z, x).numpy(), [5, 5])


def test_direct_operator_methods_match_their_functions(monkeypatch):
    x, y = tg.constant(np.array([3, -4], np.int32)), tg.constant(np.array([2, 5], np.int32))
    for name in operators.DIRECT:
        fn = operators.BINARY.get(name) or operators.COMPARISON[name]
        for a, b in ((x, y), (x, 3), (4, y)):
            method = getattr(a, f"__{name}__") if not isinstance(a, int) else getattr(b, f"__r{name}__", None)
            if method is None:
                continue
            _assert_same(_outcome(lambda: method(b if not isinstance(a, int) else a)), _outcome(fn, a, b))


def test_the_caches_are_bounded(monkeypatch):
    monkeypatch.setattr(dispatch, "_NOW_CACHE_SIZE", 4)
    dispatch._NOW_CACHE.clear()
    for n in range(1, 10):
        tg.exp(tg.constant(np.ones(n, np.float32)))
        assert len(dispatch._NOW_CACHE) <= 4
