"""`tg.io.parse_example` / `parse_single_example` and the `tg.train.Example` classes.

The golden records were written by TensorFlow 2.21 (`golden/expected.json` says what they parse to);
the other expected values are NumPy references built from the Examples the tests make.
"""
import json
import pathlib

import numpy as np
import pytest

import tracegraph as tg
from tracegraph.io import records

GOLDEN = pathlib.Path(__file__).parent / "golden"
EXPECTED = json.loads((GOLDEN / "expected.json").read_text())
SPEC = {"id": tg.io.FixedLenFeature([], tg.int64), "score": tg.io.FixedLenFeature([2], tg.float32),
        "name": tg.io.FixedLenFeature([], tg.string), "tags": tg.io.VarLenFeature(tg.int64)}
t = tg.train


def _golden_records():
    return [data for _, data in records.read_records(str(GOLDEN / "examples.tfrecord"))]


def _example(**features):
    def feature(values):
        values = list(values)
        if values and isinstance(values[0], bytes):
            return t.Feature(bytes_list=t.BytesList(value=values))
        if values and isinstance(values[0], float):
            return t.Feature(float_list=t.FloatList(value=values))
        return t.Feature(int64_list=t.Int64List(value=values))
    return t.Example(features=t.Features(feature={k: feature(v) for k, v in features.items()}))


def _check_golden(parsed):
    expected = EXPECTED["parsed"]
    np.testing.assert_array_equal(parsed["id"].numpy(), [e["id"] for e in expected])
    np.testing.assert_array_equal(parsed["score"].numpy(), np.array([e["score"] for e in expected], np.float32))
    assert parsed["name"].numpy().tolist() == [e["name"].encode() for e in expected]
    tags = tg.sparse.to_dense(parsed["tags"]).numpy()
    assert tags.shape == (3, 3)
    for row, e in zip(tags, expected):
        assert row[:len(e["tags"])].tolist() == e["tags"] and not row[len(e["tags"]):].any()


def test_parse_example_reads_tensorflows_examples():
    _check_golden(tg.io.parse_example(tg.constant(_golden_records()), SPEC))


def test_parse_example_in_a_traced_function():
    parse = tg.function(lambda serialized: tg.io.parse_example(serialized, SPEC))
    _check_golden(parse(tg.constant(_golden_records())))


def test_parse_single_example_drops_the_batch_dimension():
    for data, expected in zip(_golden_records(), EXPECTED["parsed"]):
        parsed = tg.io.parse_single_example(data, SPEC)
        assert parsed["id"].shape == () and parsed["id"].numpy() == expected["id"]
        assert parsed["name"].numpy() == expected["name"].encode()
        assert parsed["tags"].values.numpy().tolist() == expected["tags"]
        assert parsed["tags"].dense_shape.numpy().tolist() == [len(expected["tags"])]


def test_examples_built_here_parse_with_defaults_sequences_and_string_lists():
    examples = [_example(a=[1.0, 2.0], s=[b"x"], q=[1, 2, 3, 4]), _example(s=[b"y", b"zz"]), _example(q=[7, 8])]
    spec = {"a": tg.io.FixedLenFeature([2], tg.float32, default_value=[-1.0, -2.0]),
            "s": tg.io.VarLenFeature(tg.string),
            "q": tg.io.FixedLenSequenceFeature([2], tg.int64, allow_missing=True, default_value=-9),
            "z": tg.io.FixedLenFeature([], tg.string, default_value="none")}
    parsed = tg.io.parse_example([e.SerializeToString() for e in examples], spec)
    np.testing.assert_array_equal(parsed["a"].numpy(), [[1, 2], [-1, -2], [-1, -2]])
    assert parsed["s"].values.numpy().tolist() == [b"x", b"y", b"zz"]
    assert parsed["s"].indices.numpy().tolist() == [[0, 0], [1, 0], [1, 1]]
    assert parsed["s"].dense_shape.numpy().tolist() == [3, 2]
    np.testing.assert_array_equal(parsed["q"].numpy(), [[[1, 2], [3, 4]], [[-9, -9], [-9, -9]], [[7, 8], [-9, -9]]])
    assert parsed["z"].numpy().tolist() == [b"none"] * 3


