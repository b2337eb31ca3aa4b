"""Simplification under a where's condition: the rules, and the cases where they must not fire."""
import numpy as np

import tracegraph as tg
from tracegraph.passes.branch_conditions import simplify_under_conditions
from tracegraph.passes.dead_code import eliminate_dead_code

from graphs import Builder, assert_same_results, op_names

#: Signed zeros, NaN, infinities, subnormals and ordinary values of both signs.
SPECIAL = np.array([-3.0, -1e-40, -0.0, 0.0, 1e-40, 2.0, np.nan, -np.inf, np.inf, -100.0, 100.0, -0.5],
                   np.float32)


def assert_identical(before, after, arrays):
    """Same results, including the sign of every zero."""
    assert_same_results(before, after, arrays)
    from tracegraph.ir.interpreter import interpret  # noqa: PLC0415
    with np.errstate(all="ignore"):
        for a, b in zip(interpret(before, arrays), interpret(after, arrays)):
            assert np.array_equal(np.signbit(a), np.signbit(b) | np.isnan(b) & np.signbit(a))


def elu(b, x):
    """The graph tg.nn.elu traces to: where(x < 0, exp(min(x, 0)) - 1, x)."""
    zero = b.const(0.0)
    negative_part = b.op("subtract", b.op("exp", b.op("minimum", x, zero)), b.const(1.0))
    return b.op("where", b.op("less", x, zero), negative_part, x)


def scaled_elu(outer_comparison="greater_equal", n=SPECIAL.size, also_return_elu=False):
    b = Builder()
    x = b.input([n])
    inner = elu(b, x)
    condition = b.op(outer_comparison, x, b.const(0.0))
    result = b.op("multiply", b.const(1.05), b.op("where", condition, x, b.op("multiply", b.const(1.67), inner)))
    return b.returns(result, inner) if also_return_elu else b.returns(result)


def simplified(graph):
    return eliminate_dead_code(simplify_under_conditions(graph))


def test_the_tutorials_scaled_elu_needs_one_where():
    g = scaled_elu()
    s = simplified(g)
    assert sorted(op_names(s)) == sorted(["const", "const", "const", "const", "greater_equal", "exp",
                                          "subtract", "multiply", "where", "multiply"])
    assert_identical(g, s, [SPECIAL])


def test_the_same_under_less_or_its_mirror_image():
    for build in (lambda b, x, z: b.op("less", x, z), lambda b, x, z: b.op("greater", z, x)):
        b = Builder()
        x = b.input([SPECIAL.size])
        g = b.returns(b.op("where", build(b, x, b.const(0.0)), b.op("multiply", b.const(2.0), elu(b, x)), x))
        s = simplified(g)
        assert "minimum" not in op_names(s) and op_names(s).count("where") == 1
        assert_identical(g, s, [SPECIAL])


def test_not_under_greater_whose_false_branch_holds_minus_zero():
    # elu(-0.0) is -0.0 but exp(-0.0) - 1 is +0.0: x > 0 does not decide elu's branch.
    g = scaled_elu("greater")
    s = simplified(g)
    assert op_names(s).count("where") == 2
    assert_identical(g, s, [SPECIAL])


def test_not_when_the_branch_value_is_used_elsewhere():
    g = scaled_elu(also_return_elu=True)
    s = simplified(g)
    # elu's own where stays (it is returned); only the minimum inside its negative branch goes
    assert op_names(s).count("where") == 2 and "minimum" not in op_names(s)
    assert_identical(g, s, [SPECIAL])


def test_not_when_the_branch_broadcasts():
    b = Builder()
    x = b.input([3, 4])
    row = b.input([4])
    condition = b.op("greater_equal", x, b.const(0.0))
    g = b.returns(b.op("where", condition, x, elu(b, row)))
    s = simplified(g)
    assert op_names(s).count("where") == 2
    rows = np.array([-1.0, 2.0, -0.0, np.nan], np.float32)
    assert_identical(g, s, [np.array([[1.0, -1.0, 2.0, -3.0]] * 3, np.float32), rows])


def test_not_when_the_other_branch_can_hide_a_nan():
    # where(x < 0, exp(x), 1): for NaN x the result is 1, not exp's NaN.
    b = Builder()
    x = b.input([SPECIAL.size])
    zero = b.const(0.0)
    inner = b.op("where", b.op("less", x, zero), b.op("exp", x), b.const(np.ones(SPECIAL.size)))
    g = b.returns(b.op("where", b.op("greater_equal", x, zero), x, b.op("multiply", inner, b.const(2.0))))
    s = simplified(g)
    assert op_names(s).count("where") == 2
    assert_identical(g, s, [SPECIAL])


def test_minimum_with_zero_is_x_in_the_negative_branch():
    b = Builder()
    x = b.input([SPECIAL.size])
    zero = b.const(0.0)
    g = b.returns(b.op("where", b.op("less", x, zero), b.op("multiply", b.op("minimum", zero, x), b.const(3.0)), x))
    s = simplified(g)
    assert "minimum" not in op_names(s)
    assert_identical(g, s, [SPECIAL])


def test_traced_function_runs_the_simplified_graph_on_every_backend():
    z = tg.constant(SPECIAL)
    expected = 1.05 * tg.where(z >= 0.0, z, 1.67 * tg.nn.elu(z)).numpy()
    for backend in ("numpy", "numba"):
        f = tg.function(lambda v: 1.05 * tg.where(v >= 0.0, v, 1.67 * tg.nn.elu(v)), backend=backend)
        got = f(z).numpy()
        np.testing.assert_array_equal(got, expected)
        assert np.array_equal(np.signbit(got), np.signbit(expected))
        assert "minimum" not in str(f.get_concrete_function(z).optimized_graph)
