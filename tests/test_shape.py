"""TensorShape and TensorSpec: known and unknown dims, unknown rank, compatibility, printing."""
import numpy as np
import pytest

import tracegraph as tg


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
