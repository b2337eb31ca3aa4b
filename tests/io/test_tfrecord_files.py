"""TFRecord files: the framing read and written as TensorFlow does, compression, and corrupt files.

The golden files in `golden/` were written by TensorFlow 2.21 (copied from ../shared/golden/tfrecord, as CI
clones only this repository); `expected.json` says what they hold.
"""
import gzip
import hashlib
import pathlib
import zlib

import pytest

import tracegraph as tg
from tracegraph.io import records

GOLDEN = pathlib.Path(__file__).parent / "golden"
STRINGS = [b"first record", b"", b"x" * 300]


def _read(path, compression=None, **kwargs):
    return [data for _, data in records.read_records(str(path), compression, **kwargs)]


def _write(path, items, options=None):
    with tg.io.TFRecordWriter(str(path), options) as writer:
        for item in items:
            writer.write(item)


def test_the_golden_copies_equal_the_shared_originals_where_those_are_present():
    shared = pathlib.Path(__file__).parents[3] / "shared" / "golden" / "tfrecord"
    if not shared.is_dir():
        pytest.skip(f"{shared} is not here (CI clones only this repository)")
    for original in shared.iterdir():
        assert (GOLDEN / original.name).read_bytes() == original.read_bytes(), original.name


def test_reads_tensorflows_records_with_their_offsets():
    found = list(records.read_records(str(GOLDEN / "plain_strings.tfrecord")))
    assert found == [(0, b"first record"), (28, b""), (44, b"x" * 300)]


@pytest.mark.parametrize("name, compression", [("examples.tfrecord.gz", "GZIP"), ("examples.tfrecord.zlib", "zlib")])
def test_compressed_golden_files_hold_the_plain_files_records(name, compression):
    plain = _read(GOLDEN / "examples.tfrecord")
    assert len(plain) == 3
    assert _read(GOLDEN / name, compression) == plain


def test_written_file_is_byte_for_byte_tensorflows(tmp_path):
    _write(tmp_path / "out.tfrecord", STRINGS)
    assert (tmp_path / "out.tfrecord").read_bytes() == (GOLDEN / "plain_strings.tfrecord").read_bytes()


#: SHA-256 of the file TensorFlow 2.21's TFRecordWriter wrote for `_many_records()` with each compression.
TF_FILE_HASHES = {"": "03636b6c250fbbdc4a2764ec24a0b60dac3e63c8e7962957643f87ef26d40ca9",
                  "GZIP": "3a75b664c9de2edeac511dd2fd6e30847ed5e0a81ac16ef5ce6d2cace7f63b57",
                  "ZLIB": "cab6a432a8f97f3021b8482601634fcda1523707286df01b1f93ea1b60073088"}


def _many_records():
    return [bytes([i % 256]) * (i % 700) for i in range(3000)]   # ~1 MB: several write chunks


@pytest.mark.parametrize("compression", ["", "GZIP", "ZLIB"])
def test_a_large_file_is_byte_for_byte_tensorflows_in_every_compression(tmp_path, compression):
    _write(tmp_path / "out.tfrecord", _many_records(), compression)
    assert hashlib.sha256((tmp_path / "out.tfrecord").read_bytes()).hexdigest() == TF_FILE_HASHES[compression]
    assert _read(tmp_path / "out.tfrecord", compression, buffer_size=4096) == _many_records()


@pytest.mark.parametrize("options", ["GZIP", "ZLIB", tg.io.TFRecordOptions("GZIP", compression_level=9),
                                     tg.io.TFRecordOptions(tg.io.TFRecordCompressionType.ZLIB, compression_level=0)])
def test_compressed_files_round_trip_and_are_standard_streams(tmp_path, options):
    path = tmp_path / "out.tfrecord"
    _write(path, STRINGS, options)
    kind = tg.io.TFRecordOptions.get_compression_type_string(options)
    assert _read(path, tg.constant(kind), buffer_size=7) == STRINGS
    raw = path.read_bytes()
    inflated = gzip.decompress(raw) if kind == "GZIP" else zlib.decompress(raw)
    assert inflated == (GOLDEN / "plain_strings.tfrecord").read_bytes()


def test_masked_crc32c_matches_the_standard_check_value():
    # CRC32C("123456789") is 0xE3069283 (RFC 3720); the mask rotates right by 15 and adds 0xA282EAD8.
    crc = 0xE3069283
    assert records.masked_crc32c(b"123456789") == (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def test_records_may_be_str_bytes_or_string_tensors(tmp_path):
    _write(tmp_path / "out.tfrecord", ["text", b"bytes", tg.constant(b"tensor"), tg.constant("unicode \u00e9")])
    assert _read(tmp_path / "out.tfrecord") == [b"text", b"bytes", b"tensor", "unicode \u00e9".encode()]


@pytest.mark.parametrize("options", [None, "GZIP", "ZLIB"])
def test_flush_makes_the_records_written_so_far_readable(tmp_path, options):
    path = tmp_path / "out.tfrecord"
    writer = tg.io.TFRecordWriter(str(path), options)
    writer.write(b"one")
    writer.write(b"two")
    writer.flush()
    raw = path.read_bytes()
    inflated = raw if options is None else zlib.decompressobj(zlib.MAX_WBITS | 32).decompress(raw)
    assert inflated == records.frame(b"one") + records.frame(b"two")
    writer.close()
    writer.close()
    with pytest.raises(ValueError, match="closed"):
        writer.write(b"three")


def test_a_bad_data_checksum_names_the_file_and_the_records_offset(tmp_path):
    path = tmp_path / "bad.tfrecord"
    data = bytearray((GOLDEN / "plain_strings.tfrecord").read_bytes())
    data[28 + 12 + 2] ^= 1   # inside the second record's data CRC (its data is empty)
    path.write_bytes(bytes(data))
    found = records.read_records(str(path))
    assert next(found) == (0, b"first record")
    with pytest.raises(tg.errors.DataLossError, match=r"bad\.tfrecord: corrupted record at byte offset 28"):
        next(found)


def test_a_bad_length_checksum_is_data_loss(tmp_path):
    path = tmp_path / "bad.tfrecord"
    data = bytearray((GOLDEN / "plain_strings.tfrecord").read_bytes())
    data[44] ^= 0xFF   # the third record's length
    path.write_bytes(bytes(data))
    with pytest.raises(tg.errors.DataLossError, match="byte offset 44 .the checksum of its length"):
        _read(path)


@pytest.mark.parametrize("cut, what", [(50, "header"), (100, "data")])
def test_a_truncated_file_is_data_loss_at_the_last_records_offset(tmp_path, cut, what):
    path = tmp_path / "short.tfrecord"
    path.write_bytes((GOLDEN / "plain_strings.tfrecord").read_bytes()[:cut])
    with pytest.raises(tg.errors.DataLossError, match=f"truncated record at byte offset 44 .*{what}"):
        _read(path, buffer_size=16)


def test_a_missing_file_and_an_unknown_compression_are_clear_errors(tmp_path):
    with pytest.raises(tg.errors.NotFoundError, match="nothing.tfrecord"):
        _read(tmp_path / "nothing.tfrecord")
    with pytest.raises(ValueError, match="compression_type 'LZ4'"):
        tg.io.TFRecordWriter(str(tmp_path / "x"), "LZ4")
