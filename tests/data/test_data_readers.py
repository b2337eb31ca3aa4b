"""TextLineDataset, CsvDataset and make_csv_dataset on files in tmp_path (expected values from TF 2.21)."""
import collections
import gzip

import numpy as np
import pytest

import tracegraph as tg
from tracegraph import data
from tracegraph.errors import InvalidArgumentError, NotFoundError

CSV = 'a,b,name,flag\n1,2.5,x,1\n3,,y,0\n5,6.5,"z,w",1\n'


def as_lists(value):
    if isinstance(value, tuple):
        return tuple(as_lists(v) for v in value)
    if isinstance(value, dict):
        return {k: as_lists(v) for k, v in value.items()}
    return value.tolist() if isinstance(value, (np.ndarray, np.generic)) else value


def values(dataset):
    return [as_lists(v) for v in dataset.as_numpy_iterator()]


@pytest.fixture
def csv_file(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(CSV)
    return str(path)


def test_text_lines_of_several_files(tmp_path):
    (tmp_path / "one.txt").write_text("first\nsecond\r\nthird")
    with gzip.open(tmp_path / "two.txt.gz", "wt") as f:
        f.write("zipped\n\nlast\n")
    lines = data.TextLineDataset(str(tmp_path / "one.txt"))
    assert lines.element_spec == tg.TensorSpec([], tg.string)
    assert values(lines) == [b"first", b"second", b"third"]
    zipped = data.TextLineDataset([str(tmp_path / "two.txt.gz")], compression_type="GZIP")
    assert values(zipped) == [b"zipped", b"", b"last"]
    from_files = data.Dataset.list_files(str(tmp_path / "one.txt")).interleave(data.TextLineDataset)
    assert values(from_files) == [b"first", b"second", b"third"]
    with pytest.raises(NotFoundError, match="missing.txt"):
        values(data.TextLineDataset(str(tmp_path / "missing.txt")))


def test_csv_records_typed_by_record_defaults(csv_file):
    ds = data.experimental.CsvDataset(csv_file, [tg.int32, tg.constant(0.0), tg.string, tg.int64], header=True)
    assert ds.element_spec == (tg.TensorSpec([], tg.int32), tg.TensorSpec([], tg.float32),
                               tg.TensorSpec([], tg.string), tg.TensorSpec([], tg.int64))
    # TF 2.21: [(1, 2.5, b'x', 1), (3, 0.0, b'y', 0), (5, 6.5, b'z,w', 1)]
    assert values(ds) == [(1, 2.5, b"x", 1), (3, 0.0, b"y", 0), (5, 6.5, b"z,w", 1)]
    selected = data.experimental.CsvDataset(csv_file, [tg.int32, tg.string], header=True, select_cols=[0, 2])
    assert values(selected) == [(1, b"x"), (3, b"y"), (5, b"z,w")]


def test_csv_errors_name_the_record_and_the_field(tmp_path, csv_file):
    required = data.experimental.CsvDataset(csv_file, [tg.int32, tg.float32, tg.string, tg.int64], header=True)
    with pytest.raises(InvalidArgumentError, match=r"Field 1 is required but missing in record 1 \(.*t.csv, line 3\)"):
        values(required)
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2.5\n3,oops\n")
    with pytest.raises(InvalidArgumentError, match=r"Field 1 in record 1 \(.*bad.csv, line 3\) is not a valid "
                                                   r"float32: 'oops'"):
        values(data.experimental.CsvDataset(str(bad), [tg.int32, tg.float32], header=True))
    short = tmp_path / "short.csv"
    short.write_text("a,b\n1\n")
    with pytest.raises(InvalidArgumentError, match=r"line 2 \(record 0\) has 1 fields but record_defaults has 2"):
        values(data.experimental.CsvDataset(str(short), [tg.int32, tg.float32], header=True))
    big = tmp_path / "big.csv"
    big.write_text("40000\n")
    with pytest.raises(InvalidArgumentError, match="not a valid int16"):
        values(data.experimental.CsvDataset(str(big), [tg.int16]))


def test_make_csv_dataset_infers_types_and_splits_the_label(csv_file):
    ds = data.experimental.make_csv_dataset(csv_file, batch_size=2, shuffle=False, num_epochs=1, label_name="flag")
    features_spec, label_spec = ds.element_spec
    # TF 2.21: OrderedDict a: int32, b: float32, name: string; label int32; all of shape (None,)
    assert isinstance(features_spec, collections.OrderedDict) and list(features_spec) == ["a", "b", "name"]
    assert [s.dtype for s in features_spec.values()] == [tg.int32, tg.float32, tg.string]
    assert label_spec == tg.TensorSpec([None], tg.int32)
    # TF 2.21: a missing inferred field is its default (0.0)
    assert values(ds) == [({"a": [1, 3], "b": [2.5, 0.0], "name": [b"x", b"y"]}, [1, 0]),
                          ({"a": [5], "b": [6.5], "name": [b"z,w"]}, [1])]


def test_make_csv_dataset_repeats_and_shuffles_by_default(csv_file):
    ds = data.experimental.make_csv_dataset(csv_file, batch_size=2, shuffle_seed=1)
    assert int(ds.cardinality()) == data.INFINITE_CARDINALITY
    batches = [batch for batch, _ in zip(ds, range(6))]
    assert all(b["a"].shape == (2,) for b in batches)   # drop_remainder when repeating forever
    assert sorted(int(v) for b in batches[:3] for v in b["a"].numpy()) == [1, 1, 3, 3, 5, 5]
