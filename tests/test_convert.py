"""convert_to_tensor / constant: nested lists, strings, shapes, tensors inside lists, bad input."""
import numpy as np
import pytest

import tracegraph as tg
from tracegraph.convert import operands_to_tensors


def test_nested_lists():
    t = tg.constant([[1, 2, 3], [4, 5, 6]])
    assert t.shape == (2, 3) and t.dtype is tg.int32
    np.testing.assert_array_equal(t.numpy(), [[1, 2, 3], [4, 5, 6]])


def test_tuples_and_empty_lists():
    assert tg.constant((1.0, 2.0)).shape == (2,)
    empty = tg.constant([])
    assert empty.shape == (0,) and empty.dtype is tg.float32
    assert tg.constant([[], []]).shape == (2, 0)


@pytest.mark.parametrize("ragged", [[[1, 2], [3]], [[1.0], [2.0, 3.0]], [["a"], ["b", "c"]]])
def test_ragged_lists_are_a_value_error(ragged):
    with pytest.raises(ValueError, match="non-rectangular"):
        tg.constant(ragged)
    with pytest.raises(ValueError, match="non-rectangular"):
        tg.convert_to_tensor(ragged)


@pytest.mark.parametrize("mixed", [[1, "a"], ["a", 2.0], [1, None], [{"a": 1}]])
def test_mixed_or_unsupported_python_values_are_a_value_error(mixed):
    with pytest.raises(ValueError, match="mixed or unsupported"):
        tg.constant(mixed)


def test_integer_too_large_for_int64():
    with pytest.raises(ValueError, match="too large"):
        tg.constant([2**70])


def test_strings_become_utf8_bytes():
    t = tg.constant(["café", b"raw"])
    assert t.dtype is tg.string
    assert t.numpy().tolist() == ["café".encode("utf8"), b"raw"]
    assert tg.constant(np.array(["x", "yz"])).numpy().tolist() == [b"x", b"yz"]


def test_constant_with_shape_fills_or_reshapes():
    np.testing.assert_array_equal(tg.constant(7, shape=[2, 2]).numpy(), [[7, 7], [7, 7]])
    np.testing.assert_array_equal(tg.constant([1, 2, 3, 4], shape=(2, 2)).numpy(), [[1, 2], [3, 4]])
    with pytest.raises(TypeError, match="2 elements"):
        tg.constant([1.0, 2.0], shape=[3])


def test_lists_of_tensors_are_stacked():
    a, b = tg.constant([1.0, 2.0]), tg.constant([3.0, 4.0])
    t = tg.convert_to_tensor([a, b])
    assert t.shape == (2, 2)
    np.testing.assert_array_equal(t.numpy(), [[1.0, 2.0], [3.0, 4.0]])
    mixed = tg.constant([tg.constant(1.0), 2.0])
    np.testing.assert_array_equal(mixed.numpy(), [1.0, 2.0])


def test_convert_returns_tensors_unchanged():
    t = tg.constant([1, 2])
    assert tg.convert_to_tensor(t) is t
    assert tg.convert_to_tensor(t, dtype=tg.int32) is t
    with pytest.raises(TypeError, match="int32.*float32|float32.*int32"):
        tg.convert_to_tensor(t, dtype=tg.float32)


def test_convert_reads_variables():
    v = tg.Variable([1.0, 2.0])
    t = tg.convert_to_tensor(v)
    assert isinstance(t, tg.Tensor)
    np.testing.assert_array_equal(t.numpy(), [1.0, 2.0])


def test_numpy_scalars_keep_their_dtype():
    assert tg.constant(np.int16(3)).dtype is tg.int16
    assert tg.constant(np.float64(0.5)).shape == ()


# ----- operands of one op ------------------------------------------------------------------------

def test_operands_take_the_dtype_of_the_first_tensor():
    x, y = operands_to_tensors(2, tg.constant([1.0], tg.float64))
    assert x.dtype is tg.float64 and y.dtype is tg.float64
    x, y = operands_to_tensors(np.array([1.0, 2.0]), tg.constant([1.0, 2.0]))
    assert x.dtype is tg.float32


def test_operands_without_tensors():
    x, y = operands_to_tensors(1.5, 2)
    assert x.dtype is tg.float32 and y.dtype is tg.float32
    x, y = operands_to_tensors(np.array([1], np.int16), 3)
    assert y.dtype is tg.int16
    with pytest.raises(TypeError, match="int32"):
        operands_to_tensors(1, 2.5)


def test_operands_of_two_tensor_dtypes_name_both():
    with pytest.raises(TypeError, match="float32 and float64"):
        operands_to_tensors(tg.constant(1.0), tg.constant(1.0, tg.float64))


def test_python_operand_that_cannot_take_the_dtype():
    with pytest.raises(TypeError, match="2.5.*int32"):
        operands_to_tensors(tg.constant([1, 2]), 2.5)
    with pytest.raises(TypeError, match="out of range"):
        operands_to_tensors(tg.constant([1], tg.int8), 1000)


def test_constant_of_a_tensor():
    t = tg.constant(3.0)
    assert tg.constant(t) is t
    filled = tg.constant(t, shape=[2])
    assert isinstance(filled.numpy(), np.ndarray)
    np.testing.assert_array_equal(filled.numpy(), [3.0, 3.0])
    np.testing.assert_array_equal(tg.constant(tg.Variable([1.0, 2.0]), shape=[2, 1]).numpy(), [[1.0], [2.0]])


def test_a_float_list_takes_its_type_from_its_first_element_as_tf():
    # Recorded from TF 2.21: a NumPy float scalar first keeps its type; a Python number first gives float32.
    assert tg.constant([np.float64(1.0), 2.0]).dtype == tg.float64
    assert tg.constant([np.float64(1.0), 2 ** 40]).dtype == tg.float64
    assert tg.constant([[np.float16(1)], [np.float32(2)]]).dtype == tg.float16
    assert tg.constant([np.float32(1.0), np.float64(2.0)]).dtype == tg.float32
    assert tg.constant([1, np.float64(2.0)]).dtype == tg.float32
    assert tg.constant([1.5, 2.0]).dtype == tg.float32
