"""Ragged reductions over every axis of every ragged rank, with and without `keepdims`, against a
Python reference over nested lists (ragged_samples.reduce_nested), eagerly and inside `tg.function`."""
import math

import numpy as np
from hypothesis import given, strategies as st

import tracegraph as tg
from tracegraph.ops import segment_ops  # tg.math.unsorted_segment_max/min/prod/mean/sqrt_n
from ragged_samples import FAST, deep_rows, nested_rows, reduce_nested

_INT32 = np.iinfo(np.int32)

#: reduction -> (Python reference over a non-empty list, identity for an empty one)
_REDUCTIONS = {
    tg.reduce_sum: (sum, 0),
    tg.reduce_prod: (math.prod, 1),
    tg.reduce_max: (max, int(_INT32.min)),
    tg.reduce_min: (min, int(_INT32.max)),
}


def as_list(result):
    return result.to_list() if isinstance(result, tg.RaggedTensor) else result.numpy().tolist()


def check_every_axis(python_rows, ragged_rank):
    r = tg.ragged.constant(python_rows, dtype=tg.int32, ragged_rank=ragged_rank)
    depth = ragged_rank + 1
    for reduce, (reference, identity) in _REDUCTIONS.items():
        for axis in range(depth):
            for keepdims in (False, True):
                expected = reduce_nested(python_rows, axis, reference, identity, depth, keepdims)
                assert as_list(reduce(r, axis=axis, keepdims=keepdims)) == expected, (reduce, axis, keepdims)
                assert as_list(reduce(r, axis=axis - depth, keepdims=keepdims)) == expected


@FAST
@given(nested_rows())
def test_every_axis_of_ragged_rank_two(python_rows):
    check_every_axis(python_rows, 2)


@FAST
@given(deep_rows())
def test_every_axis_of_ragged_rank_three(python_rows):
    check_every_axis(python_rows, 3)


@FAST
@given(nested_rows(), st.sampled_from([[0, 1], [0, 2], [1, 2], [0, 1, 2]]))
def test_several_axes_reduce_one_after_another(python_rows, axes):
    r = tg.ragged.constant(python_rows, dtype=tg.int32, ragged_rank=2)
    expected, depth = python_rows, 3
    for axis in sorted(axes, reverse=True):  # the innermost first, so the others keep their numbers
        expected, depth = reduce_nested(expected, axis, sum, 0, depth), depth - 1
    assert as_list(tg.reduce_sum(r, axis=axes)) == expected


# From TF 2.21: tf.reduce_sum(tf.ragged.constant(rows, ragged_rank=2), axis, keepdims=True). A size-1 axis kept
# at a ragged dimension is ragged (combining no rows gives a row of length 0), at an inner one uniform.
_KEPT = {
    "[]": {(0, 1): [[]], (0, 2): np.zeros([1, 0, 1]), (1, 2): np.zeros([0, 1, 1]), (0, 1, 2): [[[0]]]},
    "[[]]": {(0, 1): [[[]]], (0, 2): np.zeros([1, 0, 1]), (1, 2): [[[0]]], (0, 1, 2): [[[0]]]},
    "[[[1, 2]], [[3], []]]": {(0, 1): [[[4, 2]]], (0, 2): [[[6], [0]]], (1, 2): [[[3]], [[3]]],
                              (0, 1, 2): [[[6]]]},
}


def test_several_axes_with_keepdims_as_tensorflow():
    for rows, results in _KEPT.items():
        r = tg.ragged.constant(eval(rows), dtype=tg.int32, ragged_rank=2)  # noqa: S307 - the literals above
        for axes, expected in results.items():
            result = tg.reduce_sum(r, axis=list(axes), keepdims=True)
            if isinstance(expected, np.ndarray):
                assert not isinstance(result, tg.RaggedTensor) and result.shape == expected.shape, (rows, axes)
            else:
                assert as_list(result) == expected, (rows, axes)


@FAST
@given(nested_rows())
def test_any_all_and_mean_of_every_axis(python_rows):
    r = tg.ragged.constant(python_rows, dtype=tg.int32, ragged_rank=2)
    positive = r > 0
    floats = tg.cast(r, tg.float64)
    for axis in range(3):
        any_expected = reduce_nested(python_rows, axis, lambda vs: any(v > 0 for v in vs), False, 3)
        all_expected = reduce_nested(python_rows, axis, lambda vs: all(v > 0 for v in vs), True, 3)
        assert as_list(tg.reduce_any(positive, axis=axis)) == any_expected
        assert as_list(tg.reduce_all(positive, axis=axis)) == all_expected
        mean = reduce_nested(python_rows, axis, lambda vs: sum(vs) / len(vs), math.nan, 3)
        np.testing.assert_equal(as_list(tg.reduce_mean(floats, axis=axis)), mean)


