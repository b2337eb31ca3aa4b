"""Shape manipulation ops: forward values against NumPy, shape rules, errors, gradients."""
import contextlib

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import tracegraph as tg
from tracegraph.context import state
from tracegraph.ops import array_ops, indexing
from tracegraph.ops.dispatch import bind
from tracegraph.tensor import SymbolicTensor

FAST = settings(max_examples=25, deadline=None)
small_shapes = hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4)


def arange(shape, dtype=np.float64):
    return np.arange(int(np.prod(shape)), dtype=dtype).reshape(shape)


def noncontiguous(array):
    """A tensor holding `array` as a non-contiguous view (the transpose of a transposed copy)."""
    t = tg.transpose(tg.constant(np.array(array.T, order="C")))
    return t


def rand(*shape, seed=0):
    return tg.constant(np.asarray(np.random.RandomState(seed).randn(*shape)))


# ----- a stand-in for tracing: symbolic tensors whose specs come only from shape rules ----------

class _Value:
    def __init__(self, spec, array):
        self.spec, self.array, self.name = spec, array, "v"


class EvalGraph:
    """Runs each op on concrete arrays but returns symbolic tensors typed by the op's shape rule."""

    def placeholder(self, array, shape):
        array = np.asarray(array)
        return SymbolicTensor(self, _Value(tg.TensorSpec(shape, tg.as_dtype(array.dtype)), array))

    def apply(self, op, inputs, attrs):
        specs = op.infer(*[t.spec for t in inputs], **attrs)
        arrays = [t.value.array if isinstance(t, SymbolicTensor) else t._value for t in inputs]
        result = op.impl(np, *arrays, **attrs)
        if op.multiple_outputs:
            return tuple(self._wrap(r, s, op) for r, s in zip(result, specs))
        return self._wrap(result, specs, op)

    def _wrap(self, array, spec, op):
        array = np.asarray(array).astype(spec.dtype.numpy_dtype)
        assert spec.shape.is_compatible_with(array.shape), (op.name, spec.shape, array.shape)
        return SymbolicTensor(self, _Value(spec, array))


@contextlib.contextmanager
def tracing():
    graph, state.graph = state.graph, EvalGraph()
    try:
        yield state.graph
    finally:
        state.graph = graph


def value(t):
    return t.value.array if isinstance(t, SymbolicTensor) else t.numpy()


# ----- reshape -------------------------------------------------------------------------------

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


def test_reshape_dynamic_op_runtime_error_and_gradient():
    x = rand(2, 3)
    with pytest.raises(tg.errors.InvalidArgumentError, match=r"6 elements to shape \[4, 2\]"):
        bind(array_ops._reshape_dynamic, [x, tg.constant([4, 2])], {"hint": None})
    tg.test.check_gradients(
        lambda t: bind(array_ops._reshape_dynamic, [t, tg.constant([3, 2])], {"hint": None}), [x])


def test_reshape_gradient():
    tg.test.check_gradients(lambda t: tg.reshape(t, [3, -1]) * np.array([1.0, 2.0]), [rand(2, 3)])


# ----- transpose -----------------------------------------------------------------------------

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


# ----- expand_dims / squeeze -----------------------------------------------------------------

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


# ----- stack / unstack / concat / split ------------------------------------------------------

@FAST
@given(small_shapes, st.integers(1, 3), st.data())
def test_stack_unstack_concat_match_numpy(shape, count, data):
    arrays = [arange(shape) + 100 * i for i in range(count)]
    axis = data.draw(st.integers(-len(shape) - 1, len(shape)))
    stacked = tg.stack([noncontiguous(a) for a in arrays], axis=axis)
    np.testing.assert_array_equal(stacked.numpy(), np.stack(arrays, axis=axis))
    for got, want in zip(tg.unstack(stacked, axis=axis), arrays):
        np.testing.assert_array_equal(got.numpy(), want)
    if shape:
        cat_axis = data.draw(st.integers(-len(shape), len(shape) - 1))
        np.testing.assert_array_equal(tg.concat(arrays, cat_axis).numpy(), np.concatenate(arrays, cat_axis))


def test_stack_concat_errors():
    with pytest.raises(ValueError, match="dimension 1 differs"):
        tg.concat([arange([2, 3]), arange([2, 4])], 0)
    with pytest.raises(ValueError, match="one rank"):
        tg.concat([arange([2, 3]), arange([2])], 0)
    with pytest.raises(ValueError, match="cannot concatenate scalars"):
        tg.concat([tg.constant(1.0), tg.constant(2.0)], 0)
    with pytest.raises(TypeError, match="float64 and int32"):
        tg.concat([tg.constant(arange([2])), tg.constant([1, 2])], 0)
    with pytest.raises(ValueError, match="one shape"):
        tg.stack([arange([2]), arange([3])])
    with pytest.raises(ValueError, match="num=3 but axis 0 has size 2"):
        tg.unstack(arange([2, 2]), num=3)
    with pytest.raises(ValueError, match="non-empty"):
        tg.stack([])


