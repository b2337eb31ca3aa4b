"""`tg.ragged.range`, `boolean_mask`, `stack`, the segment-id conversions and `merge_dims`,
against Python references."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import tracegraph as tg
from ragged_samples import FAST, flat, nested_rows, rows, splits_of


@FAST
@given(st.lists(st.tuples(st.integers(-5, 5), st.integers(-5, 5), st.integers(-3, 3).filter(bool)), max_size=5))
def test_range_counts_like_python_in_every_row(triples):
    starts, limits, deltas = (list(column) for column in zip(*triples)) if triples else ([], [], [])
    r = tg.ragged.range(tg.constant(starts, dtype=tg.int32, shape=[len(starts)]),
                        tg.constant(limits, dtype=tg.int32, shape=[len(limits)]),
                        tg.constant(deltas, dtype=tg.int32, shape=[len(deltas)]))
    assert r.to_list() == [list(range(a, b, d)) for a, b, d in triples]


def test_range_broadcasts_scalars_and_rejects_a_zero_step():
    assert tg.ragged.range([2, 0, 3]).to_list() == [[0, 1], [], [0, 1, 2]]
    assert tg.ragged.range([0.0, 1.0], 2.0, 0.5).to_list() == [[0.0, 0.5, 1.0, 1.5], [1.0, 1.5]]
    with pytest.raises(tg.errors.InvalidArgumentError, match="deltas"):
        tg.ragged.range([1], [2], [0])


@FAST
@given(st.integers(0, 4), st.integers(0, 4), st.data())
def test_boolean_mask_keeps_each_rows_true_elements(n, m, data):
    mask = np.array(data.draw(st.lists(st.booleans(), min_size=n * m, max_size=n * m)), dtype=bool).reshape(n, m)
    x = np.arange(n * m).reshape(n, m)
    assert tg.ragged.boolean_mask(x, mask).to_list() == [row[keep].tolist() for row, keep in zip(x, mask)]


@FAST
@given(rows(), st.data())
def test_boolean_mask_with_a_ragged_mask(python_rows, data):
    keep = [[data.draw(st.booleans()) for _ in row] for row in python_rows]
    r = tg.ragged.constant(python_rows, dtype=tg.int32, ragged_rank=1)
    mask = tg.RaggedTensor.from_row_splits(tg.constant(flat(keep), dtype=tg.bool, shape=[len(flat(keep))]),
                                           splits_of(python_rows))
    expected = [[v for v, k in zip(row, ks) if k] for row, ks in zip(python_rows, keep)]
    assert tg.ragged.boolean_mask(r, mask).to_list() == expected


def test_stack_of_dense_and_ragged_tensors_is_ragged():
    assert tg.ragged.stack([tg.constant([1, 2]), tg.constant([3, 4])]).to_list() == [[1, 2], [3, 4]]
    mixed = tg.ragged.stack([tg.ragged.constant([[1], [2, 3]]), tg.constant([[4, 5], [6, 7]])], axis=1)
    assert mixed.to_list() == [[[1], [4, 5]], [[2, 3], [6, 7]]]


@FAST
@given(rows())
def test_segment_ids_and_row_splits_convert_both_ways(python_rows):
    splits = splits_of(python_rows)
    ids = tg.ragged.row_splits_to_segment_ids(splits)
    assert ids.numpy().tolist() == [i for i, row in enumerate(python_rows) for _ in row]
    assert tg.ragged.segment_ids_to_row_splits(ids, num_segments=len(python_rows)).numpy().tolist() == splits


@FAST
@given(nested_rows())
def test_merge_dims(python_rows):
    r = tg.ragged.constant(python_rows, dtype=tg.int32, ragged_rank=2)
    assert r.merge_dims(0, 1).to_list() == [inner for row in python_rows for inner in row]
    assert r.merge_dims(1, 2).to_list() == [[v for inner in row for v in inner] for row in python_rows]
    assert r.merge_dims(0, 2).numpy().tolist() == [v for row in python_rows for inner in row for v in inner]
    with pytest.raises(ValueError, match="outer_axis"):
        r.merge_dims(2, 1)