@FAST
@given(nested_rows())
def test_reductions_in_a_function_match_eager(python_rows):
    r = tg.ragged.constant(python_rows, dtype=tg.int32, ragged_rank=2)
    for axis in range(3):
        f = tg.function(lambda x, axis=axis: tg.reduce_max(x, axis=axis, keepdims=True))
        assert as_list(f(r)) == as_list(tg.reduce_max(r, axis=axis, keepdims=True))


def test_reduce_everything_with_keepdims_gives_ones_everywhere():
    r = tg.ragged.constant([[[1, 2], [3]], [], [[4]]])
    result = tg.reduce_sum(r, keepdims=True)
    assert result.shape == (1, 1, 1) and result.numpy().tolist() == [[[10]]]


def test_values_recorded_from_tensorflow():
    # From TF 2.21: tf.ragged.constant([[[1., 2.], [3.]], [], [[4.], [], [5., 6., 7.]]]) reduced.
    r = tg.ragged.constant([[[1., 2.], [3.]], [], [[4.], [], [5., 6., 7.]]])
    assert tg.reduce_max(r, axis=0).to_list() == [[4.0, 2.0], [3.0], [5.0, 6.0, 7.0]]
    assert tg.reduce_sum(r, axis=1).to_list() == [[4.0, 2.0], [], [9.0, 6.0, 7.0]]
    assert tg.reduce_sum(r, axis=0, keepdims=True).to_list() == [[[5.0, 2.0], [3.0], [5.0, 6.0, 7.0]]]
    assert tg.reduce_sum(r, axis=1, keepdims=True).to_list() == [[[4.0, 2.0]], [[]], [[9.0, 6.0, 7.0]]]
    assert tg.reduce_sum(r, axis=2, keepdims=True).to_list() == [[[3.0], [3.0]], [], [[4.0], [0.0], [18.0]]]
    assert tg.reduce_mean(r, axis=[0, 1]).numpy().tolist() == [3.25, 4.0, 7.0]
    # TF's unsorted segment max gives the lowest finite float for an empty row, not -inf.
    empty_row = tg.reduce_max(tg.ragged.constant([[1.], []]), axis=1).numpy()
    assert empty_row.tolist() == [1.0, float(np.finfo(np.float32).min)]


# ----- unsorted segment reductions of ragged rows -------------------------------------------------------

@FAST
@given(nested_rows(), st.data())
def test_unsorted_segment_reductions_combine_rows_position_by_position(python_rows, data):
    ids = data.draw(st.lists(st.integers(-1, 2), min_size=len(python_rows), max_size=len(python_rows)))
    r = tg.ragged.constant(python_rows, dtype=tg.int32, ragged_rank=2)
    groups = [[row for row, i in zip(python_rows, ids) if i == s] for s in range(3)]  # negative ids drop rows
    for name, (reference, identity) in (("max", (max, int(_INT32.min))), ("min", (min, int(_INT32.max))),
                                        ("prod", (math.prod, 1))):
        result = getattr(segment_ops, f"unsorted_segment_{name}")(r, tg.constant(ids), 3)
        assert result.to_list() == [reduce_nested(group, 0, reference, identity, 3) for group in groups], name


def test_unsorted_segment_reductions_of_ragged_rows_as_tensorflow():
    r = tg.ragged.constant([[1., 2.], [3.], [], [4., 5., 6.]])
    # From TF 2.21.
    assert segment_ops.unsorted_segment_max(r, [1, 0, 1, 1], 3).to_list() == [[3.0], [4.0, 5.0, 6.0], []]
    assert segment_ops.unsorted_segment_mean(r, [1, 0, 1, 1], 3).to_list() == [[3.0], [2.5, 3.5, 6.0], []]
    np.testing.assert_allclose(segment_ops.unsorted_segment_sqrt_n(r, [0, 0, 2, 0], 3).flat_values.numpy(),
                               [4.618802, 4.9497476, 6.0], rtol=1e-6)
    ids = tg.ragged.constant([[0, 1], [1], [], [2, 2, 0]])
    assert segment_ops.unsorted_segment_prod(r, ids, 3).numpy().tolist() == [6.0, 6.0, 20.0]
    deeper = tg.ragged.constant([[[1.], [2., 3.]], [[4., 5.]], []])
    assert segment_ops.unsorted_segment_min(deeper, [0, 0, 1], 2).to_list() == [[[1.0, 5.0], [2.0, 3.0]], []]
