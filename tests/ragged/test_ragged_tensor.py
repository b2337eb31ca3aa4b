"""`tg.RaggedTensor` and `tg.ragged.constant`: construction, the row partition, conversions,
printing and the type spec, against Python references."""
import numpy as np
import pytest
from hypothesis import given

import tracegraph as tg
from ragged_samples import FAST, flat, nested_rows, padded, rows, splits_of


@FAST
@given(rows())
def test_constant_keeps_the_rows_and_partitions_them_with_int64_splits(python_rows):
    r = tg.ragged.constant(python_rows, dtype=tg.int32, ragged_rank=1)
    assert r.to_list() == python_rows
    assert r.row_splits.dtype == tg.int64
    assert r.row_splits.numpy().tolist() == splits_of(python_rows)
    assert r.flat_values.numpy().tolist() == flat(python_rows)
    assert r.row_lengths().numpy().tolist() == [len(row) for row in python_rows]
    assert r.value_rowids().numpy().tolist() == [i for i, row in enumerate(python_rows) for _ in row]
    assert int(r.nrows()) == len(python_rows)
    assert r.shape.as_list() == [len(python_rows), None]
    assert r.ragged_rank == 1


@FAST
@given(rows())
def test_the_factories_agree_with_each_other(python_rows):
    values = tg.constant(flat(python_rows), dtype=tg.int32)
    lengths = [len(row) for row in python_rows]
    rowids = [i for i, row in enumerate(python_rows) for _ in row]
    built = [tg.RaggedTensor.from_row_splits(values, splits_of(python_rows)),
             tg.RaggedTensor.from_row_lengths(values, lengths),
             tg.RaggedTensor.from_value_rowids(values, rowids, nrows=len(python_rows))]
    for r in built:
        assert r.to_list() == python_rows


def test_from_value_rowids_without_nrows_ends_at_the_last_id():
    r = tg.RaggedTensor.from_value_rowids([3, 1, 4, 1, 5], [0, 0, 2, 2, 3])
    assert r.to_list() == [[3, 1], [], [4, 1], [5]]


@FAST
@given(nested_rows())
def test_two_ragged_dimensions(python_rows):
    r = tg.ragged.constant(python_rows, dtype=tg.int32, ragged_rank=2)
    assert r.ragged_rank == 2 and r.shape.as_list() == [len(python_rows), None, None]
    assert r.to_list() == python_rows
    assert len(r.nested_row_splits) == 2
    rebuilt = tg.RaggedTensor.from_nested_row_splits(r.flat_values, r.nested_row_splits)
    assert rebuilt.to_list() == python_rows


@FAST
@given(rows())
def test_to_tensor_pads_with_the_default_value(python_rows):
    r = tg.ragged.constant(python_rows, dtype=tg.int32, ragged_rank=1)
    dense = r.to_tensor(default_value=-1)
    width = max((len(row) for row in python_rows), default=0)
    assert dense.numpy().tolist() == padded(python_rows, -1)
    assert tuple(dense.shape) == (len(python_rows), width)
    assert r.bounding_shape().numpy().tolist() == [len(python_rows), width]


@FAST
@given(rows())
def test_to_tensor_with_a_shape_cuts_and_pads(python_rows):
    r = tg.ragged.constant(python_rows, dtype=tg.int32, ragged_rank=1)
    expected = [(list(row[:2]) + [7, 7])[:2] for row in python_rows[:3]] + [[7, 7]] * max(0, 3 - len(python_rows))
    assert r.to_tensor(default_value=7, shape=[3, 2]).numpy().tolist() == expected


@FAST
@given(rows())
def test_from_tensor_with_lengths_and_with_padding_inverts_to_tensor(python_rows):
    r = tg.ragged.constant(python_rows, dtype=tg.int32, ragged_rank=1)
    dense = r.to_tensor()
    lengths = [len(row) for row in python_rows]
    if dense.shape[1] == 0 or not python_rows:
        return  # a tensor without columns has nothing to cut
    assert tg.RaggedTensor.from_tensor(dense, lengths=lengths).to_list() == python_rows
    no_trailing_zeros = [list(np.trim_zeros(np.array(row, dtype=int), "b")) for row in python_rows]
    assert tg.RaggedTensor.from_tensor(dense, padding=0).to_list() == no_trailing_zeros


