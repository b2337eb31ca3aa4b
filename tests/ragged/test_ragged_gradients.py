"""Gradients through ragged tensors reach their flat values; checked against central differences
in float64."""
import numpy as np
from hypothesis import given

import tracegraph as tg
from ragged_samples import FAST, flat, nested_rows, rows, splits_of

_rng = np.random.default_rng(0)


def _values(python_rows):
    """Distinct float64 values for the rows' slots (distinct, so max/min have no ties)."""
    count = len(flat(python_rows))
    return tg.constant(_rng.permutation(count).astype(np.float64) + _rng.uniform(0.1, 0.4, count))


def _check(python_rows, fn):
    splits = splits_of(python_rows)
    tg.test.check_gradients(lambda v: fn(tg.RaggedTensor.from_row_splits(v, splits)), [_values(python_rows)])


@FAST
@given(rows())
def test_products_and_sums_over_the_ragged_axis(python_rows):
    _check(python_rows, lambda r: tg.reduce_sum(r * r + 3.0 * r, axis=1))


@FAST
@given(rows())
def test_max_min_and_mean_over_the_ragged_axis(python_rows):
    def fn(r):
        nonempty = r.row_lengths() > 0
        safe = lambda x: tg.where(nonempty, x, tg.zeros_like(x))  # noqa: E731 - empty rows give -inf/NaN
        return safe(tg.reduce_max(r, axis=1)) + safe(tg.reduce_min(r * r, axis=1)) + safe(tg.reduce_mean(r, axis=1))
    _check(python_rows, fn)


@FAST
@given(rows())
def test_concat_stack_gather_and_to_tensor(python_rows):
    def fn(r):
        joined = tg.concat([r, 2.0 * r], axis=1)
        picked = tg.gather(r, tg.range(r.nrows() - 1, -1, -1))
        return tg.concat([tg.reshape(joined.to_tensor(), [-1]), tg.reshape(picked.to_tensor(), [-1]),
                          tg.reshape(tg.stack([r, r], axis=1).flat_values, [-1])], axis=0)
    _check(python_rows, fn)


def test_a_tape_watching_a_ragged_tensor_gives_a_ragged_gradient_with_its_rows():
    r = tg.ragged.constant([[1.0, 2.0], [], [3.0]], dtype=tg.float64)
    with tg.GradientTape() as tape:
        tape.watch(r.flat_values)
        y = tg.reduce_sum(tg.reduce_sum(r * r, axis=1))
    assert tape.gradient(y, r.flat_values).numpy().tolist() == [2.0, 4.0, 6.0]
    with tg.GradientTape() as tape:
        tape.watch(r)
        y = tg.reduce_sum(r * r)
    gradient = tape.gradient(y, r)
    assert isinstance(gradient, tg.RaggedTensor) and gradient.to_list() == [[2.0, 4.0], [], [6.0]]


def test_gradients_inside_a_function():
    @tg.function
    def gradient_of_row_sums(values, splits):
        with tg.GradientTape() as tape:
            tape.watch(values)
            r = tg.RaggedTensor.from_row_splits(values, splits)
            y = tg.reduce_sum(tg.reduce_sum(r, axis=1) ** 2)
        return tape.gradient(y, values)
    values = tg.constant([1.0, 2.0, 3.0], dtype=tg.float64)
    splits = tg.constant([0, 2, 2, 3], dtype=tg.int64)
    assert gradient_of_row_sums(values, splits).numpy().tolist() == [6.0, 6.0, 6.0]


@FAST
@given(nested_rows())
def test_reductions_of_two_ragged_dimensions(python_rows):
    inner_rows = [inner for row in python_rows for inner in row]
    outer_splits = splits_of(python_rows)

    def fn(values):
        r = tg.RaggedTensor.from_nested_row_splits(values, [outer_splits, splits_of(inner_rows)])
        return tg.concat([tg.reduce_sum(r, axis=1).flat_values, tg.reduce_max(r, axis=1).flat_values,
                          tg.reduce_sum(r * r, axis=2).flat_values], axis=0)
    tg.test.check_gradients(fn, [_values(inner_rows)])


def _check_nested(python_rows, fn):
    values = _values([v for row in python_rows for v in row])
    outer = splits_of(python_rows)
    inner = splits_of([v for row in python_rows for v in row])
    tg.test.check_gradients(lambda v: fn(tg.RaggedTensor.from_nested_row_splits(v, [outer, inner])), [values])


@FAST
@given(nested_rows())
def test_every_axis_of_ragged_rank_two(python_rows):
    def fn(r):
        parts = [tg.reduce_sum(r * r, axis=0), tg.reduce_max(r, axis=0), tg.reduce_min(r, axis=1),
                 tg.reduce_prod(r, axis=0), tg.reduce_prod(r, axis=2)]
        return tg.concat([p.flat_values for p in parts], axis=0)
    _check_nested(python_rows, fn)


def test_product_gradient_with_zeros_as_tensorflow():
    # From TF 2.21: d/dv reduce_sum(reduce_prod(RaggedTensor.from_row_splits(v, [0, 3, 5, 7, 7]), axis=1)).
    v = tg.constant([2.0, 0.0, 3.0, 0.0, 0.0, 4.0, 5.0], dtype=tg.float64)
    with tg.GradientTape() as tape:
        tape.watch(v)
        y = tg.reduce_sum(tg.reduce_prod(tg.RaggedTensor.from_row_splits(v, [0, 3, 5, 7, 7]), axis=1))
    assert tape.gradient(y, v).numpy().tolist() == [0.0, 6.0, 0.0, 0.0, 0.0, 5.0, 4.0]
