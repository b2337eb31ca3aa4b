"""tg.nn: activations, softmax, losses, normalization, bias_add, dropout.

Values against NumPy/SciPy references, TF's dtype rules and errors, gradients
(first order for every op, second order for the elementwise activations), and
TF's gradient values at the kinks.
"""
import re

import numpy as np
import pytest
import scipy.special
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import tracegraph as tg
from tracegraph import nn
from tracegraph.ops import nn_ops

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _sigmoid(x):
    return scipy.special.expit(x)


#: name -> (tracegraph function, NumPy reference)
ACTIVATIONS = {
    "relu": (nn.relu, lambda x: np.maximum(x, 0)),
    "relu6": (nn.relu6, lambda x: np.clip(x, 0, 6)),
    # TF's Elu and Selu kernels compute exp(x) - 1 (not expm1), and selu with scale * alpha as one constant
    "elu": (nn.elu, lambda x: np.where(x < 0, np.exp(np.minimum(x, 0)) - 1, x)),
    "selu": (nn.selu, lambda x: np.where(x < 0, SELU_SCALE * SELU_ALPHA * (np.exp(np.minimum(x, 0)) - 1),
                                         SELU_SCALE * x)),
    "gelu": (nn.gelu, lambda x: 0.5 * x * (1 + scipy.special.erf(x / np.sqrt(2)))),
    "gelu_tanh": (lambda x: nn.gelu(x, approximate=True),
                  lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))),
    "softplus": (nn.softplus, lambda x: np.logaddexp(0, x)),
    "softsign": (nn.softsign, lambda x: x / (1 + np.abs(x))),
    "silu": (nn.silu, lambda x: x * _sigmoid(x)),
    "silu_beta": (lambda x: nn.silu(x, beta=0.5), lambda x: x * _sigmoid(0.5 * x)),
    "swish": (nn.swish, lambda x: x * _sigmoid(x)),
    "leaky_relu": (nn.leaky_relu, lambda x: np.where(x > 0, x, 0.2 * x)),
    "leaky_relu_alpha": (lambda x: nn.leaky_relu(x, alpha=0.01), lambda x: np.where(x > 0, x, 0.01 * x)),
    "sigmoid": (nn.sigmoid, _sigmoid),
    "tanh": (nn.tanh, np.tanh),
    "log_sigmoid": (nn.log_sigmoid, lambda x: -np.logaddexp(0, -x)),
}

TOL = {np.float32: dict(rtol=2e-5, atol=2e-6), np.float64: dict(rtol=1e-10, atol=1e-12)}


def _arrays(dtype, shapes=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4), low=-8, high=8):
    return hnp.arrays(dtype, shapes, elements=st.floats(low, high, width=np.dtype(dtype).itemsize * 8))


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_activation_values(name, data):
    fn, ref = ACTIVATIONS[name]
    dtype = data.draw(st.sampled_from([np.float32, np.float64]))
    x = data.draw(_arrays(dtype))
    result = fn(tg.constant(x))
    assert result.dtype == tg.as_dtype(dtype)
    assert result.shape == x.shape
    np.testing.assert_allclose(result.numpy(), ref(x.astype(np.float64)).astype(dtype), **TOL[dtype])


def test_relu_keeps_integer_dtype():
    result = nn.relu(tg.constant([-2, 0, 3]))
    assert result.dtype == tg.int32
    np.testing.assert_array_equal(result.numpy(), [0, 0, 3])
    np.testing.assert_array_equal(nn.relu6(tg.constant([-2, 3, 9])).numpy(), [0, 3, 6])


def test_leaky_relu_computes_integers_in_float32():
    result = nn.leaky_relu(tg.constant([-10, 5]))
    assert result.dtype == tg.float32
    np.testing.assert_allclose(result.numpy(), [-2.0, 5.0])


@pytest.mark.parametrize("fn", [nn.elu, nn.selu, nn.silu, nn.softsign, nn.softplus, nn.softmax, nn.log_softmax])
def test_float_only_activations_reject_integers(fn):
    with pytest.raises(TypeError, match="int32"):
        fn(tg.constant([1, 2]))


