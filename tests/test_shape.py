"""TensorShape and TensorSpec: known and unknown dims, unknown rank, compatibility, printing."""
import numpy as np
import pytest

import tracegraph as tg
from tracegraph.shape import shape_ints


def test_known_shape():
    s = tg.TensorShape([2, 3])
    assert s.rank == 2 and s.ndims == 2 and len(s) == 2
    assert s.as_list() == [2, 3] and list(s) == [2, 3] and s.dims == [2, 3]
    assert s[0] == 2 and s[-1] == 3 and s[1:] == tg.TensorShape([3])
    assert s.is_fully_defined() and s.num_elements() == 6
    assert s == (2, 3) and s == [2, 3] and s != [3, 2]
    assert str(s) == "(2, 3)" and repr(s) == "TensorShape([2, 3])"


def test_scalar_and_single_dim_printing():
    assert str(tg.TensorShape([])) == "()"
    assert str(tg.TensorShape([4])) == "(4,)"
    assert tg.TensorShape(4) == [4]


def test_unknown_dims():
    s = tg.TensorShape([None, 3])
    assert s.rank == 2 and s.as_list() == [None, 3]
    assert not s.is_fully_defined() and s.num_elements() is None
    assert str(s) == "(None, 3)"
    assert tg.TensorShape([-1, 3]) == [None, 3]


def test_unknown_rank():
    s = tg.TensorShape(None)
    assert s.rank is None and s.dims is None and not s
    assert str(s) == "<unknown>" and repr(s) == "TensorShape(None)"
    with pytest.raises(ValueError):
        s.as_list()
    with pytest.raises(ValueError):
        len(s)
    assert s.is_compatible_with([1, 2, 3])


def test_compatibility_and_merging():
    a = tg.TensorShape([None, 3])
    assert a.is_compatible_with([5, 3]) and not a.is_compatible_with([5, 4])
    assert not a.is_compatible_with([5, 3, 1])
    assert a.merge_with([5, None]) == [5, 3]
    with pytest.raises(ValueError, match="not compatible"):
        a.merge_with([5, 4])
    assert tg.TensorShape([2, 3]).most_specific_compatible_shape([2, 4]) == [2, None]
    assert tg.TensorShape([2]).most_specific_compatible_shape([2, 4]).rank is None


def test_concatenation_and_rank_checks():
    assert tg.TensorShape([2]).concatenate([3]) == [2, 3]
    assert tg.TensorShape([2]) + [3] == [2, 3]
    assert [1] + tg.TensorShape([2]) == [1, 2]
    assert tg.TensorShape(None).concatenate([3]).rank is None
    assert tg.TensorShape(None).with_rank(2) == [None, None]
    with pytest.raises(ValueError, match="rank 3"):
        tg.TensorShape([1, 2]).with_rank(3)
    with pytest.raises(ValueError, match="at least 3"):
        tg.TensorShape([1, 2]).with_rank_at_least(3)
    with pytest.raises(ValueError, match="incompatible"):
        tg.TensorShape([1, 2]).assert_is_compatible_with([2, 2])


@pytest.mark.parametrize("bad, error", [([2.5], TypeError), (["a"], TypeError), ([-2], ValueError)])
def test_bad_dimensions(bad, error):
    with pytest.raises(error):
        tg.TensorShape(bad)


def test_numpy_and_tensor_dims_are_accepted():
    assert tg.TensorShape([np.int64(2), tg.constant(3)]) == [2, 3]


def test_shapes_are_hashable():
    assert len({tg.TensorShape([1, 2]), tg.TensorShape((1, 2)), tg.TensorShape([None])}) == 2


def test_tensor_spec():
    spec = tg.TensorSpec([None, 3], tg.float32, name="x")
    assert spec.shape == [None, 3] and spec.dtype is tg.float32 and spec.name == "x"
    assert repr(spec) == "TensorSpec(shape=(None, 3), dtype=tg.float32, name='x')"
    assert spec.is_compatible_with(tg.constant(np.zeros((5, 3), np.float32)))
    assert not spec.is_compatible_with(tg.constant(np.zeros((5, 3))))
    assert not spec.is_compatible_with(tg.TensorSpec([5, 4]))
    assert tg.TensorSpec.from_tensor(tg.constant([1, 2])) == tg.TensorSpec([2], tg.int32)
    assert tg.TensorSpec([2]).dtype is tg.float32
    assert len({tg.TensorSpec([2]), tg.TensorSpec([2]), tg.TensorSpec([3])}) == 2


