"""Pooling (ops/pooling.py): max_pool and avg_pool in 1, 2 and 3 dimensions.

Values against a direct NumPy reference (a loop over output positions, tiny
shapes) for every padding and stride, TF's recorded values for SAME padding
with strides (average pools do not count padding) and for its tie rule in the
max-pool gradient, shape rules, errors, and gradients (first and second order)
against finite differences in float64.
"""
import itertools

import numpy as np
import pytest

import tracegraph as tg
from tracegraph.test import check_gradients


def rand(seed, shape, dtype=np.float64):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def reference_pool(x, ksize, strides, padding, reduce):
    """`reduce` (np.max or np.mean) over the input elements of every window."""
    n = x.ndim - 2
    in_sizes = x.shape[1:-1]
    if padding == "VALID":
        pads = [(0, 0)] * n
    elif padding == "SAME":
        pads = []
        for size, k, s in zip(in_sizes, ksize, strides):
            total = max((-(-size // s) - 1) * s + k - size, 0)
            pads.append((total // 2, total - total // 2))
    else:
        pads = list(padding)
    out = [(in_sizes[i] + sum(pads[i]) - ksize[i]) // strides[i] + 1 for i in range(n)]
    y = np.zeros((x.shape[0], *out, x.shape[-1]), x.dtype)
    for o in itertools.product(*(range(s) for s in out)):
        window = tuple(slice(max(o[i] * strides[i] - pads[i][0], 0),
                             min(o[i] * strides[i] - pads[i][0] + ksize[i], in_sizes[i])) for i in range(n))
        patch = x[(slice(None),) + window + (slice(None),)]
        y[(slice(None),) + o] = reduce(patch, axis=tuple(range(1, n + 1)))
    return y


POOLS = {"max": (tg.nn.max_pool2d, np.max), "avg": (tg.nn.avg_pool2d, np.mean)}


@pytest.mark.parametrize("kind", sorted(POOLS))
@pytest.mark.parametrize("padding", ["VALID", "SAME"])
@pytest.mark.parametrize("ksize, strides", [((2, 2), (2, 2)), ((3, 3), (2, 2)), ((3, 2), (1, 3)), ((2, 3), (3, 1)),
                                            ((1, 1), (2, 2))])
def test_pool2d_matches_the_direct_reference(kind, padding, ksize, strides):
    pool, reduce = POOLS[kind]
    x = rand(0, (2, 7, 6, 3))
    got = pool(x, ksize, strides, padding)
    want = reference_pool(x, ksize, strides, padding, reduce)
    assert got.shape == want.shape and got.dtype == tg.float64
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12)


@pytest.mark.parametrize("padding", ["VALID", "SAME"])
@pytest.mark.parametrize("ksize, stride", [(2, 2), (3, 2), (3, 1), (1, 3)])
def test_pool1d_and_the_rank_dispatching_pools(padding, ksize, stride):
    x = rand(1, (2, 8, 2))
    for pool, generic, reduce in ((tg.nn.max_pool1d, tg.nn.max_pool, np.max),
                                  (tg.nn.avg_pool1d, tg.nn.avg_pool, np.mean)):
        want = reference_pool(x, (ksize,), (stride,), padding, reduce)
        np.testing.assert_allclose(pool(x, ksize, stride, padding).numpy(), want, rtol=1e-12)
        np.testing.assert_allclose(generic(x, [ksize], [stride], padding).numpy(), want, rtol=1e-12)


def test_pool3d():
    x = rand(2, (1, 4, 5, 3, 2))
    np.testing.assert_allclose(tg.nn.max_pool3d(x, 2, [1, 2, 1], "SAME").numpy(),
                               reference_pool(x, (2, 2, 2), (1, 2, 1), "SAME", np.max))
    np.testing.assert_allclose(tg.nn.avg_pool(x, [1, 2, 3, 2, 1], 2, "VALID").numpy(),
                               reference_pool(x, (2, 3, 2), (2, 2, 2), "VALID", np.mean))


def test_max_pool_explicit_padding_never_wins():
    x = -np.abs(rand(3, (1, 4, 5, 2))) - 1
    got = tg.nn.max_pool2d(x, 2, 2, [[0, 0], [1, 1], [1, 0], [0, 0]])
    np.testing.assert_allclose(got.numpy(), reference_pool(x, (2, 2), (2, 2), [(1, 1), (1, 0)], np.max))
    assert np.all(got.numpy() < 0)


def test_integer_max_pool_and_channels_first():
    x = np.arange(2 * 3 * 5 * 4).reshape(2, 3, 5, 4).astype(np.int32) % 11
    got = tg.nn.max_pool2d(x, [1, 1, 2, 2], [1, 1, 2, 1], "SAME", data_format="NCHW")
    assert got.dtype == tg.int32
    want = reference_pool(np.transpose(x, (0, 2, 3, 1)), (2, 2), (2, 1), "SAME", np.max)
    np.testing.assert_array_equal(got.numpy(), np.transpose(want, (0, 3, 1, 2)))
    x1 = rand(4, (2, 3, 7))
    np.testing.assert_allclose(tg.nn.avg_pool1d(x1, 3, 2, "SAME", data_format="NCW").numpy(),
                               np.transpose(reference_pool(np.transpose(x1, (0, 2, 1)), (3,), (2,), "SAME", np.mean),
                                            (0, 2, 1)))


X_TF = ((np.arange(60) % 7 - 3) / 2).reshape(1, 5, 6, 2).astype(np.float32)
X1_TF = ((np.arange(14) % 5 - 2) / 2).reshape(1, 7, 2).astype(np.float32)


def test_same_padding_with_strides_matches_tensorflow():
    # recorded from TF 2.21
    assert tg.nn.max_pool2d(X_TF, 3, 2, "SAME").numpy().tolist() == [
        [[[1.0, 1.5], [1.5, 1.0], [1.5, 0.5]], [[1.0, 1.5], [1.5, 1.5], [1.5, 1.0]],
         [[1.5, 1.5], [1.0, 1.5], [0.5, 1.0]]]]
    np.testing.assert_allclose(tg.nn.avg_pool2d(X_TF, 3, 2, "SAME").numpy(), [
        [[[-0.4166666567325592, 0.0833333358168602], [0.4166666567325592, -0.25], [-0.125, -0.5]],
         [[-0.1666666716337204, 0.3333333432674408], [-0.1111111119389534, 0.0], [0.4166666567325592, -0.25]],
         [[0.0833333358168602, 0.0], [-0.25, 0.25], [-0.5, 0.0]]]], rtol=1e-7)
    assert tg.nn.avg_pool2d(X_TF, 2, [1, 3], "SAME").numpy().tolist() == [
        [[[-0.625, -0.125], [0.625, -0.625]], [[0.125, 0.625], [0.5, 0.125]], [[0.0, 0.5], [-0.5, 0.0]],
         [[-0.125, -0.5], [-0.625, -0.125]], [[0.25, -1.0], [-0.25, 0.25]]]]
    assert tg.nn.max_pool1d(X1_TF, 2, 2, "SAME").numpy().tolist() == [[[0.0, 0.5], [1.0, 0.0], [0.5, 1.0],
                                                                        [0.0, 0.5]]]
    np.testing.assert_allclose(tg.nn.avg_pool1d(X1_TF, 3, 2, "SAME").numpy(), [
        [[-0.5, 0.0], [0.1666666716337204, -0.1666666716337204], [-0.3333333432674408, 0.1666666716337204],
         [-0.5, 0.0]]], rtol=1e-7)
    # TF 2.21: explicit padding for max pools, and an empty output for a window larger than the input
    assert tg.nn.max_pool2d(X_TF, 2, 2, [[0, 0], [1, 1], [1, 1], [0, 0]]).numpy().ravel()[:6].tolist() == [
        -1.5, -1.0, 0.5, 1.0, 1.5, -0.5]
    assert tg.nn.max_pool2d(X_TF, 6, 1, "VALID").shape == (1, 0, 1, 2)


@pytest.mark.parametrize("ksize, strides, padding", [(2, 1, "VALID"), (3, 2, "SAME")])
def test_max_pool_gradient_goes_to_the_first_maximum_as_in_tensorflow(ksize, strides, padding):
    t = tg.constant(np.array([[1., 3., 3.], [3., 0., 3.], [2., 3., 1.]], np.float32).reshape(1, 3, 3, 1))
    with tg.GradientTape() as tape:
        tape.watch(t)
        y = tg.nn.max_pool2d(t, ksize, strides, padding)
    # recorded from TF 2.21 (both cases)
    assert tape.gradient(y, t).numpy().reshape(3, 3).tolist() == [[0.0, 2.0, 0.0], [1.0, 0.0, 1.0],
                                                                    [0.0, 0.0, 0.0]]


@pytest.mark.parametrize("call, error, message", [
    (lambda: tg.nn.max_pool2d(rand(0, (1, 5, 5)), 2, 2, "VALID"), ValueError, "rank 4"),
    (lambda: tg.nn.max_pool2d(rand(0, (1, 3, 3, 1)), 2, 1, "same"), ValueError, "'SAME' or 'VALID'"),
    (lambda: tg.nn.avg_pool2d(rand(0, (1, 3, 3, 1)), 2, 1, [[0, 0], [1, 1], [1, 1], [0, 0]]), ValueError,
     "'SAME' or 'VALID'"),
    (lambda: tg.nn.max_pool2d(rand(0, (1, 3, 3, 1)), [2, 2, 2], 1, "SAME"), ValueError, "list of 1, 2 or 4"),
    (lambda: tg.nn.max_pool2d(rand(0, (1, 3, 3, 1)), [2, 2, 2, 2], 1, "SAME"), ValueError, "batch and channel"),
    (lambda: tg.nn.max_pool2d(rand(0, (1, 3, 3, 1)), 5, 1, "VALID"), ValueError, "negative"),
    (lambda: tg.nn.avg_pool2d(np.ones((1, 3, 3, 1), np.int32), 2, 1, "SAME"), TypeError, "float"),
    (lambda: tg.nn.max_pool(rand(0, (3, 3)), 2, 1, "SAME"), ValueError, "rank 3, 4 or 5"),
])
def test_errors_are_clear(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_unknown_dimensions_trace_and_run(numpy_backend):
    f = tg.function(lambda x: (tg.nn.max_pool2d(x, 3, 2, "SAME"), tg.nn.avg_pool2d(x, 2, [2, 1], "VALID")),
                    input_signature=[tg.TensorSpec([None, None, 6, 3], tg.float64)])
    shapes = [t.shape.as_list() for t in f.get_concrete_function().structured_outputs]
    assert shapes == [[None, None, 3, 3], [None, None, 5, 3]]
    x = rand(5, (2, 7, 6, 3))
    got_max, got_avg = f(x)
    np.testing.assert_allclose(got_max.numpy(), reference_pool(x, (3, 3), (2, 2), "SAME", np.max))
    np.testing.assert_allclose(got_avg.numpy(), reference_pool(x, (2, 2), (2, 1), "VALID", np.mean))


# ----- gradients ------------------------------------------------------------------------------

@pytest.mark.parametrize("ksize, strides, padding", [(2, 2, "VALID"), (3, 2, "SAME"), ((2, 3), (1, 2), "SAME"),
                                                     (2, 1, [[0, 0], [1, 0], [0, 1], [0, 0]])])
def test_max_pool_gradients_match_finite_differences(ksize, strides, padding):
    # distinct values (a permutation): no ties, where the max is not differentiable
    x = np.random.default_rng(6).permutation(2 * 5 * 4 * 2).reshape(2, 5, 4, 2) / 7.0
    check_gradients(lambda x: tg.nn.max_pool2d(x, ksize, strides, padding), [x], rtol=1e-6)


@pytest.mark.parametrize("ksize, strides, padding", [(2, 2, "VALID"), (3, 2, "SAME"), ((2, 3), (1, 2), "SAME")])
def test_avg_pool_gradients_match_finite_differences(ksize, strides, padding):
    check_gradients(lambda x: tg.nn.avg_pool2d(x, ksize, strides, padding), [rand(7, (2, 5, 4, 2))], rtol=1e-6)


@pytest.mark.parametrize("pool", [lambda x: tg.nn.max_pool2d(x, 3, 2, "SAME"),
                                  lambda x: tg.nn.avg_pool1d(x[..., 0], 3, 2, "SAME")], ids=["max", "avg"])
def test_second_order_gradients_through_the_gradient_ops(pool):
    x = np.random.default_rng(8).permutation(1 * 5 * 4 * 2).reshape(1, 5, 4, 2) / 7.0

    def squared_gradient(x):
        with tg.GradientTape() as tape:
            tape.watch(x)
            y = tg.reduce_sum(tg.square(pool(x)) * tg.sin(pool(x)))
        return tg.reduce_sum(tg.square(tape.gradient(y, x)))

    check_gradients(squared_gradient, [x], rtol=1e-5, atol=1e-7)


def test_gradients_inside_a_traced_function_equal_eager(numpy_backend):
    x = rand(9, (2, 6, 5, 3))

    def grads(x):
        with tg.GradientTape() as tape:
            tape.watch(x)
            y = tg.reduce_sum(tg.square(tg.nn.max_pool2d(x, 2, 2, "SAME"))) + \
                tg.reduce_sum(tg.sin(tg.nn.avg_pool2d(x, 3, 1, "SAME")))
        return tape.gradient(y, x)

    traced = tg.function(grads, input_signature=[tg.TensorSpec([None, None, None, 3], tg.float64)])
    np.testing.assert_allclose(traced(x).numpy(), grads(tg.constant(x)).numpy(), rtol=1e-12)


def test_pools_run_on_numba():
    pytest.importorskip("numba")
    x = rand(10, (2, 6, 5, 3), np.float32)
    f = tg.function(lambda x: tg.nn.max_pool2d(x, 2, 2, "SAME") * 2.0 + tg.nn.avg_pool2d(x, 2, 2, "SAME"),
                    backend="numba")
    want = 2 * reference_pool(x, (2, 2), (2, 2), "SAME", np.max) + reference_pool(x, (2, 2), (2, 2), "SAME", np.mean)
    np.testing.assert_allclose(f(x).numpy(), want, rtol=1e-5, atol=1e-6)


def reference_max_pool_gradient(x, g, ksize, strides, padding):
    """Each output's gradient added at the first maximum (row-major) of its window's input elements."""
    pads = [(0, 0)] * 2 if padding == "VALID" else [
        ((total := max((-(-size // s) - 1) * s + k - size, 0)) // 2, total - total // 2)
        for size, k, s in zip(x.shape[1:3], ksize, strides)]
    result = np.zeros(x.shape)
    for b, c in itertools.product(range(x.shape[0]), range(x.shape[-1])):
        for o in itertools.product(*(range(s) for s in g.shape[1:3])):
            lo = [max(o[i] * strides[i] - pads[i][0], 0) for i in range(2)]
            hi = [min(o[i] * strides[i] - pads[i][0] + ksize[i], x.shape[1 + i]) for i in range(2)]
            window = x[b, lo[0]:hi[0], lo[1]:hi[1], c]
            i, j = np.unravel_index(np.argmax(window), window.shape)
            result[b, lo[0] + i, lo[1] + j, c] += g[(b, *o, c)]
    return result


@pytest.mark.parametrize("ksize, strides, padding", [((2, 2), (2, 2), "VALID"), ((2, 2), (2, 2), "SAME"),
                                                     ((2, 1), (3, 2), "SAME"), ((3, 2), (2, 1), "VALID"),
                                                     ((3, 3), (2, 2), "SAME")],
                         ids=["tiles", "tiles-same", "gaps", "overlapping", "overlapping-same"])
def test_max_pool_gradient_with_many_ties_matches_the_first_maximum_reference(ksize, strides, padding):
    # relu of small integers: most windows hold ties, many of them all zeros
    x = np.maximum(np.random.default_rng(11).integers(-2, 3, (2, 7, 5, 3)), 0).astype(np.float64)
    x_t = tg.constant(x)
    with tg.GradientTape() as tape:
        tape.watch(x_t)
        y = tg.nn.max_pool2d(x_t, ksize, strides, padding)
    g = np.random.default_rng(12).standard_normal(y.shape)
    got = tape.gradient(y, x_t, output_gradients=tg.constant(g)).numpy()
    # overlapping windows add their gradients in another order: equal up to rounding
    np.testing.assert_allclose(got, reference_max_pool_gradient(x, g, ksize, strides, padding), rtol=1e-14)


@pytest.mark.parametrize("strides", [1, 2], ids=["overlapping", "tiles"])
def test_a_window_holding_a_nan_sends_its_gradient_to_its_first_element(strides):
    # tracegraph's max propagates a NaN (TF 2.21's CPU kernel skips it unless it comes first); the gradient
    # of a NaN maximum still goes to one element, the same one whether or not the windows overlap
    x = tg.constant(np.array([[1., 2., 0.], [np.nan, 3., 0.], [0., 0., 0.]]).reshape(1, 3, 3, 1))
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = tg.nn.max_pool2d(x, 2, strides, "VALID")
    got = tape.gradient(y, x).numpy().reshape(3, 3)
    if strides == 1:  # windows at (0, 0) and (1, 0) hold the NaN; (0, 1) and (1, 1) have their max at 3
        assert np.isnan(y.numpy().ravel()[[0, 2]]).all()
        assert got.tolist() == [[1.0, 0.0, 0.0], [1.0, 2.0, 0.0], [0.0, 0.0, 0.0]]
    else:
        assert np.isnan(y.numpy().ravel()).all() and got.tolist() == [[1, 0, 0], [0, 0, 0], [0, 0, 0]]


@pytest.mark.parametrize("strides", [1, 2], ids=["overlapping", "tiles"])
def test_max_pool_gradient_of_non_finite_values_reaches_only_the_maxima(strides):
    x = tg.constant(np.array([[1., 5.], [2., 3.]]).reshape(1, 2, 2, 1))
    for upstream in (np.inf, np.nan):
        with tg.GradientTape() as tape:
            tape.watch(x)
            y = tg.nn.max_pool2d(x, 2, strides, "VALID") * upstream
        got = tape.gradient(y, x).numpy().ravel()
        assert got[0] == got[2] == got[3] == 0 and (np.isinf(got[1]) if upstream == np.inf else np.isnan(got[1]))
