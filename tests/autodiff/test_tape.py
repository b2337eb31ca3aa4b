"""GradientTape semantics, as TF2 defines them (the s07 tutorial examples among them)."""
import warnings

import numpy as np
import pytest

import tracegraph as tg


def g(x1, x2):
    return (x1 + 5) * (x2 ** 2)


def _value(t):
    return None if t is None else np.asarray(t)


# ----- what the tape watches -----------------------------------------------------------------

def test_trainable_variables_are_watched_automatically():
    x1, x2 = tg.Variable(2.0), tg.Variable(3.0)
    with tg.GradientTape() as tape:
        z = g(x1, x2)
    dx1, dx2 = tape.gradient(z, [x1, x2])
    assert float(dx1) == 9.0 and float(dx2) == 42.0
    assert dx1.dtype is tg.float32


def test_non_trainable_variables_need_an_explicit_watch():
    v = tg.Variable(3.0, trainable=False)
    with tg.GradientTape(persistent=True) as tape:
        y = v * v
    assert tape.gradient(y, v) is None
    with tg.GradientTape() as tape:
        tape.watch(v)
        y = v * v
    assert float(tape.gradient(y, v)) == 6.0


def test_watch_accessed_variables_false():
    x1, x2 = tg.Variable(2.0), tg.Variable(3.0)
    with tg.GradientTape(watch_accessed_variables=False) as tape:
        z = g(x1, x2)
    assert tape.gradient(z, x1) is None
    with tg.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(x2)
        z = g(x1, x2)
    dx1, dx2 = tape.gradient(z, [x1, x2])
    assert dx1 is None and float(dx2) == 42.0


def test_constants_are_watched_only_on_request():
    c1, c2 = tg.constant(2.0), tg.constant(3.0)
    with tg.GradientTape() as tape:
        z = g(c1, c2)
    assert tape.gradient(z, [c1, c2]) == [None, None]
    with tg.GradientTape() as tape:
        tape.watch(c1)
        tape.watch(c2)
        z = g(c1, c2)
    assert [float(d) for d in tape.gradient(z, [c1, c2])] == [9.0, 42.0]


def test_watch_accepts_nested_structures():
    a, b = tg.constant(1.0), tg.constant(2.0)
    with tg.GradientTape() as tape:
        tape.watch({"a": a, "rest": [b]})
        y = a * b
    assert [float(d) for d in tape.gradient(y, [a, b])] == [2.0, 1.0]


def test_watched_variables_in_order_of_access():
    a, b, c = tg.Variable(1.0), tg.Variable(2.0), tg.Variable(3.0, trainable=False)
    with tg.GradientTape() as tape:
        _ = b * c + a
    assert tape.watched_variables() == (b, a)


def test_values_read_before_the_tape_are_not_connected():
    v = tg.Variable(2.0)
    y_outside = v * v
    with tg.GradientTape() as tape:
        z = y_outside * 3.0
    assert tape.gradient(z, v) is None


# ----- how often and for what it can be asked ------------------------------------------------

def test_non_persistent_tape_answers_once():
    x1, x2 = tg.Variable(2.0), tg.Variable(3.0)
    with tg.GradientTape() as tape:
        z = g(x1, x2)
    tape.gradient(z, x1)
    with pytest.raises(RuntimeError, match="persistent"):
        tape.gradient(z, x2)


def test_persistent_tape_answers_many_times():
    x1, x2 = tg.Variable(2.0), tg.Variable(3.0)
    with tg.GradientTape(persistent=True) as tape:
        z = g(x1, x2)
    assert float(tape.gradient(z, x1)) == 9.0
    assert float(tape.gradient(z, x2)) == 42.0
    assert float(tape.jacobian(z, x1)) == 9.0


def test_sources_keep_their_structure():
    a, b, c = tg.Variable(1.0), tg.Variable(2.0), tg.Variable(3.0)
    with tg.GradientTape() as tape:
        y = a * b * c
    grads = tape.gradient(y, {"first": a, "others": [b, (c,)]})
    assert set(grads) == {"first", "others"}
    assert float(grads["first"]) == 6.0
    assert float(grads["others"][0]) == 3.0
    assert isinstance(grads["others"][1], tuple) and float(grads["others"][1][0]) == 2.0


def test_several_targets_are_summed():
    x = tg.Variable(5.0)
    with tg.GradientTape() as tape:
        z1 = 3 * x
        z2 = x ** 2
    assert float(tape.gradient([z1, z2], x)) == 13.0


