"""Reductions, arg-reductions and cumulative ops: values vs NumPy, dtypes, empty axes, errors, gradients."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import tracegraph as tg
from tracegraph.errors import InvalidArgumentError
from tracegraph.ops import reduction
from tracegraph.spec import TensorSpec
from tracegraph.test import check_gradients

SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)
NONEMPTY_SHAPES = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)


@st.composite
def arrays_and_axes(draw, shapes=SHAPES, low=-3.0, high=3.0):
    """A float32 array, an axis argument (None, int or list; negative allowed) and keepdims."""
    shape = draw(shapes)
    x = draw(hnp.arrays(np.float32, shape, elements=st.floats(low, high, width=32)))
    rank = len(shape)
    kind = draw(st.sampled_from(["none", "int", "list"] if rank else ["none", "list"]))
    if kind == "none":
        axis = None
    elif kind == "int":
        axis = draw(st.integers(-rank, rank - 1))
    else:
        chosen = draw(st.lists(st.integers(0, rank - 1), unique=True, max_size=rank)) if rank else []
        axis = [a - rank if draw(st.booleans()) else a for a in chosen]
    return x, axis, draw(st.booleans())


def _np_axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def _np_reduce(fn, x, axis, keepdims, **kwargs):
    return fn(x, axis=_np_axis(axis), keepdims=keepdims, **kwargs)


def _logsumexp(x, axis, keepdims):
    with np.errstate(divide="ignore"):  # log(0) = -inf over an empty axis, as intended
        return np.log(_np_reduce(np.sum, np.exp(x.astype(np.float64)), axis, keepdims)).astype(x.dtype)


#: name -> (tracegraph reduction, NumPy reference on (array, axis, keepdims))
FLOAT_REDUCTIONS = {
    "sum": (tg.reduce_sum, lambda x, a, k: _np_reduce(np.sum, x, a, k)),
    "prod": (tg.reduce_prod, lambda x, a, k: _np_reduce(np.prod, x, a, k)),
    "max": (tg.reduce_max, lambda x, a, k: _np_reduce(np.max, x, a, k, initial=-np.inf)),
    "min": (tg.reduce_min, lambda x, a, k: _np_reduce(np.min, x, a, k, initial=np.inf)),
    "mean": (tg.reduce_mean, lambda x, a, k: _np_reduce(np.mean, x, a, k)),
    "logsumexp": (tg.reduce_logsumexp, _logsumexp),
    "variance": (tg.math.reduce_variance, lambda x, a, k: _np_reduce(np.var, x, a, k)),
    "std": (tg.math.reduce_std, lambda x, a, k: _np_reduce(np.std, x, a, k)),
    "euclidean_norm": (tg.math.reduce_euclidean_norm,
                       lambda x, a, k: np.sqrt(_np_reduce(np.sum, np.square(x), a, k))),
}


@pytest.mark.parametrize("name", sorted(FLOAT_REDUCTIONS))
@settings(max_examples=25, deadline=None)
@given(case=arrays_and_axes())
def test_float_reductions_match_numpy(name, case):
    x, axis, keepdims = case
    fn, reference = FLOAT_REDUCTIONS[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # NumPy warns on the mean of nothing
        expected = np.asarray(reference(x, axis, keepdims))
        result = fn(x, axis=axis, keepdims=keepdims)
    assert result.dtype == tg.float32
    assert tuple(result.shape) == expected.shape
    np.testing.assert_allclose(result.numpy(), expected, rtol=1e-5, atol=1e-5, equal_nan=True)


@settings(max_examples=25, deadline=None)
@given(case=arrays_and_axes())
def test_any_all_match_numpy(case):
    x, axis, keepdims = case
    b = x > 0
    for fn, reference in ((tg.reduce_any, np.any), (tg.reduce_all, np.all)):
        result = fn(b, axis=axis, keepdims=keepdims)
        assert result.dtype == tg.bool
        np.testing.assert_array_equal(result.numpy(), _np_reduce(reference, b, axis, keepdims))


@settings(max_examples=25, deadline=None)
@given(case=arrays_and_axes())
def test_count_nonzero_matches_numpy(case):
    x, axis, keepdims = case
    x = np.round(x)
    result = tg.math.count_nonzero(x, axis=axis, keepdims=keepdims)
    assert result.dtype == tg.int64
    expected = _np_reduce(np.sum, x != 0, axis, keepdims)
    np.testing.assert_array_equal(result.numpy(), expected)


def test_non_contiguous_input():
    x = np.arange(12, dtype=np.float32).reshape(3, 4).T[::2]
    np.testing.assert_allclose(tg.reduce_sum(x, 1).numpy(), x.sum(1))
    np.testing.assert_allclose(tg.cumsum(x, 1).numpy(), np.cumsum(x, 1))


# ----- dtypes --------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.uint8, np.float16, np.float64, np.complex64])
def test_sum_keeps_dtype(dtype):
    x = np.arange(6).reshape(2, 3).astype(dtype)
    result = tg.reduce_sum(x, axis=1)
    assert result.dtype == tg.as_dtype(dtype)
    np.testing.assert_array_equal(result.numpy(), x.sum(1).astype(dtype))


def test_int32_sum_wraps_like_tf():
    x = np.array([2**31 - 1, 1], np.int32)
    assert tg.reduce_sum(x).numpy() == np.int32(-2**31)


def test_float16_sum_accumulates_in_float32():
    x = np.full(4096, 1.0, np.float16)  # a float16 running sum would stop at 2048
    result = tg.reduce_sum(x)
    assert result.dtype == tg.float16
    assert float(result) == 4096.0


@pytest.mark.parametrize("values, expected", [
    ([3, 4], 3), ([-3, -4], -3), ([-7, 0], -3), ([7, 0], 3), ([-6, -2], -4), ([5], 5)])
def test_integer_mean_truncates_toward_zero(values, expected):
    result = tg.reduce_mean(tg.constant(values))
    assert result.dtype == tg.int32
    assert int(result) == expected


def test_integer_mean_along_axis_and_unsigned():
    x = np.array([[-1, -2, -4], [1, 2, 4]], np.int64)
    np.testing.assert_array_equal(tg.reduce_mean(x, axis=1).numpy(), [-2, 2])
    u = np.array([250, 255, 3], np.uint8)
    result = tg.reduce_mean(u)
    assert result.dtype == tg.uint8
    assert int(result) == (250 + 255 + 3) % 256 // 3  # summed in uint8, wrapping as TF does


def test_arg_reductions_dtypes():
    x = tg.constant([[1.0, 5.0, 5.0], [7.0, 0.0, 7.0]])
    assert tg.argmax(x).dtype == tg.int64
    assert tg.math.argmin(x, output_type=tg.int32).dtype == tg.int32
    np.testing.assert_array_equal(tg.argmax(x).numpy(), [1, 0, 1])  # axis None means 0
    np.testing.assert_array_equal(tg.argmax(x, axis=-1).numpy(), [1, 0])  # ties: first index
    np.testing.assert_array_equal(tg.argmin(x, axis=1).numpy(), [0, 1])


@settings(max_examples=25, deadline=None)
@given(x=hnp.arrays(np.int32, NONEMPTY_SHAPES, elements=st.integers(-5, 5)), data=st.data())
def test_arg_reductions_match_numpy(x, data):
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    np.testing.assert_array_equal(tg.argmax(x, axis).numpy(), np.argmax(x, axis))
    np.testing.assert_array_equal(tg.argmin(x, axis).numpy(), np.argmin(x, axis))


def test_count_nonzero_of_bools_and_dtype():
    result = tg.math.count_nonzero([[True, False], [True, True]], axis=0, dtype=tg.int32)
    assert result.dtype == tg.int32
    np.testing.assert_array_equal(result.numpy(), [2, 1])


def test_euclidean_norm_of_integers_truncates():
    result = tg.math.reduce_euclidean_norm(tg.constant([[3, 4], [1, 1]]), axis=1)
    assert result.dtype == tg.int32
    np.testing.assert_array_equal(result.numpy(), [5, 1])


# ----- empty reductions ----------------------------------------------------------------------

def test_empty_reductions_give_identities():
    empty = np.zeros((0, 3), np.float32)
    np.testing.assert_array_equal(tg.reduce_sum(empty, 0).numpy(), [0, 0, 0])
    np.testing.assert_array_equal(tg.reduce_prod(empty, 0).numpy(), [1, 1, 1])
    np.testing.assert_array_equal(tg.reduce_max(empty, 0).numpy(), [-np.inf] * 3)
    np.testing.assert_array_equal(tg.reduce_min(empty, 0).numpy(), [np.inf] * 3)
    assert tg.reduce_max(empty, 1).shape == (0,)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # NumPy's 0/0 and log(0) warnings
        assert np.isnan(float(tg.reduce_mean(empty)))
        assert float(tg.reduce_logsumexp(empty)) == -np.inf
    ints = np.zeros((0,), np.int32)
    assert int(tg.reduce_max(ints)) == np.iinfo(np.int32).min
    assert int(tg.reduce_min(ints)) == np.iinfo(np.int32).max
    assert int(tg.reduce_mean(ints)) == 0
    assert not bool(tg.reduce_any(np.zeros(0, bool)))
    assert bool(tg.reduce_all(np.zeros(0, bool)))


def test_empty_axis_list_reduces_nothing():
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_array_equal(tg.reduce_sum(x, axis=[]).numpy(), x)


def test_axis_may_be_tensor_array_or_tuple():
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    expected = x.sum((0, 2))
    for axis in ([0, 2], (0, -1), np.array([0, 2]), tg.constant([2, 0])):
        np.testing.assert_array_equal(tg.reduce_sum(x, axis=axis).numpy(), expected)


def test_logsumexp_is_stable():
    big = tg.constant([[1000.0, 1000.0], [-1000.0, -1000.0]])
    np.testing.assert_allclose(tg.reduce_logsumexp(big, 1).numpy(), [1000 + np.log(2), -1000 + np.log(2)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # NumPy's log(0) warning
        assert float(tg.reduce_logsumexp([-np.inf, -np.inf])) == -np.inf
    assert float(tg.reduce_logsumexp([np.inf, 1.0])) == np.inf


# ----- cumulative ops ------------------------------------------------------------------------

def _np_scan(fn, identity, x, axis, exclusive, reverse):
    if reverse:
        x = np.flip(x, axis)
    out = fn(x, axis=axis, dtype=x.dtype)
    if exclusive:
        out = np.concatenate([np.full_like(np.take(out, [0], axis), identity),
                              np.delete(out, -1, axis)], axis) if x.shape[axis] else out
    return np.flip(out, axis) if reverse else out


@settings(max_examples=25, deadline=None)
@given(x=hnp.arrays(np.float32, hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=4),
                    elements=st.floats(-2, 2, width=32)),
       data=st.data(), exclusive=st.booleans(), reverse=st.booleans())
def test_cumulative_ops_match_numpy(x, data, exclusive, reverse):
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    for fn, np_fn, identity in ((tg.cumsum, np.cumsum, 0), (tg.math.cumprod, np.cumprod, 1)):
        result = fn(x, axis=axis, exclusive=exclusive, reverse=reverse)
        assert result.dtype == tg.float32
        np.testing.assert_allclose(result.numpy(), _np_scan(np_fn, identity, x, axis, exclusive, reverse),
                                   rtol=1e-5, atol=1e-6)


def test_cumsum_examples_and_int_dtype():
    np.testing.assert_array_equal(tg.cumsum([1, 2, 3]).numpy(), [1, 3, 6])
    np.testing.assert_array_equal(tg.cumsum([1, 2, 3], exclusive=True).numpy(), [0, 1, 3])
    np.testing.assert_array_equal(tg.cumsum([1, 2, 3], reverse=True).numpy(), [6, 5, 3])
    np.testing.assert_array_equal(tg.cumsum([1, 2, 3], exclusive=True, reverse=True).numpy(), [5, 3, 0])
    assert tg.cumsum(tg.constant([1, 2], tg.int32)).dtype == tg.int32
    assert tg.math.cumprod(tg.constant([1, 2], tg.int64)).dtype == tg.int64


# ----- errors --------------------------------------------------------------------------------

def test_axis_out_of_range_names_axis_and_rank():
    x = tg.zeros([2, 3])
    with pytest.raises(ValueError, match=r"axis 2 is out of range for a tensor of rank 2"):
        tg.reduce_sum(x, axis=2)
    with pytest.raises(ValueError, match=r"axis -3 .* rank 2"):
        tg.reduce_max(x, axis=[0, -3])
    with pytest.raises(ValueError, match="rank 0"):
        tg.reduce_sum(tg.constant(1.0), axis=0)
    with pytest.raises(ValueError, match="axis 2 is out of range"):
        tg.cumsum(x, axis=2)
    with pytest.raises(ValueError, match="rank 0"):
        tg.argmax(tg.constant(1.0))


def test_duplicate_axes_are_rejected():
    with pytest.raises(ValueError, match="same dimension twice"):
        tg.reduce_sum(tg.zeros([2, 3]), axis=[1, -1])


def test_bad_axis_type():
    with pytest.raises(TypeError, match="axis"):
        tg.reduce_sum(tg.zeros([2]), axis=0.5)


@pytest.mark.parametrize("fn, value, fragment", [
    (tg.reduce_all, [1.0, 2.0], "bool"),
    (tg.reduce_any, [1, 2], "bool"),
    (tg.reduce_sum, [True, False], "numeric"),
    (tg.reduce_max, [1 + 2j], "real"),
    (tg.math.reduce_variance, [1, 2], "floating or complex"),
    (tg.reduce_logsumexp, [1, 2], "float"),
    (tg.cumsum, [True], "numeric"),
])
def test_dtype_errors(fn, value, fragment):
    with pytest.raises(TypeError, match=fragment):
        fn(tg.constant(value))


def test_argmax_errors():
    with pytest.raises(InvalidArgumentError, match="empty"):
        tg.argmax(tg.zeros([0, 3]))
    with pytest.raises(TypeError, match="output_type"):
        tg.argmax(tg.zeros([3]), output_type=tg.float32)


def test_shape_rules_with_unknown_dimensions():
    unknown_rank = TensorSpec(None, tg.float32)
    partial = TensorSpec([None, 3, None], tg.float32)
    assert reduction._sum.infer(partial, axis=(1,), keepdims=False).shape.as_list() == [None, None]
    assert reduction._max.infer(partial, axis=(0, 2), keepdims=True).shape.as_list() == [1, 3, 1]
    assert reduction._sum.infer(unknown_rank, axis=None, keepdims=False).shape.rank is None
    assert reduction._argmax.infer(partial, axis=2, output_type=tg.int64).shape.as_list() == [None, 3]
    assert reduction._cumsum.infer(partial, axis=0, exclusive=False, reverse=False).shape.as_list() == [None, 3, None]


# ----- gradients -----------------------------------------------------------------------------

RNG = np.random.default_rng(0)
X = tg.constant(RNG.uniform(0.5, 2.0, (3, 4)))  # float64, no ties, no zeros
WITH_ZEROS = tg.constant(np.array([[1.5, 0.0, 2.0, -1.0], [0.0, 3.0, 0.0, 0.5], [1.0, 2.0, -0.5, 1.5]]))

DIFFERENTIABLE = {
    "sum": tg.reduce_sum, "mean": tg.reduce_mean, "prod": tg.reduce_prod, "max": tg.reduce_max,
    "min": tg.reduce_min, "logsumexp": tg.reduce_logsumexp, "variance": tg.math.reduce_variance,
    "std": tg.math.reduce_std, "euclidean_norm": tg.math.reduce_euclidean_norm,
}


@pytest.mark.parametrize("name", sorted(DIFFERENTIABLE))
@pytest.mark.parametrize("axis, keepdims", [(None, False), (0, False), (-1, True), ([0, 1], False), (1, False)])
def test_reduction_gradients(name, axis, keepdims):
    fn = DIFFERENTIABLE[name]
    check_gradients(lambda x: fn(x, axis=axis, keepdims=keepdims), [X])


@pytest.mark.parametrize("axis, keepdims", [(None, False), (0, True), (1, False)])
def test_prod_gradient_is_exact_with_zeros(axis, keepdims):
    check_gradients(lambda x: tg.reduce_prod(x, axis=axis, keepdims=keepdims), [WITH_ZEROS])


def test_prod_gradient_values_with_zeros():
    x = tg.constant([[2.0, 0.0, 3.0], [0.0, 0.0, 5.0], [1.0, 2.0, 4.0]], tg.float64)
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = tg.reduce_prod(x, axis=1)
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [[0, 6, 0], [0, 0, 0], [8, 4, 2]])


def test_extremum_gradient_splits_ties_evenly():
    x = tg.constant([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]], tg.float64)
    with tg.GradientTape(persistent=True) as tape:
        tape.watch(x)
        high = tg.reduce_max(x, axis=1)
        low = tg.reduce_min(x)
    np.testing.assert_allclose(tape.gradient(high, x).numpy(), [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])
    np.testing.assert_allclose(tape.gradient(low, x).numpy(), [[1, 0, 0], [0, 0, 0]])


@pytest.mark.parametrize("fn", [tg.cumsum, tg.math.cumprod])
@pytest.mark.parametrize("axis", [0, 1, -1])
@pytest.mark.parametrize("exclusive", [False, True])
@pytest.mark.parametrize("reverse", [False, True])
def test_cumulative_gradients(fn, axis, exclusive, reverse):
    check_gradients(lambda x: fn(x, axis=axis, exclusive=exclusive, reverse=reverse), [WITH_ZEROS])


def test_cumprod_gradient_with_several_zeros():
    x = tg.constant(np.array([0.0, 2.0, 0.0, 0.0, 3.0, 0.0, 1.5, 0.7]))
    for exclusive in (False, True):
        for reverse in (False, True):
            check_gradients(lambda t: tg.math.cumprod(t, exclusive=exclusive, reverse=reverse), [x])


def test_second_order_through_reductions():
    x = tg.constant(np.array([0.3, -1.2, 0.8, 2.0]))

    def first_gradient(t):
        with tg.GradientTape() as tape:
            tape.watch(t)
            y = tg.reduce_logsumexp(t) + tg.reduce_prod(t) + tg.math.reduce_variance(t)
        return tape.gradient(y, t)

    check_gradients(first_gradient, [x])


def test_complex_variance_is_real():
    x = np.array([1 + 1j, 2 - 1j, 0j], np.complex64)
    result = tg.math.reduce_variance(x)
    assert result.dtype == tg.float32
    np.testing.assert_allclose(float(result), np.var(x), rtol=1e-6)
