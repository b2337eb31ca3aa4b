"""Boolean masks (ops/masking.py): boolean_mask, its adjoint, and nonzero coordinates (`tg.where`)."""
import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import tracegraph as tg
from tracegraph.ops import masking
from tracegraph.core.dispatch import bind

from array_samples import FAST, arange, noncontiguous, rand
from symbolic import tracing


# ----- boolean_mask and where -----------------------------------------------------------------

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
        lambda t: bind(masking._mask_scatter, [t, tg.constant(mask), a], {"axis": 1}), [g])


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
        out = masking.nonzero_coordinates(g.placeholder(np.eye(2, dtype=bool), [None, None]))
        assert out.shape.as_list() == [None, 2]
