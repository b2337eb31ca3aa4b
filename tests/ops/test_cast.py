"""cast, saturate_cast, identity, stop_gradient: values, TF's conversion rules, gradients."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import tracegraph as tg

NUMERIC = [np.float16, np.float32, np.float64, np.int8, np.int16, np.int32, np.int64, np.uint8, np.bool_]


@pytest.mark.parametrize("target", NUMERIC)
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_cast_matches_numpy_astype(target, data):
    source = data.draw(st.sampled_from(NUMERIC))
    elements = st.booleans() if source == np.bool_ else st.integers(0, 100)
    x = data.draw(hnp.arrays(source, hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=3),
                             elements=elements))
    result = tg.cast(tg.constant(x), tg.as_dtype(target))
    assert result.dtype == tg.as_dtype(target)
    np.testing.assert_array_equal(result.numpy(), x.astype(target))


def test_float_to_int_truncates_toward_zero():
    x = tg.constant([-2.7, -0.5, 0.5, 2.7])
    np.testing.assert_array_equal(tg.cast(x, tg.int32).numpy(), [-2, 0, 0, 2])
    np.testing.assert_array_equal(tg.cast(x, tg.bool).numpy(), [True, True, True, True])


def test_cast_to_the_same_dtype_returns_the_input():
    x = tg.constant([1.0])
    assert tg.cast(x, tg.float32) is x
    assert tg.cast(x, "float32") is x


def test_python_values_convert_with_tf_defaults_first():
    assert tg.cast(1.5, tg.int32).numpy() == 1
    # TF converts 0.1 to float32 first, then widens.
    assert tg.cast(0.1, tg.float64).numpy() == np.float64(np.float32(0.1))
    assert tg.cast([1, 2], tg.float64).dtype == tg.float64


def test_complex_to_real_drops_the_imaginary_part():
    z = tg.constant(np.array([1.5 + 2j, -1 - 1j], dtype=np.complex64))
    np.testing.assert_array_equal(tg.cast(z, tg.float32).numpy(), [1.5, -1.0])
    np.testing.assert_array_equal(tg.cast(tg.constant([1.0]), tg.complex64).numpy(), [1 + 0j])


def test_string_casts_are_errors():
    with pytest.raises(TypeError, match="cast.*string"):
        tg.cast(tg.constant(["a"]), tg.int32)
    with pytest.raises(TypeError, match="cast.*string"):
        tg.cast(tg.constant([1]), tg.string)
    with pytest.raises(TypeError):
        tg.cast(tg.constant([1]), "no_such_dtype")


def test_cast_gradient():
    x = tg.constant([1.5, -2.0], dtype=tg.float64)
    with tg.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = tg.cast(x, tg.float32) * 3.0
        n = tg.cast(x, tg.int32)
    g = tape.gradient(y, x)
    assert g.dtype == tg.float64
    np.testing.assert_array_equal(g.numpy(), [3.0, 3.0])
    assert tape.gradient(n, x) is None
    tg.test.check_gradients(lambda x: tg.cast(x, tg.float32) * tg.cast(x, tg.float32), [x], delta=1e-3,
                            rtol=1e-3, atol=1e-3)


def test_cast_second_order():
    def derivative(x):
        with tg.GradientTape() as tape:
            tape.watch(x)
            y = tg.cast(tg.square(tg.cast(x, tg.float32)), tg.float64)
        return tape.gradient(y, x)
    np.testing.assert_allclose(derivative(tg.constant([1.5], dtype=tg.float64)).numpy(), [3.0])
    x = tg.constant([1.5], dtype=tg.float64)
    with tg.GradientTape() as outer:
        outer.watch(x)
        g = derivative(x)
    np.testing.assert_allclose(outer.gradient(g, x).numpy(), [2.0])


def test_saturate_cast():
    np.testing.assert_array_equal(tg.saturate_cast(tg.constant([300, -5, 7]), tg.uint8).numpy(), [255, 0, 7])
    big = tg.saturate_cast(tg.constant([1e10, -1e10, 3.5]), tg.int32).numpy()
    assert big[0] > 2 ** 30 and big[1] == -2 ** 31 and big[2] == 3  # no wrap-around
    np.testing.assert_array_equal(
        tg.saturate_cast(tg.constant([1e300, -1e300], dtype=tg.float64), tg.float32).numpy(),
        [np.finfo(np.float32).max, -np.finfo(np.float32).max])
    z = tg.constant(np.array([400 + 1j], dtype=np.complex64))
    np.testing.assert_array_equal(tg.saturate_cast(z, tg.uint8).numpy(), [255])


def test_identity_and_stop_gradient():
    x = tg.constant([1.0, 2.0], dtype=tg.float64)
    assert tg.identity(x).numpy().tolist() == [1.0, 2.0]
    assert tg.identity([1, 2]).dtype == tg.int32
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = tg.identity(x) * 2 + tg.stop_gradient(x * x)
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [2.0, 2.0])
