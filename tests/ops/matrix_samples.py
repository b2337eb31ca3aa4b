"""Sample matrices for the linear-algebra op tests, and a gradient-check shorthand."""
import numpy as np
from hypothesis import strategies as st

import tracegraph as tg
from tracegraph.test import check_gradients

batch_shapes = st.lists(st.integers(1, 3), min_size=0, max_size=2).map(tuple)
seeds = st.integers(0, 2**31 - 1)


def rand(seed, shape, dtype=np.float64):
    """A NumPy array of standard normal noise (reproducible by `seed`)."""
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def spd(seed, n, batch=(), dtype=np.float64):
    """A well-conditioned symmetric positive definite matrix (batch)."""
    a = rand(seed, batch + (n, n))
    return (a @ np.swapaxes(a, -1, -2) + n * np.eye(n)).astype(dtype)


def well_conditioned(seed, n, batch=()):
    """A square matrix (batch) with a dominant diagonal, far from singular."""
    return rand(seed, batch + (n, n)) + 3 * n * np.eye(n)


def sym(a):
    """Symmetrize: finite differences then see what the symmetric-input ops see."""
    return 0.5 * (a + tg.linalg.matrix_transpose(a))


def grads_ok(f, *arrays, **kw):
    """`check_gradients` of `f` at the given NumPy arrays."""
    check_gradients(f, [tg.constant(a) for a in arrays], **kw)


def spec(shape, dtype=tg.float64):
    """A TensorSpec (float64 by default), for input signatures and shape rules."""
    return tg.TensorSpec(shape, dtype)


def gradients_of_squares(f):
    """A function of tensors returning the gradients of sum(|f(...)|**2) with respect to each of them."""
    def gradients(*args):
        with tg.GradientTape() as tape:
            tape.watch(list(args))
            loss = tg.reduce_sum(tg.square(tg.abs(f(*args))))
        return tape.gradient(loss, list(args))
    return gradients
