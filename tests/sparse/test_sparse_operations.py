"""The tg.sparse functions against NumPy/scipy references, their errors, and their gradients."""
import numpy as np
import pytest

import tracegraph as tg
from sparse_samples import random_sparse


def _sparse(shape, seed=0, density=0.3, dtype=np.float64):
    dense, indices, values = random_sparse(shape, density, seed, dtype)
    return dense, tg.SparseTensor(indices, values, shape)


def _dense(s):
    return tg.sparse.to_dense(s).numpy()


def _shuffled(s, seed=0):
    order = np.random.default_rng(seed).permutation(s.indices.shape[0])
    return tg.SparseTensor(s.indices.numpy()[order], s.values.numpy()[order], s.dense_shape)


@pytest.mark.parametrize("shape", [(4, 5), (2, 3, 4), (6,), (0, 3), ()])
def test_from_dense_and_back(shape):
    dense, _ = _sparse(shape, seed=3)
    s = tg.sparse.from_dense(dense)
    np.testing.assert_array_equal(s.indices.numpy(), np.argwhere(dense != 0))
    np.testing.assert_array_equal(_dense(s), dense)


def test_sums_and_maxima_of_a_scalar():
    s = tg.sparse.from_dense(np.float64(-3.0))
    assert s.indices.shape == (1, 0)
    assert tg.sparse.reduce_sum(s).numpy() == -3.0 and tg.sparse.reduce_max(s).numpy() == -3.0


def test_to_dense_default_value():
    dense, s = _sparse((3, 4), seed=2)
    np.testing.assert_array_equal(tg.sparse.to_dense(s, default_value=-1.0).numpy(),
                                  np.where(dense != 0, dense, -1.0))


def test_to_dense_checks_order_and_bounds():
    with pytest.raises(tg.errors.InvalidArgumentError, match=r"indices\[1\] = \[0,0\] is out of order"):
        tg.sparse.to_dense(tg.SparseTensor([[1, 0], [0, 0]], [1., 2.], [2, 2]))
    with pytest.raises(tg.errors.InvalidArgumentError, match=r"indices\[1\] = \[1,0\] is repeated"):
        tg.sparse.to_dense(tg.SparseTensor([[1, 0], [1, 0]], [1., 2.], [2, 2]))
    with pytest.raises(tg.errors.InvalidArgumentError, match=r"\[2,1\] is out of bounds: need 0 <= index < \[2,2\]"):
        tg.sparse.to_dense(tg.SparseTensor([[2, 1]], [1.], [2, 2]))
    with pytest.raises(TypeError, match="sp_input"):
        tg.sparse.to_dense(tg.constant([1.]))


def test_reorder_sorts_row_major():
    dense, s = _sparse((4, 3, 2), seed=5)
    u = _shuffled(s)
    r = tg.sparse.reorder(u)
    np.testing.assert_array_equal(r.indices.numpy(), s.indices.numpy())
    np.testing.assert_array_equal(_dense(r), dense)


@pytest.mark.parametrize("new_shape", [[6, 4], [-1, 2], [24], [2, 3, 4]])
def test_reshape(new_shape):
    dense, s = _sparse((4, 6), seed=7)
    np.testing.assert_array_equal(_dense(tg.sparse.reshape(s, new_shape)), dense.reshape(new_shape))


def test_reshape_to_another_size_is_an_error():
    _, s = _sparse((4, 6))
    with pytest.raises(tg.errors.InvalidArgumentError, match="24 dense values"):
        tg.sparse.reshape(s, [5, 5])


@pytest.mark.parametrize("perm", [None, [0, 2, 1], [2, 0, 1]])
def test_transpose(perm):
    dense, s = _sparse((2, 3, 4), seed=9)
    np.testing.assert_array_equal(_dense(tg.sparse.transpose(s, perm)), np.transpose(dense, perm))


@pytest.mark.parametrize("start, size", [([1, 0], [2, 3]), ([0, 2], [10, 10]), ([3, 3], [1, 1]), ([5, 0], [1, 2])])
def test_slice(start, size):
    dense, s = _sparse((4, 5), seed=11, density=0.5)
    stop = [min(a + b, n) for a, b, n in zip(start, size, dense.shape)]
    box = tuple(slice(min(a, n), b) for a, b, n in zip(start, stop, dense.shape))
    np.testing.assert_array_equal(_dense(tg.sparse.slice(s, start, size)), dense[box])


def test_retain():
    dense, s = _sparse((3, 4), seed=12, density=0.6)
    keep = np.arange(s.values.shape[0]) % 2 == 0
    expected = np.zeros_like(dense)
    kept = s.indices.numpy()[keep]
    expected[tuple(kept.T)] = s.values.numpy()[keep]
    np.testing.assert_array_equal(_dense(tg.sparse.retain(s, keep)), expected)


