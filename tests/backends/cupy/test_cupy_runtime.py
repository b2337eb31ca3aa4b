"""Run-time tests of the CuPy backend: they need a CUDA GPU and are skipped without one."""
import numpy as np
import pytest

import tracegraph as tg
from tracegraph_backends.cupy import CupyBackend

pytestmark = [pytest.mark.gpu,
              pytest.mark.skipif(not CupyBackend().is_available(),
                                 reason="no CUDA GPU (or CuPy) on this machine")]


def test_fused_kernel_matches_numpy_on_the_gpu():
    f = tg.function(lambda z: tg.where(z >= 0.0, z, tg.exp(z) - 1), backend="cupy")
    x = np.linspace(-3, 3, 100001, dtype=np.float32)
    got = f(tg.constant(x))
    np.testing.assert_allclose(np.asarray(got), np.where(x >= 0, x, np.expm1(x)), rtol=2e-6, atol=1e-6)


def test_fused_reduction_on_the_gpu():
    f = tg.function(lambda p, y: tg.reduce_mean(tg.square(p - y)), backend="cupy")
    p = np.random.RandomState(0).randn(1 << 20).astype(np.float32)
    y = np.zeros_like(p)
    got = float(f(tg.constant(p), tg.constant(y)))
    assert abs(got - np.mean(p.astype(np.float64) ** 2)) < 1e-6 * np.mean(p.astype(np.float64) ** 2)


def test_eager_ops_under_a_gpu_device_keep_arrays_on_the_gpu():
    with tg.device("/gpu:0"):
        t = tg.constant([1.0, 2.0]) * 2.0
    assert "GPU" in t.device


@pytest.mark.parametrize("size", [100, 1 << 20])
def test_an_integer_zero_divisor_raises_as_eagerly_on_the_gpu(size):
    f = tg.function(lambda x, y: x // y + 1, backend="cupy")
    x = tg.constant(np.arange(size, dtype=np.int32))
    with pytest.raises(tg.errors.InvalidArgumentError, match="Integer division by zero"):
        f(x, tg.constant(np.zeros(size, dtype=np.int32)))
    minimum = np.iinfo(np.int64).min
    g = tg.function(lambda x, y: (x // y, x % y), backend="cupy")
    quotient, remainder = g(tg.constant(np.full(size, minimum)), tg.constant(np.full(size, -1, dtype=np.int64)))
    assert (np.asarray(quotient) == minimum).all() and (np.asarray(remainder) == 0).all()