def test_gelu_rejects_integers_like_tf():
    with pytest.raises(ValueError, match="gelu.*floating"):
        nn.gelu(tg.constant([1, 2]))


def test_elu_does_not_overflow_for_large_inputs():
    x = tg.constant([-1000.0, 100.0, 1000.0])
    np.testing.assert_allclose(nn.elu(x).numpy(), [-1.0, 100.0, 1000.0])
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = nn.elu(x)
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [0.0, 1.0, 1.0])


# ----- gradients of activations --------------------------------------------------------------

def _grad(fn, values):
    x = tg.constant(np.asarray(values, dtype=np.float64))
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = fn(x)
    return tape.gradient(y, x).numpy()


def test_gradients_at_the_kinks_are_tfs():
    assert _grad(nn.relu, [-1.0, 0.0, 2.0]).tolist() == [0.0, 0.0, 1.0]
    assert _grad(nn.relu6, [-1.0, 0.0, 3.0, 6.0, 7.0]).tolist() == [0.0, 0.0, 1.0, 0.0, 0.0]
    assert _grad(nn.leaky_relu, [-1.0, 0.0, 2.0]).tolist() == [0.2, 0.2, 1.0]
    np.testing.assert_allclose(_grad(nn.elu, [-1.0, 0.0, 2.0]), [np.exp(-1.0), 1.0, 1.0])
    np.testing.assert_allclose(_grad(nn.selu, [-1.0, 0.0, 2.0]),
                               [SELU_SCALE * SELU_ALPHA * np.exp(-1.0), SELU_SCALE, SELU_SCALE])
    np.testing.assert_allclose(_grad(nn.softplus, [0.0]), [0.5])
    np.testing.assert_allclose(_grad(nn.softsign, [0.0]), [1.0])


#: interior points, away from kinks, with both signs
POINTS = np.array([-2.3, -0.4, 0.3, 1.7, 4.2])


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_first_order_gradients(name):
    fn = ACTIVATIONS[name][0]
    tg.test.check_gradients(fn, [tg.constant(POINTS)])


def derivative(fn):
    """x -> d(sum fn(x))/dx, built with a tape so it can be differentiated again."""
    def d(x):
        with tg.GradientTape() as tape:
            tape.watch(x)
            y = fn(x)
        return tape.gradient(y, x)
    return d


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_second_order_gradients(name):
    fn = ACTIVATIONS[name][0]
    tg.test.check_gradients(derivative(fn), [tg.constant(POINTS)])


def test_elu_second_derivative_on_both_sides():
    second = derivative(derivative(nn.elu))
    np.testing.assert_allclose(second(tg.constant([-1.0, 2.0], dtype=tg.float64)).numpy(), [np.exp(-1.0), 0.0])


# ----- softmax family ------------------------------------------------------------------------

@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_softmax_and_log_softmax_values(data):
    dtype = data.draw(st.sampled_from([np.float32, np.float64]))
    x = data.draw(_arrays(dtype, hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4), -30, 30))
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    s = nn.softmax(tg.constant(x), axis=axis)
    assert s.dtype == tg.as_dtype(dtype)
    np.testing.assert_allclose(s.numpy(), scipy.special.softmax(x.astype(np.float64), axis=axis), **TOL[dtype])
    ls = nn.log_softmax(tg.constant(x), axis=axis)
    np.testing.assert_allclose(ls.numpy(), scipy.special.log_softmax(x.astype(np.float64), axis=axis),
                               rtol=TOL[dtype]["rtol"], atol=1e-5 if dtype == np.float32 else 1e-12)