def test_add_sparse_sparse_and_sparse_dense():
    a_dense, a = _sparse((4, 5), seed=13)
    b_dense, b = _sparse((4, 5), seed=14)
    total = tg.sparse.add(a, _shuffled(b))
    assert isinstance(total, tg.SparseTensor)
    np.testing.assert_allclose(_dense(total), a_dense + b_dense)
    np.testing.assert_allclose(tg.sparse.add(a, b_dense).numpy(), a_dense + b_dense)
    np.testing.assert_allclose(tg.sparse.add(b_dense, a).numpy(), a_dense + b_dense)


def test_add_threshold_drops_small_sums():
    a = tg.SparseTensor([[0, 0], [1, 1]], [1.0, 0.25], [2, 2])
    b = tg.SparseTensor([[0, 0]], [-0.9], [2, 2])
    total = tg.sparse.add(a, b, threshold=0.2)
    np.testing.assert_array_equal(total.indices.numpy(), [[1, 1]])


def test_add_of_different_shapes_is_an_error():
    with pytest.raises(ValueError, match="shapes"):
        tg.sparse.add(_sparse((2, 3))[1], _sparse((3, 2))[1])


@pytest.mark.parametrize("function, reference", [(tg.sparse.maximum, np.maximum), (tg.sparse.minimum, np.minimum)])
def test_maximum_and_minimum_on_the_union(function, reference):
    a_dense, a = _sparse((4, 5), seed=15)
    b_dense, b = _sparse((4, 5), seed=16)
    result = function(a, b)
    union = np.argwhere((a_dense != 0) | (b_dense != 0))
    np.testing.assert_array_equal(result.indices.numpy(), union)
    np.testing.assert_allclose(_dense(result), reference(a_dense, b_dense))


