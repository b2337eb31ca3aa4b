"""`tg.io.serialize_tensor` / `parse_tensor`: TensorProto bytes as TensorFlow writes and reads them."""
import numpy as np
import pytest

import tracegraph as tg

#: (value, what tf.io.serialize_tensor gave for it in TensorFlow 2.21)
CASES = [
    (np.float32(1.5), b'\x08\x01\x12\x00"\x04\x00\x00\xc0?'),
    (np.array([[1, 2], [3, 4]], np.int64),
     b'\x08\t\x12\x08\x12\x02\x08\x02\x12\x02\x08\x02" \x01\x00\x00\x00\x00\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00'
     b'\x00\x03\x00\x00\x00\x00\x00\x00\x00\x04\x00\x00\x00\x00\x00\x00\x00'),
    (np.array([b"ab", b""], object), b"\x08\x07\x12\x04\x12\x02\x08\x02B\x02abB\x00"),
    (np.array([True, False]), b'\x08\n\x12\x04\x12\x02\x08\x02"\x02\x01\x00'),
    (np.zeros((0, 3), np.float16), b"\x08\x13\x12\x06\x12\x00\x12\x02\x08\x03"),
    (np.array([1 + 2j], np.complex64), b'\x08\x08\x12\x04\x12\x02\x08\x01"\x08\x00\x00\x80?\x00\x00\x00@'),
    (np.array([1, 2], np.uint8), b'\x08\x04\x12\x04\x12\x02\x08\x02"\x02\x01\x02'),
]


@pytest.mark.parametrize("value, tf_bytes", CASES)
def test_serialized_bytes_are_tensorflows_and_parse_back(value, tf_bytes):
    tensor = tg.constant(value)
    assert tg.io.serialize_tensor(tensor).numpy() == tf_bytes
    parsed = tg.io.parse_tensor(tf_bytes, tensor.dtype)
    assert parsed.dtype == tensor.dtype and parsed.shape == tensor.shape
    np.testing.assert_array_equal(parsed.numpy(), value)


def test_typed_value_fields_repeat_their_last_value():
    proto = tg.io.messages.message_class("TensorProto")(dtype=1, float_val=[3.0, 4.0])
    proto.tensor_shape.dim.add(size=4)
    np.testing.assert_array_equal(tg.io.parse_tensor(proto.SerializeToString(), tg.float32).numpy(), [3, 4, 4, 4])


def test_round_trip_inside_a_traced_function():
    double = tg.function(lambda x: tg.io.parse_tensor(tg.io.serialize_tensor(x), tg.float64) * 2.0)
    np.testing.assert_array_equal(double(tg.constant([[1.0, -2.5]], tg.float64)).numpy(), [[2.0, -5.0]])


def test_a_wrong_dtype_or_garbage_is_an_invalid_argument():
    with pytest.raises(tg.errors.InvalidArgumentError, match=r"Type mismatch .*\(float32\) and dtype \(float64\)"):
        tg.io.parse_tensor(CASES[0][1], tg.float64)
    with pytest.raises(tg.errors.InvalidArgumentError, match="Could not parse"):
        tg.io.parse_tensor(b"garbage\xff", tg.float32)
