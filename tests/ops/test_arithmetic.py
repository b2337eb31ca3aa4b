"""Elementwise arithmetic: values against NumPy with broadcasting, TF dtype rules, errors, gradients."""
import inspect
import re

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import tracegraph as tg
from tracegraph.ops import arithmetic
from elementwise_rules import elementwise_ops, infer_any_dtype

TOL = {np.float32: dict(rtol=1e-5, atol=1e-6), np.float64: dict(rtol=1e-12, atol=1e-14)}


def _pair(dtype, low, high, draw):
    """Two arrays of mutually broadcastable shapes with elements in [low, high]."""
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3))
    if np.dtype(dtype).kind == "f":
        elements = st.floats(low, high, width=np.dtype(dtype).itemsize * 8)
    else:
        elements = st.integers(low, high)
    return tuple(draw(hnp.arrays(dtype, s, elements=elements)) for s in shapes.input_shapes)


#: name -> (tracegraph function, NumPy reference, element range)
BINARY_FLOAT = {
    "add": (tg.add, np.add, (-10, 10)),
    "subtract": (tg.subtract, np.subtract, (-10, 10)),
    "multiply": (tg.multiply, np.multiply, (-10, 10)),
    "maximum": (tg.maximum, np.maximum, (-10, 10)),
    "minimum": (tg.minimum, np.minimum, (-10, 10)),
    "squared_difference": (tg.math.squared_difference, lambda x, y: (x - y) ** 2, (-10, 10)),
    "atan2": (tg.math.atan2, np.arctan2, (-10, 10)),
}


@pytest.mark.parametrize("name", sorted(BINARY_FLOAT))
@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_binary_float_ops_broadcast_like_numpy(name, data):
    fn, ref, (low, high) = BINARY_FLOAT[name]
    dtype = data.draw(st.sampled_from([np.float32, np.float64]))
    x, y = _pair(dtype, low, high, data.draw)
    result = fn(tg.constant(x), tg.constant(y))
    expected = ref(x, y)
    assert result.dtype == tg.as_dtype(dtype)
    assert result.shape == expected.shape
    np.testing.assert_allclose(result.numpy(), expected, **TOL[dtype])


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_divide_and_pow_match_numpy(data):
    dtype = data.draw(st.sampled_from([np.float32, np.float64]))
    x, y = _pair(dtype, 0.5, 4.0, data.draw)
    tx, ty = tg.constant(x), tg.constant(y)
    np.testing.assert_allclose(tg.divide(tx, ty).numpy(), x / y, **TOL[dtype])
    np.testing.assert_allclose((tx / ty).numpy(), x / y, **TOL[dtype])
    np.testing.assert_allclose(tg.pow(tx, ty).numpy(), np.power(x, y), rtol=1e-5 if dtype == np.float32 else 1e-12)


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32, np.int64, np.uint8])
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_integer_arithmetic(dtype, data):
    x, y = _pair(dtype, 0 if np.dtype(dtype).kind == "u" else -20, 20, data.draw)
    tx, ty = tg.constant(x), tg.constant(y)
    for fn, ref in ((tg.add, np.add), (tg.subtract, np.subtract), (tg.multiply, np.multiply),
                    (tg.maximum, np.maximum), (tg.minimum, np.minimum)):
        result = fn(tx, ty)
        assert result.dtype == tg.as_dtype(dtype)
        np.testing.assert_array_equal(result.numpy(), ref(x, y))
    np.testing.assert_array_equal(tg.abs(tx).numpy(), np.abs(x))
    np.testing.assert_array_equal(tg.sign(tx).numpy(), np.sign(x))


def test_unary_arithmetic():
    x = np.array([[-1.5, 0.0], [2.0, -0.0]], dtype=np.float32)
    t = tg.constant(x)
    np.testing.assert_array_equal(tg.negative(t).numpy(), -x)
    np.testing.assert_array_equal((-t).numpy(), -x)
    np.testing.assert_array_equal(tg.abs(t).numpy(), np.abs(x))
    np.testing.assert_array_equal(tg.sign(t).numpy(), np.sign(x))
    np.testing.assert_allclose(tg.math.reciprocal(tg.constant([2.0, -4.0])).numpy(), [0.5, -0.25])


