"""What a tg.function keeps: its traces, small, and nothing once the user drops it.

A Function keeps every trace (as TF does), so each trace keeps only what calls and
introspection need: the traced graph, the signature and the compiled plan. The
optimized graph is made again on request, the look-up tables of tracing are
released, and the arguments of the latest call are remembered by their specs.
"""
import gc
import tracemalloc
import weakref

import numpy as np
import pytest

import tracegraph as tg

#: A generous bound on what one more trace of a small function may keep (it keeps about 10 KB).
MAX_BYTES_PER_RETRACE = 64 * 1024


def traced_and_called(backend):
    """(the Function, weak references to its ConcreteFunction, the traced graph and the plan)."""
    f = tg.function(lambda x, c: tg.exp(x * c) - 1, backend=backend)
    x = tg.constant(np.ones(1000, np.float32))
    f(x, 0.5)
    f(x, 0.5)  # the cached call
    concrete = f.get_concrete_function(x, 0.5)
    return f, [weakref.ref(concrete), weakref.ref(concrete.graph), weakref.ref(concrete.compile())]


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_a_dropped_function_releases_its_traces_and_plans(backend):
    f, references = traced_and_called(backend)
    del f
    gc.collect()
    assert [ref() for ref in references] == [None, None, None]


def test_a_dropped_instance_releases_the_traces_of_its_method():
    class Model:
        @tg.function
        def __call__(self, x):
            return x * 2.0

    model = Model()
    model(tg.constant([1.0]))
    concrete = Model.__call__.__get__(model, Model).get_concrete_function(tg.constant([1.0]))
    references = [weakref.ref(model), weakref.ref(concrete), weakref.ref(concrete.compile())]
    del model, concrete
    gc.collect()
    assert [ref() for ref in references] == [None, None, None]
    assert not Model.__call__._instances


def test_a_call_does_not_keep_its_tensor_arguments_alive():
    f = tg.function(lambda x: x + 1.0)
    x = tg.constant(np.zeros(100_000, np.float32))
    f(x)
    reference = weakref.ref(x)
    del x
    gc.collect()
    assert reference() is None


def test_a_trace_does_not_keep_the_eager_tensors_made_while_tracing():
    made = []

    @tg.function
    def f(x):
        ones = tg.constant(np.ones(3, np.float32))  # an eager tensor, captured as a constant
        made.append(weakref.ref(ones))
        return x * ones

    np.testing.assert_array_equal(f(tg.constant([1.0, 2.0, 3.0])).numpy(), [1.0, 2.0, 3.0])
    gc.collect()
    assert made[0]() is None


def test_the_optimized_graph_is_not_kept_after_compiling_and_is_made_again_on_request():
    f = tg.function(lambda x: tg.exp(x * 2.0) - 1.0)
    concrete = f.get_concrete_function(tg.TensorSpec([3], tg.float32))
    optimized = concrete.optimized_graph
    assert concrete.optimized_graph is optimized  # the same object while someone holds it
    text, reference = str(optimized), weakref.ref(optimized)
    concrete(tg.constant([0.0, 1.0, 2.0]))
    del optimized
    gc.collect()
    assert reference() is None
    assert str(concrete.optimized_graph) == text


def test_retraces_for_new_python_floats_keep_little_memory_each():
    f = tg.function(lambda x, c: tg.exp(x * c) - 1, backend="numpy")
    x = tg.constant(np.ones(1000, np.float32))
    for i in range(5):  # warm up caches that do not grow with the traces
        f(x, 0.001 * i)
    retraces = 100
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        with pytest.warns(UserWarning, match="traced again"):
            for i in range(5, 5 + retraces):
                f(x, 0.001 * i)
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert f.experimental_get_tracing_count() == 5 + retraces  # every trace is kept, as in TF
    assert kept / retraces < MAX_BYTES_PER_RETRACE