@pytest.mark.parametrize("example, spec, message", [
    (_example(), {"a": tg.io.FixedLenFeature([], tg.int64)}, "Feature: a .data type: int64. is required"),
    (_example(a=[1, 2]), {"a": tg.io.FixedLenFeature([], tg.int64)}, "Key: a, Index: 0.  Number of int64 values"),
    (_example(a=[1.5]), {"a": tg.io.FixedLenFeature([], tg.int64)}, "Data types don't match.*float_list"),
    (_example(q=[1, 2, 3]), {"q": tg.io.FixedLenSequenceFeature([2], tg.int64, allow_missing=True)},
     "not a multiple of the item size 2"),
])
def test_records_that_do_not_fit_the_features_are_invalid_arguments(example, spec, message):
    with pytest.raises(tg.errors.InvalidArgumentError, match=message):
        tg.io.parse_example([example.SerializeToString()], spec)


def test_bad_feature_configurations_are_refused_before_parsing():
    serialized = [_example(a=[1]).SerializeToString()]
    with pytest.raises(ValueError, match="requires allow_missing"):
        tg.io.parse_example(serialized, {"a": tg.io.FixedLenSequenceFeature([], tg.int64)})
    with pytest.raises(ValueError, match="int64, float32 or string"):
        tg.io.parse_example(serialized, {"a": tg.io.FixedLenFeature([], tg.int32)})
    with pytest.raises(ValueError, match="features was empty"):
        tg.io.parse_example(serialized, {})
    with pytest.raises(tg.errors.InvalidArgumentError, match="record 0 is not a serialized Example"):
        tg.io.parse_example([b"\xff\xff not a proto"], {"a": tg.io.VarLenFeature(tg.int64)})


def test_example_classes_read_and_write_tensorflows_bytes():
    # A SequenceExample serialized by TensorFlow 2.21.
    tf_bytes = b"\n\x0e\n\x0c\n\x03len\x12\x05\x1a\x03\n\x01\x02\x12\x18\n\x16\n\x03tok\x12\x0f\n\x05\n\x03\n\x01a\n\x06\n\x04\n\x02bc"
    sequence = t.SequenceExample.FromString(tf_bytes)
    assert list(sequence.context.feature["len"].int64_list.value) == [2]
    assert [list(f.bytes_list.value) for f in sequence.feature_lists.feature_list["tok"].feature] == [[b"a"], [b"bc"]]
    assert sequence.SerializeToString() == tf_bytes
    example = t.Example.FromString(_golden_records()[0])
    assert list(example.features.feature["tags"].int64_list.value) == [3, 4, 5]
    assert t.Example.DESCRIPTOR.full_name == "tensorflow.Example"


def test_import_tracegraph_does_not_load_protobuf_or_crc32c():
    import subprocess
    import sys
    code = ("import sys, tracegraph\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('google', 'google_crc32c')))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_a_saved_model_holding_parse_example_loads_and_parses(tmp_path):
    class Parser(tg.Module):
        @tg.function(input_signature=[tg.TensorSpec([None], tg.string)])
        def __call__(self, records):
            parsed = tg.io.parse_example(records, SPEC)
            return {"id": parsed["id"], "tags": tg.sparse.to_dense(parsed["tags"])}

    tg.saved_model.save(Parser(), str(tmp_path / "parser"))
    result = tg.saved_model.load(str(tmp_path / "parser"))(tg.constant(_golden_records()))
    assert result["id"].numpy().tolist() == [e["id"] for e in EXPECTED["parsed"]]
    assert result["tags"].numpy().tolist() == [[3, 4, 5], [0, 0, 0], [9, 0, 0]]