def test_non_contiguous_operands():
    a = np.arange(12, dtype=np.float64).reshape(3, 4)
    b = np.linspace(1, 2, 4)
    np.testing.assert_array_equal(tg.add(tg.constant(a.T), tg.constant(a[::-1, 0])).numpy(),
                                  a.T + a[::-1, 0])
    np.testing.assert_array_equal(tg.multiply(tg.constant(a[:, ::2]), tg.constant(b[::2])).numpy(),
                                  a[:, ::2] * b[::2])


def test_empty_tensors():
    x = tg.constant(np.zeros((0, 3), dtype=np.float32))
    y = tg.constant(np.ones((3,), dtype=np.float32))
    assert tg.add(x, y).shape == (0, 3)
    assert tg.truediv(x, y).shape == (0, 3)


# ----- dtype rules ---------------------------------------------------------------------------

def test_python_scalar_takes_the_tensor_dtype():
    for dtype in (tg.float16, tg.float64, tg.int8, tg.int64, tg.uint8):
        x = tg.constant([1, 2], dtype=dtype)
        assert tg.add(x, 1).dtype == dtype
        assert (x * 2).dtype == dtype
        assert (3 - x).dtype == dtype
    assert tg.multiply(tg.constant([1.0], dtype=tg.float64), 0.1).numpy()[0] == 0.1


def test_float_scalar_with_int_tensor_is_a_type_error():
    with pytest.raises(TypeError, match="int32"):
        tg.add(tg.constant([1, 2]), 0.5)


def test_mixing_float32_and_float64_names_both():
    with pytest.raises(TypeError, match=r"float32.*float64"):
        tg.add(tg.constant([1.0]), tg.constant([1.0], dtype=tg.float64))
    with pytest.raises(TypeError, match=r"int32.*float32"):
        tg.multiply(tg.constant([1]), tg.constant([1.0]))


@pytest.mark.parametrize("dtype, result", [(tg.int32, tg.float64), (tg.int64, tg.float64),
                                           (tg.int8, tg.float32), (tg.int16, tg.float32),
                                           (tg.uint8, tg.float32), (tg.float16, tg.float16),
                                           (tg.float32, tg.float32)])
def test_truediv_result_dtype(dtype, result):
    x = tg.constant([3, 4], dtype=dtype)
    y = tg.constant([2, 8], dtype=dtype)
    q = tg.truediv(x, y)
    assert q.dtype == result
    np.testing.assert_allclose(q.numpy(), [1.5, 0.5])
    assert (x / y).dtype == result
    assert tg.divide(x, y).dtype == result


def test_truediv_of_bools_is_a_type_error():
    with pytest.raises(TypeError, match="bool"):
        tg.truediv(tg.constant([True]), tg.constant([True]))


def test_incompatible_shapes_name_both():
    with pytest.raises(ValueError, match=r"add.*\(2,\).*\(3,\)"):
        tg.add(tg.constant([1.0, 2.0]), tg.constant([1.0, 2.0, 3.0]))


def test_string_addition_concatenates():
    result = tg.add(tg.constant(["ab", "c"]), tg.constant(["x", "yz"]))
    assert result.dtype == tg.string
    assert result.numpy().tolist() == [b"abx", b"cyz"]


# ----- integer division ----------------------------------------------------------------------

def test_floordiv_floors_and_truncatediv_truncates():
    x = tg.constant([-7, 7, -7, 7])
    y = tg.constant([5, 5, -5, -5])
    np.testing.assert_array_equal(tg.math.floordiv(x, y).numpy(), [-2, 1, 1, -2])
    np.testing.assert_array_equal((x // y).numpy(), [-2, 1, 1, -2])
    np.testing.assert_array_equal(tg.truncatediv(x, y).numpy(), [-1, 1, 1, -1])
    np.testing.assert_array_equal(tg.math.floormod(x, y).numpy(), [3, 2, -2, -3])
    np.testing.assert_array_equal((x % y).numpy(), [3, 2, -2, -3])
    np.testing.assert_array_equal(tg.truncatemod(x, y).numpy(), [-2, 2, -2, 2])
    assert tg.math.floordiv(x, y).dtype == tg.int32


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.int16])
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_integer_division_matches_python(dtype, data):
    x, y = _pair(dtype, -50, 50, data.draw)
    y = np.where(y == 0, 1, y).astype(dtype)
    tx, ty = tg.constant(x), tg.constant(y)
    np.testing.assert_array_equal(tg.math.floordiv(tx, ty).numpy(), np.floor_divide(x, y))
    np.testing.assert_array_equal(tg.math.floormod(tx, ty).numpy(), np.mod(x, y))
    np.testing.assert_array_equal(tg.truncatediv(tx, ty).numpy(), np.trunc(x / y).astype(dtype))
    np.testing.assert_array_equal(tg.truncatemod(tx, ty).numpy(), np.fmod(x, y))


