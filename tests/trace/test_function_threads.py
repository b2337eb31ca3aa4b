"""Threads calling a new tg.function at once: one trace per signature, one set of Variables.

The traced bodies sleep to let the other threads run into the cache miss meanwhile
(a sleep releases the GIL), as a slow trace or initial value would; nothing here measures time.
"""
import copy
import threading
import time

import numpy as np

import tracegraph as tg
from tracegraph_backends.numpy import NumpyBackend

N_THREADS = 8
JOIN_TIMEOUT_SECONDS = 120  # only so that a deadlock fails the test instead of hanging the run


def run_in_threads(target, n=N_THREADS):
    """Run `target()` in `n` threads released together by a barrier; returns their results in order."""
    barrier = threading.Barrier(n)
    results, errors = [None] * n, []

    def worker(i):
        barrier.wait()
        try:
            results[i] = target()
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT_SECONDS)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck (deadlock)"
    assert not errors, errors
    return results


def test_threads_calling_a_new_function_trace_it_once():
    traces = []

    @tg.function
    def f(x):
        traces.append(1)
        time.sleep(0.05)
        return x * 2.0

    results = run_in_threads(lambda: f(tg.constant([1.0, 2.0])).numpy())
    assert len(traces) == 1 and f.experimental_get_tracing_count() == 1
    for result in results:
        np.testing.assert_array_equal(result, [2.0, 4.0])


def test_threads_calling_a_new_function_create_one_set_of_variables():
    holder = []

    @tg.function
    def scale(x):
        if not holder:
            time.sleep(0.05)  # a slow initial value
            holder.append(tg.Variable(3.0))
        return holder[0] * x

    results = run_in_threads(lambda: float(scale(tg.constant(2.0))))
    assert len(holder) == 1
    assert results == [6.0] * N_THREADS
    holder[0].assign(5.0)  # the cached graph reads the Variable the closure kept, not an orphan
    assert float(scale(tg.constant(2.0))) == 10.0


def test_threads_calling_a_method_of_a_new_instance_share_one_function():
    class Model:
        def __init__(self):
            self.w = None
            self.created = 0

        @tg.function
        def __call__(self, x):
            if self.w is None:
                time.sleep(0.05)  # a slow initial value
                self.w = tg.Variable(2.0)
                self.created += 1
            return self.w * x

    model = Model()
    results = run_in_threads(lambda: float(model(tg.constant(1.5))))
    assert model.created == 1
    assert results == [3.0] * N_THREADS
    model.w.assign(4.0)
    assert float(model(tg.constant(1.5))) == 6.0


def test_threads_making_the_first_call_of_a_concrete_function_compile_it_once():
    class CountingBackend(NumpyBackend):
        name = "counting-numpy"

        def __init__(self):
            self.compiled = 0

        def compile(self, graph):
            self.compiled += 1
            time.sleep(0.05)
            return super().compile(graph)

    backend = CountingBackend()
    f = tg.function(lambda x: x + 1.0, backend=backend)
    f.get_concrete_function(tg.TensorSpec([2], tg.float32))  # traced; the first call compiles
    results = run_in_threads(lambda: f(tg.constant([1.0, 2.0])).numpy().tolist())
    assert backend.compiled == 1
    assert results == [[2.0, 3.0]] * N_THREADS


def test_a_function_calling_itself_and_another_function_while_tracing_does_not_deadlock():
    @tg.function
    def double(x):
        return x * 2.0

    @tg.function
    def repeat(x, times):
        if times == 0:  # a Python int: the recursion ends while tracing
            return x
        return repeat(double(x), times - 1)

    results = run_in_threads(lambda: float(repeat(tg.constant(1.0), 3)), n=2)
    assert results == [8.0, 8.0]


def test_functions_and_concrete_functions_with_their_locks_can_still_be_deep_copied():
    f = tg.function(lambda x: x * 2.0)
    assert float(copy.deepcopy(f)(tg.constant(1.0))) == 2.0  # before any trace
    concrete = f.get_concrete_function(tg.constant(1.0))
    assert float(copy.deepcopy(f)(tg.constant(2.0))) == 4.0
    assert float(copy.deepcopy(concrete)(tg.constant(3.0))) == 6.0