def test_stack_concat_unstack_gradients():
    a, b = rand(2, 3), rand(2, 3, seed=1)
    w = rand(2, 2, 3, seed=2)
    tg.test.check_gradients(lambda x, y: tg.stack([x, y], axis=1) * tg.transpose(w, [1, 0, 2]), [a, b])
    tg.test.check_gradients(lambda x, y: tg.concat([x, y, x], axis=1) * rand(2, 9, seed=3), [a, b])
    tg.test.check_gradients(lambda x: tg.unstack(x, axis=1)[2] * 3.0, [a])
    tg.test.check_gradients(lambda x: tg.unstack(x)[0] * tg.unstack(x)[1], [a])


def test_concat_shape_rule_with_unknown_dims_and_gradient_sizes_at_run_time():
    a, b = arange([2, 3]), arange([2, 1]) + 50
    with tracing() as g:
        x, y = g.placeholder(a, [None, None]), g.placeholder(b, [2, None])
        joined = tg.concat([x, y], 1)
        assert joined.shape.as_list() == [2, None]
        pieces = indexing.split_like(joined, [x, y], 1)
        assert [p.shape.as_list() for p in pieces] == [[2, None], [2, None]]
        np.testing.assert_array_equal(value(pieces[0]), a)
        np.testing.assert_array_equal(value(pieces[1]), b)


@FAST
@given(st.integers(0, 3), st.integers(1, 4), st.data())
def test_split_matches_numpy(rank_extra, count, data):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3))
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    n = shape[axis] * count
    shape = list(shape)
    shape[axis] = n
    a = arange(shape)
    for got, want in zip(tg.split(noncontiguous(a), count, axis=axis), np.split(a, count, axis=axis)):
        np.testing.assert_array_equal(got.numpy(), want)
    cuts = sorted(data.draw(st.lists(st.integers(0, n), max_size=3)))
    sizes = np.diff([0] + cuts + [n]).tolist()
    if data.draw(st.booleans()):
        sizes[data.draw(st.integers(0, len(sizes) - 1))] = -1
    for got, want in zip(tg.split(a, sizes, axis=axis), np.split(a, cuts, axis=axis)):
        np.testing.assert_array_equal(got.numpy(), want)


def test_split_errors():
    with pytest.raises(ValueError, match="add up to 4, but dimension 0 has size 5"):
        tg.split(arange([5]), [1, 3])
    with pytest.raises(ValueError, match="size 5 cannot be split into 2 equal pieces"):
        tg.split(arange([5]), 2)
    with pytest.raises(ValueError, match="more than dimension 0"):
        tg.split(arange([5]), [4, -1, 2])
    with pytest.raises(ValueError, match="at most one -1"):
        tg.split(arange([5]), [-1, -1])
    with pytest.raises(ValueError, match="num=3 but 2 sizes"):
        tg.split(arange([5]), [2, 3], num=3)


def test_split_with_unknown_size_and_gradient():
    a = arange([5, 2])
    with tracing() as g:
        x = g.placeholder(a, [None, 2])
        first, rest = tg.split(x, [2, -1])
        assert first.shape.as_list() == [2, 2] and rest.shape.as_list() == [None, 2]
        np.testing.assert_array_equal(value(rest), a[2:])
        with pytest.raises(tg.errors.InvalidArgumentError, match="into 2 equal pieces"):
            tg.split(x, 2)
    tg.test.check_gradients(lambda t: tg.split(t, [1, -1, 2], axis=1)[1] * 2.0, [rand(2, 5)])
    tg.test.check_gradients(lambda t: tg.split(t, 3)[0] * tg.split(t, 3)[2], [rand(6)])


# ----- tile ----------------------------------------------------------------------------------

@FAST
@given(small_shapes, st.data())
def test_tile_matches_numpy(shape, data):
    multiples = data.draw(st.lists(st.integers(0, 3), min_size=len(shape), max_size=len(shape)))
    a = arange(shape)
    np.testing.assert_array_equal(tg.tile(noncontiguous(a), multiples).numpy(), np.tile(a, multiples))


