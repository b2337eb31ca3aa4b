"""Gradients through tg.cond inside traced functions, including Variables read in a branch."""
import numpy as np
import pytest

import tracegraph as tg


def test_gradient_of_a_variable_read_only_inside_a_cond_branch():
    v = tg.Variable(3.0)

    @tg.function
    def grad_of(x):
        with tg.GradientTape() as tape:
            y = tg.cond(x > 0, lambda: v * x, lambda: v + x)
        return tape.gradient(y, v)

    assert float(grad_of(tg.constant(2.0))) == 2.0
    assert float(grad_of(tg.constant(-1.0))) == 1.0


def test_a_branch_that_assigns_then_reads_sees_its_own_write():
    v = tg.Variable(1.0)

    @tg.function
    def f(x):
        def assign_then_read():
            v.assign(x)
            return v * 2.0
        return tg.cond(x > 0, assign_then_read, lambda: v + 0.0)

    assert float(f(tg.constant(5.0))) == 10.0
    assert float(v.numpy()) == 5.0
    assert float(f(tg.constant(-5.0))) == 5.0


def test_cond_gradient_matches_finite_differences():
    @tg.function
    def grad_of(x):
        with tg.GradientTape() as tape:
            tape.watch(x)
            y = tg.cond(tg.reduce_sum(x) > 0, lambda: tg.reduce_sum(tg.exp(x) * x), lambda: tg.reduce_sum(x * x))
        return tape.gradient(y, x)

    for values in ([0.3, 0.5], [-0.3, -0.5]):
        x = tg.constant(np.array(values))
        eager = tg.test.compute_gradient(
            lambda t: tg.cond(tg.reduce_sum(t) > 0, lambda: tg.reduce_sum(tg.exp(t) * t),
                              lambda: tg.reduce_sum(t * t)), [x])[1][0].ravel()
        np.testing.assert_allclose(grad_of(x).numpy(), eager, rtol=1e-6)


def test_while_loop_gradient_inside_a_function_is_a_clear_error():
    @tg.function
    def f(x):
        with tg.GradientTape() as tape:
            tape.watch(x)
            _, y = tg.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, y * x), (tg.constant(0), x))
        return tape.gradient(y, x)

    with pytest.raises(LookupError, match="while_loop"):
        f(tg.constant(2.0))
