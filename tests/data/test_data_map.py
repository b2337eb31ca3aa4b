"""`map`: traced once, parallel and deterministic, fused before `batch` only when row-wise."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tracegraph as tg
from tracegraph import data
from tracegraph.data.functions import is_row_wise

Dataset = data.Dataset


def as_lists(value):
    """An element from `as_numpy_iterator` with arrays as (nested) lists, comparable with `==`."""
    if isinstance(value, tuple):
        return tuple(as_lists(v) for v in value)
    if isinstance(value, dict):
        return {k: as_lists(v) for k, v in value.items()}
    return value.tolist() if isinstance(value, (np.ndarray, np.generic)) else value


def values(dataset):
    return [as_lists(v) for v in dataset.as_numpy_iterator()]


def test_map_is_traced_once_and_spreads_tuples():
    traces = []

    def add(x, y):
        traces.append(1)   # a Python side effect: runs while tracing only
        return x + y
    ds = Dataset.from_tensor_slices(([1, 2, 3], [10, 20, 30])).map(add)
    assert values(ds) == [11, 22, 33] and values(ds) == [11, 22, 33]
    assert len(traces) == 1


def test_map_results_lists_become_tuples_and_dicts_keep_order():
    ds = Dataset.range(2).map(lambda x: [x, {"z": x * 2, "a": 1.5}])
    # TF 2.21: (TensorSpec(int64), {'z': TensorSpec(int64), 'a': TensorSpec(float32)})
    assert ds.element_spec == (tg.TensorSpec([], tg.int64), {"z": tg.TensorSpec([], tg.int64),
                                                             "a": tg.TensorSpec([], tg.float32)})
    assert list(ds.element_spec[1]) == ["z", "a"]
    assert values(ds) == [(0, {"z": 0, "a": 1.5}), (1, {"z": 2, "a": 1.5})]


def test_map_with_autograph_control_flow():
    def clip(x):
        if x > 2:
            x = tg.constant(2, tg.int64)
        return x
    assert values(Dataset.range(5).map(clip)) == [0, 1, 2, 2, 2]


def test_map_of_strings_and_ragged_results():
    ds = Dataset.from_tensor_slices(["a b", "c"]).map(lambda s: tg.strings.split(s))
    assert [v.tolist() for v in ds.as_numpy_iterator()] == [[b"a", b"b"], [b"c"]]


@pytest.mark.parametrize("deterministic", [None, True])
def test_parallel_map_keeps_the_order(deterministic):
    ds = Dataset.range(200).map(lambda x: x * x, num_parallel_calls=data.AUTOTUNE, deterministic=deterministic)
    assert values(ds) == [i * i for i in range(200)]


def test_parallel_map_non_deterministic_gives_every_element():
    ds = Dataset.range(200).map(lambda x: x * 3, num_parallel_calls=4, deterministic=False)
    assert sorted(values(ds)) == [i * 3 for i in range(200)]


def test_parallel_map_error_reaches_the_consumer():
    ds = Dataset.range(5).map(lambda x: tg.debugging.assert_less(x, tg.constant(3, tg.int64)) or x,
                              num_parallel_calls=2)
    with pytest.raises(tg.errors.InvalidArgumentError):
        values(ds)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 40), st.integers(1, 7), st.integers(1, 50), st.booleans())
def test_fused_map_before_batch_equals_mapping_each_element(n, batch, buffer, drop):
    x = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    y = np.arange(n, dtype=np.int32)
    scale = np.array([1.0, 2.0, 3.0], np.float32)

    def pipeline(fusion):
        options = data.Options()
        options.experimental_optimization.map_fusion = fusion
        return (Dataset.from_tensor_slices((x, y)).with_options(options).shuffle(buffer, seed=7)
                .map(lambda a, b: (a * scale - 1.0, b + 1)).batch(batch, drop_remainder=drop))
    fused, unfused = pipeline(True), pipeline(False)
    assert fused._input._plan() is not None and unfused._input._plan() is None
    assert values(fused) == values(unfused)


def graph_of(func, *specs):
    return tg.function(func).get_concrete_function(*specs).graph


def test_row_wise_graphs():
    vector, scalar = tg.TensorSpec([3]), tg.TensorSpec([])
    assert is_row_wise(graph_of(lambda x: tg.exp(x) * 2.0 + tg.constant([1.0, 2.0, 3.0]), vector))
    assert is_row_wise(graph_of(lambda x, y: (x * 2.0, y), vector, scalar))
    # a reduction mixes the row's values: batched, it would sum over the batch too
    assert not is_row_wise(graph_of(lambda x: x - tg.reduce_mean(x), vector))
    # a rank-0 operand beside a rank-1 one broadcasts differently once a batch dimension is added
    assert not is_row_wise(graph_of(lambda x, y: x * y, vector, scalar))
    # an output that does not depend on the input has no batch dimension
    assert not is_row_wise(graph_of(lambda x: (x, tg.constant(1.0)), vector))
    assert not is_row_wise(graph_of(lambda x: x + tg.random.uniform([3]), vector))


def test_a_map_that_is_not_row_wise_runs_per_element():
    ds = Dataset.from_tensor_slices(np.arange(6, dtype=np.float32).reshape(3, 2)).map(lambda x: x - tg.reduce_mean(x))
    assert ds._plan() is None
    assert values(ds.batch(2)) == [[[-0.5, 0.5], [-0.5, 0.5]], [[-0.5, 0.5]]]


def test_a_map_after_batch_runs_once_per_batch():
    traced = []

    def double(x):
        traced.append(1)
        return x * 2
    counted = Dataset.range(10).batch(4).map(double)
    assert values(counted) == [[0, 2, 4, 6], [8, 10, 12, 14], [16, 18]] and len(traced) == 1
    assert counted.element_spec == tg.TensorSpec([None], tg.int64)
