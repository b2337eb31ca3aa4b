"""tg.debugging's assertions: eager and traced, every call, never dropped, with TF's messages."""
import pytest

import tracegraph as tg

ASSERTIONS = [  # (assertion, arguments that hold, arguments that do not, the condition it names)
    (tg.debugging.assert_equal, ([1, 2], [1, 2]), ([1, 2], [1, 3]), "x == y"),
    (tg.debugging.assert_none_equal, ([1, 2], [3, 4]), ([1, 2], [3, 2]), "x != y"),
    (tg.debugging.assert_less, ([1, 2], [2, 3]), ([1, 2], [2, 2]), "x < y"),
    (tg.debugging.assert_less_equal, ([1, 2], [1, 2]), ([1, 3], [1, 2]), "x <= y"),
    (tg.debugging.assert_greater, ([2, 3], [1, 2]), ([2, 2], [1, 2]), "x > y"),
    (tg.debugging.assert_greater_equal, ([1, 2], [1, 2]), ([1, 1], [1, 2]), "x >= y"),
    (tg.debugging.assert_positive, ([1.0, 2.0],), ([1.0, 0.0],), "x > 0"),
    (tg.debugging.assert_negative, ([-1.0],), ([0.0],), "x < 0"),
    (tg.debugging.assert_non_negative, ([0, 1],), ([0, -1],), "x >= 0"),
    (tg.debugging.assert_non_positive, ([0, -1],), ([1],), "x <= 0"),
]


@pytest.mark.parametrize("assertion, holds, fails, condition", ASSERTIONS, ids=lambda a: getattr(a, "__name__", ""))
def test_eager_assertions(assertion, holds, fails, condition):
    assert assertion(*[tg.constant(a) for a in holds]) is None
    with pytest.raises(tg.errors.InvalidArgumentError, match=f"Condition {condition} did not hold element-wise"):
        assertion(*[tg.constant(a) for a in fails])


def test_a_traced_assertion_checks_every_call_and_is_not_dropped():
    @tg.function
    def f(x):
        tg.debugging.assert_non_negative(x, message="x must be a count")   # its result is unused
        return x + 1

    assert f(tg.constant([1, 2])).numpy().tolist() == [2, 3]
    with pytest.raises(tg.errors.InvalidArgumentError, match=r"x must be a count\n.*\nx = \[ ?1 -2\]"):
        f(tg.constant([1, -2]))    # same trace, other values
    assert f.experimental_get_tracing_count() == 1


def test_assert_shows_its_data():
    with pytest.raises(tg.errors.InvalidArgumentError, match=r"assertion failed\ndata\[0\] = 7"):
        tg.debugging.Assert(tg.constant(False), [tg.constant(7)])


def test_a_condition_must_be_bool():
    with pytest.raises(TypeError, match="Assert: `condition` must be a bool tensor, got int32"):
        tg.debugging.Assert(tg.constant(1), [])
