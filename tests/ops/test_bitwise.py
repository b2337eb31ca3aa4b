"""tg.bitwise: values against NumPy for integer dtypes, errors for other dtypes, operators."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import tracegraph as tg
from tracegraph.ops import bitwise

INTEGER = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64]

BINARY = {
    "bitwise_and": (tg.bitwise.bitwise_and, np.bitwise_and),
    "bitwise_or": (tg.bitwise.bitwise_or, np.bitwise_or),
    "bitwise_xor": (tg.bitwise.bitwise_xor, np.bitwise_xor),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_binary_bitwise_ops_match_numpy(name, data):
    fn, ref = BINARY[name]
    dtype = data.draw(st.sampled_from(INTEGER))
    shapes = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3))
    x, y = (data.draw(hnp.arrays(dtype, s)) for s in shapes.input_shapes)
    result = fn(tg.constant(x), tg.constant(y))
    assert result.dtype == tg.as_dtype(dtype)
    np.testing.assert_array_equal(result.numpy(), ref(x, y))


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_shifts_and_invert_match_numpy(data):
    dtype = data.draw(st.sampled_from(INTEGER))
    bits = np.dtype(dtype).itemsize * 8
    x = data.draw(hnp.arrays(dtype, hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=4)))
    shift = data.draw(hnp.arrays(dtype, x.shape, elements=st.integers(0, bits - 1)))
    tx, ts = tg.constant(x), tg.constant(shift)
    np.testing.assert_array_equal(tg.bitwise.left_shift(tx, ts).numpy(), np.left_shift(x, shift))
    np.testing.assert_array_equal(tg.bitwise.right_shift(tx, ts).numpy(), np.right_shift(x, shift))
    np.testing.assert_array_equal(tg.bitwise.invert(tx).numpy(), np.invert(x))


def test_right_shift_is_arithmetic_for_signed_types():
    np.testing.assert_array_equal(tg.bitwise.right_shift(tg.constant([-8, 8]), 2).numpy(), [-2, 2])
    byte = tg.constant(np.array([255], dtype=np.uint8))
    np.testing.assert_array_equal(tg.bitwise.right_shift(byte, tg.constant(np.array([4], np.uint8))).numpy(), [15])


def test_operators_on_integer_tensors():
    x = tg.constant([0b1100, 0b1010])
    y = tg.constant([0b1010, 0b0110])
    np.testing.assert_array_equal((x & y).numpy(), [0b1000, 0b0010])
    np.testing.assert_array_equal((x | y).numpy(), [0b1110, 0b1110])
    np.testing.assert_array_equal((x ^ y).numpy(), [0b0110, 0b1100])
    np.testing.assert_array_equal((~x).numpy(), [~0b1100, ~0b1010])
    np.testing.assert_array_equal((x & 0b0100).numpy(), [0b0100, 0])


@pytest.mark.parametrize("fn", [tg.bitwise.bitwise_and, tg.bitwise.left_shift, tg.bitwise.bitwise_xor])
def test_non_integers_are_type_errors(fn):
    with pytest.raises(TypeError, match="float32"):
        fn(tg.constant([1.0]), tg.constant([1.0]))
    with pytest.raises(TypeError, match="bool"):
        fn(tg.constant([True]), tg.constant([False]))


def test_mixed_integer_dtypes_are_type_errors():
    with pytest.raises(TypeError, match=r"int32.*int64"):
        tg.bitwise.bitwise_or(tg.constant([1]), tg.constant([1], dtype=tg.int64))


def test_templates_are_plain_operators():
    for op in (bitwise._and, bitwise._or, bitwise._xor, bitwise._invert, bitwise._left_shift, bitwise._right_shift):
        assert "(" not in op.template.replace("({0}", "").replace("(~{0}", "")