def test_softmax_defaults_to_the_last_axis_and_is_stable():
    x = tg.constant([[1000.0, 1000.0], [-1000.0, 0.0]])
    np.testing.assert_allclose(nn.softmax(x).numpy(), [[0.5, 0.5], [0.0, 1.0]])
    np.testing.assert_allclose(nn.log_softmax(x).numpy(), [[-np.log(2), -np.log(2)], [-1000.0, 0.0]])
    np.testing.assert_allclose(tg.nn.softmax(tg.constant([1.0, 2.0]), axis=None).numpy(),
                               scipy.special.softmax([1.0, 2.0]), rtol=1e-6)


def test_softmax_errors():
    with pytest.raises(ValueError, match="softmax.*axis 2"):
        nn.softmax(tg.constant([[1.0, 2.0]]), axis=2)
    with pytest.raises(ValueError, match="softmax.*scalar"):
        nn.softmax(tg.constant(1.0))


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax_gradients(axis):
    x = tg.constant([[0.5, -1.0, 2.0], [0.1, 0.2, -0.3]], dtype=tg.float64)
    weights = tg.constant([[1.0, 2.0, -1.0], [0.5, 3.0, 1.0]], dtype=tg.float64)
    tg.test.check_gradients(lambda x: nn.softmax(x, axis=axis), [x])
    tg.test.check_gradients(lambda x: nn.log_softmax(x, axis=axis), [x])

    def weighted_softmax_gradient(x):
        with tg.GradientTape() as tape:
            tape.watch(x)
            y = tg.reduce_sum(nn.softmax(x, axis=axis) * weights)
        return tape.gradient(y, x)
    tg.test.check_gradients(weighted_softmax_gradient, [x])


# ----- cross-entropy losses ------------------------------------------------------------------

def _sigmoid_xent_ref(z, x):
    return np.maximum(x, 0) - x * z + np.log1p(np.exp(-np.abs(x)))


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_sigmoid_cross_entropy_values(data):
    x = data.draw(_arrays(np.float64, low=-50, high=50))
    z = data.draw(hnp.arrays(np.float64, x.shape, elements=st.floats(0, 1)))
    loss = nn.sigmoid_cross_entropy_with_logits(labels=tg.constant(z), logits=tg.constant(x))
    np.testing.assert_allclose(loss.numpy(), _sigmoid_xent_ref(z, x), rtol=1e-12, atol=1e-12)


def test_sigmoid_cross_entropy_details():
    x = tg.constant([-1000.0, 0.0, 1000.0])
    loss = nn.sigmoid_cross_entropy_with_logits(labels=[1.0, 0.0, 0.0], logits=x)
    np.testing.assert_allclose(loss.numpy(), [1000.0, np.log(2), 1000.0])
    with pytest.raises(ValueError, match="same shape"):
        nn.sigmoid_cross_entropy_with_logits(labels=tg.constant([1.0]), logits=tg.constant([1.0, 2.0]))
    with pytest.raises(ValueError, match="labels"):
        nn.sigmoid_cross_entropy_with_logits(logits=x)
    with pytest.raises(TypeError, match=r"float32.*float64"):
        nn.sigmoid_cross_entropy_with_logits(labels=tg.constant([1.0], dtype=tg.float64), logits=tg.constant([1.0]))


def test_sigmoid_cross_entropy_gradients():
    x = tg.constant([-2.0, 0.0, 0.7, 3.0], dtype=tg.float64)
    z = tg.constant([0.0, 0.3, 1.0, 0.5], dtype=tg.float64)
    tg.test.check_gradients(lambda z, x: nn.sigmoid_cross_entropy_with_logits(labels=z, logits=x), [z, x])
    # At x = 0 the gradient is sigmoid(0) - z, as in TF.
    g = _grad(lambda x: nn.sigmoid_cross_entropy_with_logits(labels=tg.constant([0.3], tg.float64), logits=x),
              [0.0])
    np.testing.assert_allclose(g, [0.2])
    tg.test.check_gradients(derivative(lambda x: nn.sigmoid_cross_entropy_with_logits(labels=z, logits=x)), [x])


