"""`tg.sparse.split`, `softmax`, `fill_empty_rows` and the sparse segment reductions against NumPy
references (and values recorded from TF 2.21), eagerly and inside `tg.function`, with gradients."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tracegraph as tg
from sparse_samples import random_sparse

FAST = settings(max_examples=20, deadline=None)
_SHAPES = st.lists(st.integers(0, 5), min_size=2, max_size=3)


def sparse_of(dense, indices, values):
    return tg.SparseTensor(indices, values, dense.shape)


@FAST
@given(_SHAPES, st.integers(1, 4), st.data())
def test_split_cuts_the_dense_tensor_as_array_split(shape, num_split, data):
    dense, indices, values = random_sparse(shape, seed=data.draw(st.integers(0, 99)))
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    pieces = tg.sparse.split(sp_input=sparse_of(dense, indices, values), num_split=num_split, axis=axis)
    # TF gives the first size % num_split pieces one more slice, as np.array_split does.
    for piece, expected in zip(pieces, np.array_split(dense, num_split, axis=axis), strict=True):
        assert piece.shape == expected.shape
        np.testing.assert_array_equal(tg.sparse.to_dense(piece).numpy(), expected)


def test_split_as_tensorflow_and_in_a_function():
    sp = tg.SparseTensor([[0, 0], [0, 4], [1, 2], [3, 1], [3, 5], [4, 3]], [1., 2., 3., 4., 5., 6.], [5, 6])
    # From TF 2.21: tf.sparse.split(sp_input=sp, num_split=4, axis=1).
    expected = [([[0, 0], [3, 1]], [1., 4.], [5, 2]), ([[1, 0], [4, 1]], [3., 6.], [5, 2]),
                ([[0, 0]], [2.], [5, 1]), ([[3, 0]], [5.], [5, 1])]
    split = tg.function(lambda s: [(p.indices, p.values, p.dense_shape)
                                   for p in tg.sparse.split(sp_input=s, num_split=4, axis=1)])
    for fn in (lambda s: [(p.indices, p.values, p.dense_shape) for p in
                          tg.sparse.split(sp_input=s, num_split=4, axis=1)], split):
        got = [tuple(t.numpy().tolist() for t in piece) for piece in fn(sp)]
        assert got == expected
    with pytest.raises(ValueError, match="num_split"):
        tg.sparse.split(sp_input=sp, num_split=0, axis=0)


def _softmax_reference(dense, stored):
    """Softmax over the last axis of the stored entries only; 0 where nothing is stored."""
    largest = np.max(dense, axis=-1, keepdims=True, initial=-np.inf, where=stored)
    exps = np.exp(dense - np.where(np.isfinite(largest), largest, 0))
    exps = np.where(stored, exps, 0)
    totals = exps.sum(axis=-1, keepdims=True)
    return np.divide(exps, totals, out=np.zeros_like(exps), where=totals > 0)


@FAST
@given(_SHAPES, st.integers(0, 99))
def test_softmax_over_the_stored_entries_of_the_last_axis(shape, seed):
    dense, indices, values = random_sparse(shape, density=0.5, seed=seed)
    for fn in (tg.sparse.softmax, tg.function(tg.sparse.softmax)):
        result = fn(sparse_of(dense, indices, values))
        assert result.indices.numpy().tolist() == indices.tolist()
        np.testing.assert_allclose(tg.sparse.to_dense(result).numpy(), _softmax_reference(dense, dense != 0),
                                   rtol=1e-12)


def test_softmax_gradient_as_tensorflow_and_against_differences():
    indices = [[0, 0], [0, 4], [1, 2], [3, 1], [3, 5], [4, 3]]
    v = tg.constant([1., 2., 3., 4., 5., 6.])
    with tg.GradientTape() as tape:
        tape.watch(v)
        y = tg.reduce_sum(tg.sparse.softmax(tg.SparseTensor(indices, v, [5, 6])).values * tg.range(1., 7.))
    # From TF 2.21.
    np.testing.assert_allclose(tape.gradient(y, v).numpy(), [-0.19661194, 0.19661193, 0., -0.19661194,
                                                             0.19661193, 0.], atol=1e-6)
    weights = tg.constant(np.arange(1.0, 7.0))
    tg.test.check_gradients(lambda x: tg.sparse.softmax(tg.SparseTensor(indices, x, [5, 6])).values * weights,
                            [tg.constant(np.linspace(-1.0, 2.0, 6))])


@FAST
@given(st.integers(0, 5), st.lists(st.integers(1, 4), min_size=1, max_size=2), st.integers(0, 99))
def test_fill_empty_rows_adds_the_default_at_column_zero_of_empty_rows(nrows, inner, seed):
    shape = [nrows, *inner]
    dense, indices, values = random_sparse(shape, density=0.2, seed=seed)
    empty = ~(dense != 0).reshape(nrows, int(np.prod(inner))).any(axis=1)
    expected = dense.copy()
    expected[(empty.nonzero()[0],) + (0,) * len(inner)] = -1.0
    for fn in (tg.sparse.fill_empty_rows, tg.function(tg.sparse.fill_empty_rows)):
        result, was_empty = fn(sparse_of(dense, indices, values), -1.0)
        assert was_empty.numpy().tolist() == empty.tolist()
        np.testing.assert_array_equal(tg.sparse.to_dense(result).numpy(), expected)  # checks row-major order


def test_fill_empty_rows_as_tensorflow_with_gradients():
    sp = tg.SparseTensor([[0, 0], [0, 4], [1, 2], [3, 1], [3, 5], [4, 3]], [1., 2., 3., 4., 5., 6.], [5, 6])
    result, empty = tg.sparse.fill_empty_rows(sp, -1.)
    # From TF 2.21.
    assert result.indices.numpy().tolist() == [[0, 0], [0, 4], [1, 2], [2, 0], [3, 1], [3, 5], [4, 3]]
    assert result.values.numpy().tolist() == [1., 2., 3., -1., 4., 5., 6.]
    assert empty.numpy().tolist() == [False, False, True, False, False]
    v, d = tg.constant([1., 2., 3., 4., 5., 6.]), tg.constant(0.5)
    with tg.GradientTape() as tape:
        tape.watch([v, d])
        filled, _ = tg.sparse.fill_empty_rows(tg.SparseTensor(sp.indices, v, sp.dense_shape), d)
        y = tg.reduce_sum(filled.values * tg.range(1., 8.))
    grad_v, grad_d = tape.gradient(y, [v, d])
    assert grad_v.numpy().tolist() == [1., 2., 3., 5., 6., 7.] and float(grad_d) == 4.0


_SEGMENTS = st.lists(st.integers(0, 4), max_size=8).map(sorted)


def _sparse_segment_reference(data, indices, ids, num_segments, scale):
    out = np.zeros((num_segments,) + data.shape[1:])
    counts = np.zeros(num_segments)
    for index, segment in zip(indices, ids):
        out[segment] += data[index]
        counts[segment] += 1
    scales = np.array([scale(c) if c else 1.0 for c in counts]).reshape((-1,) + (1,) * (data.ndim - 1))
    return out / scales


@FAST
@given(_SEGMENTS, st.integers(0, 99), st.booleans())
def test_sparse_segment_reductions(ids, seed, given_count):
    rng = np.random.default_rng(seed)
    data = rng.normal(size=(4, 3))
    indices = rng.integers(0, 4, size=len(ids))
    num_segments = (max(ids) + 1 if ids else 0) + (2 if given_count else 0)
    for fn, scale in ((tg.sparse.segment_sum, lambda c: 1.0), (tg.sparse.segment_mean, lambda c: c),
                      (tg.sparse.segment_sqrt_n, np.sqrt)):
        result = fn(data, indices, tg.constant(ids, dtype=tg.int32), num_segments=num_segments if given_count else None)
        np.testing.assert_allclose(result.numpy(),
                                   _sparse_segment_reference(data, indices, ids, num_segments, scale), rtol=1e-12)


def test_sparse_segment_reductions_as_tensorflow_with_gradients():
    data = tg.constant([[1., 2.], [3., 4.], [5., 6.]])
    # From TF 2.21.
    np.testing.assert_allclose(tg.sparse.segment_sqrt_n(data, [0, 2, 2], [0, 0, 2], num_segments=4).numpy(),
                               [[4.2426405, 5.656854], [0, 0], [5, 6], [0, 0]], rtol=1e-6)
    assert tg.sparse.segment_mean(data, [0, 2, 2], [0, 0, 2]).numpy().tolist() == [[3, 4], [0, 0], [5, 6]]
    ids = [0, 0, 1, 3]
    tg.test.check_gradients(lambda d: tg.sparse.segment_sqrt_n(d, [2, 0, 2, 1], ids) +
                            tg.sparse.segment_mean(d, [1, 1, 0, 2], ids), [tg.constant(np.arange(6.0).reshape(3, 2))])


def test_the_gradient_is_sparse_only_when_asked_as_in_tensorflow():
    data = tg.constant([[1., 2.], [3., 4.], [5., 6.]])
    for sparse_gradient, kind in ((False, tg.Tensor), (True, tg.IndexedSlices)):
        with tg.GradientTape() as tape:
            tape.watch(data)
            y = tg.reduce_sum(tg.sparse.segment_sum(data, [0, 2], [0, 1], sparse_gradient=sparse_gradient))
        gradient = tape.gradient(y, data)
        assert isinstance(gradient, kind)  # TF 2.21: EagerTensor, then IndexedSlices
        np.testing.assert_array_equal(tg.convert_to_tensor(gradient).numpy(), [[1, 1], [0, 0], [1, 1]])
