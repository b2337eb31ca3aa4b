"""Variables: creation, reading, assignment (whole and sliced), arithmetic, printing, errors."""
import re

import numpy as np
import pytest

import tracegraph as tg


def test_creation_and_properties():
    v = tg.Variable([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert v.dtype is tg.float32
    assert v.shape == (2, 3) and v.ndim == 2
    assert v.trainable
    assert re.fullmatch(r"Variable(_\d+)?:0", v.name)
    assert not tg.Variable(1.0, trainable=False).trainable


def test_initial_value_may_be_callable_and_dtype_converts():
    v = tg.Variable(lambda: tg.ones((2,)))
    np.testing.assert_array_equal(v.numpy(), [1.0, 1.0])
    w = tg.Variable([1, 2], dtype=tg.float32)
    assert w.dtype is tg.float32
    assert tg.Variable(np.array([1, 2]), dtype=tg.float64).dtype is tg.float64
    assert tg.Variable(tg.constant([1, 2])).dtype is tg.int32


def test_initial_value_of_another_dtype_is_an_error():
    with pytest.raises(TypeError, match="float32"):
        tg.Variable(tg.constant([1, 2]), dtype=tg.float32)
    with pytest.raises(TypeError, match="int32"):
        tg.Variable([1.5], dtype=tg.int32)


def test_missing_initial_value():
    with pytest.raises(ValueError, match="initial_value"):
        tg.Variable()


def test_default_names_are_unique():
    names = [tg.Variable(1.0).name for _ in range(3)]
    assert len(set(names)) == 3
    a, b = tg.Variable(1.0, name="weights"), tg.Variable(1.0, name="weights")
    assert a.name.startswith("weights") and a.name.endswith(":0") and a.name != b.name


def test_reading():
    v = tg.Variable([1.0, 2.0])
    for read in (v.value(), v.read_value(), tg.convert_to_tensor(v)):
        assert isinstance(read, tg.Tensor)
        np.testing.assert_array_equal(read.numpy(), [1.0, 2.0])
    assert isinstance(v.numpy(), np.ndarray)
    np.testing.assert_array_equal(np.asarray(v), [1.0, 2.0])
    assert float(tg.Variable(2.5)) == 2.5 and int(tg.Variable(3)) == 3
    assert len(v) == 2 and [float(x) for x in v] == [1.0, 2.0]


def test_reads_are_snapshots():
    v = tg.Variable([1.0, 2.0])
    before = v.value()
    v.assign([5.0, 6.0])
    np.testing.assert_array_equal(before.numpy(), [1.0, 2.0])
    np.testing.assert_array_equal(v.numpy(), [5.0, 6.0])


def test_assign_family_returns_the_variable():
    v = tg.Variable(tg.ones((3, 1)))
    assert v.assign(tg.ones((3, 1)) * 2) is v
    assert v.assign_add(tg.ones((3, 1))) is v
    np.testing.assert_array_equal(v.numpy(), [[3.0], [3.0], [3.0]])
    assert v.assign_sub(tg.ones((3, 1)) * 0.5) is v
    np.testing.assert_array_equal(v.numpy(), [[2.5], [2.5], [2.5]])
    assert v.assign([[0.0], [1.0], [2.0]], read_value=False) is None


def test_assign_converts_python_values_and_numpy_arrays():
    v = tg.Variable([1.0, 2.0])
    v.assign([3, 4])
    np.testing.assert_array_equal(v.numpy(), [3.0, 4.0])
    v.assign(np.array([5.0, 6.0]))  # float64 array into a float32 variable, as TF allows
    assert v.dtype is tg.float32
    np.testing.assert_array_equal(v.numpy(), [5.0, 6.0])
    v.assign(2 * v)
    np.testing.assert_array_equal(v.numpy(), [10.0, 12.0])


def test_sliced_assignment():
    v = tg.Variable([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert v[0, 1].assign(42) is v
    v[1].assign([7.0, 8.0, 9.0])
    np.testing.assert_array_equal(v.numpy(), [[1.0, 42.0, 3.0], [7.0, 8.0, 9.0]])
    v[:, 0].assign([0.0, 0.0])
    np.testing.assert_array_equal(v.numpy(), [[0.0, 42.0, 3.0], [0.0, 8.0, 9.0]])
    v[:, 1:].assign(1.0)  # a scalar broadcasts into the slice
    np.testing.assert_array_equal(v.numpy(), [[0.0, 1.0, 1.0], [0.0, 1.0, 1.0]])
    v[0, ::2].assign_add([10.0, 20.0])
    v[1, -1].assign_sub(0.5)
    np.testing.assert_array_equal(v.numpy(), [[10.0, 1.0, 21.0], [0.0, 1.0, 0.5]])


def test_a_slice_is_a_tensor():
    v = tg.Variable([[1.0, 2.0], [3.0, 4.0]])
    row = v[1]
    assert isinstance(row, tg.Tensor)
    np.testing.assert_array_equal(row.numpy(), [3.0, 4.0])
    np.testing.assert_array_equal((row * 2).numpy(), [6.0, 8.0])
    assert str(row) == "tg.Tensor([3. 4.], shape=(2,), dtype=float32)"


def test_sliced_assignment_errors():
    v = tg.Variable([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(ValueError, match=r"\(3,\).*\(2,\)"):
        v[0].assign([1.0, 2.0, 3.0])
    with pytest.raises(IndexError):
        v[5].assign([1.0, 2.0])
    with pytest.raises(TypeError, match="float32"):
        v[0].assign(tg.constant([1, 2]))


def test_assignment_errors_name_both_shapes_or_dtypes():
    v = tg.Variable([1.0, 2.0])
    with pytest.raises(ValueError, match=r"\(3,\).*\(2,\)"):
        v.assign([1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="float32.*float64"):
        v.assign(tg.constant([1.0, 2.0], tg.float64))
    with pytest.raises(TypeError, match="float32.*int32"):
        v.assign_add(tg.constant([1, 2]))
    w = tg.Variable([1, 2])
    with pytest.raises(TypeError, match="int32"):
        w.assign_add(1.5)
    np.testing.assert_array_equal(v.numpy(), [1.0, 2.0])  # failed assignments change nothing


def test_no_item_assignment():
    v = tg.Variable([1.0, 2.0])
    with pytest.raises(TypeError, match="assign"):
        v[0] = 3.0


def test_arithmetic_like_a_tensor():
    v = tg.Variable([1.0, 2.0])
    for result, expected in [
        (v + 1.0, [2.0, 3.0]), (1.0 + v, [2.0, 3.0]), (v - 1, [0.0, 1.0]), (3 - v, [2.0, 1.0]),
        (v * v, [1.0, 4.0]), (2 * v, [2.0, 4.0]), (v / 2, [0.5, 1.0]), (1 / v, [1.0, 0.5]),
        (v ** 2, [1.0, 4.0]), (2 ** v, [2.0, 4.0]), (-v, [-1.0, -2.0]), (abs(-v), [1.0, 2.0]),
        (np.ones(2) + v, [2.0, 3.0]), (v + tg.constant([1.0, 1.0]), [2.0, 3.0]),
        (tg.square(v), [1.0, 4.0]),
    ]:
        assert isinstance(result, tg.Tensor) and result.dtype is tg.float32
        np.testing.assert_array_equal(result.numpy(), expected)
    np.testing.assert_array_equal((v > 1.5).numpy(), [False, True])
    np.testing.assert_array_equal((v == 1.0).numpy(), [True, False])
    m = tg.Variable([[1.0, 2.0]])
    np.testing.assert_array_equal((m @ tg.Variable([[3.0], [4.0]])).numpy(), [[11.0]])


def test_variables_are_hashable_by_identity():
    a, b = tg.Variable(1.0), tg.Variable(1.0)
    assert len({a, b}) == 2 and a.ref() is a and a.deref() is a


def test_printing():
    v = tg.Variable([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], name="printed")
    name = v.name
    assert repr(v) == (f"<tg.Variable '{name}' shape=(2, 3) dtype=float32, numpy=\n"
                       "array([[1., 2., 3.],\n       [4., 5., 6.]], dtype=float32)>")
    assert str(v) == repr(v)
    s = tg.Variable(2.0, name="scalar")
    assert repr(s) == f"<tg.Variable '{s.name}' shape=() dtype=float32, numpy=2.0>"
    i = tg.Variable([1, 2], name="ints")
    assert repr(i) == f"<tg.Variable '{i.name}' shape=(2,) dtype=int32, numpy=array([1, 2], dtype=int32)>"


def test_default_name_format():
    v = tg.Variable(0.0)
    assert re.fullmatch(r"<tg.Variable 'Variable(_\d+)?:0' shape=\(\) dtype=float32, numpy=0.0>", repr(v))


def test_shape_argument_allows_a_less_defined_shape():
    v = tg.Variable([1.0, 2.0], shape=tg.TensorShape([None]))
    assert v.shape.as_list() == [None]
    v.assign([1.0, 2.0, 3.0])
    assert v.numpy().shape == (3,)
    with pytest.raises(ValueError, match="shape"):
        tg.Variable([1.0, 2.0], shape=[3])


def test_variable_creator_scopes_make_the_variables_innermost_first():
    calls = []

    def frozen(next_creator, **kwargs):
        calls.append(("frozen", kwargs["name"]))
        assert kwargs["trainable"] is None and kwargs["dtype"] is None  # every argument, by name
        kwargs["trainable"] = False
        return next_creator(**kwargs)

    def outer(next_creator, **kwargs):
        calls.append(("outer", kwargs["name"]))
        return next_creator(**kwargs)

    with tg.variable_creator_scope(outer), tg.variable_creator_scope(frozen):
        v = tg.Variable([1.0, 2.0], name="w")
    assert calls == [("frozen", "w"), ("outer", "w")]
    assert type(v) is tg.Variable and not v.trainable and v.numpy().tolist() == [1.0, 2.0]
    assert tg.Variable(3.0).trainable  # the scope has ended


def test_a_creator_may_return_its_own_variable():
    made = tg.Variable(7.0)
    with tg.variable_creator_scope(lambda next_creator, **kwargs: made):
        assert tg.Variable(1.0) is made
