"""Sorting: sort, argsort, top_k, in_top_k — values vs NumPy, stability, dtypes, errors, gradients."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import tracegraph as tg
from tracegraph.errors import InvalidArgumentError
from tracegraph.ops import sorting
# The lead wires these into tg. (sort, argsort), tg.math and tg.nn (top_k, in_top_k).
from tracegraph.ops.sorting import argsort, in_top_k, sort, top_k
from tracegraph.spec import TensorSpec
from tracegraph.test import check_gradients

SHAPES = hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=5)
# Few distinct values, so ties are common and stability is exercised.
TIED_INTS = hnp.arrays(np.int32, SHAPES, elements=st.integers(-2, 2))


def _np_argsort(x, axis, descending):
    """Stable argsort; descending keeps equal values in their original order."""
    if not descending:
        return np.argsort(x, axis=axis, kind="stable")
    return np.argsort(-x.astype(np.int64), axis=axis, kind="stable")


@settings(max_examples=25, deadline=None)
@given(x=TIED_INTS, data=st.data(), descending=st.booleans())
def test_sort_and_argsort_match_stable_numpy(x, data, descending):
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    direction = "DESCENDING" if descending else "ASCENDING"
    order = argsort(x, axis=axis, direction=direction)
    assert order.dtype == tg.int32
    np.testing.assert_array_equal(order.numpy(), _np_argsort(x, axis, descending))
    values = sort(x, axis=axis, direction=direction)
    assert values.dtype == tg.int32
    np.testing.assert_array_equal(values.numpy(), np.take_along_axis(x, _np_argsort(x, axis, descending), axis))


def test_sort_floats_and_default_axis():
    x = np.array([[3.0, -1.0, 2.5], [0.0, 7.0, -2.0]], np.float32)
    np.testing.assert_array_equal(sort(x).numpy(), np.sort(x, axis=-1))
    np.testing.assert_array_equal(sort(x, direction="DESCENDING").numpy(), -np.sort(-x, axis=-1))
    np.testing.assert_array_equal(sort(x, axis=0).numpy(), np.sort(x, axis=0))
    unsigned = np.array([3, 0, 255, 7], np.uint8)
    np.testing.assert_array_equal(sort(unsigned, direction="DESCENDING").numpy(), [255, 7, 3, 0])


def test_top_k_examples_from_tf_docs():
    result = top_k([1, 2, 98, 1, 1, 99, 3, 1, 3, 96, 4, 1], k=3)
    np.testing.assert_array_equal(result.values.numpy(), [99, 98, 96])
    np.testing.assert_array_equal(result.indices.numpy(), [5, 2, 9])
    ties = top_k([1, 1, 0, 1, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0], k=3)
    np.testing.assert_array_equal(ties.indices.numpy(), [0, 1, 3])  # lower index first among equals
    values, indices = result  # a (values, indices) namedtuple
    assert values.dtype == tg.int32 and indices.dtype == tg.int32


@settings(max_examples=25, deadline=None)
@given(x=hnp.arrays(np.float32, hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=5),
                    elements=st.sampled_from([-1.0, 0.0, 0.5, 2.0])), data=st.data())
def test_top_k_matches_stable_descending_sort(x, data):
    k = data.draw(st.integers(0, x.shape[-1]))
    result = top_k(x, k=k)
    expected = np.argsort(-x, axis=-1, kind="stable")[..., :k]
    assert result.values.shape == x.shape[:-1] + (k,)
    np.testing.assert_array_equal(result.indices.numpy(), expected)
    np.testing.assert_array_equal(result.values.numpy(), np.take_along_axis(x, expected, -1))


def test_top_k_index_type_and_tensor_k():
    result = top_k(tg.constant([[1.0, 3.0, 2.0]]), k=tg.constant(2), index_type=tg.int64)
    assert result.indices.dtype == tg.int64
    np.testing.assert_array_equal(result.indices.numpy(), [[1, 2]])


def test_in_top_k():
    predictions = tg.constant([[0.1, 0.8, 0.1], [0.3, 0.3, 0.4], [0.5, 0.2, np.nan]])
    np.testing.assert_array_equal(in_top_k([1, 0, 2], predictions, 1).numpy(), [True, False, False])
    np.testing.assert_array_equal(in_top_k([0, 1, 0], predictions, 2).numpy(), [True, True, True])
    np.testing.assert_array_equal(in_top_k([5, -1, 0], predictions, 3).numpy(), [False, False, True])


# ----- errors --------------------------------------------------------------------------------

def test_sorting_errors():
    with pytest.raises(ValueError, match="direction"):
        sort([1.0, 2.0], direction="UP")
    with pytest.raises(ValueError, match="axis 1 is out of range for a tensor of rank 1"):
        argsort([1.0, 2.0], axis=1)
    with pytest.raises(ValueError, match="rank 0"):
        sort(tg.constant(1.0))
    with pytest.raises(TypeError, match="real"):
        sort([True, False])
    with pytest.raises(InvalidArgumentError, match="at least k=3"):
        top_k([1.0, 2.0], k=3)
    with pytest.raises(InvalidArgumentError, match="non-negative"):
        top_k([1.0, 2.0], k=-1)
    with pytest.raises(ValueError, match="1-D"):
        top_k(tg.constant(1.0))
    with pytest.raises(TypeError, match="index_type"):
        top_k([1.0], index_type=tg.float32)


def test_shape_rules_with_unknown_dimensions():
    spec = TensorSpec([None, None], tg.float32)
    values, indices = sorting._top_k.infer(spec, k=2, index_type=tg.int32)
    assert values.shape.as_list() == [None, 2] and indices.dtype == tg.int32
    assert sorting._argsort.infer(spec, axis=1, descending=False).shape.as_list() == [None, None]
    unknown = sorting._sort.infer(TensorSpec(None, tg.float32), axis=0, descending=True)
    assert unknown.shape.rank is None


# ----- gradients -----------------------------------------------------------------------------

X = tg.constant(np.random.default_rng(1).uniform(-2, 2, (3, 4)))


@pytest.mark.parametrize("axis", [0, 1, -1])
@pytest.mark.parametrize("direction", ["ASCENDING", "DESCENDING"])
def test_sort_gradient(axis, direction):
    check_gradients(lambda x: sort(x, axis=axis, direction=direction), [X])


@pytest.mark.parametrize("k", [0, 1, 3, 4])
def test_top_k_gradient(k):
    check_gradients(lambda x: top_k(x, k=k).values, [X])


def test_top_k_gradient_goes_to_chosen_entries():
    x = tg.constant([[1.0, 5.0, 5.0, 2.0]], tg.float64)
    with tg.GradientTape() as tape:
        tape.watch(x)
        values = top_k(x, k=2).values
        y = tg.reduce_sum(values * tg.constant([[10.0, 1.0]], tg.float64))
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [[0, 10, 1, 0]])


def test_second_order_through_sort():
    def first_gradient(x):
        with tg.GradientTape() as tape:
            tape.watch(x)
            y = tg.reduce_sum(sort(x) ** 3 * tg.constant(np.arange(4.0)))
        return tape.gradient(y, x)

    check_gradients(first_gradient, [tg.constant(np.array([0.3, -1.0, 2.0, 0.7]))])