@pytest.mark.parametrize("axis", [None, 0, 1, -1, [0, 2], (1, 2)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reduce_sum(axis, keepdims):
    dense, s = _sparse((3, 4, 2), seed=17)
    np_axis = tuple(axis) if isinstance(axis, (list, tuple)) else axis
    np.testing.assert_allclose(tg.sparse.reduce_sum(s, axis, keepdims=keepdims).numpy(),
                               dense.sum(axis=np_axis, keepdims=keepdims))


def test_reduce_sum_sparse_output():
    dense, s = _sparse((5, 4), seed=18, density=0.2)
    out = tg.sparse.reduce_sum(s, 1, output_is_sparse=True)
    assert isinstance(out, tg.SparseTensor)
    np.testing.assert_array_equal(out.indices.numpy()[:, 0], np.flatnonzero((dense != 0).any(axis=1)))
    np.testing.assert_allclose(_dense(out), dense.sum(axis=1))


def _stored_max(dense, axis):
    """NumPy reference of TF's sparse reduce_max: implicit zeros do not count; empty groups give 0."""
    masked = np.where(dense != 0, dense, -np.inf).max(axis=axis)
    return np.where(np.isneginf(masked), 0, masked)


@pytest.mark.parametrize("axis", [None, 0, 1])
def test_reduce_max_ignores_implicit_zeros(axis):
    dense, s = _sparse((6, 3), seed=19, density=0.4)
    dense = -np.abs(dense)
    s = tg.SparseTensor(s.indices, -np.abs(s.values.numpy()), s.dense_shape)
    np.testing.assert_allclose(tg.sparse.reduce_max(s, axis).numpy(), _stored_max(dense, axis))


def test_reduce_max_docs_example():
    y = tg.SparseTensor([[0, 0], [1, 0], [1, 1]], [-7, 4, 3], [3, 2])
    np.testing.assert_array_equal(tg.sparse.reduce_max(y, 1).numpy(), [-7, 4, 0])


@pytest.mark.parametrize("adjoint_a", [False, True])
@pytest.mark.parametrize("adjoint_b", [False, True])
def test_sparse_dense_matmul_both_orders(adjoint_a, adjoint_b):
    a_dense, a = _sparse((5, 4), seed=20)
    rng = np.random.default_rng(21)
    op_a = a_dense.T if adjoint_a else a_dense
    b = rng.normal(size=(op_a.shape[1], 3))
    b_given = b.T if adjoint_b else b
    np.testing.assert_allclose(tg.sparse.sparse_dense_matmul(a, b_given, adjoint_a, adjoint_b).numpy(), op_a @ b)
    sp_op = a_dense.T if adjoint_b else a_dense
    d = rng.normal(size=(2, sp_op.shape[0]))
    d_given = d.T if adjoint_a else d
    np.testing.assert_allclose(tg.sparse.sparse_dense_matmul(d_given, a, adjoint_a, adjoint_b).numpy(),
                               d @ sp_op)


@pytest.mark.parametrize("adjoint_a, adjoint_b", [(False, False), (True, False), (False, True), (True, True)])
def test_sparse_dense_matmul_complex_adjoints(adjoint_a, adjoint_b):
    rng = np.random.default_rng(31)
    a_dense, indices, _ = random_sparse((3, 4), 0.5, 32)
    a_dense = a_dense + 1j * (a_dense != 0) * rng.normal(size=a_dense.shape)
    a = tg.SparseTensor(indices, a_dense[tuple(indices.T)], a_dense.shape)
    op_a = a_dense.conj().T if adjoint_a else a_dense
    b = rng.normal(size=(op_a.shape[1], 2)) + 1j * rng.normal(size=(op_a.shape[1], 2))
    b_given = b.conj().T if adjoint_b else b
    np.testing.assert_allclose(tg.sparse.sparse_dense_matmul(a, b_given, adjoint_a, adjoint_b).numpy(), op_a @ b)
    sp_op = a_dense.conj().T if adjoint_b else a_dense
    d = rng.normal(size=(2, sp_op.shape[0])) + 1j * rng.normal(size=(2, sp_op.shape[0]))
    d_given = d.conj().T if adjoint_a else d
    np.testing.assert_allclose(tg.sparse.sparse_dense_matmul(d_given, a, adjoint_a, adjoint_b).numpy(), d @ sp_op)


def test_sparse_dense_matmul_errors():
    _, a = _sparse((5, 4))
    with pytest.raises(ValueError, match="4 columns, `b` 3 rows"):
        tg.sparse.sparse_dense_matmul(a, np.ones((3, 2)))
    with pytest.raises(tg.errors.InvalidArgumentError, match="out of bounds"):
        tg.sparse.sparse_dense_matmul(tg.SparseTensor([[7, 0]], [1.], [5, 4]), np.ones((4, 2)))


def test_sparse_dense_matmul_gradients():
    a_dense, a = _sparse((5, 4), seed=22, density=0.5)
    b = tg.constant(np.random.default_rng(23).normal(size=(4, 3)))

    def loss(values, dense):
        s = tg.SparseTensor(a.indices, values, a.dense_shape)
        return tg.reduce_sum(tg.sin(tg.sparse.sparse_dense_matmul(s, dense)))

    tg.test.check_gradients(loss, [a.values, b])

    def loss_adjoint(values, dense):
        s = tg.SparseTensor(a.indices, values, a.dense_shape)
        return tg.reduce_sum(tg.sin(tg.sparse.sparse_dense_matmul(dense, s, adjoint_a=True)))

    tg.test.check_gradients(loss_adjoint, [a.values, tg.constant(np.ones((5, 3)))])


def test_gradients_through_to_dense_and_reduce_sum():
    _, a = _sparse((3, 4), seed=24, density=0.5)

    def loss(values, default):
        s = tg.SparseTensor(a.indices, values, a.dense_shape)
        return tg.reduce_sum(tg.sparse.to_dense(s, default) ** 2) + tg.reduce_sum(tg.sparse.reduce_sum(s, 0) ** 3)

    tg.test.check_gradients(loss, [a.values, tg.constant(0.5, tg.float64)])


def test_to_indicator():
    s = tg.SparseTensor([[0, 0], [0, 1], [1, 0], [1, 2]], [0, 3, 2, 2], [2, 3])
    expected = np.zeros((2, 4), bool)
    expected[0, [0, 3]] = True
    expected[1, 2] = True
    np.testing.assert_array_equal(tg.sparse.to_indicator(s, 4).numpy(), expected)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_concat(axis):
    a_dense, a = _sparse((2, 3), seed=25)
    b_dense, b = _sparse((2, 3), seed=26)
    result = tg.sparse.concat(axis, [a, b])
    np.testing.assert_array_equal(_dense(result), np.concatenate([a_dense, b_dense], axis=axis))


def test_concat_expands_other_dims_on_request():
    a_dense, a = _sparse((2, 3), seed=27)
    b_dense, b = _sparse((3, 2), seed=28)
    with pytest.raises(ValueError, match="differ outside"):
        tg.sparse.concat(1, [a, b])
    expected = np.zeros((3, 5))
    expected[:2, :3], expected[:3, 3:] = a_dense, b_dense
    np.testing.assert_array_equal(_dense(tg.sparse.concat(1, [a, b], expand_nonconcat_dims=True)), expected)


def test_operations_inside_a_function_match_eager():
    _, a = _sparse((5, 4), seed=29)
    b = tg.constant(np.random.default_rng(30).normal(size=(4, 2)))

    def compute(s, d):
        moved = tg.sparse.transpose(tg.sparse.reorder(s))
        return (tg.sparse.sparse_dense_matmul(s, d), tg.sparse.to_dense(moved), tg.sparse.reduce_sum(s, 1),
                tg.sparse.add(s, s))

    traced = tg.function(compute, fallback="error")(a, b)
    for got, want in zip(tg.nest.flatten(traced, expand_composites=True),
                         tg.nest.flatten(compute(a, b), expand_composites=True)):
        np.testing.assert_allclose(got.numpy(), want.numpy())
