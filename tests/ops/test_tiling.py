"""Copying into a new layout (ops/tiling.py): tile, pad, broadcast_to, reverse, repeat, meshgrid."""
import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import tracegraph as tg
from tracegraph.ops import tiling
from tracegraph.core.dispatch import bind

from array_samples import FAST, arange, noncontiguous, rand, small_shapes
from symbolic import tracing, value


# ----- tile -----------------------------------------------------------------------------------

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
    tg.test.check_gradients(lambda t: bind(tiling._untile, [t, x]), [g])
    tg.test.check_gradients(lambda t: bind(tiling._tile_like, [t, g]), [x])
    tg.test.check_gradients(
        lambda t: bind(tiling._tile_dynamic, [t, tg.constant([2, 1])], {"hint": None})
        * rand(4, 3, seed=3), [x])
    a = arange([2, 3])
    with tracing() as graph:
        p = graph.placeholder(a, [None, 3])
        tiled = tg.tile(p, [tg.shape(p)[0], 2])
        assert tiled.shape.as_list() == [None, 6]
        np.testing.assert_array_equal(value(tiled), np.tile(a, [2, 2]))


# ----- pad ------------------------------------------------------------------------------------

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
    tg.test.check_gradients(lambda t: bind(tiling._pad_fold, [t], attrs), [g])


# ----- broadcast_to / reverse -----------------------------------------------------------------

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
        lambda t: bind(tiling._broadcast_to_dynamic, [t, tg.constant([2, 3, 4])], {"hint": None})
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


# ----- repeat, meshgrid -----------------------------------------------------------------------

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