@pytest.mark.parametrize("fn", [tg.math.floordiv, tg.math.floormod, tg.truncatediv, tg.truncatemod])
def test_integer_division_by_zero_is_an_error(fn):
    with pytest.raises(tg.errors.InvalidArgumentError, match="division by zero"):
        fn(tg.constant([1, 2]), tg.constant([1, 0]))


def test_float_floordiv_is_floor_of_quotient():
    # TF computes floor(x / y): 1 // 0.1 is 10 there (Python says 9).
    assert tg.math.floordiv(tg.constant(1.0, dtype=tg.float64), 0.1).numpy() == 10.0
    np.testing.assert_array_equal(tg.math.floordiv(tg.constant([-7.0, 7.5]), 2.0).numpy(), [-4.0, 3.0])
    np.testing.assert_array_equal(tg.math.floormod(tg.constant([-7.0, 7.5]), 2.0).numpy(), [1.0, 1.5])
    np.testing.assert_array_equal(tg.truncatemod(tg.constant([-7.0, 7.5]), 2.0).numpy(), [-1.0, 1.5])


def test_truncatediv_of_floats_is_a_type_error():
    with pytest.raises(TypeError, match="truncatediv.*float32"):
        tg.truncatediv(tg.constant([1.0]), tg.constant([2.0]))


def test_integer_pow():
    np.testing.assert_array_equal(tg.pow(tg.constant([2, 3]), 3).numpy(), [8, 27])
    assert tg.pow(tg.constant([2, 3]), 3).dtype == tg.int32
    np.testing.assert_array_equal((tg.constant([2.0]) ** 2).numpy(), [4.0])


# ----- special divisions and products --------------------------------------------------------

def test_divide_no_nan():
    x = tg.constant([1.0, 0.0, np.inf, -2.0])
    y = tg.constant([0.0, 0.0, 0.0, 4.0])
    np.testing.assert_array_equal(tg.math.divide_no_nan(x, y).numpy(), [0.0, 0.0, 0.0, -0.5])
    np.testing.assert_array_equal(tg.math.reciprocal_no_nan(tg.constant([0.0, 2.0])).numpy(), [0.0, 0.5])
    with pytest.raises(TypeError, match="divide_no_nan.*int32"):
        tg.math.divide_no_nan(tg.constant([1]), tg.constant([0]))


def test_multiply_no_nan():
    x = tg.constant([np.inf, np.nan, 2.0])
    y = tg.constant([0.0, 0.0, 3.0])
    np.testing.assert_array_equal(tg.math.multiply_no_nan(x, y).numpy(), [0.0, 0.0, 6.0])


def test_xlogy_and_xdivy():
    x = tg.constant([0.0, 0.0, 2.0, 3.0], dtype=tg.float64)
    y = tg.constant([0.0, 5.0, 4.0, 0.0], dtype=tg.float64)
    np.testing.assert_allclose(tg.math.xlogy(x, y).numpy(), [0.0, 0.0, 2 * np.log(4.0), -np.inf])
    with np.errstate(divide="ignore"):
        np.testing.assert_allclose(tg.math.xdivy(x, y).numpy(), [0.0, 0.0, 0.5, np.inf])


def test_add_n():
    a, b, c = tg.constant([1.0, 2.0]), tg.constant([3.0, 4.0]), tg.constant([5.0, 6.0])
    np.testing.assert_array_equal(tg.add_n([a, b, c]).numpy(), [9.0, 12.0])
    assert tg.add_n([a]) is a
    np.testing.assert_array_equal(tg.add_n([a, [1.0, 1.0]]).numpy(), [2.0, 3.0])
    with pytest.raises(ValueError, match="add_n.*same shape"):
        tg.add_n([a, tg.constant([1.0])])
    with pytest.raises(ValueError, match="add_n"):
        tg.add_n([])


