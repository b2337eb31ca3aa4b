"""Indexing ops: `tensor[key]`, gather/scatter, masks, slices — against NumPy, with gradients."""
import contextlib

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import tracegraph as tg
from tracegraph.context import state
from tracegraph.ops import indexing
from tracegraph.ops.dispatch import bind
from tracegraph.tensor import SymbolicTensor

FAST = settings(max_examples=25, deadline=None)


def arange(shape, dtype=np.float64):
    return np.arange(int(np.prod(shape)), dtype=dtype).reshape(shape)


def noncontiguous(array):
    """A tensor holding `array` as a non-contiguous view (the transpose of a transposed copy)."""
    return tg.transpose(tg.constant(np.array(array.T, order="C")))


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


# ----- tensor[key] ---------------------------------------------------------------------------

def bounds(n):
    return st.none() | st.integers(-n - 2, n + 2)


def one_index(n):
    slices = st.builds(slice, bounds(n), bounds(n), st.none() | st.sampled_from([-3, -2, -1, 1, 2, 3]))
    return slices | st.integers(-n, n - 1) if n else slices


@st.composite
def shapes_and_keys(draw):
    """A shape and a basic-indexing key for it: ints, slices (any step), `...`, newaxis."""
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4))
    rank = len(shape)
    ellipsis = draw(st.booleans())
    front = draw(st.integers(0, rank))
    back = draw(st.integers(0, rank - front)) if ellipsis else 0
    key = [draw(one_index(n)) for n in shape[:front]]
    if ellipsis:
        key.append(Ellipsis)
    key += [draw(one_index(n)) for n in shape[rank - back:]]
    for _ in range(draw(st.integers(0, 2))):
        key.insert(draw(st.integers(0, len(key))), None)
    as_tuple = draw(st.booleans()) or len(key) != 1
    return shape, tuple(key) if as_tuple else key[0]


@FAST
@given(shapes_and_keys())
def test_getitem_matches_numpy(case):
    shape, key = case
    a = arange(shape)
    got = noncontiguous(a)[key]
    want = a[key]
    assert got.shape == np.shape(want)
    np.testing.assert_array_equal(got.numpy(), want)


@FAST
@given(shapes_and_keys())
def test_getitem_shape_rule_with_unknown_dims(case):
    shape, key = case
    a = arange(shape)
    with tracing() as g:
        out = g.placeholder(a, [None] * len(shape))[key]  # the shape rule is checked in `apply`
        assert out.shape.rank == np.ndim(a[key])
        np.testing.assert_array_equal(value(out), a[key])


def test_getitem_tensor_indices_and_bounds():
    a = arange([3, 4])
    x = tg.constant(a)
    np.testing.assert_array_equal(x[tg.constant(1)].numpy(), a[1])
    np.testing.assert_array_equal(x[tg.constant(-1), tg.constant(2, tg.int64)].numpy(), a[-1, 2])
    np.testing.assert_array_equal(x[tg.constant(1):, :tg.constant(-1):tg.constant(2)].numpy(), a[1:, :-1:2])
    np.testing.assert_array_equal(x[np.int64(2)].numpy(), a[2])
    np.testing.assert_array_equal(x[..., tg.newaxis, 1].numpy(), a[..., None, 1])
    assert x[1, 2].shape == () and x[1, 2].dtype == tg.float64
    assert tg.constant(5)[()].numpy() == 5


