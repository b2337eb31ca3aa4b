"""call_ignoring_float_errors: NumPy's floating-point errors are ignored inside, restored after."""
import warnings

import numpy as np
import pytest

from tracegraph.float_errors import call_ignoring_float_errors


def _divide_by_zero():
    return np.float32(1.0) / np.float32(0.0)


def test_errors_are_ignored_inside_and_the_state_is_restored_after():
    with np.errstate(divide="raise"):
        assert call_ignoring_float_errors(_divide_by_zero) == np.inf
        assert np.geterr()["divide"] == "raise"
        with pytest.raises(FloatingPointError):
            _divide_by_zero()


def test_the_state_is_restored_when_the_function_raises():
    def fails():
        raise KeyError("boom")
    before = np.geterr()
    with pytest.raises(KeyError):
        call_ignoring_float_errors(fails)
    assert np.geterr() == before


def test_arguments_are_passed_through_and_no_warning_is_issued():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = call_ignoring_float_errors(np.log, np.zeros(2, np.float32))
    np.testing.assert_array_equal(result, [-np.inf, -np.inf])
