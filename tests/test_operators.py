"""Python operators on tensors: values vs NumPy, reflected forms, TF's dtype rules, errors."""
import operator

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import tracegraph as tg

ARITHMETIC = [operator.add, operator.sub, operator.mul, operator.truediv, operator.floordiv,
              operator.mod, operator.pow]
COMPARISONS = [operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne]


def _check(got, expected, dtype):
    assert isinstance(got, tg.Tensor)
    assert got.dtype is dtype
    assert got.shape == np.shape(expected)
    np.testing.assert_allclose(np.asarray(got), expected, rtol=1e-6)


@pytest.mark.parametrize("op", ARITHMETIC, ids=lambda f: f.__name__)
def test_arithmetic_on_two_tensors(op):
    a = np.array([[1.5, 2.0, 3.0], [4.0, 5.5, 6.0]], np.float32)
    b = np.array([2.0, 3.0, 1.5], np.float32)
    _check(op(tg.constant(a), tg.constant(b)), op(a, b), tg.float32)


@pytest.mark.parametrize("op", ARITHMETIC, ids=lambda f: f.__name__)
def test_python_scalars_on_either_side_take_the_tensor_dtype(op):
    a = np.array([1.5, 2.0, 3.0], np.float64)
    t = tg.constant(a)
    _check(op(t, 2), op(a, 2.0), tg.float64)
    _check(op(2, t), op(2.0, a), tg.float64)


@pytest.mark.parametrize("op", ARITHMETIC, ids=lambda f: f.__name__)
def test_ndarray_on_the_left(op):
    a = np.array([1.0, 2.0, 4.0])          # float64
    t = tg.constant([2.0, 3.0, 0.5])       # float32: the tensor's dtype wins, as in TF
    _check(op(a, t), op(a.astype(np.float32), np.float32([2.0, 3.0, 0.5])), tg.float32)


def test_ndarray_on_the_left_named_cases():
    t = tg.constant([1.0, 2.0])
    _check(np.ones(2) * t, [1.0, 2.0], tg.float32)
    _check(np.float64(2.0) * t, [2.0, 4.0], tg.float32)
    _check(np.array([1, 2]) + t, [2.0, 4.0], tg.float32)
    _check(np.ones((1, 2)) @ tg.constant([[1.0], [2.0]]), [[3.0]], tg.float32)
    _check(np.ones(2) < t, [False, True], tg.bool)