def test_getitem_advanced_keys():
    a = arange([4, 3])
    x = tg.constant(a)
    np.testing.assert_array_equal(x[[2, 0, 2]].numpy(), a[[2, 0, 2]])
    np.testing.assert_array_equal(x[[-1, 1]].numpy(), a[[-1, 1]])
    np.testing.assert_array_equal(x[[[0, 1], [3, 3]]].numpy(), a[[[0, 1], [3, 3]]])
    np.testing.assert_array_equal(x[tg.constant([3, 1])].numpy(), a[[3, 1]])
    np.testing.assert_array_equal(x[np.array([1, 2])].numpy(), a[[1, 2]])
    mask = a > 4
    np.testing.assert_array_equal(x[mask].numpy(), a[mask])
    np.testing.assert_array_equal(x[tg.constant(mask)].numpy(), a[mask])
    np.testing.assert_array_equal(x[[True, False, True, False]].numpy(), a[[True, False, True, False]])
    with pytest.raises(TypeError, match="bool or integer"):
        x[tg.constant([1.0])]


def test_getitem_errors():
    x = tg.constant(arange([3, 4]))
    with pytest.raises(tg.errors.IndexOutOfRangeError, match=r"index 3 .* axis 0 with size 3.*\(3, 4\)"):
        x[3]
    with pytest.raises(IndexError, match=r"index -5 .* axis 1 with size 4"):
        x[0, -5]
    with pytest.raises(ValueError, match="out of bounds"):
        x[:, 4]
    with pytest.raises(tg.errors.IndexOutOfRangeError, match=r"index 7 .*size 3"):
        x[[0, 7]]
    with pytest.raises(tg.errors.IndexOutOfRangeError, match=r"index 9 .*size 3.*\(3, 4\)"):
        x[tg.constant(9)]
    with pytest.raises(tg.errors.IndexOutOfRangeError, match="3 indices for a tensor of rank 2"):
        x[0, 0, 0]
    with pytest.raises(IndexError, match="single ellipsis"):
        x[..., ...]
    with pytest.raises(TypeError, match="valid indices"):
        x[1.5]
    with pytest.raises(TypeError, match="valid indices"):
        x[tg.constant(1.0)]
    with pytest.raises(ValueError, match="step cannot be zero"):
        x[::0]


@pytest.mark.parametrize("key", [
    1, -1, (slice(None), 2), slice(1, None), slice(None, None, -1), (slice(3, 0, -2), slice(None, None, 2)),
    (Ellipsis, 1), (None, 1, Ellipsis), (tg.constant(2), slice(tg.constant(1), None)),
    [0, 2, 0], "mask", "int tensor",
])
def test_getitem_gradients(key):
    x = rand(4, 3)
    if key == "mask":
        key = tg.constant(np.random.RandomState(1).rand(4, 3) > 0.5)
    elif key == "int tensor":
        key = tg.constant([3, 0, 3], tg.int64)
    tg.test.check_gradients(lambda t: t[key] * 2.0, [x])


def test_getitem_scatter_is_differentiable():
    x = rand(4, 3)
    items, tensors = indexing.encode_key((slice(1, None), 0))
    g = rand(3, seed=1)
    tg.test.check_gradients(lambda t: bind(indexing._getitem_scatter, [t, x, *tensors], {"key": items}), [g])


# ----- gather --------------------------------------------------------------------------------

def np_gather(params, indices, axis, batch_dims):
    if batch_dims == 0:
        return np.take(params, indices, axis=axis)
    return np.stack([np_gather(p, i, axis - 1, batch_dims - 1) for p, i in zip(params, indices)])


@st.composite
def gather_cases(draw):
    batch_dims = draw(st.integers(0, 2))
    params_shape = draw(hnp.array_shapes(min_dims=batch_dims + 1, max_dims=batch_dims + 3, min_side=1,
                                         max_side=3))
    axis = draw(st.integers(batch_dims, len(params_shape) - 1))
    inner = draw(hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=3))
    indices_shape = params_shape[:batch_dims] + inner
    indices = draw(hnp.arrays(np.int32, indices_shape, elements=st.integers(0, params_shape[axis] - 1)))
    negative_axis = draw(st.booleans())
    return params_shape, indices, axis - len(params_shape) if negative_axis else axis, batch_dims


