"""Tensors: properties, TF's exact printing, NumPy interop, immutability, Python conversions, indexing."""
import copy
import pickle

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import tracegraph as tg


# ----- properties ----------------------------------------------------------------------------

def test_properties():
    t = tg.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert isinstance(t, tg.Tensor)
    assert t.dtype is tg.float32
    assert t.shape == tg.TensorShape([2, 3])
    assert t.shape.as_list() == [2, 3]
    assert t.shape.rank == 2 and t.ndim == 2
    assert t.get_shape() == (2, 3)
    assert t.device.endswith("device:CPU:0")
    assert t.spec == tg.TensorSpec([2, 3], tg.float32)


def test_scalar_shape():
    t = tg.constant(3.0)
    assert t.shape == () and t.shape.rank == 0 and t.ndim == 0
    assert t.shape.as_list() == []


# ----- printing (TF's exact formats, with the tg. prefix) ------------------------------------

@pytest.mark.parametrize("value, dtype, text", [
    ([1, 2, 3], None, "tg.Tensor([1 2 3], shape=(3,), dtype=int32)"),
    ([[1.0, 2.0], [3.0, 4.0]], None, "tg.Tensor(\n[[1. 2.]\n [3. 4.]], shape=(2, 2), dtype=float32)"),
    (3.0, None, "tg.Tensor(3.0, shape=(), dtype=float32)"),
    (7, None, "tg.Tensor(7, shape=(), dtype=int32)"),
    (True, None, "tg.Tensor(True, shape=(), dtype=bool)"),
    ("hello", None, "tg.Tensor(b'hello', shape=(), dtype=string)"),
    (["a", "b"], None, "tg.Tensor([b'a' b'b'], shape=(2,), dtype=string)"),
    ([2.0, 3.0, 4.0], tg.float16, "tg.Tensor([2. 3. 4.], shape=(3,), dtype=float16)"),
    ([], None, "tg.Tensor([], shape=(0,), dtype=float32)"),
])
def test_str(value, dtype, text):
    assert str(tg.constant(value, dtype=dtype)) == text


@pytest.mark.parametrize("value, dtype, text", [
    ([1.0, 2.0], None, "<tg.Tensor: shape=(2,), dtype=float32, numpy=array([1., 2.], dtype=float32)>"),
    (3.0, None, "<tg.Tensor: shape=(), dtype=float32, numpy=3.0>"),
    (3, None, "<tg.Tensor: shape=(), dtype=int32, numpy=3>"),
    (0.1, tg.float64, "<tg.Tensor: shape=(), dtype=float64, numpy=0.1>"),
    (False, None, "<tg.Tensor: shape=(), dtype=bool, numpy=False>"),
    ("hello", None, "<tg.Tensor: shape=(), dtype=string, numpy=b'hello'>"),
    (["a", "b"], None, "<tg.Tensor: shape=(2,), dtype=string, numpy=array([b'a', b'b'], dtype=object)>"),
    ([[1, 2], [3, 4]], None,
     "<tg.Tensor: shape=(2, 2), dtype=int32, numpy=\narray([[1, 2],\n       [3, 4]], dtype=int32)>"),
])
def test_repr(value, dtype, text):
    assert repr(tg.constant(value, dtype=dtype)) == text


def test_format_of_scalars_uses_the_value():
    assert f"{tg.constant(2.5):.2f}" == "2.50"


# ----- NumPy interop and immutability --------------------------------------------------------

def test_numpy_returns_the_values_read_only():
    t = tg.constant([[1, 2], [3, 4]])
    a = t.numpy()
    assert isinstance(a, np.ndarray) and a.dtype == np.int32
    np.testing.assert_array_equal(a, [[1, 2], [3, 4]])
    assert not a.flags.writeable
    with pytest.raises(ValueError):
        a[0, 0] = 9
    np.testing.assert_array_equal(t.numpy(), [[1, 2], [3, 4]])


def test_numpy_of_a_scalar_is_a_numpy_scalar():
    value = tg.constant(3.0).numpy()
    assert isinstance(value, np.float32) and value == 3.0


def test_mutating_the_source_array_does_not_change_the_tensor():
    source = np.array([1.0, 2.0, 3.0])
    for make in (tg.constant, tg.convert_to_tensor):
        t = make(source)
        source[0] = 100.0
        assert t.numpy()[0] == 1.0
        source[0] = 1.0


def test_no_item_assignment():
    t = tg.constant([1, 2, 3])
    with pytest.raises(TypeError, match="immutable"):
        t[0] = 5


def test_asarray_is_read_only_too():
    t = tg.constant([1.0, 2.0])
    assert not np.asarray(t).flags.writeable
    assert np.array(t).flags.writeable  # np.array copies
    assert np.asarray(t, dtype=np.float64).dtype == np.float64


def test_numpy_functions_accept_tensors():
    t = tg.constant([[1.0, 2.0], [3.0, 4.0]])
    out = np.square(t)
    assert isinstance(out, np.ndarray)
    np.testing.assert_array_equal(out, [[1.0, 4.0], [9.0, 16.0]])
    assert np.sum(t) == 10.0
    np.testing.assert_array_equal(np.multiply(t, t), out)


def test_tensors_are_unhashable_but_have_refs():
    t = tg.constant(1.0)
    with pytest.raises(TypeError, match="unhashable"):
        hash(t)
    refs = {t.ref(): "x"}
    assert refs[t.ref()] == "x"
    assert t.ref().deref() is t


