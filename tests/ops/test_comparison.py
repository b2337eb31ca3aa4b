"""Comparisons, logical ops, where, clipping and NaN tests: values, dtypes, errors, gradients."""
import inspect
import re

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import tracegraph as tg
from tracegraph.ops import comparison
from elementwise_rules import elementwise_ops, infer_any_dtype

COMPARISONS = {
    "equal": (tg.equal, np.equal),
    "not_equal": (tg.not_equal, np.not_equal),
    "less": (tg.less, np.less),
    "less_equal": (tg.less_equal, np.less_equal),
    "greater": (tg.greater, np.greater),
    "greater_equal": (tg.greater_equal, np.greater_equal),
}

LOGICAL = {
    "logical_and": (tg.logical_and, np.logical_and),
    "logical_or": (tg.logical_or, np.logical_or),
    "logical_xor": (tg.math.logical_xor, np.logical_xor),
}


def _pair(draw, dtype, elements):
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3))
    return tuple(draw(hnp.arrays(dtype, s, elements=elements)) for s in shapes.input_shapes)


@pytest.mark.parametrize("name", sorted(COMPARISONS))
@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_comparisons_match_numpy(name, data):
    fn, ref = COMPARISONS[name]
    dtype = data.draw(st.sampled_from([np.float32, np.float64, np.int32, np.int64]))
    elements = st.integers(-3, 3) if np.dtype(dtype).kind == "i" else st.sampled_from([-1.5, 0.0, 2.0, np.nan])
    x, y = _pair(data.draw, dtype, elements)
    result = fn(tg.constant(x), tg.constant(y))
    assert result.dtype == tg.bool
    np.testing.assert_array_equal(result.numpy(), ref(x, y))


@pytest.mark.parametrize("name", sorted(LOGICAL))
@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_logical_ops_match_numpy(name, data):
    fn, ref = LOGICAL[name]
    x, y = _pair(data.draw, np.bool_, st.booleans())
    result = fn(tg.constant(x), tg.constant(y))
    assert result.dtype == tg.bool
    np.testing.assert_array_equal(result.numpy(), ref(x, y))


def test_logical_not_and_operators():
    x = tg.constant([True, False])
    y = tg.constant([True, True])
    np.testing.assert_array_equal(tg.logical_not(x).numpy(), [False, True])
    np.testing.assert_array_equal((~x).numpy(), [False, True])
    np.testing.assert_array_equal((x & y).numpy(), [True, False])
    np.testing.assert_array_equal((x | y).numpy(), [True, True])
    np.testing.assert_array_equal((x ^ y).numpy(), [False, True])


def test_logical_ops_need_bools():
    with pytest.raises(TypeError, match="logical_and.*int32"):
        tg.logical_and(tg.constant([1]), tg.constant([0]))
    with pytest.raises(TypeError, match="logical_not.*float32"):
        tg.logical_not(tg.constant([1.0]))


def test_python_scalar_takes_tensor_dtype_in_comparisons():
    np.testing.assert_array_equal(tg.less(tg.constant([1, 5]), 3).numpy(), [True, False])
    np.testing.assert_array_equal(tg.greater(tg.constant([0.5], dtype=tg.float64), 0.1).numpy(), [True])
    np.testing.assert_array_equal((tg.constant([1.0, 2.0]) >= 2).numpy(), [False, True])


def test_comparison_dtype_mismatch_names_both():
    with pytest.raises(TypeError, match=r"float32.*float64"):
        tg.less(tg.constant([1.0]), tg.constant([1.0], dtype=tg.float64))


def test_ordering_of_complex_or_bool_is_a_type_error():
    with pytest.raises(TypeError, match="less.*bool"):
        tg.less(tg.constant([True]), tg.constant([False]))


def test_string_equality():
    s = tg.constant(["a", "bc", "d"])
    np.testing.assert_array_equal(tg.equal(s, "bc").numpy(), [False, True, False])
    np.testing.assert_array_equal(tg.not_equal(s, tg.constant(["a", "x", "d"])).numpy(), [False, True, False])
    with pytest.raises(TypeError, match="string"):
        tg.equal(s, tg.constant([1, 2, 3]))


def test_nan_inf_finite():
    x = tg.constant([1.0, np.nan, np.inf, -np.inf])
    np.testing.assert_array_equal(tg.math.is_nan(x).numpy(), [False, True, False, False])
    np.testing.assert_array_equal(tg.math.is_inf(x).numpy(), [False, False, True, True])
    np.testing.assert_array_equal(tg.math.is_finite(x).numpy(), [True, False, False, False])
    with pytest.raises(TypeError, match="is_nan.*int32"):
        tg.math.is_nan(tg.constant([1]))


# ----- where ---------------------------------------------------------------------------------

