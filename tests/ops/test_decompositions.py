"""cholesky, eigh, svd, qr (ops/decompositions.py): values against NumPy, TF's gradient conventions."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import tracegraph as tg

from array_samples import FAST
from matrix_samples import batch_shapes, grads_ok, rand, seeds, spd, sym

L = tg.linalg


# ----- decompositions -------------------------------------------------------------------------

@FAST
@given(batch_shapes, st.integers(1, 4), seeds)
def test_cholesky_and_eigh_like_numpy(batch, n, seed):
    a = spd(seed, n, batch)
    np.testing.assert_allclose(L.cholesky(a).numpy(), np.linalg.cholesky(a), rtol=1e-10, atol=1e-12)
    e, v = L.eigh(a)
    np.testing.assert_allclose(e.numpy(), np.linalg.eigvalsh(a), rtol=1e-10)
    np.testing.assert_allclose(L.eigvalsh(a).numpy(), np.linalg.eigvalsh(a), rtol=1e-10)
    vn, en = v.numpy(), e.numpy()
    np.testing.assert_allclose((vn * en[..., None, :]) @ np.swapaxes(vn, -1, -2), a, atol=1e-9)


def test_cholesky_gradient_is_tfs_symmetric_one():
    grads_ok(lambda a: L.cholesky(sym(a)), spd(0, 3, (2,)))
    with tg.GradientTape() as tape:
        a = tg.constant(spd(1, 3))
        tape.watch(a)
        y = tg.reduce_sum(L.cholesky(a))
    g = tape.gradient(y, a).numpy()
    np.testing.assert_allclose(g, g.T)


def test_eigh_gradients():
    grads_ok(lambda a: L.eigh(a)[0], spd(0, 3, (2,)))  # lower triangle: FD agree directly
    grads_ok(lambda a: tg.reduce_sum(tg.square(L.eigvalsh(sym(a)))), spd(1, 3))

    def projector_of_smallest(a):  # invariant to the eigenvector's sign
        e, v = L.eigh(sym(a))
        return tg.matmul(v[..., :1], v[..., :1], transpose_b=True)

    grads_ok(projector_of_smallest, spd(2, 3))

    def reconstruct(a):
        e, v = L.eigh(sym(a))
        return tg.matmul(v * tg.square(e)[..., None, :], v, transpose_b=True)

    grads_ok(reconstruct, spd(3, 3, (2,)))


@FAST
@given(batch_shapes, st.integers(1, 4), st.integers(1, 4), st.booleans(), seeds)
def test_svd_like_numpy(batch, rows, cols, full, seed):
    x = rand(seed, batch + (rows, cols))
    s, u, v = L.svd(x, full_matrices=full)
    u_np, s_np, vh_np = np.linalg.svd(x, full_matrices=full)
    np.testing.assert_allclose(s.numpy(), s_np, rtol=1e-10, atol=1e-12)
    assert u.shape == u_np.shape and v.shape == np.swapaxes(vh_np, -1, -2).shape
    k = min(rows, cols)
    recon = (u.numpy()[..., :k] * s.numpy()[..., None, :]) @ np.swapaxes(v.numpy()[..., :k], -1, -2)
    np.testing.assert_allclose(recon, x, atol=1e-10)
    np.testing.assert_allclose(L.svd(x, compute_uv=False).numpy(), s_np, rtol=1e-10, atol=1e-12)


def test_svd_gradients():
    grads_ok(lambda a: L.svd(a, compute_uv=False), rand(0, (2, 4, 3)))
    grads_ok(lambda a: L.svd(a)[0], rand(1, (3, 4)))

    def reconstruct(a):
        s, u, v = L.svd(a)
        return tg.matmul(u * s[..., None, :], v, transpose_b=True)

    def projectors(a):  # sign-invariant products of singular vectors
        s, u, v = L.svd(a)
        return tg.concat([tg.reshape(tg.matmul(u[..., :1], u[..., :1], transpose_b=True), [-1]),
                          tg.reshape(tg.matmul(v[..., :2], v[..., :2], transpose_b=True), [-1]),
                          tg.reshape(tg.matmul(u[..., :1], v[..., :1], transpose_b=True), [-1])], 0)

    for shape in [(3, 3), (4, 3), (3, 5)]:
        grads_ok(reconstruct, rand(2, shape))
        grads_ok(projectors, rand(3, shape))


def test_svd_full_matrices_gradient_limit():
    with tg.GradientTape() as tape:
        x = tg.constant(rand(0, (3, 2)))
        tape.watch(x)
        s, u, v = L.svd(x, full_matrices=True)
        y = tg.reduce_sum(u)
    with pytest.raises(NotImplementedError, match="full_matrices"):
        tape.gradient(y, x)


@pytest.mark.parametrize("shape", [(3, 3), (4, 3), (2, 4), (2, 3, 2)])
@pytest.mark.parametrize("full", [False, True])
def test_qr(shape, full):
    x = rand(0, shape)
    q, r = L.qr(x, full_matrices=full)
    q_np, r_np = np.linalg.qr(x, mode="complete" if full else "reduced")
    assert q.shape == q_np.shape and r.shape == r_np.shape
    np.testing.assert_allclose(q.numpy() @ r.numpy(), x, atol=1e-12)
    np.testing.assert_allclose(np.triu(r.numpy()), r.numpy())
    qn = q.numpy()
    gram = np.swapaxes(qn, -1, -2) @ qn
    np.testing.assert_allclose(gram, np.broadcast_to(np.eye(qn.shape[-1]), gram.shape), atol=1e-12)


@pytest.mark.parametrize("shape", [(3, 3), (4, 3), (3, 5), (2, 3, 2)])
def test_qr_gradients(shape):
    def both(a):
        q, r = L.qr(a)
        return tg.concat([tg.reshape(q, [-1]), tg.reshape(r, [-1])], 0)

    grads_ok(both, rand(0, shape))