def test_softmax_cross_entropy_values_and_gradients():
    logits = np.array([[2.0, -5.0, 0.5, -0.1], [0.0, 0.0, 1.9, 1.4]])
    labels = np.array([[1.0, 0.0, 0.0, 0.0], [0.1, 0.2, 0.3, 0.4]])
    loss = nn.softmax_cross_entropy_with_logits(labels=tg.constant(labels), logits=tg.constant(logits))
    expected = -(labels * scipy.special.log_softmax(logits, axis=-1)).sum(-1)
    np.testing.assert_allclose(loss.numpy(), expected, rtol=1e-12)
    loss0 = nn.softmax_cross_entropy_with_logits(tg.constant(labels.T), tg.constant(logits.T), axis=0)
    np.testing.assert_allclose(loss0.numpy(), expected, rtol=1e-12)
    tg.test.check_gradients(lambda z, x: nn.softmax_cross_entropy_with_logits(z, x),
                            [tg.constant(labels), tg.constant(logits)])
    g = _grad(lambda x: nn.softmax_cross_entropy_with_logits(tg.constant(labels), x), logits)
    np.testing.assert_allclose(g, scipy.special.softmax(logits, axis=-1) - labels, atol=1e-12)


def test_sparse_softmax_cross_entropy_matches_tf_example():
    logits = tg.constant([[2.0, -5.0, 0.5, -0.1], [0.0, 0.0, 1.9, 1.4], [-100.0, 100.0, -100.0, -100.0]])
    loss = nn.sparse_softmax_cross_entropy_with_logits(labels=tg.constant([0, 3, 1]), logits=logits)
    assert loss.dtype == tg.float32 and loss.shape == (3,)
    np.testing.assert_allclose(loss.numpy(), [0.29750752, 1.1448325, 0.0], rtol=1e-5, atol=1e-7)


def test_sparse_softmax_cross_entropy_higher_rank_and_int64():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(2, 3, 5))
    labels = rng.integers(0, 5, size=(2, 3))
    loss = nn.sparse_softmax_cross_entropy_with_logits(tg.constant(labels.astype(np.int64)), tg.constant(logits))
    expected = -np.take_along_axis(scipy.special.log_softmax(logits, -1), labels[..., None], -1)[..., 0]
    np.testing.assert_allclose(loss.numpy(), expected, rtol=1e-12)


def test_sparse_softmax_cross_entropy_gradients():
    logits = tg.constant([[2.0, -1.0, 0.5], [0.3, 0.1, -0.4]], dtype=tg.float64)
    labels = tg.constant([2, 0])
    loss = lambda x: nn.sparse_softmax_cross_entropy_with_logits(labels, x)  # noqa: E731
    tg.test.check_gradients(loss, [logits])
    expected = scipy.special.softmax(logits.numpy(), axis=-1) - np.eye(3)[[2, 0]]
    np.testing.assert_allclose(_grad(loss, logits.numpy()), expected, atol=1e-12)
    tg.test.check_gradients(derivative(loss), [logits])