@FAST
@given(gather_cases())
def test_gather_matches_numpy(case):
    shape, indices, axis, batch_dims = case
    a = arange(shape)
    got = tg.gather(noncontiguous(a), indices, axis=axis, batch_dims=batch_dims)
    want = np_gather(a, indices, axis % len(shape), batch_dims)
    assert got.shape == want.shape
    np.testing.assert_array_equal(got.numpy(), want)


def test_gather_defaults_dtypes_and_errors():
    a = arange([3, 2])
    assert tg.gather(a, [2, 0]).numpy().tolist() == a[[2, 0]].tolist()
    assert tg.gather(tg.constant([1, 2, 3]), tg.constant([0, 0], tg.int64)).dtype == tg.int32
    assert tg.gather(a, [[0], [1], [1]], batch_dims=1).shape == (3, 1)  # axis defaults to batch_dims
    with pytest.raises(tg.errors.IndexOutOfRangeError, match=r"index 3 .* out of range \[0, 3\)"):
        tg.gather(a, [0, 3])
    with pytest.raises(tg.errors.IndexOutOfRangeError, match=r"index -1"):
        tg.gather(a, [-1])
    with pytest.raises(TypeError, match="int32 or int64"):
        tg.gather(a, tg.constant([0.0]))
    with pytest.raises(ValueError, match="batch dimension 0"):
        tg.gather(a, [[0], [1]], axis=1, batch_dims=1)
    with pytest.raises(ValueError, match="out of range"):
        tg.gather(a, [0], axis=2)


@pytest.mark.parametrize("axis,batch_dims,indices", [
    (0, 0, [1, 0, 1, 1]), (1, 0, [[1, 1], [0, 2]]), (-1, 0, [3, 0]), (1, 1, [[1, 1], [0, 2]]),
    (2, 1, [[3], [0]]), (2, 2, [[[0, 3]] * 3] * 2),
])
def test_gather_gradients(axis, batch_dims, indices):
    x = rand(2, 3, 4)
    tg.test.check_gradients(lambda t: tg.gather(t, indices, axis=axis, batch_dims=batch_dims) * 1.5, [x])


def test_scatter_add_axis_and_its_gradient():
    base = rand(2, 3)
    indices = tg.constant([[2, 2], [0, 1]])
    updates = rand(2, 2, seed=1)
    got = indexing.scatter_add_axis(base, indices, updates, axis=1, batch_dims=1).numpy()
    want = base.numpy().copy()
    want[0, 2] += updates.numpy()[0].sum()
    want[1, 0] += updates.numpy()[1, 0]
    want[1, 1] += updates.numpy()[1, 1]
    np.testing.assert_allclose(got, want)
    tg.test.check_gradients(lambda b, u: indexing.scatter_add_axis(b, indices, u, axis=1, batch_dims=1),
                            [base, updates])


# ----- gather_nd and scatters ----------------------------------------------------------------

def np_gather_nd(params, indices, batch_dims):
    if batch_dims:
        return np.stack([np_gather_nd(p, i, batch_dims - 1) for p, i in zip(params, indices)])
    return params[tuple(np.moveaxis(indices, -1, 0))]


@st.composite
def gather_nd_cases(draw):
    batch_dims = draw(st.integers(0, 1))
    shape = draw(hnp.array_shapes(min_dims=batch_dims + 1, max_dims=batch_dims + 3, min_side=1, max_side=3))
    depth = draw(st.integers(1, len(shape) - batch_dims))
    inner = draw(hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=3))
    columns = [draw(hnp.arrays(np.int64, shape[:batch_dims] + inner,
                               elements=st.integers(0, shape[batch_dims + k] - 1))) for k in range(depth)]
    return shape, np.stack(columns, axis=-1), batch_dims


@FAST
@given(gather_nd_cases())
def test_gather_nd_matches_numpy(case):
    shape, indices, batch_dims = case
    a = arange(shape)
    got = tg.gather_nd(noncontiguous(a), indices, batch_dims=batch_dims)
    want = np_gather_nd(a, indices, batch_dims)
    assert got.shape == want.shape
    np.testing.assert_array_equal(got.numpy(), want)


