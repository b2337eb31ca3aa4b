"""Inverses, determinants and solvers (ops/linalg_solve.py): values against NumPy, errors, gradients."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import tracegraph as tg

from array_samples import FAST
from matrix_samples import batch_shapes, grads_ok, rand, seeds, spd, sym, well_conditioned

L = tg.linalg


# ----- inverses, determinants, solvers --------------------------------------------------------

@FAST
@given(batch_shapes, st.integers(1, 4), seeds)
def test_inv_det_slogdet_like_numpy(batch, n, seed):
    a = well_conditioned(seed, n, batch)
    np.testing.assert_allclose(L.inv(a).numpy(), np.linalg.inv(a), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(L.inv(a, adjoint=True).numpy(), np.swapaxes(np.linalg.inv(a), -1, -2),
                               rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(L.det(a).numpy(), np.linalg.det(a), rtol=1e-10)
    sign, logabs = L.slogdet(a)
    np.testing.assert_allclose(sign.numpy(), np.linalg.slogdet(a)[0])
    np.testing.assert_allclose(logabs.numpy(), np.linalg.slogdet(a)[1], rtol=1e-10)


def test_inv_det_logdet_gradients():
    grads_ok(L.inv, well_conditioned(0, 3, (2,)))
    grads_ok(lambda a: L.inv(a, adjoint=True), well_conditioned(1, 3))
    grads_ok(L.det, rand(2, (2, 3, 3)) + 2 * np.eye(3))
    grads_ok(lambda a: L.slogdet(a).log_abs_determinant, rand(3, (2, 3, 3)) + 2 * np.eye(3))
    grads_ok(lambda a: L.logdet(sym(a)), spd(4, 3))
    np.testing.assert_allclose(L.logdet(spd(5, 3)).numpy(), np.linalg.slogdet(spd(5, 3))[1])


@FAST
@given(batch_shapes, batch_shapes, st.integers(1, 4), st.integers(1, 3), st.booleans(), seeds)
def test_solve_broadcasts_batches(batch_a, batch_b, n, k, adjoint, seed):
    batch_b = batch_b if len(batch_b) <= len(batch_a) else batch_b[:len(batch_a)]
    batch_b = tuple(1 if i % 2 else d for i, d in enumerate(batch_a[len(batch_a) - len(batch_b):]))
    a, b = well_conditioned(seed, n, batch_a), rand(seed + 1, batch_b + (n, k))
    got = L.solve(a, b, adjoint=adjoint).numpy()
    matrix = np.swapaxes(a, -1, -2) if adjoint else a
    np.testing.assert_allclose(matrix @ got, np.broadcast_to(b, got.shape), rtol=1e-9, atol=1e-9)


def test_solve_errors_and_gradients():
    with pytest.raises(ValueError, match=r"\(3, 3\).*\(2, 1\)"):
        L.solve(np.eye(3), np.ones((2, 1)))
    with pytest.raises(ValueError, match="rank >= 2"):
        L.solve(np.eye(3), np.ones(3))
    grads_ok(L.solve, spd(0, 3, (2,)), rand(1, (2, 3, 2)))
    grads_ok(lambda a, b: L.solve(a, b, adjoint=True), well_conditioned(2, 3), rand(3, (2, 3, 1)))


def test_triangular_and_cholesky_solve():
    a, b = well_conditioned(0, 3), rand(1, (3, 2))
    lower, upper = np.tril(a), np.triu(a)
    np.testing.assert_allclose(L.triangular_solve(a, b).numpy(), np.linalg.solve(lower, b))
    np.testing.assert_allclose(L.triangular_solve(a, b, lower=False, adjoint=True).numpy(),
                               np.linalg.solve(upper.T, b))
    m = spd(2, 3)
    np.testing.assert_allclose(L.cholesky_solve(np.linalg.cholesky(m), b).numpy(), np.linalg.solve(m, b))
    grads_ok(lambda x, y: L.triangular_solve(x, y, lower=False), a, b)
    grads_ok(lambda x, y: L.cholesky_solve(L.cholesky(sym(x)), y), m, b)


@pytest.mark.parametrize("shape", [(5, 3), (2, 4)])
def test_lstsq(shape):
    a, b = rand(0, shape), rand(1, (shape[0], 2))
    got = L.lstsq(a, b).numpy()
    np.testing.assert_allclose(got, np.linalg.lstsq(a, b, rcond=None)[0], atol=1e-10)
    regularized = L.lstsq(a, b, l2_regularizer=0.5).numpy()
    if shape[0] >= shape[1]:
        expected = np.linalg.solve(a.T @ a + 0.5 * np.eye(shape[1]), a.T @ b)
    else:
        expected = a.T @ np.linalg.solve(a @ a.T + 0.5 * np.eye(shape[0]), b)
    np.testing.assert_allclose(regularized, expected, atol=1e-10)
    grads_ok(lambda x, y: L.lstsq(x, y, l2_regularizer=0.1), a, b)
    with pytest.raises(NotImplementedError, match="fast=True"):
        L.lstsq(a, b, fast=False)
