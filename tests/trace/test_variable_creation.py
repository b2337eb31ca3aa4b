"""Creating tg.Variables inside a tg.function follows TF's rule: on the first call only, and only once.

TF traces a function whose first trace created Variables a second time and keeps that
trace; it must find the Variables of the first (the singleton pattern). Every later trace
(for new arguments) may create none. Breaking the rule is a ValueError.
"""
import numpy as np
import pytest

import tracegraph as tg

SINGLETON_ERROR = "only supports singleton tg.Variables created on the first call"


def test_a_variable_created_on_every_call_raises_on_the_first_call():
    # TF's documented example
    @tg.function
    def f(x):
        v = tg.Variable(1.0)
        v.assign_add(x)
        return v

    with pytest.raises(ValueError, match=SINGLETON_ERROR) as raised:
        f(tg.constant(1.0))
    assert "'f'" in str(raised.value) and "second trace" in str(raised.value)
    with pytest.raises(ValueError, match=SINGLETON_ERROR):  # and on every later call
        f(tg.constant(1.0))


def test_get_concrete_function_applies_the_same_rule():
    @tg.function
    def f(x):
        return tg.Variable(1.0) * x

    with pytest.raises(ValueError, match=SINGLETON_ERROR):
        f.get_concrete_function(tg.TensorSpec([], tg.float32))


def test_the_singleton_pattern_in_a_class_creates_one_variable_and_traces_twice_on_the_first_call():
    created = []

    class Counter:
        def __init__(self):
            self.v = None

        @tg.function
        def __call__(self, x):
            if self.v is None:
                self.v = tg.Variable(0.0)
                created.append(self.v)
            self.v.assign_add(tg.reduce_sum(x))
            return self.v.read_value()

    counter = Counter()
    assert float(counter(tg.constant(1.0))) == 1.0
    assert float(counter(tg.constant(2.0))) == 3.0
    assert created == [counter.v]
    assert Counter.__call__.__get__(counter, Counter).experimental_get_tracing_count() == 2  # as in TF
    assert float(counter(tg.constant([1.0, 1.0]))) == 5.0  # a retrace, which finds the Variable
    assert created == [counter.v]


def test_the_singleton_pattern_in_a_closure_reads_the_variable_it_kept():
    holder = []

    @tg.function
    def scale(x):
        if not holder:
            holder.append(tg.Variable(2.0))
        return holder[0] * x

    assert float(scale(tg.constant(3.0))) == 6.0
    holder[0].assign(5.0)
    assert float(scale(tg.constant(3.0))) == 15.0
    assert len(holder) == 1


def test_a_variable_created_on_a_retrace_for_new_arguments_raises():
    @tg.function
    def f(x):
        if x.shape.rank == 1:
            tg.Variable(1.0)
        return x + 1.0

    assert float(f(tg.constant(1.0))) == 2.0
    with pytest.raises(ValueError, match=SINGLETON_ERROR) as raised:
        f(tg.constant([1.0]))
    assert "Trace 2 of 'f'" in str(raised.value)
    assert float(f(tg.constant(2.0))) == 3.0  # the first signature still works


def test_a_variable_created_in_a_cond_branch_of_a_retrace_raises():
    @tg.function
    def f(x, create):
        def branch():
            if create:
                tg.Variable(1.0)
            return x

        return tg.cond(x > 0, branch, lambda: -x)

    f(tg.constant(1.0), False)
    with pytest.raises(ValueError, match=SINGLETON_ERROR):
        f(tg.constant(1.0), True)


def test_a_function_that_creates_no_variables_is_traced_once():
    v = tg.Variable(1.0)

    @tg.function
    def f(x):
        return v * x

    f(tg.constant(1.0))
    assert f.experimental_get_tracing_count() == 1