def test_gather_nd_errors_and_gradients():
    a = rand(3, 4)
    with pytest.raises(tg.errors.IndexOutOfRangeError, match=r"index 4 in indices\[..., 1\]"):
        tg.gather_nd(a, [[0, 4]])
    with pytest.raises(ValueError, match="at most the rank of params"):
        tg.gather_nd(a, [[0, 1, 2]])
    tg.test.check_gradients(lambda t: tg.gather_nd(t, [[0, 1], [2, 3], [0, 1]]) * 2.0, [a])
    tg.test.check_gradients(lambda t: tg.gather_nd(t, [[2], [2], [1]]), [a])
    batched = [[[1], [1]], [[0], [3]], [[2], [2]]]
    tg.test.check_gradients(lambda t: tg.gather_nd(t, batched, batch_dims=1), [a])


@FAST
@given(st.data())
def test_scatter_nd_adds_duplicates(data):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3))
    depth = data.draw(st.integers(1, len(shape)))
    count = data.draw(st.integers(0, 5))
    indices = np.stack([data.draw(hnp.arrays(np.int32, [count], elements=st.integers(0, shape[k] - 1)))
                        for k in range(depth)], axis=-1)
    updates = arange([count] + list(shape[depth:])) + 1
    want = np.zeros(shape)
    np.add.at(want, tuple(indices.T), updates)
    got = tg.scatter_nd(indices, updates, shape)
    assert got.dtype == tg.float64
    np.testing.assert_array_equal(got.numpy(), want)
    base = arange(shape) * 10
    np.testing.assert_array_equal(tg.tensor_scatter_nd_add(base, indices, updates).numpy(), base + want)


def test_scatter_nd_forms_errors_and_gradient():
    indices = tg.constant([[1], [3], [1]])
    updates = tg.constant([9.0, 10.0, 11.0])
    np.testing.assert_array_equal(tg.scatter_nd(indices, updates, tg.constant([5])).numpy(),
                                  [0, 20, 0, 10, 0])
    assert tg.scatter_nd(indices, tg.constant([1, 2, 3]), [4]).dtype == tg.int32
    with pytest.raises(tg.errors.IndexOutOfRangeError, match="index 5"):
        tg.scatter_nd([[5]], [1.0], [4])
    with pytest.raises(ValueError, match="`updates` must have shape"):
        tg.scatter_nd([[1]], [1.0, 2.0], [4])
    u = rand(3, 2)
    tg.test.check_gradients(lambda t: tg.scatter_nd([[1], [3], [1]], t, [4, 2]) * rand(4, 2, seed=1), [u])
    want = tg.scatter_nd([[1], [3], [1]], u, [4, 2]).numpy()
    tg.test.check_gradients(
        lambda t: bind(indexing._scatter_nd_dynamic, [indices, t, tg.constant([4, 2])]), [u])
    with tracing() as g:
        x = g.placeholder(arange([4, 2]), [None, 2])
        out = tg.scatter_nd([[1], [3], [1]], u, tg.shape(x))
        assert out.shape.as_list() == [None, None]
        np.testing.assert_array_equal(value(out), want)


def test_tensor_scatter_nd_update_and_add_gradients():
    tensor = tg.constant(arange([3, 2]))
    got = tg.tensor_scatter_nd_update(tensor, [[0], [2]], [[-1.0, -2.0], [-3.0, -4.0]])
    np.testing.assert_array_equal(got.numpy(), [[-1, -2], [2, 3], [-3, -4]])
    np.testing.assert_array_equal(tg.tensor_scatter_nd_update(tensor, [[1, 1]], [7.0]).numpy(),
                                  [[0, 1], [2, 7], [4, 5]])
    with pytest.raises(TypeError):
        tg.tensor_scatter_nd_update(tensor, [[1, 1]], tg.constant([7], tg.int32))
    t, u = rand(3, 2), rand(2, 2, seed=1)
    w = rand(3, 2, seed=2)
    tg.test.check_gradients(lambda a, b: tg.tensor_scatter_nd_update(a, [[0], [2]], b) * w, [t, u])
    tg.test.check_gradients(lambda a, b: tg.tensor_scatter_nd_add(a, [[0], [0]], b) * w, [t, u])


