"""Gathers and scatters (ops/gather_scatter.py): gather, gather_nd, the nd scatters, segment sums."""
import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import tracegraph as tg
from tracegraph.ops import gather_scatter
from tracegraph.core.dispatch import bind

from array_samples import FAST, arange, noncontiguous, rand
from symbolic import tracing, value


# ----- gather ---------------------------------------------------------------------------------

def np_gather(params, indices, axis, batch_dims):
    if batch_dims == 0:
        return np.take(params, indices, axis=axis)
    return np.stack([np_gather(p, i, axis - 1, batch_dims - 1) for p, i in zip(params, indices)])


@st.composite
def gather_cases(draw):
    batch_dims = draw(st.integers(0, 2))
    params_shape = draw(hnp.array_shapes(min_dims=batch_dims + 1, max_dims=batch_dims + 3, min_side=1,
                                         max_side=3))
    axis = draw(st.integers(batch_dims, len(params_shape) - 1))
    inner = draw(hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=3))
    indices_shape = params_shape[:batch_dims] + inner
    indices = draw(hnp.arrays(np.int32, indices_shape, elements=st.integers(0, params_shape[axis] - 1)))
    negative_axis = draw(st.booleans())
    return params_shape, indices, axis - len(params_shape) if negative_axis else axis, batch_dims


@FAST
@given(gather_cases())
def test_gather_matches_numpy(case):
    shape, indices, axis, batch_dims = case
    a = arange(shape)
    got = tg.gather(noncontiguous(a), indices, axis=axis, batch_dims=batch_dims)
    want = np_gather(a, indices, axis % len(shape), batch_dims)
    assert got.shape == want.shape
    np.testing.assert_array_equal(got.numpy(), want)


def test_gather_defaults_dtypes_and_errors():
    a = arange([3, 2])
    assert tg.gather(a, [2, 0]).numpy().tolist() == a[[2, 0]].tolist()
    assert tg.gather(tg.constant([1, 2, 3]), tg.constant([0, 0], tg.int64)).dtype == tg.int32
    assert tg.gather(a, [[0], [1], [1]], batch_dims=1).shape == (3, 1)  # axis defaults to batch_dims
    with pytest.raises(tg.errors.IndexOutOfRangeError, match=r"index 3 .* out of range \[0, 3\)"):
        tg.gather(a, [0, 3])
    with pytest.raises(tg.errors.IndexOutOfRangeError, match=r"index -1"):
        tg.gather(a, [-1])
    with pytest.raises(TypeError, match="int32 or int64"):
        tg.gather(a, tg.constant([0.0]))
    with pytest.raises(ValueError, match="batch dimension 0"):
        tg.gather(a, [[0], [1]], axis=1, batch_dims=1)
    with pytest.raises(ValueError, match="out of range"):
        tg.gather(a, [0], axis=2)


@pytest.mark.parametrize("axis,batch_dims,indices", [
    (0, 0, [1, 0, 1, 1]), (1, 0, [[1, 1], [0, 2]]), (-1, 0, [3, 0]), (1, 1, [[1, 1], [0, 2]]),
    (2, 1, [[3], [0]]), (2, 2, [[[0, 3]] * 3] * 2),
])
def test_gather_gradients(axis, batch_dims, indices):
    x = rand(2, 3, 4)
    tg.test.check_gradients(lambda t: tg.gather(t, indices, axis=axis, batch_dims=batch_dims) * 1.5, [x])


def test_scatter_add_axis_and_its_gradient():
    base = rand(2, 3)
    indices = tg.constant([[2, 2], [0, 1]])
    updates = rand(2, 2, seed=1)
    got = gather_scatter.scatter_add_axis(base, indices, updates, axis=1, batch_dims=1).numpy()
    want = base.numpy().copy()
    want[0, 2] += updates.numpy()[0].sum()
    want[1, 0] += updates.numpy()[1, 0]
    want[1, 1] += updates.numpy()[1, 1]
    np.testing.assert_allclose(got, want)
    tg.test.check_gradients(lambda b, u: gather_scatter.scatter_add_axis(b, indices, u, axis=1, batch_dims=1),
                            [base, updates])


# ----- gather_nd and scatters -----------------------------------------------------------------

def np_gather_nd(params, indices, batch_dims):
    if batch_dims:
        return np.stack([np_gather_nd(p, i, batch_dims - 1) for p, i in zip(params, indices)])
    return params[tuple(np.moveaxis(indices, -1, 0))]


@st.composite
def gather_nd_cases(draw):
    batch_dims = draw(st.integers(0, 1))
    shape = draw(hnp.array_shapes(min_dims=batch_dims + 1, max_dims=batch_dims + 3, min_side=1, max_side=3))
    depth = draw(st.integers(1, len(shape) - batch_dims))
    inner = draw(hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=3))
    columns = [draw(hnp.arrays(np.int64, shape[:batch_dims] + inner,
                               elements=st.integers(0, shape[batch_dims + k] - 1))) for k in range(depth)]
    return shape, np.stack(columns, axis=-1), batch_dims


@FAST
@given(gather_nd_cases())
def test_gather_nd_matches_numpy(case):
    shape, indices, batch_dims = case
    a = arange(shape)
    got = tg.gather_nd(noncontiguous(a), indices, batch_dims=batch_dims)
    want = np_gather_nd(a, indices, batch_dims)
    assert got.shape == want.shape
    np.testing.assert_array_equal(got.numpy(), want)


