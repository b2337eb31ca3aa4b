"""dtypes: TF's names, properties, `as_dtype`, and the conversion table for Python and NumPy values."""
import numpy as np
import pytest

import tracegraph as tg

ALL = [tg.float16, tg.float32, tg.float64, tg.int8, tg.int16, tg.int32, tg.int64, tg.uint8,
       tg.uint16, tg.uint32, tg.uint64, tg.bool, tg.string, tg.complex64, tg.complex128]


@pytest.mark.parametrize("dtype", ALL, ids=lambda d: d.name)
def test_name_round_trips_through_as_dtype(dtype):
    assert tg.as_dtype(dtype.name) is dtype
    assert tg.as_dtype(dtype) is dtype
    assert repr(dtype) == f"tg.{dtype.name}"
    assert str(dtype) == f"<dtype: '{dtype.name}'>"


@pytest.mark.parametrize("dtype", [d for d in ALL if d is not tg.string], ids=lambda d: d.name)
def test_numpy_types_map_both_ways(dtype):
    assert np.dtype(dtype.as_numpy_dtype).name == dtype.name
    assert tg.as_dtype(dtype.as_numpy_dtype) is dtype
    assert tg.as_dtype(np.dtype(dtype.as_numpy_dtype)) is dtype


@pytest.mark.parametrize("dtype, floating, integer, boolean, complex_, unsigned", [
    (tg.float32, True, False, False, False, False),
    (tg.float16, True, False, False, False, False),
    (tg.int8, False, True, False, False, False),
    (tg.uint8, False, True, False, False, True),
    (tg.int64, False, True, False, False, False),
    (tg.bool, False, False, True, False, False),
    (tg.complex64, False, False, False, True, False),
    (tg.string, False, False, False, False, False),
])
def test_kind_predicates(dtype, floating, integer, boolean, complex_, unsigned):
    assert dtype.is_floating is floating
    assert dtype.is_integer is integer
    assert dtype.is_bool is boolean
    assert dtype.is_complex is complex_
    assert dtype.is_unsigned is unsigned


def test_aliases_and_spellings():
    assert tg.half is tg.float16 and tg.double is tg.float64
    assert tg.as_dtype("float") is tg.float32
    assert tg.as_dtype("double") is tg.float64
    assert tg.as_dtype(float) is tg.float32
    assert tg.as_dtype(bool) is tg.bool
    assert tg.as_dtype(np.str_) is tg.string
    assert tg.as_dtype(np.bytes_) is tg.string


def test_min_and_max():
    assert tg.int8.min == -128 and tg.int8.max == 127
    assert tg.uint8.min == 0 and tg.uint8.max == 255
    assert tg.int32.max == 2**31 - 1
    assert tg.float16.max == np.finfo(np.float16).max
    assert tg.float32.min == np.finfo(np.float32).min
    assert tg.int16.limits == (-32768, 32767)


@pytest.mark.parametrize("dtype", [tg.bool, tg.string, tg.complex64])
def test_min_of_non_real_types_is_an_error(dtype):
    with pytest.raises(TypeError, match=dtype.name):
        dtype.min


def test_real_dtype_and_size():
    assert tg.complex64.real_dtype is tg.float32
    assert tg.complex128.real_dtype is tg.float64
    assert tg.int32.real_dtype is tg.int32
    assert tg.float64.size == 8 and tg.int16.size == 2


def test_equality_with_other_spellings():
    assert tg.float32 == "float32"
    assert tg.float32 == np.float32
    assert tg.float32 != tg.float64
    assert tg.float32 != "no such type"
    assert tg.float32 != None  # noqa: E711 - comparing with None must not raise
    assert tg.float32.is_compatible_with(np.float32)
    assert len({tg.float32, tg.as_dtype("float32")}) == 1


@pytest.mark.parametrize("bad", ["floaty", "int31", None, 3, np.dtype("V8")])
def test_unknown_dtype_is_a_type_error(bad):
    with pytest.raises(TypeError, match="Cannot convert"):
        tg.as_dtype(bad)


def test_unknown_dtype_name_in_constant_is_an_error():
    with pytest.raises(TypeError, match="floaty"):
        tg.constant(1.0, dtype="floaty")