def test_from_tensor_keeps_whole_rows_and_makes_more_dimensions_ragged():
    x = np.arange(12).reshape(2, 3, 2)
    assert tg.RaggedTensor.from_tensor(x).to_list() == x.tolist()
    r2 = tg.RaggedTensor.from_tensor(x, ragged_rank=2)
    assert r2.ragged_rank == 2 and r2.to_list() == x.tolist()
    r = tg.RaggedTensor.from_tensor(np.array([[[1, 1], [0, 0]], [[0, 0], [0, 0]]]), padding=[0, 0])
    assert r.to_list() == [[[1, 1]], []]


def test_printing_as_tf_prints():
    r = tg.ragged.constant([[11, 22], [21, 22, 23], [], [41]])
    assert repr(r) == str(r) == "<tg.RaggedTensor [[11, 22], [21, 22, 23], [], [41]]>"
    assert repr(r._type_spec) == "RaggedTensorSpec(TensorShape([4, None]), tg.int32, 1, tg.int64)"


def test_dtypes_of_constant():
    assert tg.ragged.constant([[1.5], []]).dtype == tg.float32
    assert tg.ragged.constant([[1], []]).dtype == tg.int32
    assert tg.ragged.constant([[], []]).dtype == tg.float32
    assert tg.ragged.constant([[1], []], row_splits_dtype=tg.int32).row_splits.dtype == tg.int32
    inner = tg.ragged.constant([[[1, 2]], []], inner_shape=(2,))
    assert inner.ragged_rank == 1 and inner.shape.as_list() == [2, None, 2]


def test_bad_partitions_are_clear_errors():
    with pytest.raises(tg.errors.InvalidArgumentError, match="start with 0"):
        tg.RaggedTensor.from_row_splits([1, 2], [1, 2])
    with pytest.raises(tg.errors.InvalidArgumentError, match="non-decreasing"):
        tg.RaggedTensor.from_row_splits([1, 2], [0, 2, 1, 2])
    with pytest.raises(tg.errors.InvalidArgumentError, match="number of values 2"):
        tg.RaggedTensor.from_row_splits([1, 2], [0, 3])
    with pytest.raises(tg.errors.InvalidArgumentError, match="non-negative"):
        tg.RaggedTensor.from_row_lengths([1, 2], [3, -1])
    with pytest.raises(TypeError, match="row_splits"):
        tg.RaggedTensor.from_row_splits([1, 2], [0.0, 2.0])
    with pytest.raises(ValueError, match="factory"):
        tg.RaggedTensor([1], [0, 1])
    with pytest.raises(ValueError, match="same depth"):
        tg.ragged.constant([[1, [2]], [3]])


def test_the_spec_keys_on_ragged_rank_dtype_and_static_dims_only():
    a = tg.ragged.constant([[1.0], [2.0, 3.0]])
    b = tg.ragged.constant([[1.0, 2.0, 3.0], []])
    assert a._type_spec == b._type_spec and hash(a._type_spec) == hash(b._type_spec)
    assert a._type_spec != tg.ragged.constant([[1.0], [], []])._type_spec
    wider = a._type_spec.most_specific_common_supertype([tg.ragged.constant([[1.0]])._type_spec])
    assert wider == tg.RaggedTensorSpec([None, None], tg.float32, 1)
    assert tg.RaggedTensorSpec([None, None], tg.float32).is_compatible_with(a)
    flat_spec, splits_spec = tg.RaggedTensorSpec([None, None], tg.float32)._component_specs
    assert flat_spec.shape.as_list() == [None] and splits_spec.shape.as_list() == [None]
    with pytest.raises(ValueError, match="ragged_rank"):
        tg.RaggedTensorSpec([None, None], tg.float32, ragged_rank=2)


def test_nest_takes_a_ragged_tensor_apart_into_its_components():
    r = tg.ragged.constant([[1, 2], [], [3]])
    parts = tg.nest.flatten(r, expand_composites=True)
    assert [p.numpy().tolist() for p in parts] == [[1, 2, 3], [0, 2, 2, 3]]
    assert tg.nest.pack_sequence_as(r, parts, expand_composites=True).to_list() == [[1, 2], [], [3]]
