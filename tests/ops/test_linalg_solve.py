"""Inverses, determinants and solvers (ops/linalg_solve.py): values against NumPy, errors, gradients."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import tracegraph as tg

from array_samples import FAST
from matrix_samples import (batch_shapes, gradients_of_squares, grads_ok, rand, seeds, spd, spec, sym,
                            well_conditioned)

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


def _lstsq_reference(a, b, l2_regularizer=0.0):
    """The regularized normal equations, batched, in NumPy (minimum norm when a is wide)."""
    a_h = np.conj(np.swapaxes(a, -1, -2))
    rows, cols = a.shape[-2:]
    if rows >= cols:
        return np.linalg.solve(a_h @ a + l2_regularizer * np.eye(cols), a_h @ b)
    return a_h @ np.linalg.solve(a @ a_h + l2_regularizer * np.eye(rows), b)


# Tall and wide matrices: where the sizes are unknown, the normal equations are chosen at run time.
@pytest.mark.parametrize("signature, static_shape, samples", [
    ([spec([None, None]), spec([None, None])], [None, None], [((4, 3), (4, 2)), ((2, 3), (2, 1))]),
    ([spec([2, None, None]), spec([None, None, 3])], [2, None, 3], [((2, 4, 3), (2, 4, 3)), ((2, 2, 3), (2, 2, 3))]),
    ([spec([None, 3]), spec([None, 2])], [3, 2], [((4, 3), (4, 2)), ((2, 3), (2, 2))]),
    ([spec(None), spec(None)], None, [((4, 3), (4, 2)), ((2, 2, 3), (2, 2, 1))]),
    ([spec([4, 3]), spec(None)], None, [((4, 3), (4, 2))]),
])
def test_lstsq_traced_with_unknown_dimensions(signature, static_shape, samples):
    traced = tg.function(lambda a, b: L.lstsq(a, b, l2_regularizer=0.25), input_signature=signature)
    result_shape = traced.get_concrete_function().structured_outputs.shape
    assert (None if result_shape.rank is None else result_shape.as_list()) == static_shape
    for a_shape, b_shape in samples:
        a, b = rand(0, a_shape), rand(1, b_shape)
        np.testing.assert_allclose(traced(a, b).numpy(), _lstsq_reference(a, b, 0.25), atol=1e-10)


def test_lstsq_traced_matches_numpy_least_squares_and_complex():
    traced = tg.function(L.lstsq, input_signature=[spec(None, tg.complex128)] * 2)
    for rows, cols in [(5, 3), (2, 4)]:
        a = rand(0, (rows, cols)) + 1j * rand(1, (rows, cols))
        b = rand(2, (rows, 2)) + 1j * rand(3, (rows, 2))
        np.testing.assert_allclose(traced(a, b).numpy(), np.linalg.lstsq(a, b, rcond=None)[0], atol=1e-10)


def test_lstsq_gradient_traced_with_unknown_dimensions():
    def gradients(a, b):
        with tg.GradientTape() as tape:
            tape.watch([a, b])
            loss = tg.reduce_sum(tg.square(L.lstsq(a, b, l2_regularizer=0.1)))
        return tape.gradient(loss, [a, b])

    traced = tg.function(gradients, input_signature=[spec([None, None])] * 2)
    for rows, cols in [(5, 3), (2, 4)]:
        a, b = tg.constant(rand(0, (rows, cols))), tg.constant(rand(1, (rows, 2)))
        for got, expected in zip(traced(a, b), gradients(a, b)):
            np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-10, atol=1e-12)


def assert_traced_with_unknown_rank_matches_eager(f, *arrays, dtype=tg.float64):
    """f and its gradients, traced with inputs of unknown rank, give what they give eagerly."""
    tensors = [tg.constant(a) for a in arrays]
    traced = tg.function(f, input_signature=[spec(None, dtype)] * len(arrays))
    np.testing.assert_allclose(traced(*tensors).numpy(), f(*tensors).numpy(), rtol=1e-10, atol=1e-12)
    gradients = gradients_of_squares(f)
    traced_gradients = tg.function(gradients, input_signature=[spec(None, dtype)] * len(arrays))
    for got, expected in zip(traced_gradients(*tensors), gradients(*tensors)):
        np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("a_shape, b_shape", [((5, 3), (5, 2)), ((2, 4), (2, 2)), ((2, 4, 3), (2, 4, 1))])
def test_lstsq_gradient_traced_with_unknown_rank(a_shape, b_shape):
    assert_traced_with_unknown_rank_matches_eager(lambda a, b: L.lstsq(a, b, l2_regularizer=0.1),
                                                  rand(0, a_shape), rand(1, b_shape))


def test_lstsq_complex_gradient_traced_with_unknown_rank():
    a = rand(0, (4, 3)) + 1j * rand(1, (4, 3))
    b = rand(2, (4, 2)) - 1j * rand(3, (4, 2))
    assert_traced_with_unknown_rank_matches_eager(L.lstsq, a, b, dtype=tg.complex128)


@pytest.mark.parametrize("f", [L.solve, lambda a, b: L.solve(a, b, adjoint=True), L.triangular_solve,
                               lambda a, b: L.inv(a) + tg.reduce_sum(L.det(a)) * b,
                               lambda a, b: L.inv(a, adjoint=True) * tg.reduce_sum(L.slogdet(a)[1]) - b],
                         ids=["solve", "solve_adjoint", "triangular_solve", "inv_det", "inv_adjoint_slogdet"])
def test_solvers_traced_with_unknown_rank_match_eager(f):
    assert_traced_with_unknown_rank_matches_eager(f, well_conditioned(0, 3, (2,)), rand(1, (2, 3, 3)))


def test_lstsq_gradients_check_against_finite_differences():
    grads_ok(lambda a, b: L.lstsq(a, b, l2_regularizer=0.1), rand(0, (4, 3)), rand(1, (4, 2)))
    grads_ok(lambda a, b: L.lstsq(a, b, l2_regularizer=0.1), rand(2, (2, 3)), rand(3, (2, 1)))


def test_lstsq_errors():
    with pytest.raises(ValueError, match=r"lstsq.*\(4, 3\).*\(2, 1\)"):
        L.lstsq(rand(0, (4, 3)), rand(1, (2, 1)))
    with pytest.raises(ValueError, match="rank >= 2"):
        L.lstsq(rand(0, (4, 3)), rand(1, (4,)))
    with pytest.raises(TypeError, match="float64 and float32"):
        tg.function(L.lstsq, input_signature=[spec(None), spec(None, tg.float32)]).get_concrete_function()
    with pytest.raises(ValueError, match="rank >= 2"):
        tg.function(L.lstsq, input_signature=[spec([None]), spec(None)]).get_concrete_function()
