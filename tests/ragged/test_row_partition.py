"""`tg.experimental.RowPartition` (here `tg.ragged.RowPartition`): its factories and encodings against
Python references and values recorded from TF 2.21, its spec through `tg.function`, and RaggedTensors
built from partitions."""
import numpy as np
import pytest
from hypothesis import given

import tracegraph as tg
from ragged_samples import FAST, rows, splits_of

RowPartition = tg.ragged.RowPartition


@FAST
@given(rows())
def test_every_factory_and_encoding_describes_the_same_rows(python_rows):
    splits = splits_of(python_rows)
    lengths = [len(row) for row in python_rows]
    rowids = [i for i, row in enumerate(python_rows) for _ in row]
    partitions = [RowPartition.from_row_splits(splits), RowPartition.from_row_lengths(lengths),
                  RowPartition.from_value_rowids(rowids, nrows=len(python_rows)),
                  RowPartition.from_row_starts(splits[:-1], nvals=splits[-1]),
                  RowPartition.from_row_limits(splits[1:])]
    offsets = [k for row in python_rows for k in range(len(row))]
    for partition in partitions:
        assert partition.row_splits().numpy().tolist() == splits
        assert partition.row_lengths().numpy().tolist() == lengths
        assert partition.value_rowids().numpy().tolist() == rowids
        assert partition.offsets_in_rows().numpy().tolist() == offsets
        assert int(partition.nrows()) == len(python_rows) and int(partition.nvals()) == splits[-1]
        assert not partition.is_uniform() and partition.uniform_row_length() is None
        rt = tg.RaggedTensor._from_row_partition(tg.constant(np.arange(splits[-1])), partition)
        assert [len(row) for row in rt.to_list()] == lengths


def test_uniform_partitions_as_tensorflow():
    u = RowPartition.from_uniform_row_length(3, nvals=6)
    # From TF 2.21.
    assert repr(u) == "tg.RowPartition(nrows=2, uniform_row_length=3)"
    assert u.is_uniform() and int(u.uniform_row_length()) == 3 and u.static_uniform_row_length == 3
    assert u.static_nrows == 2 and u.row_splits().numpy().tolist() == [0, 3, 6]
    assert u._type_spec == tg.ragged.RowPartitionSpec(nrows=2, nvals=6, uniform_row_length=3, dtype=tg.int64)
    assert repr(RowPartition.from_row_lengths([2, 0, 3])) == "tg.RowPartition(row_splits=[0 2 2 5])"
    assert RowPartition.from_value_rowids([0, 0, 2], nrows=4).row_splits().numpy().tolist() == [0, 2, 2, 3, 3]
    assert RowPartition.from_uniform_row_length(0, nrows=3).row_lengths().numpy().tolist() == [0, 0, 0]
    rt = tg.RaggedTensor._from_row_partition(tg.range(6), u)
    assert rt.shape == (2, 3) and rt._row_partition.is_uniform()


def test_partitions_pass_through_functions_with_their_spec():
    f = tg.function(lambda p: (p, p.row_lengths()))
    partition, lengths = f(RowPartition.from_row_lengths([2, 0, 3]))
    assert partition.row_splits().numpy().tolist() == [0, 2, 2, 5] and lengths.numpy().tolist() == [2, 0, 3]
    f(RowPartition.from_row_lengths([1, 1, 1]))  # same number of rows: no new trace
    assert f.experimental_get_tracing_count() == 1
    uniform, _ = f(RowPartition.from_uniform_row_length(2, nvals=4))
    assert uniform.is_uniform() and int(uniform.uniform_row_length()) == 2
    spec = tg.ragged.RowPartitionSpec(nrows=3)
    assert RowPartition.from_row_lengths([2, 0, 3])._type_spec.is_subtype_of(spec)
    assert spec.most_specific_common_supertype([tg.ragged.RowPartitionSpec(nrows=2)]) == \
        tg.ragged.RowPartitionSpec()


def test_dtypes_and_validation():
    assert RowPartition.from_row_splits([0, 1], dtype=tg.int32).dtype == tg.int32
    assert RowPartition.from_row_lengths(tg.constant([1, 2], tg.int32)).dtype == tg.int32
    assert RowPartition.from_row_lengths([1, 2]).with_dtype(tg.int32).row_splits().dtype == tg.int32
    with pytest.raises(tg.errors.InvalidArgumentError, match="non-decreasing"):
        RowPartition.from_row_splits([0, 3, 2])
    with pytest.raises(tg.errors.InvalidArgumentError, match="must equal the number of values"):
        RowPartition.from_uniform_row_length(2, nvals=5, nrows=3)
    with pytest.raises(ValueError, match="with a factory"):
        RowPartition(tg.constant([0]))
