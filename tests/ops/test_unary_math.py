"""Unary elementwise math: values against NumPy/SciPy, dtype rules, errors, gradients (1st and 2nd order)."""
import re
import warnings

import numpy as np
import pytest
import scipy.special
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import tracegraph as tg
from tracegraph.ops import unary_math
from elementwise_rules import elementwise_ops, infer_any_dtype


def _sigmoid_ref(x):
    return (1 / (1 + np.exp(-x.astype(np.float64)))).astype(x.dtype)


#: name -> (tracegraph function, NumPy/SciPy reference, (low, high) of a domain where it is smooth)
UNARY = {
    "exp": (tg.exp, np.exp, (-5, 5)),
    "expm1": (tg.math.expm1, np.expm1, (-5, 5)),
    "log": (tg.math.log, np.log, (0.1, 10)),
    "log1p": (tg.math.log1p, np.log1p, (-0.9, 10)),
    "sqrt": (tg.sqrt, np.sqrt, (0.1, 10)),
    "rsqrt": (tg.math.rsqrt, lambda x: 1 / np.sqrt(x), (0.1, 10)),
    "square": (tg.square, np.square, (-5, 5)),
    "sin": (tg.sin, np.sin, (-5, 5)),
    "cos": (tg.cos, np.cos, (-5, 5)),
    "tan": (tg.tan, np.tan, (-1.2, 1.2)),
    "asin": (tg.asin, np.arcsin, (-0.9, 0.9)),
    "acos": (tg.acos, np.arccos, (-0.9, 0.9)),
    "atan": (tg.atan, np.arctan, (-5, 5)),
    "sinh": (tg.sinh, np.sinh, (-3, 3)),
    "cosh": (tg.cosh, np.cosh, (-3, 3)),
    "tanh": (tg.tanh, np.tanh, (-5, 5)),
    "asinh": (tg.asinh, np.arcsinh, (-5, 5)),
    "acosh": (tg.acosh, np.arccosh, (1.1, 5)),
    "atanh": (tg.atanh, np.arctanh, (-0.9, 0.9)),
    "sigmoid": (tg.sigmoid, _sigmoid_ref, (-20, 20)),
    "softplus": (tg.math.softplus, lambda x: np.logaddexp(np.zeros_like(x), x), (-20, 20)),
    "log_sigmoid": (tg.math.log_sigmoid, lambda x: -np.logaddexp(np.zeros_like(x), -x), (-20, 20)),
    "softsign": (tg.math.softsign, lambda x: x / (1 + np.abs(x)), (-5, 5)),
    "erf": (tg.math.erf, scipy.special.erf, (-3, 3)),
    "erfc": (tg.math.erfc, scipy.special.erfc, (-3, 3)),
}

#: ops without an integer kernel in TF: integer input is a TypeError
FLOAT_ONLY = ["exp", "expm1", "log", "log1p", "sqrt", "rsqrt", "sin", "cos", "tan", "asin", "acos",
              "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "sigmoid", "softplus", "erf",
              "erfc"]

TOL = {np.float32: dict(rtol=2e-5, atol=1e-6), np.float64: dict(rtol=1e-12, atol=1e-14)}

SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)


def _values(dtype, low, high):
    """Arrays of `dtype` with elements in [low, high] (bounds rounded inward to `dtype`)."""
    kind = np.dtype(dtype).type
    lo, hi = kind(low), kind(high)
    lo = lo if lo >= low else np.nextafter(lo, kind(np.inf))
    hi = hi if hi <= high else np.nextafter(hi, kind(-np.inf))
    elements = st.floats(float(lo), float(hi), width=np.dtype(dtype).itemsize * 8)
    return hnp.arrays(dtype, SHAPES, elements=elements)


@pytest.mark.parametrize("name", sorted(UNARY))
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_forward_matches_reference(name, data):
    fn, ref, (low, high) = UNARY[name]
    dtype = data.draw(st.sampled_from([np.float32, np.float64]))
    x = data.draw(_values(dtype, low, high))
    result = fn(tg.constant(x))
    assert result.dtype == tg.as_dtype(dtype)
    assert result.shape == x.shape
    np.testing.assert_allclose(result.numpy(), ref(x), **TOL[dtype])


@pytest.mark.parametrize("name", ["exp", "sin", "sigmoid", "erf", "log1p"])
def test_non_contiguous_input(name):
    fn, ref, (low, high) = UNARY[name]
    base = np.linspace(low, high, 24).reshape(4, 6)
    for x in (base.T, base[:, ::2], base[::-1]):
        np.testing.assert_allclose(fn(tg.constant(x)).numpy(), ref(np.ascontiguousarray(x)), rtol=1e-12)


@pytest.mark.parametrize("name", FLOAT_ONLY)
def test_integer_input_is_a_type_error(name):
    fn = UNARY[name][0]
    with pytest.raises(TypeError, match=rf"{name}.*int32"):
        fn(tg.constant([1, 2]))


