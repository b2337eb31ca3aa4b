"""tg.sparse.eye, expand_dims and map_values against NumPy references."""
import numpy as np
import pytest

import tracegraph as tg
from sparse_samples import random_sparse


@pytest.mark.parametrize("rows, columns", [(3, None), (2, 4), (4, 2), (0, 3)])
def test_eye(rows, columns):
    s = tg.sparse.eye(rows, columns, dtype=tg.float64)
    np.testing.assert_array_equal(tg.sparse.to_dense(s).numpy(), np.eye(rows, columns))
    assert s.dtype == tg.float64


@pytest.mark.parametrize("axis", [None, 0, 1, -1, 2, -3])
def test_expand_dims(axis):
    dense, indices, values = random_sparse((3, 4), seed=40)
    s = tg.sparse.expand_dims(tg.SparseTensor(indices, values, dense.shape), axis)
    expected = np.expand_dims(dense, -1 if axis is None else axis)
    assert s.shape == expected.shape
    np.testing.assert_array_equal(tg.sparse.to_dense(s).numpy(), expected)


def test_expand_dims_axis_out_of_range():
    with pytest.raises(ValueError, match="axis 3 is out of range"):
        tg.sparse.expand_dims(tg.sparse.eye(2), 3)


def test_map_values_applies_the_op_to_the_values():
    dense, indices, values = random_sparse((3, 4), seed=41)
    s = tg.SparseTensor(indices, values, dense.shape)
    np.testing.assert_allclose(tg.sparse.to_dense(tg.sparse.map_values(tg.add, s, 1.0)).numpy(),
                               np.where(dense != 0, dense + 1, 0))
    product = tg.sparse.map_values(tg.multiply, s, s)
    np.testing.assert_allclose(tg.sparse.to_dense(product).numpy(), dense * dense)


def test_map_values_needs_matching_indices_and_a_sparse_argument():
    a = tg.SparseTensor([[0, 0], [1, 1]], [1., 2.], [2, 2])
    with pytest.raises(tg.errors.InvalidArgumentError, match="same indices"):
        tg.sparse.map_values(tg.add, a, tg.SparseTensor([[0, 1], [1, 1]], [1., 2.], [2, 2]))
    with pytest.raises(ValueError, match="same indices"):
        tg.sparse.map_values(tg.add, a, tg.SparseTensor([[0, 1]], [1.], [2, 2]))
    with pytest.raises(ValueError, match="no SparseTensor"):
        tg.sparse.map_values(tg.add, tg.ones([2]), 1.0)
