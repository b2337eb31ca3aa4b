"""Gradients through tg.cond and tg.while_loop inside traced functions (Variables read in a branch
or a loop body, second order, jacobians, nested loops, the loops that have no gradient)."""
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


# ----- while_loop ----------------------------------------------------------------------------

F64 = tg.float64


def square_plus(x, c, n=3):
    """x -> x * x + c, n times, as a tg.while_loop with an integer counter."""
    return tg.while_loop(lambda i, y: i < n, lambda i, y: (i + 1, y * y + c), (tg.constant(0), x))[1]


def square_plus_in_python(x, c, n=3):
    for _ in range(n):
        x = x * x + c
    return x


def central_differences(f, x, step=1e-6):
    """d sum(f(x)) / dx by central differences, for a NumPy array x."""
    x = np.asarray(x, dtype=np.float64)
    grad = np.zeros(x.size)
    for i in range(x.size):
        e = np.zeros(x.size)
        e[i] = step
        grad[i] = (np.sum(f(x + e.reshape(x.shape))) - np.sum(f(x - e.reshape(x.shape)))) / (2 * step)
    return grad.reshape(x.shape)


def eager_gradient(f, *xs):
    """The gradients of sum(f(*xs)) taken eagerly (the loop is then a Python loop)."""
    xs = [tg.constant(x, F64) for x in xs]
    with tg.GradientTape() as tape:
        tape.watch(xs)
        y = tg.reduce_sum(f(*xs))
    return [g.numpy() for g in tape.gradient(y, xs)]


@pytest.mark.parametrize("backend", [None, "numpy"])
def test_while_loop_gradient_of_loop_variable_and_captured_tensor(backend):
    @tg.function(backend=backend)
    def grads(x, c):
        with tg.GradientTape() as tape:
            tape.watch([x, c])
            y = tg.reduce_sum(square_plus(x, c))
        return tape.gradient(y, [x, c])

    for x, c in ((0.3, 0.2), ([0.5, -0.4, 0.9], 0.1), ([[0.2, 0.7], [-0.6, 0.4]], [0.3, -0.2])):
        x, c = np.asarray(x), np.asarray(c)
        dx, dc = grads(tg.constant(x, F64), tg.constant(c, F64))
        expected = eager_gradient(square_plus, x, c)
        np.testing.assert_allclose(dx.numpy(), expected[0], rtol=1e-12)
        np.testing.assert_allclose(dc.numpy(), expected[1], rtol=1e-12)
        np.testing.assert_allclose(dx.numpy(), central_differences(lambda t: square_plus_in_python(t, c), x),
                                   rtol=1e-6)
        np.testing.assert_allclose(dc.numpy(), central_differences(lambda t: square_plus_in_python(x, t), c),
                                   rtol=1e-6)


@pytest.mark.parametrize("backend", [None, "numpy"])
def test_while_loop_gradient_is_one_graph(backend):
    @tg.function(backend=backend)
    def grad_of(x):
        with tg.GradientTape() as tape:
            tape.watch(x)
            y = square_plus(x, 0.25)
        return tape.gradient(y, x)

    x = tg.constant([0.5, 0.1], F64)
    concrete = grad_of.get_concrete_function(x)
    names = [node.op.name for node in concrete.graph.nodes]
    assert "while_loop_history" in names and names.count("while_loop") == 2  # forward, backward
    first, second = concrete(x).numpy(), grad_of(x).numpy()
    np.testing.assert_array_equal(first, second)
    np.testing.assert_allclose(first, eager_gradient(lambda t: square_plus(t, 0.25), x.numpy())[0], rtol=1e-12)
    assert grad_of.experimental_get_tracing_count() == 1


def test_while_loop_gradient_with_several_loop_variables_only_some_connected():
    def body(i, a, b, unused):
        return i + 1, a * b, tg.sin(b) + a, unused * 2.0

    def loop(a, b):
        return tg.while_loop(lambda i, a, b, u: i < 4, body, (tg.constant(0), a, b, tg.constant(1.0, F64)))

    @tg.function
    def grads(a, b):
        with tg.GradientTape(persistent=True) as tape:
            tape.watch([a, b])
            _, a_out, b_out, unused = loop(a, b)
        return tape.gradient(a_out, [a, b]), tape.gradient(b_out, a), tape.gradient(unused, [a, b])

    a, b = tg.constant(0.8, F64), tg.constant(0.6, F64)
    (da, db), db_out_da, unused_grads = grads(a, b)
    expected = eager_gradient(lambda a, b: loop(a, b)[1], 0.8, 0.6)
    np.testing.assert_allclose([float(da), float(db)], expected, rtol=1e-12)
    np.testing.assert_allclose(float(db_out_da), eager_gradient(lambda a, b: loop(a, b)[2], 0.8, 0.6)[0],
                               rtol=1e-12)
    assert [float(g) for g in unused_grads] == [0.0, 0.0]  # a loop output gives zeros, as in TF


