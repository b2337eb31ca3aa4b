"""`tg.data.TFRecordDataset`: files, compression, parallel interleaved reads, parsing in `map`, and
`ignore_errors()` past corrupt records. The golden files were written by TensorFlow 2.21."""
import json
import pathlib

import numpy as np
import pytest

import tracegraph as tg

GOLDEN = pathlib.Path(__file__).parent.parent / "io" / "golden"
EXPECTED = json.loads((GOLDEN / "expected.json").read_text())["parsed"]
SPEC = {"id": tg.io.FixedLenFeature([], tg.int64), "score": tg.io.FixedLenFeature([2], tg.float32),
        "name": tg.io.FixedLenFeature([], tg.string), "tags": tg.io.VarLenFeature(tg.int64)}


def _write(path, records, options=None):
    with tg.io.TFRecordWriter(str(path), options) as writer:
        for record in records:
            writer.write(record)
    return str(path)


def test_a_dataset_of_string_scalars_over_several_files():
    dataset = tg.data.TFRecordDataset([str(GOLDEN / "plain_strings.tfrecord")] * 2)
    assert dataset.element_spec == tg.TensorSpec([], tg.string)
    assert list(dataset.as_numpy_iterator()) == [b"first record", b"", b"x" * 300] * 2


@pytest.mark.parametrize("name, compression", [("examples.tfrecord", None), ("examples.tfrecord.gz", "GZIP"),
                                               ("examples.tfrecord.zlib", "ZLIB")])
def test_map_parses_tensorflows_examples(name, compression):
    dataset = tg.data.TFRecordDataset(str(GOLDEN / name), compression_type=compression)
    parsed = list(dataset.map(lambda record: tg.io.parse_single_example(record, SPEC)))
    assert [p["id"].numpy() for p in parsed] == [e["id"] for e in EXPECTED]
    assert [p["name"].numpy().decode() for p in parsed] == [e["name"] for e in EXPECTED]
    assert [p["tags"].values.numpy().tolist() for p in parsed] == [e["tags"] for e in EXPECTED]
    np.testing.assert_array_equal(np.stack([p["score"].numpy() for p in parsed]),
                                  np.array([e["score"] for e in EXPECTED], np.float32))


def test_batches_parse_with_parse_example():
    dataset = tg.data.TFRecordDataset(str(GOLDEN / "examples.tfrecord")).batch(2)
    batches = list(dataset.map(lambda records: tg.io.parse_example(records, SPEC)))
    assert [b["id"].numpy().tolist() for b in batches] == [[1, 2], [3]]
    assert [b["tags"].dense_shape.numpy().tolist() for b in batches] == [[2, 3], [1, 1]]


def test_parallel_reads_interleave_one_record_per_file_in_turn(tmp_path):
    files = [_write(tmp_path / f"f{i}", [f"{i}-{j}" for j in range(n)]) for i, n in enumerate([3, 1, 2, 2])]
    def read(parallel):
        dataset = tg.data.TFRecordDataset(files, num_parallel_reads=parallel)
        return [r.decode() for r in dataset.as_numpy_iterator()]
    # The orders TensorFlow 2.21's TFRecordDataset gives for these files.
    assert read(2) == ["0-0", "1-0", "0-1", "0-2", "2-0", "2-1", "3-0", "3-1"]
    assert read(3) == ["0-0", "1-0", "2-0", "0-1", "2-1", "0-2", "3-0", "3-1"]
    found = read(4)
    assert found == ["0-0", "1-0", "2-0", "3-0", "0-1", "2-1", "3-1", "0-2"]
    sequential = [r.decode() for r in tg.data.TFRecordDataset(files).as_numpy_iterator()]
    assert sorted(found) == sorted(sequential) and sequential[:3] == ["0-0", "0-1", "0-2"]


def test_parallel_reads_stop_cleanly_when_the_consumer_stops_early(tmp_path):
    files = [_write(tmp_path / f"f{i}", [b"r"] * 1000) for i in range(3)]
    assert len(list(tg.data.TFRecordDataset(files, num_parallel_reads=tg.data.AUTOTUNE).take(5))) == 5


def _corrupt_copy(tmp_path, name="bad.tfrecord"):
    data = bytearray((GOLDEN / "plain_strings.tfrecord").read_bytes())
    data[28 + 12 + 2] ^= 1   # the second record's data checksum
    path = tmp_path / name
    path.write_bytes(bytes(data))
    return str(path)


@pytest.mark.parametrize("parallel", [None, 2])
def test_a_corrupt_record_names_the_file_and_offset_and_ignore_errors_skips_the_rest_of_that_file(tmp_path,
                                                                                                   parallel):
    good = _write(tmp_path / "good.tfrecord", [b"a", b"b"])
    files = [_corrupt_copy(tmp_path), good]
    with pytest.raises(tg.errors.DataLossError, match=r"bad\.tfrecord: corrupted record at byte offset 28"):
        list(tg.data.TFRecordDataset(files, num_parallel_reads=parallel))
    kept = list(tg.data.TFRecordDataset(files, num_parallel_reads=parallel).ignore_errors().as_numpy_iterator())
    assert sorted(kept) == [b"a", b"b", b"first record"]


def test_ignore_errors_drops_the_elements_a_map_fails_on(tmp_path, caplog):
    good = tg.train.Example(features=tg.train.Features(feature={
        "id": tg.train.Feature(int64_list=tg.train.Int64List(value=[7]))})).SerializeToString()
    path = _write(tmp_path / "mixed.tfrecord", [good, b"\xff not an example", good])
    dataset = tg.data.TFRecordDataset(path).map(
        lambda r: tg.io.parse_single_example(r, {"id": tg.io.FixedLenFeature([], tg.int64)})["id"])
    with pytest.raises(tg.errors.InvalidArgumentError, match="not a serialized Example"):
        list(dataset)
    with caplog.at_level("WARNING", logger="tracegraph.data"):
        assert list(dataset.ignore_errors(log_warning=True).as_numpy_iterator()) == [7, 7]
    assert "not a serialized Example" in caplog.text


def test_a_missing_file_is_not_found(tmp_path):
    with pytest.raises(tg.errors.NotFoundError, match="absent.tfrecord"):
        list(tg.data.TFRecordDataset(str(tmp_path / "absent.tfrecord")))


def test_a_parsed_tfrecord_pipeline_runs_in_a_traced_loop():
    dataset = tg.data.TFRecordDataset(str(GOLDEN / "examples.tfrecord")).batch(2).map(
        lambda records: tg.io.parse_example(records, SPEC)["score"])

    @tg.function
    def total(ds):
        result = tg.constant(0.0)
        for scores in ds:
            result += tg.reduce_sum(scores)
        return result

    assert total(dataset).numpy() == pytest.approx(sum(sum(e["score"]) for e in EXPECTED), rel=1e-6)


def test_the_experimental_form_of_ignore_errors_drops_failing_map_elements():
    dataset = tg.data.Dataset.from_tensor_slices([1, 0, 2]).map(lambda x: 4 // x)
    assert list(dataset.apply(tg.data.experimental.ignore_errors()).as_numpy_iterator()) == [4, 2]
