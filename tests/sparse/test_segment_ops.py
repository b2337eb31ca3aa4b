"""The segment reductions of `ops/segment_ops.py` (tg.math's `segment_*` and `unsorted_segment_*`)
against Python references and values recorded from TF 2.21, eagerly and traced, with gradients.
(Here with the sparse tests: they share the row-partition kernels of ragged and sparse tensors.)"""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tracegraph as tg
from tracegraph.ops import segment_ops

FAST = settings(max_examples=20, deadline=None)
_INT32 = np.iinfo(np.int32)

#: name -> (Python reference over a non-empty list, sorted-version empty value, unsorted-version empty value)
_REDUCERS = {
    "max": (max, 0, int(_INT32.min)),
    "min": (min, 0, int(_INT32.max)),
    "prod": (math.prod, 1, 1),
    "mean": (lambda vs: int(sum(vs) / len(vs)), 0, 0),  # integer means truncate, as TF's
}


def _reference(values, ids, num_segments, reduce, empty):
    groups = [[v for v, i in zip(values, ids) if i == s] for s in range(num_segments)]
    return [reduce(g) if g else empty for g in groups]


@FAST
@given(st.lists(st.tuples(st.integers(-5, 5), st.integers(0, 4)), max_size=10))
def test_sorted_segment_reductions(pairs):
    pairs = sorted(pairs, key=lambda p: p[1])
    values, ids = [p[0] for p in pairs], [p[1] for p in pairs]
    count = max(ids) + 1 if ids else 0
    for name, (reduce, empty, _) in _REDUCERS.items():
        fn = getattr(segment_ops, f"segment_{name}")
        for run in (fn, tg.function(fn)):
            result = run(tg.constant(values, dtype=tg.int32), tg.constant(ids, dtype=tg.int32))
            assert result.numpy().tolist() == _reference(values, ids, count, reduce, empty), name


@FAST
@given(st.lists(st.tuples(st.integers(-5, 5), st.integers(-1, 4)), max_size=10))
def test_unsorted_segment_reductions_drop_negative_ids(pairs):
    values, ids = [p[0] for p in pairs], [p[1] for p in pairs]
    for name, (reduce, _, empty) in _REDUCERS.items():
        fn = getattr(segment_ops, f"unsorted_segment_{name}")
        result = fn(tg.constant(values, dtype=tg.int32), tg.constant(ids, dtype=tg.int32), 6)
        assert result.numpy().tolist() == _reference(values, ids, 6, reduce, empty), name
    floats = tg.constant(values, dtype=tg.float64)
    sqrt_n = segment_ops.unsorted_segment_sqrt_n(floats, tg.constant(ids, dtype=tg.int64), 6)
    expected = _reference(values, ids, 6, lambda vs: sum(vs) / math.sqrt(len(vs)), 0.0)
    np.testing.assert_allclose(sqrt_n.numpy(), expected, rtol=1e-12)


def test_ids_of_several_dimensions_and_inner_slices_as_tensorflow():
    data = tg.constant([[1., 2.], [3., 4.]])
    # From TF 2.21: tf.math.unsorted_segment_sqrt_n(data, [[0, 1], [1, 3]], 4) and friends.
    np.testing.assert_allclose(segment_ops.unsorted_segment_sqrt_n(data, [[0, 1], [1, 3]], 4).numpy(),
                               [1.0, 3.535534, 0.0, 4.0], rtol=1e-6)
    lowest = float(np.finfo(np.float32).min)
    assert segment_ops.unsorted_segment_max(tg.constant([1., 2., 3.]), [0, 0, 2], 4).numpy().tolist() == \
        [2.0, lowest, 3.0, lowest]
    assert segment_ops.segment_max(data, [0, 2]).numpy().tolist() == [[1, 2], [0, 0], [3, 4]]


def test_gradients_against_differences():
    x = tg.constant(np.array([[0.3, -1.2], [2.5, 0.7], [-0.4, 1.9], [1.1, -0.6]]))
    sorted_ids, ids = [0, 0, 2, 2], [2, 0, 2, 1]
    for fn in (lambda d: segment_ops.segment_max(d, sorted_ids), lambda d: segment_ops.segment_prod(d, sorted_ids),
               lambda d: segment_ops.segment_mean(d, sorted_ids), lambda d: segment_ops.segment_min(d, sorted_ids),
               lambda d: segment_ops.unsorted_segment_min(d, ids, 3),
               lambda d: segment_ops.unsorted_segment_prod(d, ids, 3),
               lambda d: segment_ops.unsorted_segment_sqrt_n(d, ids, 4),
               lambda d: segment_ops.unsorted_segment_mean(d, ids, 4)):
        tg.test.check_gradients(fn, [x])


def test_gradients_are_dense_tensors_as_tensorflow():
    data = tg.constant([[1., 2.], [3., 4.], [5., 6.]])
    with tg.GradientTape() as tape:
        tape.watch(data)
        y = tg.reduce_sum(segment_ops.unsorted_segment_max(data, [0, 2, 1], 3))
    assert isinstance(tape.gradient(y, data), tg.Tensor)  # TF 2.21: an EagerTensor


def test_unsorted_or_out_of_range_ids_are_a_clear_error():
    with pytest.raises(tg.errors.InvalidArgumentError, match="sorted"):
        segment_ops.segment_max(tg.constant([1., 2., 3.]), [1, 0, 1])
    with pytest.raises(tg.errors.InvalidArgumentError, match=r"\[0, 2\)"):
        segment_ops.unsorted_segment_min(tg.constant([1., 2.]), [0, 2], 2)