def test_copy_and_pickle():
    t = tg.constant([1.0, 2.0])
    assert copy.copy(t) is t and copy.deepcopy(t) is t
    for value in (t, tg.constant(3), tg.constant("s")):
        back = pickle.loads(pickle.dumps(value))
        assert back.dtype == value.dtype and back.shape == value.shape
        assert repr(back) == repr(value)


# ----- Python conversions --------------------------------------------------------------------

def test_scalar_conversions():
    assert bool(tg.constant(True)) is True
    assert bool(tg.constant(0.0)) is False
    assert float(tg.constant(2)) == 2.0
    assert int(tg.constant(2.7)) == 2
    assert [10, 20, 30][tg.constant(1)] == 20
    assert complex(tg.constant(1 + 2j)) == 1 + 2j


def test_bool_of_several_elements_is_ambiguous():
    with pytest.raises(ValueError, match="ambiguous"):
        bool(tg.constant([1, 2]))


def test_float_of_several_elements_is_an_error():
    with pytest.raises(TypeError, match="one element"):
        float(tg.constant([1.0, 2.0]))


def test_only_integer_tensors_are_indices():
    with pytest.raises(TypeError, match="float32"):
        [1, 2][tg.constant(1.0)]


def test_len_and_iteration_over_the_first_axis():
    t = tg.constant([[1, 2], [3, 4], [5, 6]])
    assert len(t) == 3
    rows = list(t)
    assert len(rows) == 3 and all(isinstance(r, tg.Tensor) for r in rows)
    np.testing.assert_array_equal(rows[2].numpy(), [5, 6])
    assert [int(x) for x in tg.constant([7, 8])] == [7, 8]


def test_len_and_iteration_of_a_scalar_are_errors():
    with pytest.raises(TypeError):
        len(tg.constant(1.0))
    with pytest.raises(TypeError, match="scalar"):
        iter(tg.constant(1.0))


# ----- indexing --------------------------------------------------------------------------------

def test_basic_indexing():
    t = tg.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    np.testing.assert_array_equal(t[:, 1:].numpy(), [[2.0, 3.0], [5.0, 6.0]])
    np.testing.assert_array_equal(t[..., 1].numpy(), [2.0, 5.0])
    np.testing.assert_array_equal(t[-1].numpy(), [4.0, 5.0, 6.0])
    np.testing.assert_array_equal(t[::-1, ::2].numpy(), [[4.0, 6.0], [1.0, 3.0]])
    assert t[tg.newaxis, :, None].shape == (1, 2, 1, 3)
    assert float(t[1, 2]) == 6.0
    assert float(t[tg.constant(1), tg.constant(0)]) == 4.0


def test_mask_and_list_indexing():
    t = tg.constant([10, 20, 30])
    np.testing.assert_array_equal(t[tg.constant([True, False, True])].numpy(), [10, 30])
    np.testing.assert_array_equal(t[[2, 0]].numpy(), [30, 10])


@pytest.mark.parametrize("key, error", [
    (5, IndexError),
    (-4, IndexError),
    ((0, 0), IndexError),
    (1.5, TypeError),
    ((Ellipsis, Ellipsis), IndexError),
])
def test_bad_indices(key, error):
    with pytest.raises(error):
        tg.constant([1, 2, 3])[key]


def test_out_of_range_index_is_also_tf_invalid_argument():
    with pytest.raises(tg.errors.InvalidArgumentError, match="out of bounds"):
        tg.constant([1, 2, 3])[3]


def _slices(n):
    bound = st.one_of(st.none(), st.integers(-n - 2, n + 2))
    step = st.one_of(st.none(), st.integers(-3, 3).filter(lambda s: s != 0))
    return st.builds(slice, bound, bound, step)


@st.composite
def _array_and_key(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=4))
    array = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    items = []
    for n in shape:
        if n and draw(st.booleans()):
            items.append(draw(st.integers(-n, n - 1)))
        else:
            items.append(draw(_slices(n)))
    if draw(st.booleans()):
        items.insert(draw(st.integers(0, len(items))), None)
    if draw(st.booleans()) and len(items) > 1:
        cut = draw(st.integers(1, len(items)))
        items = [Ellipsis] + items[cut:]
    return array, tuple(items)


@settings(max_examples=60, deadline=None)
@given(_array_and_key())
def test_indexing_matches_numpy(array_and_key):
    array, key = array_and_key
    got = tg.constant(array)[key]
    expected = array[key]
    assert got.shape == expected.shape
    np.testing.assert_array_equal(np.asarray(got), expected)


def test_indexing_a_non_contiguous_array():
    base = np.arange(24, dtype=np.float64).reshape(4, 6)[:, ::2].T
    t = tg.constant(base)
    np.testing.assert_array_equal(t[1:, ::-1].numpy(), base[1:, ::-1])


def test_cpu_returns_the_same_tensor_and_gpu_without_a_device_is_a_clear_error():
    from tracegraph.device import gpu_count  # noqa: PLC0415
    t = tg.constant([1.0, 2.0])
    assert t.cpu() is t
    assert t.device.endswith("CPU:0")
    if gpu_count() == 0:
        with pytest.raises(RuntimeError, match="GPU 0 was requested"):
            t.gpu()
