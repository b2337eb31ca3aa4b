"""One tensor's shape (ops/array_ops.py): reshape, transpose, expand_dims/squeeze, shape queries."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import tracegraph as tg
from tracegraph.ops import array_ops
from tracegraph.core.dispatch import bind

from array_samples import FAST, arange, noncontiguous, rand, small_shapes
from symbolic import tracing, value


# ----- reshape --------------------------------------------------------------------------------

@st.composite
def reshape_cases(draw):
    shape = draw(small_shapes)
    n = int(np.prod(shape))
    dims = []
    rest = n
    while rest > 1 and len(dims) < 3:
        divisors = [d for d in range(1, rest + 1) if rest % d == 0]
        d = draw(st.sampled_from(divisors))
        dims.append(d)
        rest //= d
    dims.append(rest)
    if n and draw(st.booleans()):
        dims[draw(st.integers(0, len(dims) - 1))] = -1
    return shape, dims


@FAST
@given(reshape_cases())
def test_reshape_matches_numpy(case):
    shape, dims = case
    a = arange(shape)
    np.testing.assert_array_equal(tg.reshape(noncontiguous(a), dims).numpy(), a.reshape(dims))


def test_reshape_shape_forms():
    a = arange([2, 3])
    assert tg.reshape(a, tg.constant([3, 2])).shape == (3, 2)
    assert tg.reshape(a, tg.TensorShape([6])).shape == (6,)
    assert tg.reshape(a, tg.TensorShape([None, 2])).shape == (3, 2)
    assert tg.reshape(a, (tg.constant(1), -1)).shape == (1, 6)
    assert tg.reshape(tg.constant([5.0]), []).shape == ()
    assert tg.reshape(tg.zeros([0, 3]), [-1, 3]).shape == (0, 3)
    assert tg.reshape(a, [2, 3]).dtype == tg.float64


def test_reshape_errors_name_both_sizes():
    with pytest.raises(ValueError, match=r"6 elements to shape \[4, 2\] \(8 elements\)"):
        tg.reshape(arange([2, 3]), [4, 2])
    with pytest.raises(ValueError, match="6 elements.*not a multiple of 4"):
        tg.reshape(arange([2, 3]), [4, -1])
    with pytest.raises(ValueError, match="at most one dimension may be -1"):
        tg.reshape(arange([2, 3]), [-1, -1])
    with pytest.raises(ValueError, match="invalid dimension"):
        tg.reshape(arange([2, 3]), [-2, 3])


def test_reshape_with_a_symbolic_shape():
    a = arange([2, 3, 4])
    with tracing() as g:
        x = g.placeholder(a, [None, None, 4])
        y = tg.reshape(x, tg.shape(x)[::-1])
        assert y.shape == tg.TensorShape([None, None, None])
        np.testing.assert_array_equal(value(y), a.reshape(4, 3, 2))
        z = tg.reshape(x, [tg.shape(x)[0], -1, 2])
        assert z.shape.as_list() == [None, None, 2]
        np.testing.assert_array_equal(value(z), a.reshape(2, -1, 2))
        w = tg.reshape(x, [-1])
        assert w.shape.as_list() == [None]
        unknown_rank = g.placeholder(a, None)
        assert tg.reshape(unknown_rank, tg.shape(unknown_rank)).shape.rank is None


@pytest.mark.parametrize("make, static_shape, expected", [
    (lambda x, y: tg.reshape(y, tg.shape(x)), [None, 3], lambda x, y: y.reshape(x.shape)),
    (lambda x, y: tg.reshape(y, [tg.shape(x)[0], 3]), [None, 3], lambda x, y: y.reshape(x.shape)),
    (lambda x, y: tg.reshape(y, tg.stack([3, tg.shape(x)[0]])), [3, None], lambda x, y: y.reshape(3, -1)),
    (lambda x, y: tg.reshape(y, [-1, tg.shape(x)[1]]), [None, 3], lambda x, y: y.reshape(-1, 3)),
    (lambda x, y: tg.reshape(x, tg.concat([[1], tg.shape(x)], 0)), [1, None, 3], lambda x, y: x[None]),
    (lambda x, y: tg.reshape(x, tg.cast(tg.shape(x)[::-1], tg.int64)), [3, None],
     lambda x, y: x.reshape(3, -1)),
])
@pytest.mark.parametrize("backend", [None, "numpy"])
def test_reshape_to_a_traced_shape_keeps_its_static_dims(make, static_shape, expected, backend):
    signature = [tg.TensorSpec([None, 3], tg.float64), tg.TensorSpec([None, None], tg.float64)]
    traced = tg.function(make, input_signature=signature, backend=backend)
    assert traced.get_concrete_function().structured_outputs.shape.as_list() == static_shape
    x, y = arange([2, 3]), arange([3, 2])
    result = traced(x, y).numpy()
    np.testing.assert_array_equal(result, expected(x, y))


def test_reshape_infers_the_one_unknown_dim_from_a_known_size():
    @tg.function(input_signature=[tg.TensorSpec([None, 3], tg.float64), tg.TensorSpec([4, 6], tg.float64)])
    def f(x, y):
        return tg.reshape(y, [tg.shape(x)[0], 8]), tg.reshape(y, [-1, tg.shape(x)[1]])

    rows, columns = f.get_concrete_function().structured_outputs
    assert rows.shape.as_list() == [3, 8] and columns.shape.as_list() == [8, 3]
    np.testing.assert_array_equal(f(arange([3, 3]), arange([4, 6]))[0].numpy(), arange([4, 6]).reshape(3, 8))
    with pytest.raises(ValueError, match=r"24 elements.*not a multiple of 5"):
        tg.function(lambda x, y: tg.reshape(y, [tg.shape(x)[0], 5])).get_concrete_function(
            tg.TensorSpec([None, 3]), tg.TensorSpec([4, 6]))
    with pytest.raises(ValueError, match=r"24 elements.*\[3, 9\]"):
        tg.function(lambda x, y: tg.reshape(y, [tg.shape(x)[1], 9])).get_concrete_function(
            tg.TensorSpec([None, 3]), tg.TensorSpec([4, 6]))


def test_reshape_to_a_fully_known_traced_shape_is_a_static_reshape():
    concrete = tg.function(lambda x, y: tg.reshape(y, [-1, tg.shape(x)[1]])).get_concrete_function(
        tg.TensorSpec([None, 3]), tg.TensorSpec([None, None]))
    assert "reshape_dynamic" not in {node.op.name for node in concrete.graph.nodes}


def test_reshape_dynamic_op_runtime_error_and_gradient():
    x = rand(2, 3)
    with pytest.raises(tg.errors.InvalidArgumentError, match=r"6 elements to shape \[4, 2\]"):
        bind(array_ops._reshape_dynamic, [x, tg.constant([4, 2])], {"hint": None})
    tg.test.check_gradients(
        lambda t: bind(array_ops._reshape_dynamic, [t, tg.constant([3, 2])], {"hint": None}), [x])


def test_reshape_gradient():
    tg.test.check_gradients(lambda t: tg.reshape(t, [3, -1]) * np.array([1.0, 2.0]), [rand(2, 3)])


# ----- transpose ------------------------------------------------------------------------------

@FAST
@given(st.data())
def test_transpose_matches_numpy(data):
    shape = data.draw(small_shapes)
    perm = data.draw(st.permutations(range(len(shape))))
    a = arange(shape)
    np.testing.assert_array_equal(tg.transpose(a, perm).numpy(), np.transpose(a, perm))
    np.testing.assert_array_equal(tg.transpose(noncontiguous(a)).numpy(), a.T)


def test_transpose_errors_and_gradient():
    with pytest.raises(ValueError, match="not a permutation"):
        tg.transpose(arange([2, 3]), [0, 0])
    assert tg.transpose(arange([2, 3, 4]), [-1, 0, 1]).shape == (4, 2, 3)
    assert tg.transpose(arange([2, 3]), tg.constant([1, 0])).shape == (3, 2)
    tg.test.check_gradients(lambda t: tg.transpose(t, [2, 0, 1]) * rand(4, 2, 3, seed=1),
                            [rand(2, 3, 4)])


def test_transpose_conjugate():
    if not hasattr(tg.ops.unary_math, "conj"):
        pytest.skip("tg.math.conj is not implemented yet")
    z = tg.constant(np.array([[1 + 2j, 3 - 1j]]))
    np.testing.assert_array_equal(tg.transpose(z, conjugate=True).numpy(), np.conj(z.numpy().T))


# ----- expand_dims / squeeze ------------------------------------------------------------------

@FAST
@given(small_shapes, st.data())
def test_expand_dims_and_squeeze_match_numpy(shape, data):
    a = arange(shape)
    axis = data.draw(st.integers(-len(shape) - 1, len(shape)))
    expanded = tg.expand_dims(noncontiguous(a), axis)
    np.testing.assert_array_equal(expanded.numpy(), np.expand_dims(a, axis))
    np.testing.assert_array_equal(tg.squeeze(expanded, axis).numpy(), a)
    np.testing.assert_array_equal(tg.squeeze(a).numpy(), np.squeeze(a))


def test_squeeze_errors_and_gradients():
    with pytest.raises(ValueError, match="cannot squeeze axis 1 of size 3"):
        tg.squeeze(arange([1, 3]), 1)
    with pytest.raises(ValueError, match="out of range"):
        tg.expand_dims(arange([2]), 3)
    with tracing() as g:
        x = g.placeholder(arange([1, 2]), [None, 2])
        with pytest.raises(ValueError, match="`axis` must be given"):
            tg.squeeze(x)
        with pytest.raises(tg.errors.InvalidArgumentError, match="cannot squeeze"):
            tg.squeeze(g.placeholder(arange([3, 2]), [None, 2]), 0)
        assert tg.squeeze(x, 0).shape == (2,)
    tg.test.check_gradients(lambda t: tg.squeeze(tg.expand_dims(t, 1)) * rand(2, 3, seed=2), [rand(2, 1, 3)])


# ----- shape queries, identity_n --------------------------------------------------------------

def test_shape_size_rank():
    x = arange([2, 3])
    assert tg.shape(x).dtype == tg.int32 and tg.shape(x).numpy().tolist() == [2, 3]
    assert tg.shape(x, out_type=tg.int64).dtype == tg.int64
    assert tg.size(x).numpy() == 6 and tg.size(x).dtype == tg.int32
    assert tg.size(x, tg.int64).dtype == tg.int64
    assert tg.rank(x).numpy() == 2 and tg.rank(x).dtype == tg.int32
    assert [s.numpy().tolist() for s in tg.shape_n([x, tg.constant(1.0)])] == [[2, 3], []]
    with pytest.raises(TypeError, match="int32 or int64"):
        tg.shape(x, out_type=tg.float32)
    with tracing() as g:
        p = g.placeholder(arange([2, 3]), [None, 3])
        assert tg.shape(p).shape.as_list() == [2] and value(tg.shape(p)).tolist() == [2, 3]
        assert value(tg.size(p)) == 6
        q = g.placeholder(arange([2, 3]), None)
        assert tg.shape(q).shape.as_list() == [None]
        assert value(tg.rank(q)) == 2


def test_identity_n():
    a, b = arange([2]), tg.constant([1, 2])
    out = tg.identity_n([a, b])
    assert [o.dtype for o in out] == [tg.float64, tg.int32]
    np.testing.assert_array_equal(out[0].numpy(), a)