# ----- the default and conversion table ------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    (1.5, tg.float32),
    (2, tg.int32),
    (2**40, tg.int64),
    (True, tg.bool),
    (1 + 2j, tg.complex128),
    ("hi", tg.string),
    (b"hi", tg.string),
    ([1, 2], tg.int32),
    ([1, 2.5], tg.float32),
    ([[True], [False]], tg.bool),
    (np.float64(1.0), tg.float64),
    (np.array([1, 2], dtype=np.int64), tg.int64),
    (np.array([1, 2], dtype=np.uint16), tg.uint16),
    (np.array([1.0], dtype=np.float16), tg.float16),
    (np.array(["a", "b"]), tg.string),
])
def test_default_dtypes(value, expected):
    assert tg.constant(value).dtype is expected
    assert tg.convert_to_tensor(value).dtype is expected


@pytest.mark.parametrize("value, dtype", [
    (1, tg.float32), (1, tg.float64), (1, tg.int8), (1, tg.uint8), (1, tg.int64), (1, tg.complex64),
    (1.5, tg.float16), (1.5, tg.float64), (1.5, tg.complex128),
    (True, tg.bool),
    ([1, 2], tg.float32), ([1.5, 2], tg.float64),
    (b"a", tg.string),
    (np.array([1, 2]), tg.float32),            # integer arrays may become floats
    (np.array([1.0, 2.0]), tg.float32),        # floats may change width
    (np.array([1, 2], np.int64), tg.int32),    # integers that fit may change width
])
def test_allowed_conversions(value, dtype):
    t = tg.convert_to_tensor(value, dtype=dtype)
    assert t.dtype is dtype
    np.testing.assert_array_equal(np.asarray(t, dtype=object if dtype is tg.string else None),
                                  np.asarray(value, dtype=object if dtype is tg.string else None))


@pytest.mark.parametrize("value, dtype, fragment", [
    (1.5, tg.int32, "int32"),
    (2.0, tg.int32, "int32"),
    (True, tg.float32, "float32"),
    (1, tg.bool, "bool"),
    (1 + 2j, tg.float32, "float32"),
    ("a", tg.int32, "int32"),
    (1, tg.string, "string"),
    (300, tg.uint8, "out of range"),
    (-1, tg.uint8, "out of range"),
    (2**31, tg.int32, "out of range"),
    ([1, 300], tg.int8, "out of range"),
    (np.array([1.5]), tg.int32, "int32"),
    (np.array([True]), tg.float32, "float32"),
    (np.array([300]), tg.uint8, "out of range"),
])
def test_refused_conversions(value, dtype, fragment):
    with pytest.raises(TypeError, match=fragment):
        tg.convert_to_tensor(value, dtype=dtype)


def test_constant_casts_numpy_arrays_explicitly():
    t = tg.constant(np.array([1.7, -1.7]), dtype=tg.int32)
    assert t.dtype is tg.int32
    np.testing.assert_array_equal(t.numpy(), [1, -1])
    assert tg.constant(np.array([1, 2]), dtype=tg.float16).dtype is tg.float16


@pytest.mark.parametrize("array", [np.array([300]), np.array([np.nan]), np.array([1e10])])
def test_constant_refuses_integer_overflow_of_numpy_arrays(array):
    with pytest.raises(TypeError, match="uint8"):
        tg.constant(array, dtype=tg.uint8)


def test_constant_of_python_int_out_of_range():
    with pytest.raises(TypeError, match="out of range"):
        tg.constant(300, tg.uint8)


def test_constant_of_a_tensor_with_another_dtype_is_an_error():
    with pytest.raises(TypeError, match="int32"):
        tg.constant(tg.constant([1.0]), dtype=tg.int32)


def test_dtype_hint_is_only_a_preference():
    assert tg.convert_to_tensor(1, dtype_hint=tg.float32).dtype is tg.float32
    assert tg.convert_to_tensor(1.5, dtype_hint=tg.int32).dtype is tg.float32
    assert tg.convert_to_tensor(np.array([1.0]), dtype_hint=tg.float32).dtype is tg.float64


def test_cast_converts_between_any_numeric_types():
    t = tg.cast(tg.constant([1.7, -1.7, 0.0]), tg.int32)
    assert t.dtype is tg.int32
    np.testing.assert_array_equal(t.numpy(), [1, -1, 0])
    b = tg.cast(tg.constant([0, 2]), tg.bool)
    np.testing.assert_array_equal(b.numpy(), [False, True])