def test_gather_nd_errors_and_gradients():
    a = rand(3, 4)
    with pytest.raises(tg.errors.IndexOutOfRangeError, match=r"index 4 in indices\[..., 1\]"):
        tg.gather_nd(a, [[0, 4]])
    with pytest.raises(ValueError, match="at most the rank of params"):
        tg.gather_nd(a, [[0, 1, 2]])
    tg.test.check_gradients(lambda t: tg.gather_nd(t, [[0, 1], [2, 3], [0, 1]]) * 2.0, [a])
    tg.test.check_gradients(lambda t: tg.gather_nd(t, [[2], [2], [1]]), [a])
    batched = [[[1], [1]], [[0], [3]], [[2], [2]]]
    tg.test.check_gradients(lambda t: tg.gather_nd(t, batched, batch_dims=1), [a])


@FAST
@given(st.data())
def test_scatter_nd_adds_duplicates(data):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3))
    depth = data.draw(st.integers(1, len(shape)))
    count = data.draw(st.integers(0, 5))
    indices = np.stack([data.draw(hnp.arrays(np.int32, [count], elements=st.integers(0, shape[k] - 1)))
                        for k in range(depth)], axis=-1)
    updates = arange([count] + list(shape[depth:])) + 1
    want = np.zeros(shape)
    np.add.at(want, tuple(indices.T), updates)
    got = tg.scatter_nd(indices, updates, shape)
    assert got.dtype == tg.float64
    np.testing.assert_array_equal(got.numpy(), want)
    base = arange(shape) * 10
    np.testing.assert_array_equal(tg.tensor_scatter_nd_add(base, indices, updates).numpy(), base + want)


def test_scatter_nd_forms_errors_and_gradient():
    indices = tg.constant([[1], [3], [1]])
    updates = tg.constant([9.0, 10.0, 11.0])
    np.testing.assert_array_equal(tg.scatter_nd(indices, updates, tg.constant([5])).numpy(),
                                  [0, 20, 0, 10, 0])
    assert tg.scatter_nd(indices, tg.constant([1, 2, 3]), [4]).dtype == tg.int32
    with pytest.raises(tg.errors.IndexOutOfRangeError, match="index 5"):
        tg.scatter_nd([[5]], [1.0], [4])
    with pytest.raises(ValueError, match="`updates` must have shape"):
        tg.scatter_nd([[1]], [1.0, 2.0], [4])
    u = rand(3, 2)
    tg.test.check_gradients(lambda t: tg.scatter_nd([[1], [3], [1]], t, [4, 2]) * rand(4, 2, seed=1), [u])
    want = tg.scatter_nd([[1], [3], [1]], u, [4, 2]).numpy()
    tg.test.check_gradients(
        lambda t: bind(gather_scatter._scatter_nd_dynamic, [indices, t, tg.constant([4, 2])]), [u])
    with tracing() as g:
        x = g.placeholder(arange([4, 2]), [None, 2])
        out = tg.scatter_nd([[1], [3], [1]], u, tg.shape(x))
        assert out.shape.as_list() == [None, None]
        np.testing.assert_array_equal(value(out), want)


def test_tensor_scatter_nd_update_and_add_gradients():
    tensor = tg.constant(arange([3, 2]))
    got = tg.tensor_scatter_nd_update(tensor, [[0], [2]], [[-1.0, -2.0], [-3.0, -4.0]])
    np.testing.assert_array_equal(got.numpy(), [[-1, -2], [2, 3], [-3, -4]])
    np.testing.assert_array_equal(tg.tensor_scatter_nd_update(tensor, [[1, 1]], [7.0]).numpy(),
                                  [[0, 1], [2, 7], [4, 5]])
    with pytest.raises(TypeError):
        tg.tensor_scatter_nd_update(tensor, [[1, 1]], tg.constant([7], tg.int32))
    t, u = rand(3, 2), rand(2, 2, seed=1)
    w = rand(3, 2, seed=2)
    tg.test.check_gradients(lambda a, b: tg.tensor_scatter_nd_update(a, [[0], [2]], b) * w, [t, u])
    tg.test.check_gradients(lambda a, b: tg.tensor_scatter_nd_add(a, [[0], [0]], b) * w, [t, u])


def test_scatter_add_at_one_position_and_at_repeated_ones_agree_with_numpy():
    base = np.arange(12, dtype=np.float32).reshape(4, 3)
    for indices, updates in (([[2]], [[1.0, 2.0, 3.0]]), ([[1, 1]], [5.0]), ([[3], [3]], [[1.0] * 3, [2.0] * 3])):
        expected = base.copy()
        np.add.at(expected, tuple(np.array(indices).T), np.array(updates, np.float32))
        np.testing.assert_array_equal(tg.tensor_scatter_nd_add(base, indices, updates).numpy(), expected)


# ----- segment sums ---------------------------------------------------------------------------

def test_segment_sums():
    data = tg.constant(arange([4, 2]))
    ids = tg.constant([0, 2, 0, -1])
    got = gather_scatter.unsorted_segment_sum(data, ids, 3)
    np.testing.assert_array_equal(got.numpy(), [[4, 6], [0, 0], [2, 3]])
    np.testing.assert_array_equal(gather_scatter.segment_sum(data, [0, 0, 1, 1]).numpy(), [[2, 4], [10, 12]])
    with pytest.raises(tg.errors.IndexOutOfRangeError, match="segment id 2"):
        gather_scatter.unsorted_segment_sum(data, [0, 2, 0, 0], 2)
    tg.test.check_gradients(lambda t: gather_scatter.unsorted_segment_sum(t, ids, 3) * rand(3, 2, seed=1),
                            [rand(4, 2)])
    tg.test.check_gradients(lambda t: gather_scatter.segment_sum(t, [0, 0, 1, 2]), [rand(4, 2)])