def test_square_of_integers_stays_integer():
    result = tg.square(tg.constant([-3, 4]))
    assert result.dtype == tg.int32
    np.testing.assert_array_equal(result.numpy(), [9, 16])


def test_python_values_convert_with_tf_defaults():
    assert tg.exp(1.0).dtype == tg.float32
    assert tg.exp(np.float64(1.0)).dtype == tg.float64
    np.testing.assert_allclose(tg.exp([0.0, 1.0]).numpy(), np.exp([0.0, 1.0], dtype=np.float32))


def test_sigmoid_and_softplus_are_stable_for_large_inputs():
    x = tg.constant([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = tg.sigmoid(x).numpy()
        sp = tg.math.softplus(x).numpy()
    np.testing.assert_allclose(s, [0.0, _sigmoid_ref(np.float64(-50.0)), 0.5, 1.0, 1.0], rtol=1e-6)
    assert s[1] > 0  # tiny but not flushed to zero by 1 - 1
    np.testing.assert_allclose(sp, [0.0, np.exp(-50.0), np.log(2.0), 50.0, 1000.0], rtol=1e-6)
    assert np.all(np.isfinite(tg.math.log_sigmoid(x).numpy()))


def test_float16_keeps_its_dtype():
    x = tg.constant(np.array([0.5, 1.0], dtype=np.float16))
    for fn in (tg.exp, tg.sigmoid, tg.math.erf, tg.math.softplus, tg.sqrt):
        assert fn(x).dtype == tg.float16


# ----- rounding ------------------------------------------------------------------------------

def test_round_is_half_to_even():
    x = tg.constant([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, 2.6])
    np.testing.assert_array_equal(tg.round(x).numpy(), [0, 2, 2, -0.0, -2, -2, 2, 3])
    np.testing.assert_array_equal(tg.math.rint(x).numpy(), [0, 2, 2, -0.0, -2, -2, 2, 3])


def test_round_passes_integers_through():
    x = tg.constant([1, -2])
    assert tg.round(x) is x


@settings(max_examples=25, deadline=None)
@given(x=_values(np.float32, -100, 100))
def test_floor_ceil_rint(x):
    t = tg.constant(x)
    np.testing.assert_array_equal(tg.floor(t).numpy(), np.floor(x))
    np.testing.assert_array_equal(tg.math.ceil(t).numpy(), np.ceil(x))
    np.testing.assert_array_equal(tg.round(t).numpy(), np.rint(x))


@pytest.mark.parametrize("fn", [tg.floor, tg.math.ceil, tg.math.rint])
def test_rounding_of_integers_is_a_type_error(fn):
    with pytest.raises(TypeError, match="int32"):
        fn(tg.constant([1]))


@pytest.mark.parametrize("fn", [tg.floor, tg.math.ceil, tg.round, tg.math.rint])
def test_rounding_has_no_gradient(fn):
    x = tg.constant([0.3, 1.7], dtype=tg.float64)
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = fn(x)
    assert tape.gradient(y, x) is None


def test_sign_gradient_is_zero():
    x = tg.constant([-2.0, 0.0, 3.0], dtype=tg.float64)
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = tg.sign(x)
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [0.0, 0.0, 0.0])


# ----- special gradient values ---------------------------------------------------------------

def _grad(fn, values, dtype=tg.float64):
    x = tg.constant(values, dtype=dtype)
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = fn(x)
    return tape.gradient(y, x).numpy()


def test_sqrt_gradient_at_zero_is_inf():
    with np.errstate(divide="ignore"):
        g = _grad(tg.sqrt, [0.0, 4.0])
    assert g[0] == np.inf and g[1] == 0.25


def test_sigmoid_gradient_does_not_overflow():
    g = _grad(tg.sigmoid, [-1000.0, 0.0, 1000.0])
    np.testing.assert_allclose(g, [0.0, 0.25, 0.0])


def test_softplus_gradient_is_sigmoid():
    np.testing.assert_allclose(_grad(tg.math.softplus, [-3.0, 0.0, 2.0]),
                               _sigmoid_ref(np.array([-3.0, 0.0, 2.0])), rtol=1e-12)


# ----- gradients against finite differences --------------------------------------------------

def _points(low, high, n=4, seed=0):
    # Interior points of the domain, away from its ends.
    rng = np.random.default_rng(seed)
    span = high - low
    return tg.constant(rng.uniform(low + 0.1 * span, high - 0.1 * span, size=n), dtype=tg.float64)


def first_derivative(fn):
    """The elementwise derivative of `fn`, computed with a tape (so it is differentiable again)."""
    def derivative(x):
        with tg.GradientTape() as tape:
            tape.watch(x)
            y = fn(x)
        return tape.gradient(y, x)
    return derivative


@pytest.mark.parametrize("name", sorted(UNARY))
def test_first_order_gradient(name):
    fn, _, (low, high) = UNARY[name]
    tg.test.check_gradients(fn, [_points(low, high)])


@pytest.mark.parametrize("name", sorted(UNARY))
def test_second_order_gradient(name):
    fn, _, (low, high) = UNARY[name]
    tg.test.check_gradients(first_derivative(fn), [_points(low, high, seed=1)])


def test_second_order_of_square_and_sqrt_exact_values():
    second = first_derivative(first_derivative(tg.square))
    np.testing.assert_allclose(second(tg.constant([1.0, 5.0], dtype=tg.float64)).numpy(), [2.0, 2.0])
    second = first_derivative(first_derivative(tg.sqrt))
    np.testing.assert_allclose(second(tg.constant([4.0], dtype=tg.float64)).numpy(), [-0.25 / 8])


# ----- complex numbers -----------------------------------------------------------------------

def test_complex_parts():
    z = tg.complex(tg.constant([1.0, -2.0]), tg.constant([3.0, 0.5]))
    assert z.dtype == tg.complex64
    np.testing.assert_array_equal(z.numpy(), [1 + 3j, -2 + 0.5j])
    assert tg.math.real(z).dtype == tg.float32
    np.testing.assert_array_equal(tg.math.real(z).numpy(), [1.0, -2.0])
    np.testing.assert_array_equal(tg.math.imag(z).numpy(), [3.0, 0.5])
    np.testing.assert_array_equal(tg.math.conj(z).numpy(), [1 - 3j, -2 - 0.5j])
    np.testing.assert_allclose(tg.abs(z).numpy(), np.abs([1 + 3j, -2 + 0.5j]), rtol=1e-6)
    assert tg.abs(z).dtype == tg.float32


def test_complex_of_float64_is_complex128_and_keeps_infinities():
    z = tg.complex(tg.constant([1.0], dtype=tg.float64), tg.constant([np.inf], dtype=tg.float64))
    assert z.dtype == tg.complex128
    assert z.numpy()[0].real == 1.0 and z.numpy()[0].imag == np.inf


def test_real_imag_conj_of_real_tensors():
    x = tg.constant([1.0, 2.0])
    assert tg.math.real(x) is x
    assert tg.math.conj(x) is x
    np.testing.assert_array_equal(tg.math.imag(x).numpy(), [0.0, 0.0])


def test_complex_errors():
    with pytest.raises(TypeError, match="complex.*int32"):
        tg.complex(tg.constant([1]), tg.constant([2]))
    with pytest.raises(TypeError, match="float32 and float64"):
        tg.complex(tg.constant([1.0]), tg.constant([2.0], dtype=tg.float64))


def test_complex_gradients_follow_tf_convention():
    # For real L(z), TF's gradient is dL/dRe + i dL/dIm: for L = |z|**2 that is 2z.
    a = tg.constant([1.5, -0.5], dtype=tg.float64)
    b = tg.constant([2.0, 0.25], dtype=tg.float64)
    with tg.GradientTape(persistent=True) as tape:
        tape.watch([a, b])
        z = tg.complex(a, b)
        tape.watch(z)
        loss = tg.math.real(z * tg.math.conj(z))
        magnitude = tg.abs(z)
        exponential = tg.exp(z)
    ga, gb = tape.gradient(loss, [a, b])
    np.testing.assert_allclose(ga.numpy(), 2 * a.numpy())
    np.testing.assert_allclose(gb.numpy(), 2 * b.numpy())
    np.testing.assert_allclose(tape.gradient(loss, z).numpy(), 2 * z.numpy())
    np.testing.assert_allclose(tape.gradient(magnitude, z).numpy(), z.numpy() / np.abs(z.numpy()))
    gz = tape.gradient(exponential, z)
    np.testing.assert_allclose(gz.numpy(), np.conj(np.exp(z.numpy())))


def test_templates_use_only_known_functions():
    known = {"exp", "expm1", "log", "log1p", "sqrt", "sin", "cos", "tan", "asin", "acos", "atan",
             "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "erf", "erfc", "floor", "ceil", "rint",
             "max", "abs", "real", "imag", "conj", "complex"}
    for value in vars(unary_math).values():
        template = getattr(value, "template", None)
        if isinstance(template, str):
            assert set(re.findall(r"([a-z_0-9]+)\(", template)) <= known, template


# ----- shape rules on symbolic specs ---------------------------------------------------------

def _infer_any_dtype(op, shapes):
    return infer_any_dtype(op, shapes, [tg.float32, tg.int32, tg.bool, tg.complex64])


@pytest.mark.parametrize("op", elementwise_ops(unary_math), ids=lambda op: op.name)
def test_shape_rules_accept_unknown_dimensions_and_rank(op):
    assert _infer_any_dtype(op, [[None, 3], [3]]).shape.as_list() == [None, 3]
    assert _infer_any_dtype(op, [None, None]).shape.rank is None