def test_tile_errors_gradients_and_dynamic_multiples():
    with pytest.raises(ValueError, match="one entry per dimension"):
        tg.tile(arange([2, 3]), [2])
    with pytest.raises(ValueError, match=">= 0"):
        tg.tile(arange([2]), [-1])
    x = rand(2, 3)
    tg.test.check_gradients(lambda t: tg.tile(t, [2, 3]) * rand(4, 9, seed=1), [x])
    tg.test.check_gradients(lambda t: tg.tile(t, [1, 0]), [x])
    # the adjoint pair untile/tile_like, each differentiated
    g = rand(4, 6, seed=2)
    tg.test.check_gradients(lambda t: bind(array_ops._untile, [t, x]), [g])
    tg.test.check_gradients(lambda t: bind(array_ops._tile_like, [t, g]), [x])
    tg.test.check_gradients(
        lambda t: bind(array_ops._tile_dynamic, [t, tg.constant([2, 1])], {"hint": None})
        * rand(4, 3, seed=3), [x])
    a = arange([2, 3])
    with tracing() as graph:
        p = graph.placeholder(a, [None, 3])
        tiled = tg.tile(p, [tg.shape(p)[0], 2])
        assert tiled.shape.as_list() == [None, 6]
        np.testing.assert_array_equal(value(tiled), np.tile(a, [2, 2]))


# ----- pad -----------------------------------------------------------------------------------

@FAST
@given(hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4), st.sampled_from(
    ["CONSTANT", "REFLECT", "SYMMETRIC"]), st.data())
def test_pad_matches_numpy(shape, mode, data):
    limit = {"CONSTANT": 3, "REFLECT": 0, "SYMMETRIC": 1}[mode]
    paddings = [[data.draw(st.integers(0, max(0, min(3, n - 1 + limit)))) for _ in range(2)]
                for n in shape]
    a = arange(shape)
    got = tg.pad(noncontiguous(a), paddings, mode=mode.lower(), constant_values=-7)
    kwargs = {"constant_values": -7} if mode == "CONSTANT" else {}
    want = np.pad(a, np.reshape(paddings, (-1, 2)).astype(int), mode=mode.lower(), **kwargs) if shape else a
    np.testing.assert_array_equal(got.numpy(), want)


def test_pad_dtypes_and_errors():
    assert tg.pad(tg.constant([1, 2]), [[1, 1]]).dtype == tg.int32
    assert tg.pad(tg.constant([1.0]), [[1, 0]], constant_values=2).numpy().tolist() == [2.0, 1.0]
    with pytest.raises(TypeError):
        tg.pad(tg.constant([1, 2]), [[1, 1]], constant_values=0.5)
    with pytest.raises(ValueError, match="one \\[before, after\\] pair per dimension"):
        tg.pad(arange([2, 2]), [[1, 1]])
    with pytest.raises(ValueError, match="REFLECT paddings of dimension 0 \\(size 2\\) must be at most 1"):
        tg.pad(arange([2]), [[2, 0]], "REFLECT")
    with pytest.raises(ValueError, match="mode must be one of"):
        tg.pad(arange([2]), [[1, 1]], "WRAP")
    with pytest.raises(ValueError, match=">= 0"):
        tg.pad(arange([2]), [[-1, 1]])


@pytest.mark.parametrize("mode", ["CONSTANT", "REFLECT", "SYMMETRIC"])
def test_pad_gradients(mode):
    x = rand(3, 4)
    paddings = [[2, 1], [1, 3]] if mode != "REFLECT" else [[2, 1], [3, 2]]
    padded_shape = [3 + sum(paddings[0]), 4 + sum(paddings[1])]
    w = rand(*padded_shape, seed=1)
    tg.test.check_gradients(lambda t: tg.pad(t, paddings, mode) * w, [x])
    # the fold (pad's adjoint) differentiates back into pad
    g = rand(*padded_shape, seed=2)
    attrs = {"paddings": tuple(map(tuple, paddings)), "mode": mode}
    tg.test.check_gradients(lambda t: bind(array_ops._pad_fold, [t], attrs), [g])


# ----- broadcast_to / reverse ----------------------------------------------------------------

@FAST
@given(hnp.mutually_broadcastable_shapes(num_shapes=1, min_dims=0, max_dims=4, max_side=3))
def test_broadcast_to_matches_numpy(shapes):
    (shape,), result = shapes
    a = arange(shape)
    np.testing.assert_array_equal(tg.broadcast_to(noncontiguous(a), result).numpy(),
                                  np.broadcast_to(a, result))


