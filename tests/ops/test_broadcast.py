"""`unbroadcast` / `broadcast_like`: summing gradients back to an input's shape, and the reverse."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis.extra import numpy as hnp

import tracegraph as tg
from tracegraph.ops.broadcast import broadcast_like, unbroadcast

from array_samples import FAST
from symbolic import tracing


def arange(shape):
    return np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape) + 1


def sum_to(g, shape):
    """NumPy reference: sum `g` over the axes broadcasting added or stretched."""
    lead = g.ndim - len(shape)
    g = g.sum(axis=tuple(range(lead))) if lead else g
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    return g.sum(axis=axes, keepdims=True) if axes else g


@FAST
@given(hnp.mutually_broadcastable_shapes(num_shapes=1, min_dims=0, max_dims=4, max_side=3))
def test_unbroadcast_sums_back_to_the_input_shape(shapes):
    (shape,), full = shapes
    g = arange(full)
    x = tg.zeros(shape, tg.float64)
    got = unbroadcast(tg.constant(g), x)
    assert got.shape == shape
    np.testing.assert_allclose(got.numpy(), sum_to(g, shape))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("full, shape", [
    ((4096, 30), (30,)),          # a bias gradient: summed as ones @ g
    ((4096, 30), (1, 30)),
    ((2, 3, 500, 4), (4,)),       # several leading axes at once
    ((4096, 1), (1,)),            # one column: NumPy's contiguous sum
    ((0, 5), (5,)),               # nothing to sum
])
def test_summing_leading_axes_is_accurate(dtype, full, shape):
    g = np.random.default_rng(5).standard_normal(full).astype(dtype)
    got = unbroadcast(tg.constant(g), tg.zeros(shape, tg.as_dtype(dtype))).numpy()
    assert got.shape == shape and got.dtype == dtype
    single = dtype == np.float32
    np.testing.assert_allclose(got, sum_to(g.astype(np.float64), shape),
                               rtol=2e-5 if single else 1e-12, atol=1e-4 if single else 1e-10)


def test_summing_leading_axes_keeps_infinities_and_nans():
    g = np.ones((100, 3), np.float32)
    g[7, 0], g[9, 1], g[3, 2], g[4, 2] = np.inf, np.nan, np.inf, -np.inf
    got = unbroadcast(tg.constant(g), tg.zeros((3,), tg.float32)).numpy()
    assert got[0] == np.inf and np.isnan(got[1]) and np.isnan(got[2])


@FAST
@given(hnp.mutually_broadcastable_shapes(num_shapes=1, min_dims=0, max_dims=4, max_side=3))
def test_broadcast_like_matches_numpy(shapes):
    (shape,), full = shapes
    a = arange(shape)
    got = broadcast_like(tg.constant(a), tg.zeros(full, tg.float64))
    np.testing.assert_array_equal(got.numpy(), np.broadcast_to(a, full))


def test_same_shapes_pass_through_and_none_stays_none():
    g = tg.constant(arange([2, 3]))
    assert unbroadcast(g, tg.zeros([2, 3])) is g
    assert broadcast_like(g, tg.zeros([2, 3])) is g
    assert unbroadcast(None, g) is None


def test_integer_gradients_keep_their_dtype():
    got = unbroadcast(tg.constant([[1, 2], [3, 4]]), tg.constant([0, 0]))
    assert got.dtype == tg.int32 and got.numpy().tolist() == [4, 6]


def test_unknown_dims_are_decided_at_run_time():
    g_value = arange([4, 2, 3])
    with tracing() as graph:
        g = graph.placeholder(g_value, [None, None, 3])
        x = graph.placeholder(np.zeros([2, 1]), [None, 1])
        summed = unbroadcast(g, x)
        assert summed.shape.as_list() == [None, 1]
        np.testing.assert_allclose(summed.value.array, sum_to(g_value, (2, 1)))
        same = graph.placeholder(np.zeros([4, 2, 3]), [None, None, 3])
        assert unbroadcast(g, same).value.array.shape == (4, 2, 3)  # same shape: unchanged at run time
        back = broadcast_like(summed, g)
        assert back.shape.as_list() == [None, None, 3]
        np.testing.assert_allclose(back.value.array, np.broadcast_to(sum_to(g_value, (2, 1)), (4, 2, 3)))


@pytest.mark.parametrize("shape,full", [([3, 1], [2, 3, 4]), ([], [2, 2]), ([1, 4], [3, 4])])
def test_gradients_of_the_pair(shape, full):
    ref_small = tg.zeros(shape, tg.float64)
    ref_full = tg.zeros(full, tg.float64)
    rng = np.random.RandomState(0)
    g, x = np.asarray(rng.randn(*full)), np.asarray(rng.randn(*shape))
    tg.test.check_gradients(lambda t: unbroadcast(t, ref_small), [tg.constant(g)])
    tg.test.check_gradients(lambda t: broadcast_like(t, ref_full), [tg.constant(x)])


def test_broadcasting_arithmetic_gradient_uses_unbroadcast():
    x, y = tg.constant(arange([3, 1])), tg.constant(arange([2, 1, 4]))
    tg.test.check_gradients(lambda a, b: a * b, [x, y])