def test_an_integer_loop_variable_used_by_the_body_is_recorded_for_the_gradient():
    def loop(x, c):
        return tg.while_loop(lambda i, y: i < 4, lambda i, y: (i + 1, y * tg.cast(i + 1, F64) * 0.5 + tg.sin(y) * c),
                             (tg.constant(0), x))[1]

    @tg.function
    def grads(x, c):
        with tg.GradientTape() as tape:
            tape.watch([x, c])
            y = tg.reduce_sum(loop(x, c))
        return tape.gradient(y, [x, c])

    x, c = np.array([0.3, 0.9]), 0.4
    dx, dc = grads(tg.constant(x, F64), tg.constant(c, F64))
    expected = eager_gradient(loop, x, c)
    np.testing.assert_allclose(dx.numpy(), expected[0], rtol=1e-12)
    np.testing.assert_allclose(float(dc), expected[1], rtol=1e-12)


def test_while_loop_gradient_with_maximum_iterations_and_a_data_dependent_count():
    def loop(x, limit):
        return tg.while_loop(lambda y: tg.reduce_sum(y) < 20.0, lambda y: y * 1.5 + 0.1, [x],
                             maximum_iterations=limit)[0]

    @tg.function
    def grad_of(x, limit):
        with tg.GradientTape() as tape:
            tape.watch(x)
            y = tg.reduce_sum(loop(x, limit) ** 2)
        return tape.gradient(y, x)

    for values, limit in (([1.0, 2.0], 2), ([1.0, 2.0], 100), ([0.1, 0.2], 100), ([30.0, 1.0], 100)):
        x = np.asarray(values)
        expected = eager_gradient(lambda t: loop(t, limit) ** 2, x)[0]  # the loop stops at 2, 5, 11, 0 steps
        np.testing.assert_allclose(grad_of(tg.constant(x, F64), tg.constant(limit)).numpy(), expected,
                                   rtol=1e-12)
    assert grad_of.experimental_get_tracing_count() == 1


def test_a_loop_that_runs_zero_times_passes_the_gradient_through():
    @tg.function
    def grad_of(x, seed):
        with tg.GradientTape() as tape:
            tape.watch(x)
            y = tg.while_loop(lambda y: tg.reduce_sum(y) < 0.0, lambda y: y * 0.5 + 1.0, [x])[0]
        return tape.gradient(y, x, output_gradients=seed)

    np.testing.assert_array_equal(grad_of(tg.constant([1.0, 2.0], F64), tg.constant([3.0, 4.0], F64)).numpy(),
                                  [3.0, 4.0])
    np.testing.assert_array_equal(grad_of(tg.constant([-1.0, 0.5], F64), tg.constant([3.0, 4.0], F64)).numpy(),
                                  [1.5, 2.0])  # one iteration


def test_gradient_of_a_variable_read_in_a_loop_body():
    v = tg.Variable(1.3, dtype=F64)

    @tg.function
    def grad_of(x):
        with tg.GradientTape() as tape:
            y = tg.while_loop(lambda y: y < 10.0, lambda y: y * v, [x])[0]
        return tape.gradient(y, v)

    def expected(x):
        with tg.GradientTape() as tape:
            y = tg.while_loop(lambda y: y < 10.0, lambda y: y * v, [tg.constant(x, F64)])[0]
        return float(tape.gradient(y, v))

    assert float(grad_of(tg.constant(1.0, F64))) == pytest.approx(expected(1.0), rel=1e-12)
    v.assign(2.0)  # read at call time: fewer iterations now
    assert float(grad_of(tg.constant(1.0, F64))) == pytest.approx(expected(1.0), rel=1e-12)
    assert grad_of.experimental_get_tracing_count() == 1


def test_a_loop_that_assigns_a_variable_reads_it_in_every_iteration():
    v = tg.Variable(1.0)

    @tg.function
    def f(x):
        def body(y):
            v.assign_add(1.0)
            return y * v
        return tg.while_loop(lambda y: y < 100.0, body, [x])[0]

    assert float(f(tg.constant(1.0))) == 2.0 * 3.0 * 4.0 * 5.0
    assert float(v.numpy()) == 5.0