@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_where_broadcasts_all_three(data):
    shapes = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, max_side=3))
    c_shape, x_shape, y_shape = shapes.input_shapes
    cond = data.draw(hnp.arrays(np.bool_, c_shape))
    x = data.draw(hnp.arrays(np.float32, x_shape, elements=st.floats(-5, 5, width=32)))
    y = data.draw(hnp.arrays(np.float32, y_shape, elements=st.floats(-5, 5, width=32)))
    result = tg.where(tg.constant(cond), tg.constant(x), tg.constant(y))
    np.testing.assert_array_equal(result.numpy(), np.where(cond, x, y))
    assert result.dtype == tg.float32


_LARGE = comparison.BITWISE_SELECT_MIN_SIZE


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int32, np.uint8, np.int64])
@pytest.mark.parametrize("c_shape, x_shape, y_shape", [
    ((_LARGE,), (_LARGE,), (_LARGE,)),
    ((4, _LARGE // 4), (), (_LARGE // 4,)),        # x a scalar, y a row
    ((4, 1), (4, _LARGE // 4), (1, _LARGE // 4)),  # the condition is the smallest operand
])
def test_large_where_is_exact_for_every_value(dtype, c_shape, x_shape, y_shape):
    """Large NumPy operands are selected by bit operations: bit for bit np.where's result."""
    rng = np.random.default_rng(3)
    specials = np.array([np.nan, -np.nan, np.inf, -np.inf, -0.0, 0.0, 1e-40], np.float64)

    def operand(shape):
        if np.dtype(dtype).kind == "f":
            values = rng.standard_normal(shape)
            np.put(values, rng.integers(0, values.size, 50), rng.choice(specials, 50))
            return values.astype(dtype)
        return rng.integers(0, 100, shape).astype(dtype)

    cond, x, y = rng.random(c_shape) < 0.5, operand(x_shape), operand(y_shape)
    got = comparison._where.impl(np, cond, x, y)
    expected = np.where(cond, x, y)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    np.testing.assert_array_equal(got.view(np.uint8), expected.view(np.uint8))
    np.testing.assert_array_equal(tg.where(cond, x, y).numpy().view(np.uint8), expected.view(np.uint8))


def test_where_into_a_buffer_on_numpy_and_other_array_modules():
    """The `into` facet plans use: bit operations on NumPy, xp.where copied into `out` elsewhere
    (CuPy; stood in for here by a module that is not NumPy)."""
    import types
    rng = np.random.default_rng(4)
    cond = rng.random(_LARGE) < 0.5
    x, y = rng.standard_normal(_LARGE).astype(np.float32), np.float32(0.0)
    other_module = types.SimpleNamespace(where=np.where, copyto=np.copyto)
    for xp in (np, other_module):
        out = np.empty(_LARGE, np.float32)
        returned = comparison._where.into(xp, cond, x, y, out=out)
        np.testing.assert_array_equal(out, np.where(cond, x, y))
        assert np.shares_memory(returned, out)


def test_where_python_branches_and_errors():
    cond = tg.constant([True, False])
    np.testing.assert_array_equal(tg.where(cond, 1.0, 0.0).numpy(), [1.0, 0.0])
    assert tg.where(cond, tg.constant([1, 2]), 0).dtype == tg.int32
    with pytest.raises(TypeError, match="where.*condition.*int32"):
        tg.where(tg.constant([1, 0]), 1.0, 0.0)
    with pytest.raises(ValueError, match="where.*both"):
        tg.where(cond, x=tg.constant([1.0, 2.0]))
    with pytest.raises(TypeError, match=r"float32.*float64"):
        tg.where(cond, tg.constant([1.0, 2.0]), tg.constant([1.0, 2.0], dtype=tg.float64))


def test_where_with_only_a_condition_gives_coordinates():
    coords = tg.where(tg.constant([[True, False], [False, True]]))
    assert coords.dtype == tg.int64
    np.testing.assert_array_equal(coords.numpy(), [[0, 0], [1, 1]])


def test_where_gradient_routes_to_the_chosen_branch():
    cond = tg.constant([True, False, True])
    x = tg.constant([1.0, 2.0, 3.0], dtype=tg.float64)
    y = tg.constant(5.0, dtype=tg.float64)
    with tg.GradientTape() as tape:
        tape.watch([x, y])
        z = tg.where(cond, x * x, y)
    gx, gy = tape.gradient(z, [x, y])
    assert gx.numpy().tolist() == [2.0, 0.0, 6.0]
    assert gy.numpy() == 1.0
    tg.test.check_gradients(lambda x, y: tg.where(cond, tg.sin(x), y * x), [x, y])


def test_where_second_order():
    cond = tg.constant([True, False, True])

    def derivative(x):
        with tg.GradientTape() as tape:
            tape.watch(x)
            z = tg.where(cond, x * x * x, tg.exp(x))
        return tape.gradient(z, x)
    tg.test.check_gradients(derivative, [tg.constant([0.5, -1.0, 2.0], dtype=tg.float64)])


# ----- clipping ------------------------------------------------------------------------------

@settings(max_examples=25, deadline=None)
@given(x=hnp.arrays(np.float32, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4),
                    elements=st.floats(-10, 10, width=32)))
def test_clip_by_value_matches_numpy(x):
    np.testing.assert_array_equal(tg.clip_by_value(tg.constant(x), -1.5, 2.0).numpy(), np.clip(x, -1.5, 2.0))


def test_clip_by_value_details():
    x = tg.constant([[1, 5, 9], [0, 3, 7]])
    result = tg.clip_by_value(x, 2, 6)
    assert result.dtype == tg.int32
    np.testing.assert_array_equal(result.numpy(), [[2, 5, 6], [2, 3, 6]])
    np.testing.assert_array_equal(tg.clip_by_value(x, [1, 4, 5], 6).numpy(), [[1, 5, 6], [1, 4, 6]])
    # TF applies the maximum last, so the lower bound wins when the bounds cross.
    np.testing.assert_array_equal(tg.clip_by_value(tg.constant([0.0, 10.0]), 5.0, 3.0).numpy(), [5.0, 5.0])
    with pytest.raises(ValueError, match="clip_by_value"):
        tg.clip_by_value(tg.constant([1.0, 2.0]), tg.constant([[0.0], [1.0]]), 3.0)
    with pytest.raises(TypeError, match="clip_by_value.*bool"):
        tg.clip_by_value(tg.constant([True]), False, True)


def test_clip_by_value_gradient():
    x = tg.constant([-3.0, -1.0, 0.5, 2.0, 4.0], dtype=tg.float64)
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = tg.clip_by_value(x, -1.0, 2.0)
    # Inside and at the bounds the gradient is 1 (ties go to t); outside it is 0.
    assert tape.gradient(y, x).numpy().tolist() == [0.0, 1.0, 1.0, 1.0, 0.0]


def test_clip_by_norm_values():
    x = tg.constant([[3.0, 4.0], [0.3, 0.4]])
    np.testing.assert_allclose(tg.clip_by_norm(x, 1.0).numpy(), x.numpy() * (1.0 / np.linalg.norm(x.numpy())),
                               rtol=1e-6)
    np.testing.assert_allclose(tg.clip_by_norm(x, 1.0, axes=[1]).numpy(), [[0.6, 0.8], [0.3, 0.4]], rtol=1e-6)
    np.testing.assert_allclose(tg.clip_by_norm(x, 100.0).numpy(), x.numpy())
    np.testing.assert_array_equal(tg.clip_by_norm(tg.zeros([3]), 1.0).numpy(), [0.0, 0.0, 0.0])
    assert tg.clip_by_norm(tg.constant([3.0, 4.0], dtype=tg.float64), 1.0).dtype == tg.float64


def test_clip_by_norm_errors():
    with pytest.raises(TypeError, match="clip_by_norm.*int32"):
        tg.clip_by_norm(tg.constant([1, 2]), 1)
    with pytest.raises(TypeError, match="clip_by_norm.*float64"):
        tg.clip_by_norm(tg.constant([1.0, 2.0]), tg.constant(1.0, dtype=tg.float64))


def test_clip_by_norm_gradients():
    x = tg.constant([[3.0, 4.0], [0.3, 0.4]], dtype=tg.float64)
    tg.test.check_gradients(lambda x: tg.clip_by_norm(x, 1.0), [x])
    tg.test.check_gradients(lambda x: tg.clip_by_norm(x, 1.0, axes=[1]), [x])
    tg.test.check_gradients(lambda n: tg.clip_by_norm(x, n), [tg.constant(2.0, dtype=tg.float64)])
    zero = tg.zeros([2], dtype=tg.float64)
    with tg.GradientTape() as tape:
        tape.watch(zero)
        y = tg.clip_by_norm(zero, 1.0)
    assert np.all(np.isfinite(tape.gradient(y, zero).numpy()))


def test_templates_use_only_known_functions():
    known = {"logical_and", "logical_or", "logical_xor", "logical_not", "isnan", "isinf", "isfinite", "where"}
    for value in vars(comparison).values():
        template = getattr(value, "template", None)
        if isinstance(template, str):
            assert set(re.findall(r"([a-z_0-9]+)\(", template)) <= known, template


# ----- shape rules on symbolic specs ---------------------------------------------------------

def _infer_any_dtype(op, shapes):
    n = len(inspect.signature(op.infer).parameters)
    return infer_any_dtype(op, shapes, [[tg.float32] * n, [tg.bool] * n, [tg.bool] + [tg.float32] * (n - 1)])


@pytest.mark.parametrize("op", elementwise_ops(comparison), ids=lambda op: op.name)
def test_shape_rules_accept_unknown_dimensions_and_rank(op):
    assert _infer_any_dtype(op, [[None, 3], [3], [1, 1]]).shape.as_list() == [None, 3]
    assert _infer_any_dtype(op, [None, [3], [3]]).shape.rank is None