def test_scalar_mul():
    x = tg.constant([1.0, -2.0], dtype=tg.float64)
    result = tg.math.scalar_mul(3, x)
    assert result.dtype == tg.float64
    np.testing.assert_array_equal(result.numpy(), [3.0, -6.0])
    with pytest.raises(ValueError, match="0-D"):
        tg.math.scalar_mul(tg.constant([1.0, 2.0], dtype=tg.float64), x)


def test_polyval():
    x = tg.constant([0.0, 1.0, 2.0])
    np.testing.assert_allclose(tg.math.polyval([1.0, -2.0, 3.0], x).numpy(), np.polyval([1, -2, 3], [0, 1, 2]))
    np.testing.assert_array_equal(tg.math.polyval([], x).numpy(), [0.0, 0.0, 0.0])


# ----- gradients -----------------------------------------------------------------------------

def _f64(values):
    return tg.constant(np.asarray(values, dtype=np.float64))


def _grads(fn, *values):
    xs = [_f64(v) for v in values]
    with tg.GradientTape() as tape:
        for x in xs:
            tape.watch(x)
        y = fn(*xs)
    return [None if g is None else g.numpy() for g in tape.gradient(y, xs)]


#: name -> (function of two float64 tensors, x values, y values); y has a broadcast shape
GRADIENT_CASES = {
    "add": (tg.add, [[0.5, -1.0], [2.0, 3.0]], [1.5, -0.5]),
    "subtract": (tg.subtract, [[0.5, -1.0], [2.0, 3.0]], [1.5, -0.5]),
    "multiply": (tg.multiply, [[0.5, -1.0], [2.0, 3.0]], [1.5, -0.5]),
    "divide": (tg.divide, [[0.5, -1.0], [2.0, 3.0]], [1.5, -0.7]),
    "pow": (tg.pow, [[0.5, 1.2], [2.0, 3.0]], [1.5, -0.7]),
    "maximum": (tg.maximum, [[0.5, -1.0], [2.0, 3.0]], [1.5, -0.5]),
    "minimum": (tg.minimum, [[0.5, -1.0], [2.0, 3.0]], [1.5, -0.5]),
    "squared_difference": (tg.math.squared_difference, [[0.5, -1.0], [2.0, 3.0]], [1.5, -0.5]),
    "floormod": (tg.math.floormod, [[0.5, -1.3], [2.6, 3.1]], [1.5, -0.7]),
    "truncatemod": (tg.truncatemod, [[0.5, -1.3], [2.6, 3.1]], [1.5, -0.7]),
    "atan2": (tg.math.atan2, [[0.5, -1.0], [2.0, 3.0]], [1.5, -0.5]),
    "divide_no_nan": (tg.math.divide_no_nan, [[0.5, -1.0], [2.0, 3.0]], [1.5, -0.7]),
    "multiply_no_nan": (tg.math.multiply_no_nan, [[0.5, -1.0], [2.0, 3.0]], [1.5, -0.5]),
    "xlogy": (tg.math.xlogy, [[0.5, -1.0], [2.0, 3.0]], [1.5, 0.7]),
    "xdivy": (tg.math.xdivy, [[0.5, -1.0], [2.0, 3.0]], [1.5, -0.7]),
}


@pytest.mark.parametrize("name", sorted(GRADIENT_CASES))
def test_first_order_gradients(name):
    fn, x, y = GRADIENT_CASES[name]
    tg.test.check_gradients(fn, [_f64(x), _f64(y)])


def _gradient_sum(fn):
    """(x, y) -> d(sum fn)/dx + d(sum fn)/dy (summed over y's broadcast), built with a tape."""
    def both(x, y):
        with tg.GradientTape() as tape:
            tape.watch([x, y])
            z = fn(x, y)
        gx, gy = tape.gradient(z, [x, y])
        return gx * 1.5 + tg.reduce_sum(gy)
    return both


@pytest.mark.parametrize("name", sorted(GRADIENT_CASES))
def test_second_order_gradients(name):
    fn, x, y = GRADIENT_CASES[name]
    tg.test.check_gradients(_gradient_sum(fn), [_f64(x), _f64(y)])


