"""The public ops on ragged tensors (indexing, operators, concat, stack, gather, where, the
reductions, map_flat_values) against Python references, eagerly and inside `tg.function`."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import tracegraph as tg
from ragged_samples import FAST, flat, nested_rows, nonempty_rows, rows


def ragged(python_rows, dtype=tg.int32, ragged_rank=1):
    return tg.ragged.constant(python_rows, dtype=dtype, ragged_rank=ragged_rank)


def traced(fn):
    """`fn` eagerly and as a tg.function: both must give the same answers."""
    return [fn, tg.function(fn)]


# ----- indexing ---------------------------------------------------------------------------------------

@FAST
@given(nonempty_rows(), st.data())
def test_indexing_picks_rows_slices_and_elements(python_rows, data):
    r = ragged(python_rows)
    i = data.draw(st.integers(-len(python_rows), len(python_rows) - 1))
    assert r[i].numpy().tolist() == python_rows[i]
    start = data.draw(st.integers(-6, 6) | st.none())
    stop = data.draw(st.integers(-6, 6) | st.none())
    step = data.draw(st.sampled_from([None, 1, 2, -1]))
    assert r[start:stop:step].to_list() == python_rows[start:stop:step]
    assert r[start:stop, 1:].to_list() == [row[1:] for row in python_rows[start:stop]]
    assert r[:, -2:].to_list() == [row[-2:] for row in python_rows]
    if python_rows[i]:
        assert int(r[i, 0]) == python_rows[i][0]


@FAST
@given(nonempty_rows(), st.integers(-3, 5), st.integers(-3, 5))
def test_row_slices_in_a_function_with_any_number_of_rows(python_rows, start, stop):
    f = tg.function(lambda r: r[start:stop], input_signature=[tg.RaggedTensorSpec([None, None], tg.int32)])
    assert f(ragged(python_rows)).to_list() == python_rows[start:stop]


def test_an_element_of_every_row_needs_every_row_long_enough():
    r = ragged([[1, 2], [3, 4, 5]])
    assert r[:, 1].numpy().tolist() == [2, 4]
    assert r[:, -1].numpy().tolist() == [2, 5]
    with pytest.raises(tg.errors.InvalidArgumentError, match="out of range"):
        ragged([[1, 2], []])[:, 0]
    with pytest.raises(tg.errors.InvalidArgumentError, match="out of range"):
        r[2]


@FAST
@given(nested_rows().filter(bool))
def test_indexing_two_ragged_dimensions(python_rows):
    r = ragged(python_rows, ragged_rank=2)
    assert r[0].to_list() == python_rows[0]
    assert r[1:].to_list() == python_rows[1:]
    assert [row.to_list() for row in r] == python_rows


# ----- elementwise ---------------------------------------------------------------------------------------

@FAST
@given(rows())
def test_operators_with_scalars_ragged_tensors_and_dense_tensors(python_rows):
    for fn in traced(lambda r, per_row: (r + 10, r * r, 3 - r, -r, r < 2, r + per_row)):
        r = ragged(python_rows)
        per_row = tg.constant([[i] for i in range(len(python_rows))], dtype=tg.int32, shape=[len(python_rows), 1])
        plus, square, minus, negative, less, by_row = fn(r, per_row)
        assert plus.to_list() == [[v + 10 for v in row] for row in python_rows]
        assert square.to_list() == [[v * v for v in row] for row in python_rows]
        assert minus.to_list() == [[3 - v for v in row] for row in python_rows]
        assert negative.to_list() == [[-v for v in row] for row in python_rows]
        assert less.to_list() == [[v < 2 for v in row] for row in python_rows]
        assert by_row.to_list() == [[v + i for v in row] for i, row in enumerate(python_rows)]


def test_elementwise_needs_one_row_partition_and_broadcastable_shapes():
    with pytest.raises(tg.errors.InvalidArgumentError, match="same row partitions"):
        ragged([[1], [2, 3]]) + ragged([[1, 2], [3]])
    with pytest.raises(ValueError, match="size 1 in the ragged"):
        ragged([[1], [2, 3]]) + tg.constant([[1, 2], [3, 4]])
    with pytest.raises(TypeError, match="int32"):
        ragged([[1], [2, 3]]) + tg.constant(1.5)


@FAST
@given(rows())
def test_map_flat_values(python_rows):
    r = ragged(python_rows, dtype=tg.float64)
    result = tg.ragged.map_flat_values(tg.multiply, r, 2.0)
    assert result.to_list() == [[2.0 * v for v in row] for row in python_rows]
    with pytest.raises(ValueError, match="RaggedTensor"):
        tg.ragged.map_flat_values(tg.exp, tg.constant([1.0]))


# ----- concat, stack, gather -------------------------------------------------------------------------------

@FAST
@given(rows(), rows())
def test_concat_and_stack_along_the_rows(a, b):
    for fn in traced(lambda x, y: (tg.concat([x, y], axis=0), tg.stack([x, y], axis=0))):
        joined, stacked = fn(ragged(a), ragged(b))
        assert joined.to_list() == a + b
        assert stacked.to_list() == [a, b]


@FAST
@given(st.integers(0, 5).flatmap(lambda n: st.tuples(rows(n, 3).filter(lambda r: len(r) == n),
                                                     rows(n, 3).filter(lambda r: len(r) == n))))
def test_concat_and_stack_within_the_rows(pair):
    a, b = pair
    for fn in traced(lambda x, y: (tg.concat([x, y], axis=1), tg.stack([x, y], axis=1))):
        joined, stacked = fn(ragged(a), ragged(b))
        assert joined.to_list() == [ra + rb for ra, rb in zip(a, b)]
        assert stacked.to_list() == [[ra, rb] for ra, rb in zip(a, b)]


def test_concat_with_a_dense_tensor_and_along_inner_axes():
    r = ragged([[1, 2], [3]])
    assert tg.concat([r, tg.constant([[7, 8]])], axis=0).to_list() == [[1, 2], [3], [7, 8]]
    nested = ragged([[[1], [2, 3]], []], ragged_rank=2)
    assert tg.concat([nested, nested], axis=2).to_list() == [[[1, 1], [2, 3, 2, 3]], []]
    with pytest.raises(ValueError, match="ragged rank"):
        tg.concat([r, nested], axis=0)


@FAST
@given(nonempty_rows(), st.data())
def test_gather_rows(python_rows, data):
    indices = data.draw(st.lists(st.integers(0, len(python_rows) - 1), max_size=6))
    for fn in traced(lambda r, i: tg.gather(r, i)):
        picked = fn(ragged(python_rows), tg.constant(indices, dtype=tg.int32, shape=[len(indices)]))
        assert picked.to_list() == [python_rows[i] for i in indices]
    by_ragged = tg.gather(tg.constant([10, 20, 30]), ragged([[0, 2], [], [1]]))
    assert by_ragged.to_list() == [[10, 30], [], [20]]


# ----- where ------------------------------------------------------------------------------------------------

@FAST
@given(rows())
def test_where_on_a_ragged_condition(python_rows):
    r = ragged(python_rows)
    coordinates = tg.where(r > 0)
    assert coordinates.dtype == tg.int64
    assert coordinates.numpy().tolist() == [[i, j] for i, row in enumerate(python_rows)
                                            for j, v in enumerate(row) if v > 0]
    picked = tg.where(r > 0, r, tg.zeros_like(r.flat_values)[0] if flat(python_rows) else 0)
    assert picked.to_list() == [[v if v > 0 else 0 for v in row] for row in python_rows]
    assert tg.where(r > 0, r, -r).to_list() == [[abs(v) for v in row] for row in python_rows]


# ----- reductions -------------------------------------------------------------------------------------------

_REDUCTIONS = {
    tg.reduce_sum: (sum, 0),
    tg.reduce_max: (max, np.iinfo(np.int32).min),
    tg.reduce_min: (min, np.iinfo(np.int32).max),
    tg.reduce_prod: (lambda row: int(np.prod(row)), 1),
}


@FAST
@given(rows())
def test_reductions_over_the_ragged_axis_give_the_identity_for_empty_rows(python_rows):
    for reduce, (reference, identity) in _REDUCTIONS.items():
        for fn in traced(lambda r: reduce(r, axis=1)):
            result = fn(ragged(python_rows))
            assert result.numpy().tolist() == [reference(row) if row else identity for row in python_rows]


@FAST
@given(rows())
def test_reductions_over_the_rows_and_over_everything(python_rows):
    r = ragged(python_rows)
    width = max((len(row) for row in python_rows), default=0)
    columns = [[row[j] for row in python_rows if len(row) > j] for j in range(width)]
    assert tg.reduce_sum(r, axis=0).numpy().tolist() == [sum(c) for c in columns]
    assert tg.reduce_max(r, axis=0).numpy().tolist() == [max(c) for c in columns]
    assert int(tg.reduce_sum(r)) == sum(flat(python_rows))
    assert tg.reduce_sum(r, axis=1, keepdims=True).numpy().tolist() == [[sum(row)] for row in python_rows]
    assert bool(tg.reduce_any(r > 0)) == any(v > 0 for v in flat(python_rows))
    assert tg.reduce_all(r > 0, axis=1).numpy().tolist() == [all(v > 0 for v in row) for row in python_rows]


@FAST
@given(rows())
def test_reduce_mean_is_nan_for_an_empty_row_of_floats(python_rows):
    r = ragged(python_rows, dtype=tg.float64)
    expected = [np.mean(row) if row else np.nan for row in python_rows]
    np.testing.assert_allclose(tg.reduce_mean(r, axis=1).numpy(), expected)


@FAST
@given(nested_rows())
def test_reductions_of_two_ragged_dimensions(python_rows):
    r = ragged(python_rows, ragged_rank=2)
    assert tg.reduce_sum(r, axis=2).to_list() == [[sum(inner) for inner in row] for row in python_rows]
    assert int(tg.reduce_sum(r, axis=[1, 2]).numpy().sum()) == sum(sum(map(sum, row)) for row in python_rows)
    columns = [[[inner[j] for inner in row if len(inner) > j] for j in range(max(map(len, row), default=0))]
               for row in python_rows]
    assert tg.reduce_sum(r, axis=1).to_list() == [[sum(c) for c in row] for row in columns]
    assert tg.reduce_min(r, axis=1).to_list() == [[min(c) for c in row] for row in columns]


def test_inner_uniform_axes_reduce_the_flat_values():
    r = tg.RaggedTensor.from_row_lengths(tg.constant([[1, 2], [3, 4], [5, 6]]), [2, 0, 1])
    assert tg.reduce_sum(r, axis=2).to_list() == [[3, 7], [], [11]]
    assert tg.reduce_sum(r, axis=1).numpy().tolist() == [[4, 6], [0, 0], [5, 6]]


# ----- tg.function ----------------------------------------------------------------------------------------

def test_a_function_does_not_retrace_for_other_row_lengths():
    f = tg.function(lambda r: tg.reduce_sum(r * r, axis=1))
    for python_rows in ([[1, 2], [3]], [[], [4, 5, 6]], [[7], []]):
        assert f(ragged(python_rows)).numpy().tolist() == [sum(v * v for v in row) for row in python_rows]
    assert f.experimental_get_tracing_count() == 1


def test_a_ragged_input_signature_accepts_any_number_of_rows_and_returns_ragged_tensors():
    spec = tg.RaggedTensorSpec([None, None], tg.int32)
    f = tg.function(lambda r: r + 1, input_signature=[spec])
    assert f(ragged([[1], [], [2, 3]])).to_list() == [[2], [], [3, 4]]
    assert f(ragged([[5]])).to_list() == [[6]]
    assert f.experimental_get_tracing_count() == 1
    with pytest.raises(TypeError):
        f(ragged([[1.0]], dtype=tg.float32))


@FAST
@given(rows())
def test_every_elementwise_op_of_tg_takes_ragged_tensors(python_rows):
    r = ragged(python_rows, dtype=tg.float64)
    assert tg.exp(r).to_list() == [[float(np.exp(v)) for v in row] for row in python_rows]
    assert tg.maximum(r, 0.0).to_list() == [[max(v, 0.0) for v in row] for row in python_rows]
    assert tg.math.subtract(1.0, r).to_list() == [[1.0 - v for v in row] for row in python_rows]
    assert tg.cast(r, tg.int32).to_list() == [[int(v) for v in row] for row in python_rows]


def test_traced_operands_with_other_row_partitions_are_an_error_when_the_graph_runs():
    spec = tg.RaggedTensorSpec([None, None], tg.float32, ragged_rank=1)
    add = tg.function(lambda a, b: a + b, input_signature=[spec, spec])
    a = tg.ragged.constant([[1.0, 2.0], [3.0]])
    assert add(a, a).to_list() == [[2.0, 4.0], [6.0]]
    for other in ([[1.0], [2.0, 3.0]], [[1.0, 2.0], [3.0], [4.0]]):
        with pytest.raises(tg.errors.InvalidArgumentError, match="same row partitions"):
            add(a, tg.ragged.constant(other))


def test_equality_and_true_division_take_ragged_operands():
    r = tg.ragged.constant([[1.0, 2.0], [3.0]])
    assert tg.equal(r, r).to_list() == [[True, True], [True]]
    assert tg.not_equal(r, 2.0).to_list() == [[True, False], [True]]
    assert tg.math.truediv(r, 2.0).to_list() == [[0.5, 1.0], [1.5]]
    assert tg.math.truediv(tg.ragged.constant([[1, 2], [3]]), 2).to_list() == [[0.5, 1.0], [1.5]]