def test_non_scalar_target_gives_the_gradient_of_its_sum():
    x = tg.Variable([1.0, 2.0, 3.0])
    with tg.GradientTape() as tape:
        y = x * x
    np.testing.assert_array_equal(_value(tape.gradient(y, x)), [2.0, 4.0, 6.0])


def test_output_gradients_weight_the_targets():
    x = tg.Variable([1.0, 2.0])
    with tg.GradientTape() as tape:
        y = x * x
    grad = tape.gradient(y, x, output_gradients=tg.constant([10.0, 0.5]))
    np.testing.assert_array_equal(_value(grad), [20.0, 2.0])


def test_unconnected_sources():
    x, unused = tg.Variable(2.0), tg.Variable([1.0, 2.0])
    with tg.GradientTape(persistent=True) as tape:
        y = x * x
    assert tape.gradient(y, unused) is None
    zero = tape.gradient(y, unused, unconnected_gradients="zero")
    np.testing.assert_array_equal(_value(zero), [0.0, 0.0])
    zero = tape.gradient(y, [x, unused], unconnected_gradients=tg.UnconnectedGradients.ZERO)
    assert float(zero[0]) == 4.0 and zero[1].shape == (2,)


def test_integer_sources_get_none():
    i = tg.constant(3)
    v = tg.Variable(2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with tg.GradientTape() as tape:
            tape.watch(i)
            y = i * i + v
    assert tape.gradient(y, [i, v]) == [None, None]


def test_a_path_through_integers_is_cut():
    x = tg.Variable(2.5)
    with tg.GradientTape() as tape:
        y = tg.cast(tg.cast(x, tg.int32), tg.float32) * x
    assert float(tape.gradient(y, x)) == 2.0  # only the direct factor: the int path has no gradient


def test_stop_gradient():
    x = tg.Variable(3.0)
    with tg.GradientTape() as tape:
        y = x * tg.stop_gradient(x)
    assert float(tape.gradient(y, x)) == 3.0


# ----- controlling the recording -------------------------------------------------------------

def test_stop_recording():
    x = tg.Variable(3.0)
    with tg.GradientTape() as tape:
        y = x * x
        with tape.stop_recording():
            unrecorded = x * 10.0
        z = y + unrecorded
    assert float(tape.gradient(z, x)) == 6.0


def test_reset_forgets_what_was_recorded():
    x = tg.Variable(3.0)
    with tg.GradientTape() as tape:
        y = x * x
        tape.reset()
        z = x * 5.0
    assert float(tape.gradient(z, x)) == 5.0


def test_reset_forgets_earlier_records():
    x = tg.Variable(3.0)
    with tg.GradientTape(persistent=True) as tape:
        y = x * x
        tape.reset()
    assert tape.gradient(y, x) is None


def test_slices_of_a_variable_carry_gradients():
    v = tg.Variable([[1.0, 2.0], [3.0, 4.0]])
    with tg.GradientTape() as tape:
        y = tg.reduce_sum(v[1] * v[1])
    np.testing.assert_array_equal(_value(tape.gradient(y, v)), [[0.0, 0.0], [6.0, 8.0]])


# ----- second order --------------------------------------------------------------------------

def test_nested_tapes_second_order():
    x1, x2 = tg.Variable(2.0), tg.Variable(3.0)
    with tg.GradientTape(persistent=True) as outer:
        with tg.GradientTape(persistent=True) as inner:
            z = g(x1, x2)
        inner_grads = inner.gradient(z, [x1, x2])
    outer_grads = [outer.gradient(ig, [x1, x2]) for ig in inner_grads]
    assert outer_grads[0][0] is None and float(outer_grads[0][1]) == 6.0
    assert [float(v) for v in outer_grads[1]] == [6.0, 14.0]


def test_acceleration_from_position():
    time = tg.Variable(0.0)
    with tg.GradientTape() as outer:
        with tg.GradientTape() as inner:
            position = 4.9 * time ** 2
        speed = inner.gradient(position, time)
    acceleration = outer.gradient(speed, time)
    assert float(acceleration) == pytest.approx(9.8)


def test_second_derivative_of_exp_times_cube():
    x = tg.constant(0.7, tg.float64)
    with tg.GradientTape() as outer:
        outer.watch(x)
        with tg.GradientTape() as inner:
            inner.watch(x)
            y = tg.exp(x) * x ** 3
        dy = inner.gradient(y, x)
    d2y = outer.gradient(dy, x)
    xv = 0.7
    assert float(dy) == pytest.approx(np.exp(xv) * (xv ** 3 + 3 * xv ** 2))
    assert float(d2y) == pytest.approx(np.exp(xv) * (xv ** 3 + 6 * xv ** 2 + 6 * xv))


def test_gradient_descent_finds_the_minimum():
    x = tg.Variable(0.0)
    for _ in range(100):
        with tg.GradientTape() as tape:
            z = 3.0 * x ** 2 + 2.0 * x - 1
        x.assign_sub(0.1 * tape.gradient(z, x))
    assert float(x) == pytest.approx(-1 / 3, abs=1e-6)


# ----- Jacobians vs finite differences -------------------------------------------------------

def _numeric_jacobian(f, x, step=1e-6):
    x = np.asarray(x, np.float64)
    y0 = np.asarray(f(tg.constant(x)))
    jac = np.zeros(y0.shape + x.shape)
    for index in np.ndindex(*x.shape):
        plus, minus = x.copy(), x.copy()
        plus[index] += step
        minus[index] -= step
        diff = (np.asarray(f(tg.constant(plus))) - np.asarray(f(tg.constant(minus)))) / (2 * step)
        jac[(Ellipsis,) + index] = diff
    return jac


def _f(x):
    return tg.exp(x) * tg.reduce_sum(x * x) + x


def test_jacobian_matches_finite_differences():
    x0 = np.array([0.3, -0.5, 1.2])
    x = tg.constant(x0)
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = _f(x)
    jac = tape.jacobian(y, x)
    assert jac.shape == (3, 3)
    np.testing.assert_allclose(np.asarray(jac), _numeric_jacobian(_f, x0), rtol=1e-6, atol=1e-8)


def test_jacobian_of_a_matrix_product_and_of_several_sources():
    a0 = np.array([[1.0, 2.0], [3.0, 4.0]])
    b0 = np.array([[0.5], [-1.0]])
    a, b = tg.Variable(a0), tg.Variable(b0)
    with tg.GradientTape() as tape:
        y = tg.matmul(a, b)
    ja, jb = tape.jacobian(y, [a, b])
    assert ja.shape == (2, 1, 2, 2) and jb.shape == (2, 1, 2, 1)
    np.testing.assert_allclose(np.asarray(ja), _numeric_jacobian(lambda t: tg.matmul(t, b0), a0), atol=1e-8)
    np.testing.assert_allclose(np.asarray(jb), _numeric_jacobian(lambda t: tg.matmul(a0, t), b0), atol=1e-8)


def test_jacobian_of_unconnected_source():
    x, other = tg.constant([1.0, 2.0]), tg.constant([3.0])
    with tg.GradientTape(persistent=True) as tape:
        tape.watch([x, other])
        y = x * 2.0
    assert tape.jacobian(y, other) is None
    zeros = tape.jacobian(y, other, unconnected_gradients="zero")
    assert zeros.shape == (2, 1) and not np.any(np.asarray(zeros))


def _batched(x):
    return tg.exp(x) * tg.reduce_sum(x, axis=1, keepdims=True)


def test_batch_jacobian_matches_finite_differences():
    x0 = np.array([[0.1, 0.2, -0.3], [1.0, -1.0, 0.5]])
    x = tg.constant(x0)
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = _batched(x)
    jac = tape.batch_jacobian(y, x)
    assert jac.shape == (2, 3, 3)
    full = _numeric_jacobian(_batched, x0)  # [2, 3, 2, 3]; the batch diagonal is the batch Jacobian
    expected = np.stack([full[i, :, i, :] for i in range(2)])
    np.testing.assert_allclose(np.asarray(jac), expected, rtol=1e-6, atol=1e-8)


def test_check_gradients_helper_agrees():
    tg.test.check_gradients(lambda x, y: tg.reduce_sum(tg.exp(x) * y),
                            [tg.constant([0.1, 0.2], tg.float64), tg.constant([1.5, -2.0], tg.float64)])


def test_unknown_unconnected_gradients_value_is_rejected():
    x = tg.Variable(2.0)
    with tg.GradientTape() as tape:
        y = x * x
    with pytest.raises(ValueError, match="unconnected_gradients"):
        tape.gradient(y, x, unconnected_gradients="bogus")
