"""Gradients flow through converted `if` and loops, with the tape around the call or inside the function."""
import pytest

import tracegraph as tg


@tg.function(fallback="error")
def piecewise(x):
    if x > 1.0:
        y = x * x
    else:
        y = 3.0 * x
    return y


@tg.function(fallback="error")
def power(x, n):
    result = tg.constant(1.0)
    i = 0
    while i < n:
        result = result * x
        i += 1
    return result


@tg.function(fallback="error")
def sum_of_powers(x, n):
    total = tg.constant(0.0)
    term = tg.constant(1.0)
    for _ in tg.range(n):
        term = term * x
        total += term
    return total


@pytest.mark.parametrize("x, expected", [(2.0, 4.0), (0.5, 3.0)])
def test_gradient_through_a_converted_if_with_the_tape_around_the_call(x, expected):
    x = tg.constant(x)
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = piecewise(x)
    assert float(tape.gradient(y, x)) == pytest.approx(expected)


def test_gradient_through_converted_loops_with_the_tape_around_the_call():
    x = tg.constant(3.0)
    with tg.GradientTape(persistent=True) as tape:
        tape.watch(x)
        cube = power(x, tg.constant(3))
        series = sum_of_powers(x, tg.constant(3))  # x + x^2 + x^3
    assert float(tape.gradient(cube, x)) == pytest.approx(27.0)
    assert float(tape.gradient(series, x)) == pytest.approx(1 + 2 * 3.0 + 3 * 9.0)


def test_gradients_taken_inside_the_converted_function():
    weight = tg.Variable(2.0)

    @tg.function(fallback="error")
    def gradients(n):
        with tg.GradientTape(persistent=True) as tape:
            if weight > 1.0:
                y = weight * weight
            else:
                y = weight
            z = tg.constant(1.0)
            for _ in tg.range(n):
                z = z * weight
        return tape.gradient(y, weight), tape.gradient(z, weight)

    dy, dz = gradients(tg.constant(3))
    assert float(dy) == pytest.approx(4.0)
    assert float(dz) == pytest.approx(3 * 2.0 ** 2)


@tg.function(fallback="error")
def running_means(x):
    means = tg.TensorArray(tg.float32, size=tg.shape(x)[0], element_shape=[])
    total = 0.0
    for i in tg.range(tg.shape(x)[0]):
        total += x[i]
        means = means.write(i, total / tg.cast(i + 1, tg.float32))
    return means.stack()


def test_a_tensor_array_is_carried_through_a_converted_loop_and_differentiated():
    x = tg.constant([2.0, 4.0, 6.0, 8.0])
    with tg.GradientTape() as tape:
        tape.watch(x)
        means = running_means(x)
        total = tg.reduce_sum(means)
    assert means.numpy().tolist() == [2.0, 3.0, 4.0, 5.0]
    expected = [sum(1.0 / k for k in range(i + 1, 5)) for i in range(4)]
    assert tape.gradient(total, x).numpy() == pytest.approx(expected)
