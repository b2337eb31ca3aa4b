"""Joining and splitting (ops/join_split.py): stack/unstack, concat/split, split_like."""
import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import tracegraph as tg
from tracegraph.ops import join_split
from tracegraph.core.dispatch import bind

from array_samples import FAST, arange, noncontiguous, rand, small_shapes
from symbolic import tracing, value


# ----- stack / unstack / concat / split -------------------------------------------------------

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
        pieces = join_split.split_like(joined, [x, y], 1)
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


# ----- split_like (concat's gradient) ---------------------------------------------------------

def test_split_like_static_and_at_run_time():
    g = tg.constant(arange([2, 5]))
    parts = [tg.zeros([2, 2]), tg.zeros([2, 3])]
    got = join_split.split_like(g, parts, 1)
    np.testing.assert_array_equal(got[1].numpy(), arange([2, 5])[:, 2:])
    dynamic = bind(join_split._split_like, [g, *parts], {"axis": 1})
    np.testing.assert_array_equal(dynamic[0].numpy(), arange([2, 5])[:, :2])
    tg.test.check_gradients(lambda t: bind(join_split._split_like, [t, *parts], {"axis": 1})[1] * 2.0,
                            [rand(2, 5)])
