"""Iterating: prefetch on a background thread, `for x in ds` inside tg.function (a graph loop), Python
iterators while tracing."""
import threading

import numpy as np
import pytest

import tracegraph as tg
from tracegraph import data

Dataset = data.Dataset


def test_prefetch_gives_the_same_elements_in_order():
    ds = Dataset.range(500).map(lambda x: x * 2).batch(7).prefetch(3)
    assert [v.tolist() for v in ds.as_numpy_iterator()] == \
        [list(range(0, 1000, 2))[i:i + 7] for i in range(0, 500, 7)]
    assert [int(v) for v in Dataset.range(50).prefetch(data.AUTOTUNE)] == list(range(50))
    assert [int(v) for v in Dataset.range(5).prefetch(0)] == list(range(5))


def test_prefetch_runs_the_input_on_another_thread():
    threads = []

    def gen():
        threads.append(threading.current_thread())
        yield 1
    ds = Dataset.from_generator(gen, output_signature=tg.TensorSpec([], tg.int32)).prefetch(1)
    assert [int(v) for v in ds] == [1]
    assert threads[0] is not threading.current_thread()


def test_prefetch_raises_the_producers_error_in_the_consumer():
    def gen():
        yield 1
        raise RuntimeError("broken source")
    ds = Dataset.from_generator(gen, output_signature=tg.TensorSpec([], tg.int32)).prefetch(2)
    iterator = iter(ds)
    assert int(next(iterator)) == 1
    with pytest.raises(RuntimeError, match="broken source"):
        next(iterator)


def test_abandoning_a_prefetched_pass_stops_its_thread():
    ds = Dataset.range(10**9).prefetch(2)
    before = threading.active_count()
    iterator = iter(ds)
    next(iterator)
    del iterator
    import gc  # noqa: PLC0415 - only this test forces a collection
    gc.collect()
    for _ in range(500):
        if threading.active_count() <= before:
            break
        threading.Event().wait(0.01)
    assert threading.active_count() <= before


SHUFFLED = Dataset.from_tensor_slices(np.arange(8, dtype=np.float32)).shuffle(8, seed=3)


@tg.function
def total_and_count():
    total = tg.constant(0.0)
    count = 0
    for x in SHUFFLED:
        total += x
        count += 1
    return total, count


@tg.function
def first_elements(limit):
    seen = tg.constant(0.0)
    for x in SHUFFLED:
        if x >= limit:
            break
        seen += 1.0
    return seen


@tg.function
def weighted_sum(dataset):
    result = tg.constant(0, tg.int64)
    for features, label in dataset:
        result += tg.reduce_sum(tg.reduce_sum(features, axis=1) * label)
    return result


def test_a_dataset_loop_is_one_while_loop_in_the_graph():
    total, count = total_and_count()
    assert float(total) == 28.0 and int(count) == 8
    graph = total_and_count.get_concrete_function().graph
    names = [node.op.name for node in graph.nodes]
    assert "while_loop" in names and "dataset_iterator_open" in names
    assert not any(node.op.name == "const" and node.outputs[0].spec.shape.rank == 0 and
                   float(np.asarray(node.attrs["value"])) == 7.0 for node in graph.nodes)  # not unrolled


def test_every_call_is_a_new_pass():
    stops = {float(first_elements(tg.constant(4.0))) for _ in range(12)}
    assert len(stops) > 1   # the shuffle differs from call to call, so the break comes at different counts
    assert first_elements.experimental_get_tracing_count() == 1


def test_a_dataset_argument_with_batches():
    ds = Dataset.from_tensor_slices((np.ones((5, 2), np.int64), np.arange(5))).batch(2)
    assert int(weighted_sum(ds)) == 2 * (0 + 1 + 2 + 3 + 4)


def test_a_python_iterator_while_tracing_is_an_error_or_eager_fallback():
    def python_loop():
        return [x for x in Dataset.range(3)]
    with pytest.raises(TypeError, match="Iterating a tg.data.Dataset with a Python iterator"):
        tg.function(python_loop, fallback="error")()
    assert [int(v) for v in python_loop()] == [0, 1, 2]
