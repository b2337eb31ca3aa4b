"""Indexing (ops/indexing.py): `tensor[key]`, slice, strided_slice — against NumPy, with gradients."""
import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import tracegraph as tg
from tracegraph.ops import indexing
from tracegraph.core.dispatch import bind

from array_samples import FAST, arange, noncontiguous, rand
from symbolic import tracing, value


# ----- tensor[key] ----------------------------------------------------------------------------

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


# ----- slice / strided_slice ------------------------------------------------------------------

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


def test_one_string_of_a_string_tensor_inside_a_function():
    first = tg.function(lambda x: x[0])
    assert first(tg.constant([b"a", b"bc"])).numpy() == b"a"
    assert tg.function(lambda x: x[1, 0])(tg.constant([[b"a"], [b"bc"]])).numpy() == b"bc"