def test_sparse_softmax_cross_entropy_errors():
    logits = tg.constant([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(tg.errors.InvalidArgumentError, match="label value of 2.*\\[0, 2\\)"):
        nn.sparse_softmax_cross_entropy_with_logits(tg.constant([0, 2]), logits)
    with pytest.raises(tg.errors.InvalidArgumentError, match="label value of -1"):
        nn.sparse_softmax_cross_entropy_with_logits(tg.constant([-1, 0]), logits)
    with pytest.raises(ValueError, match="rank"):
        nn.sparse_softmax_cross_entropy_with_logits(tg.constant([[0, 1]]), logits)
    with pytest.raises(TypeError, match="int32 or int64"):
        nn.sparse_softmax_cross_entropy_with_logits(tg.constant([0.0, 1.0]), logits)
    with pytest.raises(TypeError, match="logits.*int32"):
        nn.sparse_softmax_cross_entropy_with_logits(tg.constant([0, 1]), tg.constant([[1, 2], [3, 4]]))


# ----- normalization and friends -------------------------------------------------------------

@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_l2_normalize_and_moments_values(data):
    x = data.draw(_arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)))
    axes = sorted(data.draw(st.sets(st.integers(0, x.ndim - 1), min_size=1)))
    norm = np.sqrt(np.maximum((x * x).sum(axis=tuple(axes), keepdims=True), 1e-12))
    np.testing.assert_allclose(nn.l2_normalize(tg.constant(x), axis=axes).numpy(), x / norm, rtol=1e-12)
    keepdims = data.draw(st.booleans())
    mean, variance = nn.moments(tg.constant(x), axes, keepdims=keepdims)
    np.testing.assert_allclose(mean.numpy(), x.mean(axis=tuple(axes), keepdims=keepdims), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(variance.numpy(), x.var(axis=tuple(axes), keepdims=keepdims), rtol=1e-10,
                               atol=1e-12)


def test_l2_normalize_details():
    np.testing.assert_allclose(nn.l2_normalize(tg.constant([3.0, 4.0])).numpy(), [0.6, 0.8], rtol=1e-6)
    np.testing.assert_array_equal(nn.l2_normalize(tg.zeros([2])).numpy(), [0.0, 0.0])
    np.testing.assert_allclose(nn.l2_normalize(tg.constant([[3.0, 4.0]]), dim=1).numpy(), [[0.6, 0.8]], rtol=1e-6)


def test_moments_of_float16_are_computed_in_float32():
    x = tg.constant(np.array([1000.0, 1002.0], dtype=np.float16))
    mean, variance = nn.moments(x, [0])
    assert mean.dtype == tg.float16 and variance.dtype == tg.float16
    assert mean.numpy() == 1001.0 and variance.numpy() == 1.0


def test_normalization_gradients():
    x = tg.constant([[0.5, -1.0, 2.0], [0.1, 0.2, -0.3]], dtype=tg.float64)
    tg.test.check_gradients(lambda x: nn.l2_normalize(x, axis=1), [x])
    tg.test.check_gradients(lambda x: nn.moments(x, [0])[0], [x])
    tg.test.check_gradients(lambda x: nn.moments(x, [0, 1])[1], [x])
    tg.test.check_gradients(nn.l2_loss, [x])
    assert nn.l2_loss(x).numpy() == pytest.approx(0.5 * (x.numpy() ** 2).sum())


def test_batch_normalization():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(4, 3))
    mean, var = x.mean(0), x.var(0)
    offset, scale = rng.normal(size=3), rng.normal(size=3)
    result = nn.batch_normalization(tg.constant(x), tg.constant(mean), tg.constant(var), tg.constant(offset),
                                    tg.constant(scale), 1e-3)
    np.testing.assert_allclose(result.numpy(), (x - mean) / np.sqrt(var + 1e-3) * scale + offset, rtol=1e-12)
    bare = nn.batch_normalization(tg.constant(x), tg.constant(mean), tg.constant(var), None, None, 1e-3)
    np.testing.assert_allclose(bare.numpy(), (x - mean) / np.sqrt(var + 1e-3), rtol=1e-12)
    tg.test.check_gradients(
        lambda x, m, v: nn.batch_normalization(x, m, v, tg.constant(offset), tg.constant(scale), 1e-3),
        [tg.constant(x), tg.constant(mean), tg.constant(var)])