@pytest.mark.parametrize("fn", [tg.negative, tg.abs, tg.math.reciprocal, tg.square])
def test_unary_gradients_first_and_second_order(fn):
    x = _f64([0.7, -1.3, 2.1])
    tg.test.check_gradients(fn, [x])

    def derivative(x):
        with tg.GradientTape() as tape:
            tape.watch(x)
            y = fn(x)
        return tape.gradient(y, x)
    tg.test.check_gradients(derivative, [x])


def test_abs_gradient_at_zero_is_zero():
    assert _grads(tg.abs, [0.0, -2.0])[0].tolist() == [0.0, -1.0]


def test_maximum_and_minimum_ties_go_to_x():
    gx, gy = _grads(tg.maximum, [1.0, 2.0, 3.0], [1.0, 1.0, 4.0])
    assert gx.tolist() == [1.0, 1.0, 0.0] and gy.tolist() == [0.0, 0.0, 1.0]
    gx, gy = _grads(tg.minimum, [1.0, 2.0, 3.0], [1.0, 1.0, 4.0])
    assert gx.tolist() == [1.0, 0.0, 1.0] and gy.tolist() == [0.0, 1.0, 0.0]


def test_broadcast_gradients_are_summed():
    gx, gy = _grads(tg.multiply, [[1.0, 2.0], [3.0, 4.0]], 10.0)
    assert gx.tolist() == [[10.0, 10.0], [10.0, 10.0]]
    assert gy.shape == () and gy == 10.0


def test_pow_gradient_at_zero_base():
    gx, gy = _grads(tg.pow, [0.0, 0.0, -2.0], [2.0, 1.0, 2.0])
    assert gx.tolist() == [0.0, 1.0, -4.0]
    assert gy.tolist() == [0.0, 0.0, 0.0]  # log(x) does not exist for x <= 0: TF gives 0


def test_no_nan_gradients_at_zero_denominator():
    gx, gy = _grads(tg.math.divide_no_nan, [1.0, 2.0], [0.0, 4.0])
    assert gx.tolist() == [0.0, 0.25] and gy.tolist() == [0.0, -0.125]
    gx, gy = _grads(tg.math.multiply_no_nan, [5.0, 2.0], [0.0, 4.0])
    assert gx.tolist() == [0.0, 4.0] and gy.tolist() == [5.0, 2.0]
    gx, gy = _grads(tg.math.xlogy, [0.0, 2.0], [0.0, 4.0])
    assert gx.tolist() == [0.0, np.log(4.0)] and gy.tolist() == [0.0, 0.5]
    gx, gy = _grads(tg.math.xdivy, [0.0, 2.0], [0.0, 4.0])
    assert gx.tolist() == [0.0, 0.25] and gy.tolist() == [0.0, -0.125]


def test_integer_and_floordiv_have_no_gradient():
    x = tg.constant([1.5, 2.5], dtype=tg.float64)
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = tg.math.floordiv(x, 2.0)
    assert tape.gradient(y, x) is None


def test_add_n_and_polyval_gradients():
    a, b = _f64([1.0, 2.0]), _f64([3.0, -1.0])
    tg.test.check_gradients(lambda a, b: tg.add_n([a, b, a]), [a, b])
    tg.test.check_gradients(lambda x: tg.math.polyval([_f64(2.0), _f64(-1.0), _f64(0.5)], x), [a])


def test_templates_use_only_known_functions():
    known = {"floordiv", "floormod", "truncatediv", "truncatemod", "pow", "max", "min", "abs", "sign", "atan2",
             "where"}
    for value in vars(arithmetic).values():
        template = getattr(value, "template", None)
        if isinstance(template, str):
            assert set(re.findall(r"([a-z_0-9]+)\(", template)) <= known, template


# ----- shape rules on symbolic specs ---------------------------------------------------------

def _infer_any_dtype(op, shapes):
    return infer_any_dtype(op, shapes, [tg.float32, tg.int32, tg.bool])


@pytest.mark.parametrize("op", elementwise_ops(arithmetic), ids=lambda op: op.name)
def test_shape_rules_accept_unknown_dimensions_and_rank(op):
    assert _infer_any_dtype(op, [[None, 3], [3]]).shape.as_list() == [None, 3]
    unary = len(inspect.signature(op.infer).parameters) == 1
    assert _infer_any_dtype(op, [[2, 1], [None]]).shape.as_list() == ([2, 1] if unary else [2, None])
    assert _infer_any_dtype(op, [None, [3]]).shape.rank is None
