"""Creation ops: zeros/ones/fill/*_like, eye, range, linspace, one_hot — values, dtypes, errors, gradients."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import tracegraph as tg
from tracegraph.errors import InvalidArgumentError
from tracegraph.ops import creation
from tracegraph.core.dispatch import bind
from tracegraph.spec import TensorSpec
from tracegraph.test import check_gradients


# ----- zeros, ones, fill, *_like -------------------------------------------------------------

@pytest.mark.parametrize("shape, expected", [
    ([2, 3], (2, 3)), ((2, 3), (2, 3)), (4, (4,)), (tg.TensorShape([2, 3]), (2, 3)),
    (tg.constant([2, 3]), (2, 3)), ([], ()), ([0, 2], (0, 2))])
def test_zeros_and_ones_shapes(shape, expected):
    z, o = tg.zeros(shape), tg.ones(shape)
    assert z.dtype == o.dtype == tg.float32
    assert tuple(z.shape) == tuple(o.shape) == expected
    assert not z.numpy().any() and (o.numpy() == 1).all()


def test_zeros_ones_dtypes():
    assert tg.zeros([2], tg.int64).dtype == tg.int64
    assert tg.ones([2], dtype="bool").numpy().all()
    assert tg.zeros([1], tg.float16).numpy().dtype == np.float16


def test_bad_shapes():
    with pytest.raises(ValueError, match="negative"):
        tg.zeros([2, -1])
    with pytest.raises(ValueError, match="None"):
        tg.ones([None, 2])
    with pytest.raises(ValueError, match="fully defined"):
        tg.zeros(tg.TensorShape([None, 2]))


def test_fill_dtype_follows_value():
    assert tg.fill([2, 2], 7).dtype == tg.int32
    assert tg.fill([2], 0.5).dtype == tg.float32
    np.testing.assert_array_equal(tg.fill((2, 3), tg.constant(9, tg.int64)).numpy(), np.full((2, 3), 9))
    with pytest.raises(ValueError, match="scalar"):
        tg.fill([2], [1.0, 2.0])


def test_fill_gradient_is_the_sum():
    value = tg.constant(np.float64(1.5))
    check_gradients(lambda v: tg.fill([2, 3], v) * tg.constant(np.arange(6.0).reshape(2, 3)), [value])


def test_like_ops():
    x = tg.constant([[1.5, 2.0]])
    assert tg.zeros_like(x).dtype == tg.float32
    np.testing.assert_array_equal(tg.ones_like(x, dtype=tg.int32).numpy(), [[1, 1]])
    assert tg.ones_like(x, dtype=tg.int32).dtype == tg.int32
    np.testing.assert_array_equal(tg.zeros_like([True, False]).numpy(), [False, False])


UNKNOWN_MATRIX = [tg.TensorSpec([None, None], tg.float32)]


@pytest.mark.parametrize("make, expected", [
    (lambda x: tg.zeros(tg.shape(x)), lambda x: np.zeros(x.shape, np.float32)),
    (lambda x: tg.ones(tg.shape(x), dtype=tg.int64), lambda x: np.ones(x.shape, np.int64)),
    (lambda x: tg.fill(tg.shape(x), 2.5), lambda x: np.full(x.shape, 2.5, np.float32)),
    (lambda x: tg.zeros([tg.shape(x)[0], 3], tg.int32), lambda x: np.zeros((x.shape[0], 3), np.int32)),
    (lambda x: tg.fill((2, tg.shape(x)[1]), tg.reduce_sum(x)), lambda x: np.full((2, x.shape[1]), x.sum())),
    (lambda x: tg.fill(tg.shape(x, out_type=tg.int64), 7), lambda x: np.full(x.shape, 7, np.int32)),
])
def test_run_time_shapes_in_traced_functions(make, expected):
    traced = tg.function(make, input_signature=UNKNOWN_MATRIX)
    for shape in [(2, 4), (0, 3), (3, 1)]:
        x = np.arange(np.prod(shape), dtype=np.float32).reshape(shape)
        result = traced(tg.constant(x)).numpy()
        want = expected(x)
        assert result.dtype == want.dtype and result.shape == want.shape
        np.testing.assert_array_equal(result, want)


@pytest.mark.parametrize("make, static_shape", [
    (lambda x: tg.zeros(tg.shape(x)), [None, None]),
    (lambda x: tg.fill([tg.shape(x)[0], 3], 1.0), [None, 3]),
    (lambda x: tg.ones(tg.concat([tg.shape(x), [2]], 0)), [None, None, 2]),
    (lambda x: tg.zeros([]), []),
])
def test_run_time_shapes_infer_what_is_known(make, static_shape):
    concrete = tg.function(make).get_concrete_function(*UNKNOWN_MATRIX)
    assert concrete.structured_outputs.shape.as_list() == static_shape


PARTLY_KNOWN = [tg.TensorSpec([None, 3], tg.float32)]


@pytest.mark.parametrize("make, static_shape", [
    (lambda x: tg.zeros(tg.shape(x)), [None, 3]),
    (lambda x: tg.ones(tg.shape(x, out_type=tg.int64), tg.int32), [None, 3]),
    (lambda x: tg.fill(tg.stack([tg.shape(x)[1], tg.shape(x)[0]]), 2.5), [3, None]),
    (lambda x: tg.zeros(tg.concat([tg.shape(x)[1:], [2]], 0)), [3, 2]),
    (lambda x: tg.fill([tg.shape(x)[-1], 2], tg.reduce_sum(x)), [3, 2]),
])
@pytest.mark.parametrize("backend", [None, "numpy"])
def test_run_time_shapes_keep_the_static_dims_of_their_source(make, static_shape, backend):
    traced = tg.function(make, input_signature=PARTLY_KNOWN, backend=backend)
    assert traced.get_concrete_function().structured_outputs.shape.as_list() == static_shape
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    expected = make(tg.constant(x)).numpy()  # eagerly: every shape is known
    result = traced(tg.constant(x)).numpy()
    assert result.dtype == expected.dtype and result.shape == expected.shape
    np.testing.assert_array_equal(result, expected)


def test_fully_known_run_time_shape_is_a_static_fill():
    concrete = tg.function(lambda x: tg.zeros(tg.stack([tg.shape(x)[1], 2]))).get_concrete_function(
        *PARTLY_KNOWN)
    assert "fill_dynamic" not in {node.op.name for node in concrete.graph.nodes}
    np.testing.assert_array_equal(concrete(tg.ones([4, 3])).numpy(), np.zeros((3, 2), np.float32))


def test_run_time_shape_of_unknown_length_gives_unknown_rank():
    spec = creation._fill_dynamic.infer(TensorSpec([None], tg.int32), TensorSpec([], tg.float32), hint=None)
    assert spec.shape.rank is None and spec.dtype == tg.float32
    spec = creation._fill_dynamic.infer(TensorSpec(None, tg.int64), TensorSpec([], tg.int32), hint=None)
    assert spec.shape.rank is None and spec.dtype == tg.int32


def test_run_time_shape_errors():
    vector = [tg.TensorSpec([None], tg.float32)]
    with pytest.raises(TypeError, match="int32 or int64"):
        tg.function(lambda x: tg.zeros(tg.cast(tg.shape(x), tg.float32)), input_signature=vector)(tg.ones([2]))
    with pytest.raises(ValueError, match="scalar"):
        tg.function(lambda x: tg.fill(tg.shape(x), x), input_signature=vector)(tg.ones([2]))
    with pytest.raises(ValueError, match="negative"):
        tg.function(lambda x: tg.ones([tg.shape(x)[0], -2]), input_signature=vector)(tg.ones([2]))
    with pytest.raises(ValueError, match="None"):
        tg.function(lambda x: tg.ones([tg.shape(x)[0], None]), input_signature=vector)(tg.ones([2]))
    with pytest.raises(InvalidArgumentError, match="negative"):
        tg.function(lambda x: tg.zeros(tg.shape(x) - 3), input_signature=vector)(tg.ones([2]))


def test_fill_gradient_with_a_run_time_shape_is_the_sum():
    @tg.function(input_signature=[tg.TensorSpec([None, None], tg.float64), tg.TensorSpec([], tg.float64)])
    def gradient(x, value):
        with tg.GradientTape() as tape:
            tape.watch(value)
            y = tg.reduce_sum(tg.fill(tg.shape(x), value) * x)
        return tape.gradient(y, value)

    x = np.arange(6.0).reshape(2, 3)
    assert gradient(tg.constant(x), tg.constant(np.float64(1.5))).numpy() == pytest.approx(x.sum())
    check_gradients(lambda v: bind(creation._fill_dynamic, [tg.constant([2, 3]), v], {"hint": None})
                    * tg.constant(x), [tg.constant(np.float64(1.5))])


def test_like_shape_rule_keeps_unknown_dims():
    spec = creation._fill_like.infer(TensorSpec([None, 3], tg.float32), value=0)
    assert spec.shape.as_list() == [None, 3]


# ----- eye -----------------------------------------------------------------------------------

@pytest.mark.parametrize("rows, columns", [(3, None), (2, 4), (4, 2), (0, None), (1, 1)])
def test_eye_matches_numpy(rows, columns):
    result = tg.eye(rows, columns)
    assert result.dtype == tg.float32
    np.testing.assert_array_equal(result.numpy(), np.eye(rows, columns))


def test_eye_batch_and_dtype():
    result = tg.eye(2, 3, batch_shape=[4, 1], dtype=tg.int32)
    assert result.dtype == tg.int32
    assert result.shape == (4, 1, 2, 3)
    np.testing.assert_array_equal(result.numpy()[3, 0], np.eye(2, 3))
    with pytest.raises(ValueError, match=">= 0"):
        tg.eye(-1)
    with pytest.raises(TypeError, match="num_rows"):
        tg.eye(2.5)


# ----- range ---------------------------------------------------------------------------------

def test_range_dtypes_like_tf():
    assert tg.range(5).dtype == tg.int32
    assert tg.range(0.0, 3).dtype == tg.float32
    assert tg.range(0, 2.5, 0.5).dtype == tg.float32
    assert tg.range(5, dtype=tg.float64).dtype == tg.float64
    assert tg.range(tg.constant(5, tg.int64)).dtype == tg.int64
    assert tg.range(tg.constant(1, tg.int64), 3.0).dtype == tg.float32
    assert tg.range(tg.constant(3.0, tg.float64)).dtype == tg.float64


def test_range_values():
    np.testing.assert_array_equal(tg.range(5).numpy(), [0, 1, 2, 3, 4])
    np.testing.assert_array_equal(tg.range(1, 10, 3).numpy(), [1, 4, 7])
    np.testing.assert_array_equal(tg.range(10, 0, -3).numpy(), [10, 7, 4, 1])
    np.testing.assert_array_equal(tg.range(3, 3).numpy(), np.zeros(0))
    np.testing.assert_array_equal(tg.range(0, 2.5, 0.5).numpy(), [0, 0.5, 1, 1.5, 2])


def test_float_range_is_a_running_sum_as_in_tf():
    # TF adds delta to a float32 accumulator: 0.1 * 7 rounds differently from the sum.
    values = tg.range(0.0, 1.0, 0.1).numpy()
    expected = np.cumsum(np.r_[np.float32(0), np.full(9, np.float32(0.1))], dtype=np.float32)
    np.testing.assert_array_equal(values, expected)
    assert values[7] == np.float32(0.70000005)


@settings(max_examples=25, deadline=None)
@given(start=st.integers(-20, 20), limit=st.integers(-20, 20), delta=st.integers(-5, 5).filter(bool))
def test_integer_range_matches_numpy(start, limit, delta):
    if (delta > 0 and start > limit) or (delta < 0 and start < limit):
        with pytest.raises(InvalidArgumentError, match="requires start"):
            tg.range(start, limit, delta)
    else:
        np.testing.assert_array_equal(tg.range(start, limit, delta).numpy(), np.arange(start, limit, delta))


def test_range_errors():
    with pytest.raises(InvalidArgumentError, match="delta != 0"):
        tg.range(0, 5, 0)
    with pytest.raises(InvalidArgumentError, match="start <= limit"):
        tg.range(5, 0)
    with pytest.raises(TypeError):
        tg.range(0, 2.5, dtype=tg.int32)
    with pytest.raises(TypeError, match="range"):
        tg.range(tg.constant([1], tg.uint8)[0])


def test_range_primitive_for_run_time_bounds():
    args = [tg.constant(v, tg.float32) for v in (1.0, 2.0, 0.25)]
    spec = creation._range.infer(*(TensorSpec([], tg.float32) for _ in args))
    assert spec.shape.as_list() == [None]
    np.testing.assert_array_equal(bind(creation._range, args).numpy(), [1.0, 1.25, 1.5, 1.75])


# ----- linspace ------------------------------------------------------------------------------

@settings(max_examples=25, deadline=None)
@given(start=st.floats(-10, 10), stop=st.floats(-10, 10), num=st.integers(0, 12))
def test_linspace_matches_numpy(start, stop, num):
    result = tg.linspace(tg.constant(start, tg.float64), stop, num)
    assert result.dtype == tg.float64
    np.testing.assert_allclose(result.numpy(), np.linspace(start, stop, num), rtol=1e-12, atol=1e-12)
    if num >= 2:
        assert result.numpy()[0] == start and result.numpy()[-1] == stop


def test_linspace_float32_formula_and_dtypes():
    result = tg.linspace(0.0, 1.0, 7)
    assert result.dtype == tg.float32
    delta = np.float32(1.0) / np.float32(6)
    np.testing.assert_array_equal(result.numpy()[1:-1], np.float32(0) + delta * np.arange(1, 6, dtype=np.float32))
    assert tg.linspace(0, 10, 3).dtype == tg.float64  # integer endpoints divide into float64, as in TF
    np.testing.assert_array_equal(tg.lin_space(0.0, 1.0, 1).numpy(), [0.0])


def test_linspace_of_tensors_along_axes():
    start, stop = np.array([0.0, 1.0]), np.array([1.0, 3.0])
    np.testing.assert_allclose(tg.linspace(start, stop, 3).numpy(), np.linspace(start, stop, 3))
    np.testing.assert_allclose(tg.linspace(start, stop, 3, axis=-1).numpy(), np.linspace(start, stop, 3, axis=-1))
    assert tg.linspace(start, stop, 0, axis=1).shape == (2, 0)


def test_linspace_gradient():
    check_gradients(lambda a, b: tg.linspace(a, b, 5), [tg.constant(np.float64(0.5)), tg.constant(np.float64(2.0))])


def test_linspace_errors():
    with pytest.raises(InvalidArgumentError, match="num"):
        tg.linspace(0.0, 1.0, -1)
    with pytest.raises(ValueError, match="axis 2"):
        tg.linspace(0.0, 1.0, 3, axis=2)
    with pytest.raises(TypeError, match="float64"):
        tg.linspace(tg.constant(0.0), tg.constant(1.0, tg.float64), 3)


# ----- one_hot -------------------------------------------------------------------------------

def _np_one_hot(indices, depth, axis, on=1, off=0):
    out = np.where(np.asarray(indices)[..., None] == np.arange(depth), on, off)
    return np.moveaxis(out, -1, axis)


@settings(max_examples=25, deadline=None)
@given(indices=hnp.arrays(np.int32, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3),
                          elements=st.integers(-1, 5)),
       depth=st.integers(0, 5), data=st.data())
def test_one_hot_matches_numpy(indices, depth, data):
    axis = data.draw(st.sampled_from([None, -1] + list(range(indices.ndim + 1))))
    result = tg.one_hot(indices, depth, axis=axis)
    assert result.dtype == tg.float32
    np.testing.assert_array_equal(result.numpy(), _np_one_hot(indices, depth, -1 if axis is None else axis))


def test_one_hot_values_and_dtypes():
    result = tg.one_hot([0, 2], 3, on_value=5, off_value=-1)
    assert result.dtype == tg.int32
    np.testing.assert_array_equal(result.numpy(), [[5, -1, -1], [-1, -1, 5]])
    assert tg.one_hot([1], 2, off_value=0.5).dtype == tg.float32
    assert tg.one_hot([1], 2, dtype=tg.float64).dtype == tg.float64
    assert tg.one_hot([1], 2, on_value=1.0, dtype=tg.float64).dtype == tg.float64
    np.testing.assert_array_equal(tg.one_hot(tg.constant([1], tg.int64), 2, dtype=tg.bool).numpy(), [[False, True]])
    np.testing.assert_array_equal(tg.one_hot(tg.constant([1], tg.uint8), 3).numpy(), [[0, 1, 0]])


def test_one_hot_errors():
    with pytest.raises(TypeError, match="integer"):
        tg.one_hot([0.5], 3)
    with pytest.raises(TypeError, match="off_value"):
        tg.one_hot([0], 3, on_value=1, off_value=0.5)
    with pytest.raises(TypeError, match="on_value"):
        tg.one_hot([0], 3, on_value=tg.constant(1.0), dtype=tg.int32)
    with pytest.raises(ValueError, match="axis 3"):
        tg.one_hot([[0]], 3, axis=3)
    with pytest.raises(ValueError, match="depth"):
        tg.one_hot([0], -1)


def test_one_hot_shape_rule_with_unknown_dims():
    spec = creation._one_hot.infer(TensorSpec([None, 2], tg.int32), TensorSpec([], tg.float32),
                                   TensorSpec([], tg.float32), depth=4, axis=1)
    assert spec.shape.as_list() == [None, 4, 2]
    unknown = creation._one_hot.infer(TensorSpec(None, tg.int32), TensorSpec([], tg.float32),
                                      TensorSpec([], tg.float32), depth=4, axis=-1)
    assert unknown.shape.rank is None