def test_spec_supertype():
    a, b = tg.TensorSpec([2, 3]), tg.TensorSpec([2, 4])
    assert a.most_specific_common_supertype([b]) == tg.TensorSpec([2, None])
    assert a.most_specific_common_supertype([tg.TensorSpec([2, 3], tg.int32)]) is None


def test_is_subtype_of_like_tf():
    TensorShape = tg.TensorShape
    assert TensorShape([2, 3]).is_subtype_of(TensorShape([None, 3]))
    assert TensorShape([2, 3]).is_subtype_of(TensorShape(None))
    assert TensorShape(None).is_subtype_of(TensorShape(None))
    assert not TensorShape([None, 3]).is_subtype_of(TensorShape([2, 3]))
    assert not TensorShape(None).is_subtype_of(TensorShape([2]))
    assert not TensorShape([2]).is_subtype_of(TensorShape([2, 1]))
    assert TensorShape([None]).is_subtype_of([None])


# ----- shape arguments of ops (zeros, ones, fill, random, reshape): checked in one place --------

def traced_once(make):
    """Trace `make(x)` into a function of a float32 scalar x (the shape argument is static)."""
    return tg.function(make).get_concrete_function(tg.TensorSpec([], tg.float32))


SHAPE_TAKING_OPS = {
    "zeros": lambda shape: tg.zeros(shape),
    "ones": lambda shape: tg.ones(shape),
    "fill": lambda shape: tg.fill(shape, 1.0),
    "random.uniform": lambda shape: tg.random.uniform(shape),
    "random.normal": lambda shape: tg.random.normal(shape),
}


@pytest.mark.parametrize("op", sorted(SHAPE_TAKING_OPS))
@pytest.mark.parametrize("tracing", [False, True], ids=["eager", "traced"])
def test_a_float_dimension_is_a_type_error_naming_it(op, tracing):
    make = SHAPE_TAKING_OPS[op]
    with pytest.raises(TypeError, match=r"\(2\.5, 3\) has the dimension 2\.5 of type float"):
        traced_once(lambda x: make((2.5, 3)) * x) if tracing else make((2.5, 3))


@pytest.mark.parametrize("op", sorted(SHAPE_TAKING_OPS))
@pytest.mark.parametrize("tracing", [False, True], ids=["eager", "traced"])
def test_a_shape_whose_element_count_overflows_int64_is_a_value_error(op, tracing):
    make = SHAPE_TAKING_OPS[op]
    shape = (2**62, 8)
    with pytest.raises(ValueError, match=r"\(4611686018427387904, 8\) has 36893488147419103232 elements"):
        traced_once(lambda x: make(shape) * x) if tracing else make(shape)


def test_integral_floats_and_float_tensors_are_not_shapes_either():
    with pytest.raises(TypeError, match="zeros: `shape` must hold integers"):
        tg.zeros([2.0, 3])
    with pytest.raises(TypeError, match="zeros: shape must be an integer tensor, got float32"):
        tg.zeros(tg.constant([2.0, 3.0]))


def test_numpy_integers_and_bools_are_dimensions_as_in_tf():
    assert tg.zeros((np.int64(2), np.int32(3))).shape == (2, 3)
    assert tg.zeros((True, 3)).shape == (1, 3)   # TF's TensorShape reads a bool as 0 or 1
    assert tg.TensorShape([True, 3]) == [1, 3]


def test_reshape_checks_its_shape_in_the_same_place():
    x = tg.zeros([6])
    with pytest.raises(TypeError, match=r"reshape: `shape` must hold integers, but \[2\.0, 3\]"):
        tg.reshape(x, [2.0, 3])
    with pytest.raises(ValueError, match="reshape: shape .* more than the .* an int64 can count"):
        tg.reshape(x, [-1, 2**62, 8])
    assert tg.reshape(x, [-1, 3]).shape == (2, 3)


def test_shape_ints_names_the_op_and_the_argument():
    assert shape_ints("tile", [2, np.int64(3)], arg="multiples") == (2, 3)
    with pytest.raises(ValueError, match=r"eye: batch_shape must not have negative dimensions, got \[-2\]"):
        shape_ints("eye", [-2], arg="batch_shape")
    with pytest.raises(ValueError, match="invalid dimension -2 in shape"):
        shape_ints("reshape", [-2, 3], inferred_allowed=True)


def test_other_shape_like_arguments_are_not_truncated_either():
    x = tg.zeros([3])
    with pytest.raises(TypeError, match=r"\[2\.5, 3\] has the entry 2\.5 of type float"):
        tg.broadcast_to(x, [2.5, 3])
    with pytest.raises(TypeError, match=r"\[2\.5\] has the entry 2\.5 of type float"):
        tg.tile(x, [2.5])
    assert tg.tile(x, [np.int64(2)]).shape == (6,)