def test_second_order_through_a_loop_with_nested_tapes():
    @tg.function
    def first_and_second(x, c):
        with tg.GradientTape() as outer:
            outer.watch([x, c])
            with tg.GradientTape() as inner:
                inner.watch(x)
                y = square_plus(x, c)
            g = inner.gradient(y, x)
        return g, outer.gradient(g, [x, c])

    x, c = 0.7, 0.3
    g, (gxx, gxc) = first_and_second(tg.constant(x, F64), tg.constant(c, F64))
    first = central_differences(lambda t: square_plus_in_python(t, c), x)
    assert float(g) == pytest.approx(float(first), rel=1e-7)
    dx = central_differences(lambda t: central_differences(lambda s: square_plus_in_python(s, c), t, 1e-5), x, 1e-4)
    dc = central_differences(lambda t: central_differences(lambda s: square_plus_in_python(s, t), x, 1e-5), c, 1e-4)
    assert float(gxx) == pytest.approx(float(dx), rel=1e-5)
    assert float(gxc) == pytest.approx(float(dc), rel=1e-5)


def test_second_order_by_differentiating_a_traced_gradient_function():
    @tg.function
    def grad_of(x):
        with tg.GradientTape() as tape:
            tape.watch(x)
            y = tg.reduce_sum(square_plus(x, 0.2, n=2))
        return tape.gradient(y, x)

    tg.test.check_gradients(grad_of, [tg.constant([0.3, -0.8], F64)], rtol=1e-5, atol=1e-7)


def test_jacobian_and_persistent_tape_through_a_loop():
    def loop(x):
        return tg.while_loop(lambda i, y: i < 2, lambda i, y: (i + 1, tg.sin(y) * x), (tg.constant(0), x))[1]

    @tg.function
    def jacobian_and_gradient(x):
        with tg.GradientTape(persistent=True) as tape:
            tape.watch(x)
            y = loop(x)
            total = tg.reduce_sum(y)
        return tape.jacobian(y, x), tape.gradient(total, x)

    x = tg.constant([0.5, 1.0, 1.5], F64)
    jacobian, gradient = jacobian_and_gradient(x)
    theoretical, numerical = tg.test.compute_gradient(loop, [x])
    np.testing.assert_allclose(jacobian.numpy(), theoretical[0].T, rtol=1e-12)
    np.testing.assert_allclose(jacobian.numpy(), numerical[0].T, rtol=1e-6)
    np.testing.assert_allclose(gradient.numpy(), jacobian.numpy().sum(axis=0), rtol=1e-12)


def test_gradient_through_nested_loops():
    def loop(x):
        def outer_body(i, y):
            z = tg.while_loop(lambda j, z: j < 2, lambda j, z: (j + 1, tg.sin(z) + x), (tg.constant(0), y))[1]
            return i + 1, z * y
        return tg.while_loop(lambda i, y: i < 2, outer_body, (tg.constant(0), x))[1]

    @tg.function
    def grad_of(x):
        with tg.GradientTape() as tape:
            tape.watch(x)
            y = loop(x)
        return tape.gradient(y, x)

    for x in (0.4, -0.9):
        expected = eager_gradient(loop, x)[0]
        assert float(grad_of(tg.constant(x, F64))) == pytest.approx(float(expected), rel=1e-12)


def test_gradient_of_a_concrete_function_called_in_another_function():
    @tg.function
    def forward(x):
        return square_plus(x, 0.1)

    concrete = forward.get_concrete_function(tg.TensorSpec([None], F64))

    @tg.function
    def grad_of(x):
        with tg.GradientTape() as tape:
            tape.watch(x)
            y = tg.reduce_sum(concrete(x))
        return tape.gradient(y, x)

    x = np.array([0.2, -0.5, 0.8])
    np.testing.assert_allclose(grad_of(tg.constant(x, F64)).numpy(),
                               eager_gradient(lambda t: square_plus(t, 0.1), x)[0], rtol=1e-12)


def test_while_loop_gradient_of_a_stateful_body_is_a_clear_error():
    @tg.function
    def f(x):
        with tg.GradientTape() as tape:
            tape.watch(x)
            y = tg.while_loop(lambda y: y < 10.0, lambda y: y * 2.0 + tg.random.uniform([], dtype=F64), [x])[0]
        return tape.gradient(y, x)

    with pytest.raises(ValueError, match="stateful op 'random'.*second time"):
        f(tg.constant(1.0, F64))


def test_while_loop_gradient_of_a_loop_variable_that_changes_shape_is_a_clear_error():
    @tg.function
    def f(x):
        with tg.GradientTape() as tape:
            tape.watch(x)
            y = tg.while_loop(lambda y: tg.size(y) < 8, lambda y: tg.concat([y, y * 2.0], 0), [x])[0]
        return tape.gradient(y, x)

    with pytest.raises(ValueError, match=r"changes its shape between iterations \(from \(1,\) to \(2,\)\)"):
        f(tg.constant([1.0], F64))