def test_bias_add():
    value = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    bias4 = np.array([1.0, 2.0, 3.0, 4.0], dtype=np.float32)
    bias3 = np.array([10.0, 20.0, 30.0], dtype=np.float32)
    np.testing.assert_array_equal(nn.bias_add(tg.constant(value), tg.constant(bias4)).numpy(), value + bias4)
    np.testing.assert_array_equal(nn.bias_add(value, bias4, data_format="NWC").numpy(), value + bias4)
    np.testing.assert_array_equal(nn.bias_add(tg.constant(value), tg.constant(bias3), data_format="NCW").numpy(),
                                  value + bias3[:, None])
    with pytest.raises(ValueError, match="bias_add.*1-D"):
        nn.bias_add(tg.constant(value), tg.constant([[1.0]]))
    with pytest.raises(ValueError, match="bias_add.*rank at least 2"):
        nn.bias_add(tg.constant([1.0, 2.0]), tg.constant([1.0, 2.0]))
    with pytest.raises(ValueError, match="bias_add.*match"):
        nn.bias_add(tg.constant(value), tg.constant(bias3))
    with pytest.raises(ValueError, match="data_format"):
        nn.bias_add(tg.constant(value), tg.constant(bias4), data_format="HWNC")
    with pytest.raises(TypeError, match=r"float32.*float64"):
        nn.bias_add(tg.constant(value), tg.constant(bias4.astype(np.float64)))


def test_bias_add_gradients():
    value = tg.constant(np.arange(6.0).reshape(2, 3))
    bias = tg.constant([0.5, -1.0, 2.0], dtype=tg.float64)
    tg.test.check_gradients(lambda v, b: nn.bias_add(v, b) * v, [value, bias])
    tg.test.check_gradients(lambda v, b: nn.bias_add(v, b[:2], data_format="NCHW") * v,
                            [tg.constant(np.arange(6.0).reshape(3, 2)), bias])


def test_crelu():
    result = nn.crelu(tg.constant([[-1.0, 2.0]]))
    np.testing.assert_array_equal(result.numpy(), [[0.0, 2.0, 1.0, 0.0]])


# ----- dropout -------------------------------------------------------------------------------

def test_dropout_zeroes_and_scales():
    x = tg.ones([200, 50])
    y = nn.dropout(x, 0.25, seed=3).numpy()
    kept = y != 0
    np.testing.assert_allclose(y[kept], 1 / 0.75)
    assert 0.2 < 1 - kept.mean() < 0.3
    assert nn.dropout(x, 0.0) is x


def test_dropout_noise_shape_drops_whole_rows():
    y = nn.dropout(tg.ones([50, 4]), 0.5, noise_shape=[50, 1], seed=1).numpy()
    assert all(len(set(row)) == 1 for row in y.tolist())
    assert 0 < (y[:, 0] == 0).sum() < 50


def test_dropout_errors_and_gradient():
    with pytest.raises(ValueError, match="dropout.*rate"):
        nn.dropout(tg.ones([2]), 1.0)
    with pytest.raises(TypeError, match="dropout.*int32"):
        nn.dropout(tg.constant([1, 2]), 0.5)
    x = tg.ones([100], dtype=tg.float64)
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = nn.dropout(x, 0.5, seed=2)
    g = tape.gradient(y, x).numpy()
    np.testing.assert_array_equal(g, np.where(y.numpy() != 0, 2.0, 0.0))


def test_templates_use_only_known_functions():
    for value in vars(nn_ops).values():
        template = getattr(value, "template", None)
        if isinstance(template, str):
            assert set(re.findall(r"([a-z_0-9]+)\(", template)) <= {"max", "min"}, template


def test_shape_rules_accept_unknown_dimensions_and_rank():
    f32, i32 = tg.float32, tg.int32
    for op in (nn_ops._relu, nn_ops._relu6):
        assert op.infer(tg.TensorSpec([None, 3], f32)).shape.as_list() == [None, 3]
        assert op.infer(tg.TensorSpec(None, f32)).shape.rank is None
    picked = nn_ops._pick.infer(tg.TensorSpec([None, 5], f32), tg.TensorSpec([None], i32))
    assert picked.shape.as_list() == [None] and picked.dtype == f32
    assert nn_ops._pick.infer(tg.TensorSpec(None, f32), tg.TensorSpec(None, i32)).shape.rank is None
    scattered = nn_ops._scatter.infer(tg.TensorSpec([None], f32), tg.TensorSpec([None], i32),
                                      tg.TensorSpec([None, 5], f32))
    assert scattered.shape.as_list() == [None, 5]