# ----- boolean_mask and where ----------------------------------------------------------------

@st.composite
def mask_cases(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=3))
    axis = draw(st.integers(0, len(shape) - 1))
    k = draw(st.integers(1, len(shape) - axis))
    mask = draw(hnp.arrays(np.bool_, shape[axis:axis + k]))
    return shape, mask, axis


@FAST
@given(mask_cases())
def test_boolean_mask_matches_numpy(case):
    shape, mask, axis = case
    a = arange(shape)
    got = tg.boolean_mask(noncontiguous(a), mask, axis=axis)
    np.testing.assert_array_equal(got.numpy(), a[(slice(None),) * axis + (mask,)])
    with tracing() as g:
        out = tg.boolean_mask(g.placeholder(a, shape), mask, axis=axis)
        assert out.shape[axis] is None and out.shape.rank == len(shape) - mask.ndim + 1


def test_boolean_mask_errors_and_gradient():
    a = rand(3, 4)
    with pytest.raises(ValueError, match=r"mask's shape \(4,\) must match dimensions 0..0"):
        tg.boolean_mask(a, [True] * 4)
    with pytest.raises(TypeError, match="bool"):
        tg.boolean_mask(a, [1, 0, 1])
    with pytest.raises(ValueError, match="scalar"):
        tg.boolean_mask(a, True)
    with tracing() as g:
        with pytest.raises(tg.errors.InvalidArgumentError, match=r"mask's shape \(2,\)"):
            tg.boolean_mask(g.placeholder(a.numpy(), [None, 4]), [True, False])
    mask = np.array([True, False, True, True])
    tg.test.check_gradients(lambda t: tg.boolean_mask(t, mask, axis=1) * 2.0, [a])
    tg.test.check_gradients(lambda t: tg.boolean_mask(t, mask, axis=-1), [a])
    g = rand(3, 3, seed=1)
    tg.test.check_gradients(
        lambda t: bind(indexing._mask_scatter, [t, tg.constant(mask), a], {"axis": 1}), [g])


@FAST
@given(hnp.arrays(np.bool_, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3)))
def test_where_one_argument_gives_int64_coordinates(mask):
    got = tg.where(mask)
    assert got.dtype == tg.int64
    np.testing.assert_array_equal(got.numpy(), np.argwhere(mask))
    assert got.shape == (int(mask.sum()), mask.ndim)


def test_nonzero_of_numbers_and_shape_rule():
    np.testing.assert_array_equal(tg.where(tg.constant([0.0, 2.0, -1.0])).numpy(), [[1], [2]])
    with tracing() as g:
        out = indexing.nonzero_coordinates(g.placeholder(np.eye(2, dtype=bool), [None, None]))
        assert out.shape.as_list() == [None, 2]


# ----- slice / strided_slice -----------------------------------------------------------------

@FAST
@given(hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4), st.data())
def test_slice_matches_numpy(shape, data):
    begin = [data.draw(st.integers(0, n)) for n in shape]
    size = [data.draw(st.integers(-1, n - b)) for n, b in zip(shape, begin)]
    a = arange(shape)
    want = a[tuple(slice(b, None if s == -1 else b + s) for b, s in zip(begin, size))]
    np.testing.assert_array_equal(tg.slice(noncontiguous(a), begin, size).numpy(), want)