def test_broadcast_to_errors_gradient_and_dynamic_shape():
    with pytest.raises(ValueError, match=r"cannot broadcast a tensor of shape \(3,\) to shape \[2, 4\]"):
        tg.broadcast_to(arange([3]), [2, 4])
    with pytest.raises(ValueError, match="fewer dimensions"):
        tg.broadcast_to(arange([2, 3]), [3])
    tg.test.check_gradients(lambda t: tg.broadcast_to(t, [2, 3, 4]) * rand(2, 3, 4, seed=1), [rand(3, 1)])
    tg.test.check_gradients(
        lambda t: bind(array_ops._broadcast_to_dynamic, [t, tg.constant([2, 3, 4])], {"hint": None})
        * rand(2, 3, 4, seed=1), [rand(3, 1)])
    a, b = arange([3, 1]), arange([2, 3, 4])
    with tracing() as g:
        x, y = g.placeholder(a, [None, 1]), g.placeholder(b, [None, None, 4])
        out = tg.broadcast_to(x, tg.shape(y))
        assert out.shape.as_list() == [None, None, None]
        np.testing.assert_array_equal(value(out), np.broadcast_to(a, [2, 3, 4]))
        out = tg.broadcast_to(x, [tg.shape(y)[0], 3, 5])
        assert out.shape.as_list() == [None, 3, 5]
        with pytest.raises(ValueError, match=r"shape \(None, None, 4\) to shape \[None, 3, 5\]"):
            tg.broadcast_to(y, [tg.shape(y)[0], 3, 5])
        with pytest.raises(tg.errors.InvalidArgumentError, match="cannot broadcast"):
            tg.broadcast_to(g.placeholder(b, [None, None, None]), [tg.shape(y)[0], 3, 5])


def test_broadcast_static_and_dynamic_shape():
    assert tg.broadcast_static_shape(tg.TensorShape([2, 1]), tg.TensorShape([3])) == tg.TensorShape([2, 3])
    assert tg.broadcast_static_shape(tg.TensorShape([None, 1]), tg.TensorShape([3])).as_list() == [None, 3]
    with pytest.raises(ValueError, match="incompatible"):
        tg.broadcast_static_shape(tg.TensorShape([2]), tg.TensorShape([3]))
    got = tg.broadcast_dynamic_shape(tg.constant([2, 1]), tg.constant([4, 1, 3]))
    assert got.dtype == tg.int32 and got.numpy().tolist() == [4, 2, 3]
    with pytest.raises(tg.errors.InvalidArgumentError, match="incompatible"):
        tg.broadcast_dynamic_shape(tg.constant([2]), tg.constant([3]))


@FAST
@given(small_shapes, st.data())
def test_reverse_matches_numpy(shape, data):
    a = arange(shape)
    axes = data.draw(st.lists(st.integers(-len(shape), len(shape) - 1), max_size=len(shape),
                              unique_by=lambda v: v % max(len(shape), 1))) if shape else []
    np.testing.assert_array_equal(tg.reverse(noncontiguous(a), axes).numpy(), np.flip(a, axes) if axes else a)


def test_reverse_errors_and_gradient():
    with pytest.raises(ValueError, match="more than once"):
        tg.reverse(arange([2, 3]), [1, -1])
    with pytest.raises(ValueError, match="out of range"):
        tg.reverse(arange([2, 3]), [2])
    tg.test.check_gradients(lambda t: tg.reverse(t, [0, 1]) * rand(2, 3, seed=1), [rand(2, 3)])


# ----- shape queries, identity_n, repeat, meshgrid -------------------------------------------

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


@FAST
@given(hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=3), st.data())
def test_repeat_matches_numpy(shape, data):
    a = arange(shape)
    axis = data.draw(st.none() | st.integers(-len(shape), len(shape) - 1))
    n = a.size if axis is None else shape[axis]
    repeats = data.draw(st.integers(0, 3) | st.lists(st.integers(0, 3), min_size=n, max_size=n))
    np.testing.assert_array_equal(tg.repeat(a, repeats, axis=axis).numpy(), np.repeat(a, repeats, axis=axis))


def test_repeat_gradient_and_unknown_size():
    tg.test.check_gradients(lambda t: tg.repeat(t, [1, 0, 2], axis=1) * rand(2, 3, seed=1), [rand(2, 3)])
    a = arange([3, 2])
    with tracing() as g:
        x = g.placeholder(a, [None, 2])
        out = tg.repeat(x, 2, axis=0)
        np.testing.assert_array_equal(value(out), np.repeat(a, 2, axis=0))
        with pytest.raises(ValueError, match="known size"):
            tg.repeat(x, [1, 2, 3], axis=0)


@pytest.mark.parametrize("indexing_mode", ["xy", "ij"])
def test_meshgrid_matches_numpy(indexing_mode):
    xs = [np.arange(3.0), np.arange(2.0) + 10, np.arange(4.0) + 20]
    for count in (1, 2, 3):
        got = tg.meshgrid(*xs[:count], indexing=indexing_mode)
        want = np.meshgrid(*xs[:count], indexing=indexing_mode)
        for g_, w_ in zip(got, want):
            np.testing.assert_array_equal(g_.numpy(), w_)
    with pytest.raises(ValueError, match="'xy' or 'ij'"):
        tg.meshgrid(xs[0], indexing="xx")
