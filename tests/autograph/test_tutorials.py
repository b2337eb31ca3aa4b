"""The tutorials' AutoGraph functions trace without eager fallback and compute what Python computes."""
import pytest

import tracegraph as tf


def collatz_python(n):
    steps = 0
    while n > 1:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        steps += 1
    return steps


@tf.function(fallback="error")
def collatz_steps(n):
    steps = 0
    while n > 1:
        if n % 2 == 0:
            n = n // 2
        else:
            n = 3 * n + 1
        steps += 1
    return steps


@tf.function(fallback="error")
def collatz_with_where(n):
    steps = tf.constant(0)
    while n > 1:
        n = tf.where(n % 2 == 0, n // 2, 3 * n + 1)
        steps += 1
    return steps


@pytest.mark.parametrize("start", [1, 6, 27])
def test_collatz_as_if_else_and_as_where(each_backend, start):
    assert int(collatz_steps(tf.constant(start))) == collatz_python(start)
    assert int(collatz_with_where(tf.constant(start))) == collatz_python(start)


def test_collatz_is_one_trace_for_every_start():
    for start in (3, 7, 27):
        collatz_steps(tf.constant(start))
    assert collatz_steps.experimental_get_tracing_count() == 1


@tf.function(fallback="error")
def fizzbuzz(n):
    for i in tf.range(1, n + 1):
        if i % 15 == 0:
            tf.print("FizzBuzz")
        elif i % 3 == 0:
            tf.print("Fizz")
        elif i % 5 == 0:
            tf.print("Buzz")
        else:
            tf.print(i)


def _fizzbuzz_lines(n):
    return ["FizzBuzz" if i % 15 == 0 else "Fizz" if i % 3 == 0 else "Buzz" if i % 5 == 0 else str(i)
            for i in range(1, n + 1)]


def test_fizzbuzz_prints_every_iteration_on_every_call(each_backend, capsys):
    fizzbuzz(tf.constant(15))
    assert capsys.readouterr().err.split() == _fizzbuzz_lines(15)
    fizzbuzz(tf.constant(5))  # the same graph again: tg.print is a node of the loop body
    assert capsys.readouterr().err.split() == _fizzbuzz_lines(5)


@tf.function(fallback="error")
def sign_of_sum(x):
    if tf.reduce_sum(x) > 0:
        result = x * 2
    else:
        result = -x
    return result


def test_if_on_a_reduced_tensor(each_backend):
    assert sign_of_sum(tf.constant([1.0, 2.0])).numpy().tolist() == [2.0, 4.0]
    assert sign_of_sum(tf.constant([-1.0, -2.0])).numpy().tolist() == [1.0, 2.0]


@tf.function(fallback="error")
def converge_to_2(n_iters):
    total = tf.constant(0.)
    increment = tf.constant(1.)
    for _ in range(n_iters):
        total += increment
        increment /= 2.0
    return total


@tf.function(fallback="error")
def converge_to_2_in_graph(n_iters):
    total = tf.constant(0.)
    increment = tf.constant(1.)
    for _ in tf.range(n_iters):
        total += increment
        increment /= 2.0
    return total


def test_converge_to_2_unrolled_for_a_python_int_and_a_loop_for_a_tensor(each_backend):
    expected = sum(0.5 ** k for k in range(20))
    assert float(converge_to_2(20)) == pytest.approx(expected, rel=1e-6)
    assert float(converge_to_2_in_graph(tf.constant(20))) == pytest.approx(expected, rel=1e-6)
    unrolled = converge_to_2.get_concrete_function(20).graph
    looped = converge_to_2_in_graph.get_concrete_function(tf.constant(20)).graph
    assert "while_loop" not in [node.op.name for node in unrolled.nodes]
    assert "while_loop" in [node.op.name for node in looped.nodes]