def test_slice_errors_gradient_and_tensor_arguments():
    a = rand(3, 4)
    with pytest.raises(tg.errors.InvalidArgumentError, match=r"begin\[1\] = 2 with size\[1\] = 3 runs past"):
        tg.slice(a, [0, 2], [1, 3])
    with pytest.raises(ValueError, match="one entry per dimension"):
        tg.slice(a, [0], [1])
    np.testing.assert_array_equal(tg.slice(a, tg.constant([1, 1]), tg.constant([-1, 2])).numpy(),
                                  a.numpy()[1:, 1:3])
    tg.test.check_gradients(lambda t: tg.slice(t, [1, 0], [2, -1]) * 3.0, [a])
    with tracing() as g:
        x = g.placeholder(a.numpy(), [None, None])
        begin = g.placeholder(np.array([1, 2], np.int32), [2])
        size = g.placeholder(np.array([-1, 1], np.int32), [2])
        out = tg.slice(x, begin, size)
        assert out.shape.as_list() == [None, None]
        np.testing.assert_array_equal(value(out), a.numpy()[1:, 2:3])


def test_strided_slice_masks():
    a = arange([3, 4, 5])
    x = tg.constant(a)
    np.testing.assert_array_equal(tg.strided_slice(x, [0, 1], [3, 4], [2, 2]).numpy(), a[0:3:2, 1:4:2])
    np.testing.assert_array_equal(tg.strided_slice(x, [1, 0], [0, 0], begin_mask=0b10, end_mask=0b10).numpy(),
                                  a[1:0, :])
    reversed_ = tg.strided_slice(x, [-1, 0, 0], [0, 0, 2], [-1, 1, 1], end_mask=0b011)
    np.testing.assert_array_equal(reversed_.numpy(), a[::-1, :, 0:2])
    np.testing.assert_array_equal(
        tg.strided_slice(x, [0, 0, 1], [0, 0, 2], ellipsis_mask=0b001, new_axis_mask=0b010,
                         shrink_axis_mask=0b100).numpy(), a[..., None, 1])
    with pytest.raises(ValueError, match="one length"):
        tg.strided_slice(x, [0], [1, 2])
    tg.test.check_gradients(lambda t: tg.strided_slice(t, [2, 0], [0, 4], [-1, 3]) * 2.0, [rand(3, 4)])


# ----- split_like and segment sums -----------------------------------------------------------

def test_split_like_static_and_at_run_time():
    g = tg.constant(arange([2, 5]))
    parts = [tg.zeros([2, 2]), tg.zeros([2, 3])]
    got = indexing.split_like(g, parts, 1)
    np.testing.assert_array_equal(got[1].numpy(), arange([2, 5])[:, 2:])
    dynamic = bind(indexing._split_like, [g, *parts], {"axis": 1})
    np.testing.assert_array_equal(dynamic[0].numpy(), arange([2, 5])[:, :2])
    tg.test.check_gradients(lambda t: bind(indexing._split_like, [t, *parts], {"axis": 1})[1] * 2.0,
                            [rand(2, 5)])


def test_segment_sums():
    data = tg.constant(arange([4, 2]))
    ids = tg.constant([0, 2, 0, -1])
    got = indexing.unsorted_segment_sum(data, ids, 3)
    np.testing.assert_array_equal(got.numpy(), [[4, 6], [0, 0], [2, 3]])
    np.testing.assert_array_equal(indexing.segment_sum(data, [0, 0, 1, 1]).numpy(), [[2, 4], [10, 12]])
    with pytest.raises(tg.errors.IndexOutOfRangeError, match="segment id 2"):
        indexing.unsorted_segment_sum(data, [0, 2, 0, 0], 2)
    tg.test.check_gradients(lambda t: indexing.unsorted_segment_sum(t, ids, 3) * rand(3, 2, seed=1),
                            [rand(4, 2)])
    tg.test.check_gradients(lambda t: indexing.segment_sum(t, [0, 0, 1, 2]), [rand(4, 2)])