def test_integer_arithmetic():
    a = tg.constant([7, -7, 8])
    _check(a + 1, [8, -6, 9], tg.int32)
    _check(a // 2, [3, -4, 4], tg.int32)
    _check(a % 3, [1, 2, 2], tg.int32)
    _check(-a, [-7, 7, -8], tg.int32)
    _check(abs(a), [7, 7, 8], tg.int32)
    _check(2 ** tg.constant([3, 4]), [8, 16], tg.int32)


def test_int_true_division_gives_float64():
    _check(tg.constant([3, 4]) / tg.constant([2, 8]), [1.5, 0.5], tg.float64)
    _check(tg.constant(3) / 2, 1.5, tg.float64)
    _check(7 / tg.constant(2), 3.5, tg.float64)


def test_int_tensor_times_python_float_is_a_type_error():
    with pytest.raises(TypeError, match="int32"):
        tg.constant([1, 2]) * 2.5
    with pytest.raises(TypeError, match="int32"):
        2.5 * tg.constant([1, 2])


def test_mixing_tensor_dtypes_names_both():
    with pytest.raises(TypeError, match="float32 and float64"):
        tg.constant(1.0) + tg.constant(1.0, tg.float64)
    with pytest.raises(TypeError, match="int32 and float32"):
        tg.constant(1) * tg.constant(1.0)


def test_broadcasting_error_names_both_shapes():
    with pytest.raises(ValueError, match=r"\(2,\).*\(3,\)"):
        tg.constant([1.0, 2.0]) + tg.constant([1.0, 2.0, 3.0])


def test_matmul_operator_and_mismatch():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    b = np.arange(12, dtype=np.float32).reshape(3, 4)
    _check(tg.constant(a) @ tg.constant(b), a @ b, tg.float32)
    _check(a @ tg.constant(b), a @ b, tg.float32)
    _check([[1.0, 2.0]] @ tg.constant([[3.0], [4.0]]), [[11.0]], tg.float32)
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(2, 3\)"):
        tg.constant(a) @ tg.constant(a)


@pytest.mark.parametrize("op", COMPARISONS, ids=lambda f: f.__name__)
def test_comparisons(op):
    a = np.array([1, 2, 3], np.int32)
    _check(op(tg.constant(a), 2), op(a, 2), tg.bool)
    _check(op(2, tg.constant(a)), op(2, a), tg.bool)
    _check(op(tg.constant(a), tg.constant(a[::-1])), op(a, a[::-1]), tg.bool)


def test_equality_special_cases():
    t = tg.constant([1, 2])
    assert (t == None) is False  # noqa: E711 - TF compares with None as unequal
    assert (t != None) is True  # noqa: E711
    unequal_shapes = t == tg.constant([1, 2, 3])
    assert isinstance(unequal_shapes, tg.Tensor) and unequal_shapes.shape == ()
    assert not bool(unequal_shapes)
    assert bool(t != tg.constant([1, 2, 3]))
    with pytest.raises(TypeError):
        t == tg.constant([1.0, 2.0])


def test_logical_operators_on_bools():
    a, b = tg.constant([True, True, False]), tg.constant([True, False, False])
    _check(a & b, [True, False, False], tg.bool)
    _check(a | b, [True, True, False], tg.bool)
    _check(a ^ b, [False, True, False], tg.bool)
    _check(~a, [False, False, True], tg.bool)
    _check(True & b, [True, False, False], tg.bool)


def test_bitwise_operators_on_integers():
    a = tg.constant([12, 10])
    _check(a & 6, [4, 2], tg.int32)
    _check(6 | a, [14, 14], tg.int32)
    _check(a ^ 15, [3, 5], tg.int32)
    _check(~a, [-13, -11], tg.int32)
    _check(a << 1, [24, 20], tg.int32)
    _check(a >> 2, [3, 2], tg.int32)
    _check(1 << tg.constant([3]), [8], tg.int32)


def test_divmod():
    q, r = divmod(tg.constant([7, -7]), 3)
    _check(q, [2, -3], tg.int32)
    _check(r, [1, 2], tg.int32)


def test_unary_plus_and_minus_on_floats():
    t = tg.constant([1.5, -2.0])
    assert +t is t
    _check(-t, [-1.5, 2.0], tg.float32)
    _check(abs(t), [1.5, 2.0], tg.float32)


def test_bool_arithmetic_is_an_error():
    with pytest.raises(TypeError):
        tg.constant([True]) + tg.constant([False])
    with pytest.raises(TypeError, match="bool"):
        tg.constant([1.0]) * True


@st.composite
def _broadcastable_pair(draw):
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3))
    dtype = draw(st.sampled_from([np.float32, np.float64, np.int32, np.int64]))
    elements = st.integers(-20, 20)
    a = draw(hnp.arrays(dtype, shapes.input_shapes[0], elements=elements))
    b = draw(hnp.arrays(dtype, shapes.input_shapes[1], elements=elements))
    return a, b


@settings(max_examples=40, deadline=None)
@given(_broadcastable_pair(), st.sampled_from([operator.add, operator.sub, operator.mul, operator.lt,
                                               operator.eq, operator.ge]))
def test_broadcasting_matches_numpy(pair, op):
    a, b = pair
    got = op(tg.constant(a), tg.constant(b))
    expected = op(a, b)
    assert got.shape == expected.shape
    assert got.dtype == tg.as_dtype(expected.dtype)
    np.testing.assert_array_equal(np.asarray(got), expected)


@settings(max_examples=25, deadline=None)
@given(_broadcastable_pair())
def test_reflected_ndarray_operand_matches_numpy(pair):
    a, b = pair
    got = a * tg.constant(b)
    np.testing.assert_array_equal(np.asarray(got), a * b)
