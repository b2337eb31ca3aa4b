"""tg.TensorArray: every method eagerly and traced against NumPy, dynamic sizes, errors, the array as
a composite value through while_loop / cond / tg.function, and gradients against finite differences."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import tracegraph as tg
from tracegraph import nest
from tracegraph.errors import IndexOutOfRangeError, InvalidArgumentError
from tracegraph.type_spec import CompositeTensor, TypeSpec, register


@pytest.fixture(autouse=True)
def _numpy_backend(numpy_backend):
    yield


def eager_and_traced(fn):
    """`fn` as written, and as a tg.function that must trace without falling back."""
    return [fn, tg.function(fn, fallback="error")]


elements = hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4),
                      elements=st.floats(-10, 10))


# ----- values against NumPy ---------------------------------------------------------------------

@settings(max_examples=15, deadline=None)
@given(rows=elements)
def test_writes_then_stack_and_reads_give_the_rows_eager_and_traced(rows):
    def write_all(x):
        ta = tg.TensorArray(tg.float64, size=x.shape[0])
        for i in range(x.shape[0]):
            ta = ta.write(i, x[i])
        return ta.stack(), [ta.read(i) for i in range(x.shape[0])]

    for fn in eager_and_traced(write_all):
        stacked, read = fn(tg.constant(rows))
        np.testing.assert_array_equal(stacked.numpy(), rows)
        for i, row in enumerate(read):
            np.testing.assert_array_equal(row.numpy(), rows[i])


@settings(max_examples=15, deadline=None)
@given(rows=elements, data=st.data())
def test_scatter_gather_against_numpy(rows, data):
    n = rows.shape[0]
    order = np.array(data.draw(st.permutations(range(n))), np.int32)
    picks = np.array(data.draw(st.lists(st.integers(0, n - 1), max_size=5)), np.int32)

    def scatter_then_gather(x, order, picks):
        ta = tg.TensorArray(tg.float64, size=n, element_shape=x.shape[1:]).scatter(order, x)
        return ta.gather(picks), ta.stack()

    expected = np.empty_like(rows)
    expected[order] = rows
    for fn in eager_and_traced(scatter_then_gather):
        gathered, stacked = fn(tg.constant(rows), tg.constant(order), tg.constant(picks))
        np.testing.assert_array_equal(stacked.numpy(), expected)
        np.testing.assert_array_equal(gathered.numpy(), expected[picks].reshape(len(picks), *rows.shape[1:]))


@settings(max_examples=15, deadline=None)
@given(rows=elements)
def test_unstack_then_stack_concat_and_size(rows):
    def roundtrip(x):
        ta = tg.TensorArray(tg.float64, size=0, dynamic_size=True).unstack(x)
        return ta.stack(), ta.size(), ta.concat() if len(rows.shape) > 1 else ta.stack()

    for fn in eager_and_traced(roundtrip):
        stacked, size, joined = fn(tg.constant(rows))
        np.testing.assert_array_equal(stacked.numpy(), rows)
        assert int(size) == rows.shape[0]
        expected = rows.reshape(-1, *rows.shape[2:]) if rows.ndim > 1 else rows
        np.testing.assert_array_equal(joined.numpy(), expected)


def test_split_makes_elements_of_equal_pieces():
    def split(x):
        ta = tg.TensorArray(tg.float32, size=3).split(x, [2, 2, 2])
        return ta.stack(), ta.concat()

    x = np.arange(12, dtype=np.float32).reshape(6, 2)
    for fn in eager_and_traced(split):
        stacked, joined = fn(tg.constant(x))
        np.testing.assert_array_equal(stacked.numpy(), x.reshape(3, 2, 2))
        np.testing.assert_array_equal(joined.numpy(), x)


def test_unwritten_elements_read_as_zeros_when_the_element_shape_is_known():
    for fn in eager_and_traced(lambda: tg.TensorArray(tg.float32, size=3, element_shape=[2]).write(1, [1.0, 2.0])):
        ta = fn()
        np.testing.assert_array_equal(ta.stack().numpy(), [[0, 0], [1, 2], [0, 0]])
        np.testing.assert_array_equal(ta.read(0).numpy(), [0, 0])


def test_properties_identity_close_and_repr():
    ta = tg.TensorArray(tg.int32, size=2, element_shape=[3])
    assert ta.dtype == tg.int32 and ta.element_shape == tg.TensorShape([3]) and not ta.dynamic_size
    assert int(ta.size()) == 2
    copy = ta.write(0, [1, 2, 3]).identity()
    np.testing.assert_array_equal(copy.stack().numpy(), [[1, 2, 3], [0, 0, 0]])
    assert ta.close() is None
    assert repr(ta) == "<tg.TensorArray: size=2, dtype=int32, element_shape=(3,), dynamic_size=False>"


def test_the_element_shape_is_inferred_from_the_first_write():
    ta = tg.TensorArray(tg.float32, size=2)
    assert ta.element_shape.rank is None
    assert ta.write(0, [[1.0, 2.0]]).element_shape == tg.TensorShape([1, 2])
    assert tg.TensorArray(tg.float32, size=2, infer_shape=False).write(0, 1.0).element_shape == tg.TensorShape([])


def test_python_values_take_the_array_dtype():
    ta = tg.TensorArray(tg.float64, size=1).write(0, 1.5)
    assert ta.read(0).dtype == tg.float64


# ----- dynamic sizes ----------------------------------------------------------------------------

def test_dynamic_size_grows_with_writes_past_the_end():
    def grow():
        ta = tg.TensorArray(tg.float32, size=1, dynamic_size=True)
        ta = ta.write(0, [1.0]).write(3, [4.0])
        return ta.stack(), ta.size()

    for fn in eager_and_traced(grow):
        stacked, size = fn()
        np.testing.assert_array_equal(stacked.numpy(), [[1], [0], [0], [4]])
        assert int(size) == 4


def test_a_traced_loop_grows_a_dynamic_array_to_its_run_time_length():
    @tg.function(fallback="error")
    def squares(n):
        ta = tg.TensorArray(tg.int32, size=0, dynamic_size=True)
        _, ta = tg.while_loop(lambda i, ta: i < n, lambda i, ta: (i + 1, ta.write(i, i * i)), (0, ta))
        return ta.stack(), ta.size()

    for n in (0, 1, 5):
        stacked, size = squares(tg.constant(n))
        np.testing.assert_array_equal(stacked.numpy(), np.arange(n) ** 2)
        assert int(size) == n
    assert squares.experimental_get_tracing_count() == 1


def test_a_run_time_size_inside_a_function():
    @tg.function(fallback="error")
    def ramp(n):
        ta = tg.TensorArray(tg.float32, size=n, element_shape=[])
        _, ta = tg.while_loop(lambda i, ta: i < n,
                              lambda i, ta: (i + 1, ta.write(i, tg.cast(i, tg.float32) / 2.0)), (0, ta))
        return ta.stack()

    np.testing.assert_allclose(ramp(tg.constant(4)).numpy(), np.arange(4) / 2.0)
    np.testing.assert_allclose(ramp(tg.constant(2)).numpy(), np.arange(2) / 2.0)


# ----- errors -----------------------------------------------------------------------------------

def test_writing_outside_a_fixed_size_array_names_the_index_and_size():
    ta = tg.TensorArray(tg.float32, size=2)
    with pytest.raises(IndexOutOfRangeError, match=r"TensorArray.write: index 2 is out of range: the size is 2"):
        ta.write(2, 1.0)
    with pytest.raises(IndexOutOfRangeError, match="index -1"):
        ta.write(-1, 1.0)
    with pytest.raises(IndexOutOfRangeError, match="TensorArray.read: index 5"):
        ta.read(5)


def test_an_out_of_range_constant_index_is_an_error_while_tracing_too():
    f = tg.function(lambda: tg.TensorArray(tg.float32, size=2).write(3, 1.0).stack(), fallback="error")
    with pytest.raises(IndexOutOfRangeError, match="index 3"):
        f()


def test_reading_an_element_that_holds_nothing_is_an_error():
    ta = tg.TensorArray(tg.float32, size=2).write(0, [1.0, 2.0]).write(1, [3.0, 4.0])
    ta.read(0)
    with pytest.raises(InvalidArgumentError, match="could not read index 0 twice.*clear_after_read=False"):
        ta.read(0)
    kept = tg.TensorArray(tg.float32, size=1, clear_after_read=False).write(0, 1.0)
    assert float(kept.read(0)) == float(kept.read(0)) == 1.0
    with pytest.raises(InvalidArgumentError, match="index 1 because it has not yet been written"):
        tg.TensorArray(tg.float32, size=2).read(1)


def test_writing_an_element_twice_is_an_error():
    ta = tg.TensorArray(tg.float32, size=2).write(0, 1.0)
    with pytest.raises(InvalidArgumentError, match="could not write to index 0 because it has already been"):
        ta.write(0, 2.0)
    with pytest.raises(InvalidArgumentError, match="index 1"):
        tg.TensorArray(tg.float32, size=2).scatter([1, 1], [1.0, 2.0])


def test_element_shape_and_dtype_mismatches_name_expected_and_received():
    ta = tg.TensorArray(tg.float32, size=2, element_shape=[2])
    with pytest.raises(ValueError, match=r"elements of shape \(3,\), but the TensorArray's elements have shape \(2,\)"):
        ta.write(0, [1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="`value` has dtype int32, but the TensorArray holds float32"):
        ta.write(0, tg.constant([1, 2]))
    with pytest.raises(ValueError, match="elements of shape"):
        tg.TensorArray(tg.float32, size=2).write(0, 1.0).write(1, [1.0])


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="`size` is required"):
        tg.TensorArray(tg.float32)
    with pytest.raises(TypeError, match="`index` must be a scalar of integers"):
        tg.TensorArray(tg.float32, size=2).write(0.5, 1.0)
    with pytest.raises(ValueError, match="cannot unstack 3 tensors into a TensorArray of static size 2"):
        tg.TensorArray(tg.float32, size=2).unstack([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"`lengths` \[1, 2\] are not all equal"):
        tg.TensorArray(tg.float32, size=2).split([1.0, 2.0, 3.0], [1, 2])
    with pytest.raises(ValueError, match="`lengths` add up to 4, but `value` has 3 rows"):
        tg.TensorArray(tg.float32, size=2).split([1.0, 2.0, 3.0], [2, 2])
    with pytest.raises(ValueError, match="the elements are scalars"):
        tg.TensorArray(tg.float32, size=1).write(0, 1.0).concat()


# ----- a composite value: tg.function, while_loop, cond ------------------------------------------

def test_a_tensor_array_is_a_composite_with_a_registered_spec():
    ta = tg.TensorArray(tg.float32, size=3, element_shape=[2])
    spec = ta._type_spec
    assert isinstance(ta, CompositeTensor) and isinstance(spec, tg.TensorArraySpec)
    assert [s.shape for s in nest.flatten(spec, expand_composites=True)] == [tg.TensorShape([3, 2]),
                                                                             tg.TensorShape([3])]
    rebuilt = nest.pack_sequence_as(ta, nest.flatten(ta, expand_composites=True), expand_composites=True)
    assert rebuilt._type_spec == spec


def test_a_function_returns_a_tensor_array_and_takes_one():
    @tg.function(fallback="error")
    def fill(x):
        return tg.TensorArray(tg.float32, size=2).write(0, x).write(1, 2.0 * x)

    ta = fill(tg.constant([1.0, 2.0]))
    assert isinstance(ta, tg.TensorArray) and ta.element_shape == tg.TensorShape([2])
    np.testing.assert_array_equal(ta.stack().numpy(), [[1, 2], [2, 4]])

    total = tg.function(lambda ta: tg.reduce_sum(ta.stack()), fallback="error")
    assert float(total(ta)) == 9.0
    assert float(total(fill(tg.constant([0.0, 1.0])))) == 3.0
    assert total.experimental_get_tracing_count() == 1


def test_an_input_signature_of_a_tensor_array_spec_serves_every_size():
    double = tg.function(lambda ta: ta.stack() * 2.0, input_signature=[tg.TensorArraySpec([2], tg.float32)])
    np.testing.assert_array_equal(double(tg.TensorArray(tg.float32, size=3).write(1, [1.0, 2.0])).numpy(),
                                  [[0, 0], [2, 4], [0, 0]])
    np.testing.assert_array_equal(double(tg.TensorArray(tg.float32, size=1).write(0, [1.0, 2.0])).numpy(), [[2, 4]])
    assert double.experimental_get_tracing_count() == 1
    with pytest.raises(TypeError, match=r"TensorArraySpec\(element_shape=\(2,\)"):
        double(tg.TensorArray(tg.float32, size=1).write(0, [1.0, 2.0, 3.0]))


def test_a_function_writes_the_first_element_of_an_array_it_receives():
    first = tg.function(lambda ta: ta.write(0, [5.0, 6.0]).stack(), fallback="error")
    np.testing.assert_array_equal(first(tg.TensorArray(tg.float32, size=2)).numpy(), [[5, 6], [0, 0]])


def test_a_traced_loop_accumulates_per_step_results():
    @tg.function(fallback="error")
    def cumulative(x):
        n = tg.shape(x)[0]
        ta = tg.TensorArray(tg.float32, size=n)

        def body(i, total, ta):
            total = total + x[i]
            return i + 1, total, ta.write(i, total)

        _, _, ta = tg.while_loop(lambda i, total, ta: i < n, body, (0, tg.zeros([3]), ta))
        return ta.stack()

    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    np.testing.assert_allclose(cumulative(tg.constant(x)).numpy(), np.cumsum(x, axis=0))


def test_an_eager_while_loop_carries_a_tensor_array():
    _, ta = tg.while_loop(lambda i, ta: i < 3, lambda i, ta: (i + 1, ta.write(i, [i, -i])),
                          (0, tg.TensorArray(tg.int32, size=3)))
    np.testing.assert_array_equal(ta.stack().numpy(), [[0, 0], [1, -1], [2, -2]])


def test_cond_returns_tensor_arrays():
    @tg.function(fallback="error")
    def pick(flag):
        ta = tg.TensorArray(tg.float32, size=2, element_shape=[])
        return tg.cond(flag, lambda: ta.write(0, 1.0), lambda: ta.write(1, 2.0)).stack()

    np.testing.assert_array_equal(pick(tg.constant(True)).numpy(), [1, 0])
    np.testing.assert_array_equal(pick(tg.constant(False)).numpy(), [0, 2])


@register("tests.IntervalSpec")
class IntervalSpec(TypeSpec):
    """The type of an Interval: the specs of its two ends."""

    __slots__ = ("low", "high")

    def __init__(self, low, high):
        self.low, self.high = low, high

    @property
    def value_type(self):
        return Interval

    @property
    def _component_specs(self):
        return (self.low, self.high)

    def _to_components(self, value):
        return (value.low, value.high)

    def _from_components(self, components):
        return Interval(*components)

    def _serialize(self):
        return (self.low, self.high)


class Interval(CompositeTensor):
    """Two tensors, low and high ends: a composite that control flow knows only through its spec."""

    __slots__ = ("low", "high")

    def __init__(self, low, high):
        self.low, self.high = tg.convert_to_tensor(low), tg.convert_to_tensor(high)

    @property
    def _type_spec(self):
        return IntervalSpec(tg.TensorSpec(self.low.shape, self.low.dtype),
                            tg.TensorSpec(self.high.shape, self.high.dtype))


def test_any_composite_is_a_loop_variable_and_a_cond_output():
    def widen_until(limit, interval):
        return tg.while_loop(lambda i: i.high - i.low < limit,
                             lambda i: Interval(i.low - 1.0, i.high * 2.0), [interval])[0]

    def choose(flag, interval):
        return tg.cond(flag, lambda: Interval(interval.high, interval.low), lambda: interval)

    for fn in eager_and_traced(widen_until):
        out = fn(tg.constant(10.0), Interval(0.0, 1.0))
        assert isinstance(out, Interval) and (float(out.low), float(out.high)) == (-3.0, 8.0)
    for fn in eager_and_traced(choose):
        out = fn(tg.constant(True), Interval(0.0, 1.0))
        assert isinstance(out, Interval) and (float(out.low), float(out.high)) == (1.0, 0.0)


# ----- gradients (float64, against finite differences) -------------------------------------------

def _written_and_stacked(x):
    ta = tg.TensorArray(tg.float64, size=3)
    ta = ta.write(0, tg.sin(x)).write(2, x * x)
    return tg.reduce_sum(ta.stack() * tg.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], tg.float64))


def _read_and_gathered(x):
    ta = tg.TensorArray(tg.float64, size=3, clear_after_read=False).unstack(x)
    return tg.reduce_sum(ta.read(1) * ta.gather([2, 0]) * ta.read(1))


def _scattered(x):
    ta = tg.TensorArray(tg.float64, size=4, element_shape=[2]).scatter([3, 0, 1], tg.exp(x))
    return ta.concat() * tg.constant(np.arange(8.0))


def _loop_accumulated(x, element_shape=None):
    ta = tg.TensorArray(tg.float64, size=3, element_shape=element_shape)

    def body(i, h, ta):
        h = tg.tanh(h * x[i] + 0.5)
        return i + 1, h, ta.write(i, h)

    _, _, ta = tg.while_loop(lambda i, h, ta: i < 3, body, (0, tg.constant([0.3, -0.2], tg.float64), ta))
    return ta.stack() * tg.constant([[1.0], [2.0], [3.0]], tg.float64)


@pytest.mark.parametrize("fn, shape", [(_written_and_stacked, [2]), (_read_and_gathered, [3, 2]),
                                       (_scattered, [3, 2]), (_loop_accumulated, [3, 2])],
                         ids=["write-stack", "read-gather", "scatter-concat", "while-loop"])
def test_gradients_match_finite_differences_eager_and_traced(fn, shape):
    x = tg.constant(np.random.default_rng(0).uniform(-1, 1, shape))
    for f in eager_and_traced(fn):
        tg.test.check_gradients(f, [x])


@pytest.mark.parametrize("element_shape", [[2], None], ids=["element-shape-given", "inferred"])
def test_a_traced_gradient_through_a_loop_that_writes_per_step_results(element_shape):
    @tg.function(fallback="error")
    def value_and_gradient(x):
        with tg.GradientTape() as tape:
            tape.watch(x)
            y = tg.reduce_sum(_loop_accumulated(x, element_shape))
        return y, tape.gradient(y, x)

    x = tg.constant(np.random.default_rng(1).uniform(-1, 1, [3, 2]))
    _, numeric = tg.test.compute_gradient(lambda t: tg.reduce_sum(_loop_accumulated(t)), [x])
    if element_shape is None:
        # Without element_shape the buffer enters the loop as a placeholder that the first write replaces,
        # and the traced loop gradient needs loop variables that keep their shapes.
        with pytest.raises(ValueError, match="a loop variable changes its shape"):
            value_and_gradient(x)
        return
    _, gradient = value_and_gradient(x)
    np.testing.assert_allclose(gradient.numpy().ravel(), numeric[0].ravel(), rtol=1e-6, atol=1e-9)


def test_a_traced_gradient_through_a_loop_of_scalar_results():
    @tg.function(fallback="error")
    def gradient_of_powers(x):
        with tg.GradientTape() as tape:
            tape.watch(x)
            ta = tg.TensorArray(tg.float64, size=4)
            _, _, ta = tg.while_loop(lambda i, p, ta: i < 4, lambda i, p, ta: (i + 1, p * x, ta.write(i, p)),
                                     (0, tg.constant(1.0, tg.float64), ta))
            y = tg.reduce_sum(ta.stack())
        return tape.gradient(y, x)

    x = 1.5
    np.testing.assert_allclose(float(gradient_of_powers(tg.constant(x, tg.float64))), 1 + 2 * x + 3 * x * x)


def test_second_order_gradients_through_writes():
    x = tg.constant(np.array([0.5, -1.5]))
    with tg.GradientTape() as outer:
        outer.watch(x)
        with tg.GradientTape() as inner:
            inner.watch(x)
            ta = tg.TensorArray(tg.float64, size=2).write(1, x * x * x)
            y = tg.reduce_sum(ta.stack())
        dy = inner.gradient(y, x)
    np.testing.assert_allclose(dy.numpy(), 3 * x.numpy() ** 2)
    np.testing.assert_allclose(outer.gradient(dy, x).numpy(), 6 * x.numpy())
