"""`RaggedTensor.from_tensor` at every ragged rank (flat and nested `lengths`, `padding`) and
uniform row lengths (`from_uniform_row_length`, `uniform_row_length`, the shape and spec that show
them), against Python references and values recorded from TF 2.21."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import tracegraph as tg
from ragged_samples import FAST


def _dense(dims, seed):
    return np.random.default_rng(seed).integers(1, 9, size=dims).astype(np.int32)


@FAST
@given(st.lists(st.integers(0, 3), min_size=3, max_size=4), st.integers(0, 99), st.data())
def test_lengths_cut_the_innermost_rows_at_any_ragged_rank(dims, seed, data):
    dense = _dense(dims, seed)
    ragged_rank = data.draw(st.integers(1, len(dims) - 1))
    rows = dense.reshape([int(np.prod(dims[:ragged_rank]))] + dims[ragged_rank:])
    lengths = data.draw(st.lists(st.integers(0, dims[ragged_rank] + 1), min_size=len(rows), max_size=len(rows)))
    result = tg.RaggedTensor.from_tensor(dense, lengths=lengths, ragged_rank=ragged_rank)
    # TF clips each length to the row's size; the outer dimensions stay whole (uniform).
    cut = [row[:min(n, len(row))].tolist() for row, n in zip(rows, lengths)]
    expected = np.empty(len(cut), dtype=object)
    expected[:] = cut
    assert result.ragged_rank == ragged_rank
    assert result.shape.as_list()[:ragged_rank] == dims[:ragged_rank]
    assert result.to_list() == expected.reshape(dims[:ragged_rank]).tolist()


@FAST
@given(st.lists(st.integers(0, 3), min_size=3, max_size=3), st.integers(0, 99))
def test_padding_and_no_lengths_at_ragged_rank_two(dims, seed):
    dense = _dense(dims, seed)
    dense[..., -1:] = 0  # some trailing padding
    padded = tg.RaggedTensor.from_tensor(dense, padding=0, ragged_rank=2)
    expected = [[np.trim_zeros(row, "b").tolist() for row in block] for block in dense]
    assert padded.to_list() == expected
    whole = tg.RaggedTensor.from_tensor(dense, ragged_rank=2)
    assert whole.shape == tuple(dims) and whole.to_list() == dense.tolist()


@FAST
@given(st.lists(st.lists(st.lists(st.integers(0, 9), max_size=3), max_size=3), max_size=3), st.integers(0, 2))
def test_nested_lengths_pick_the_leading_part_of_every_row(python_rows, extra):
    outer = [len(row) for row in python_rows]
    inner = [len(sub) for row in python_rows for sub in row]
    dims = [len(python_rows) + extra, max(outer, default=0) + extra, max(inner, default=0) + extra]
    dense = np.full(dims, -1, dtype=np.int32)
    for i, row in enumerate(python_rows):
        for j, sub in enumerate(row):
            dense[i, j, :len(sub)] = sub
    lengths = (outer, inner)  # the tensor may be larger: only the described leading parts are taken
    for fn in (lambda t: tg.RaggedTensor.from_tensor(t, lengths=lengths), tg.function(
            lambda t: tg.RaggedTensor.from_tensor(t, lengths=lengths))):
        assert fn(tg.constant(dense)).to_list() == python_rows


def test_from_tensor_as_tensorflow():
    t = tg.constant([[[1, 2, 0], [3, 0, 0]], [[4, 5, 6], [0, 0, 0]]])
    # From TF 2.21.
    padded = tg.RaggedTensor.from_tensor(t, padding=0, ragged_rank=2)
    assert padded.to_list() == [[[1, 2], [3]], [[4, 5, 6], []]] and padded.shape == (2, 2, None)
    assert int(padded.uniform_row_length) == 2 and padded.values.uniform_row_length is None
    assert tg.RaggedTensor.from_tensor(t, lengths=[2, 1, 3, 0], ragged_rank=2).to_list() == \
        [[[1, 2], [3]], [[4, 5, 6], []]]
    nested = tg.RaggedTensor.from_tensor(t, lengths=([2, 1], [2, 1, 3]))
    assert nested.to_list() == [[[1, 2], [3]], [[4, 5, 6]]] and nested.shape == (2, None, None)
    assert tg.RaggedTensor.from_tensor(t, ragged_rank=2).shape == (2, 2, 3)


def test_uniform_row_length_as_tensorflow():
    r = tg.RaggedTensor.from_uniform_row_length([1, 2, 3, 4, 5, 6], 3)
    # From TF 2.21.
    assert r.to_list() == [[1, 2, 3], [4, 5, 6]] and r.shape == (2, 3) and r.ragged_rank == 1
    assert int(r.uniform_row_length) == 3 and r.row_splits.numpy().tolist() == [0, 3, 6]
    outer = tg.RaggedTensor.from_row_lengths(r, [1, 0, 1])
    assert outer.shape == (3, None, 3) and outer.uniform_row_length is None
    assert tg.RaggedTensor.from_uniform_row_length(tg.ragged.constant([[1], [2, 3], [], [4]]), 2).shape == \
        (2, 2, None)
    assert tg.RaggedTensor.from_uniform_row_length(tg.constant([], tg.int32), 0, nrows=3).to_list() == [[], [], []]
    assert (r + 1).shape == (2, 3) and int((r + 1).uniform_row_length) == 3
    assert tg.reduce_sum(r, axis=1).numpy().tolist() == [6, 15]


def test_a_uniform_row_length_is_part_of_the_spec_and_survives_a_function():
    r = tg.RaggedTensor.from_uniform_row_length(tg.range(6), 2)
    f = tg.function(lambda x: x * 2)
    doubled = f(r)
    assert doubled.shape == (3, 2) and int(doubled.uniform_row_length) == 2
    assert doubled.to_list() == [[0, 2], [4, 6], [8, 10]]
    assert r._type_spec == tg.RaggedTensorSpec([3, 2], tg.int32, 1)
    f(tg.ragged.constant([[1], [2, 3], [4]]))  # a ragged partition is another spec: a second trace
    assert f.experimental_get_tracing_count() == 2


def test_uniform_row_length_is_checked_eagerly():
    with pytest.raises(tg.errors.InvalidArgumentError):
        tg.RaggedTensor.from_uniform_row_length([1, 2, 3], 2, nrows=2)
