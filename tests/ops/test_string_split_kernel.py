"""The compiled whitespace split (ops/string_split_kernel.py) against Python's `bytes.split()`: interned
and not, in one chunk and several, through tg.strings.split eagerly and in tg.function, and the byte
lengths `tg.strings.length` reads from the split instead of from each piece."""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import tracegraph as tg
from tracegraph.ops import string_ops, string_split_kernel

# Every ASCII whitespace byte, NUL, bytes that are whitespace elsewhere (\x1c, \x85 and \xa0 of
# U+00A0's UTF-8), multibyte UTF-8 and words longer than the kernel's 8-byte first word.
PIECES = [b"a", b"b", b" ", b"\t", b"\n", b"\x0b", b"\x0c", b"\r", b"\x00", b"\x1c", b"\x85", "é\u00a0".encode(),
          "咖".encode(), b"abcdefgh", b"abcdefghi", b"abcdefghijklmnopq"]
byte_strings = st.lists(st.sampled_from(PIECES), max_size=10).map(b"".join)


@pytest.fixture
def kernel_always(monkeypatch):
    """The kernel splits inputs of every size (they are small here)."""
    monkeypatch.setattr(string_split_kernel, "MIN_KERNEL_BYTES", 0)
    if not string_split_kernel._kernel_module():
        pytest.skip("the numba backend is not available")


def object_array(values):
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def python_split(strings):
    parts = [s.split() for s in strings]
    return [w for p in parts for w in p], [0] + np.cumsum([len(p) for p in parts]).tolist()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(byte_strings, min_size=1, max_size=12))
def test_kernel_splits_as_bytes_split(kernel_always, strings):
    pieces, row_splits, byte_lengths = string_split_kernel.split_at_whitespace(object_array(strings))
    words, splits = python_split(strings)
    assert pieces.dtype == object and pieces.tolist() == words
    assert row_splits.dtype == np.int64 and row_splits.tolist() == splits
    assert byte_lengths.dtype == np.int32 and byte_lengths.tolist() == [len(w) for w in words]


def test_every_byte_value_and_strings_across_64_byte_blocks_split_as_bytes_split(kernel_always):
    rng = np.random.default_rng(3)
    alphabet = [bytes([b]) for b in range(256)] + [b" "] * 64 + [b"word"] * 64
    for _ in range(20):
        strings = [b"".join(rng.choice(np.array(alphabet, dtype=object), rng.integers(0, 200)))
                   for _ in range(rng.integers(1, 8))]
        pieces, row_splits, byte_lengths = string_split_kernel.split_at_whitespace(object_array(strings))
        words, splits = python_split(strings)
        assert pieces.tolist() == words and row_splits.tolist() == splits
        assert byte_lengths.tolist() == [len(w) for w in words]


def test_mostly_distinct_words_stop_interning_and_split_the_same(kernel_always):
    strings = [b" ".join(b"w%d" % (5 * i + j) for j in range(5)) + b"  " for i in range(2000)]
    pieces, row_splits, byte_lengths = string_split_kernel.split_at_whitespace(object_array(strings))
    words, splits = python_split(strings)
    assert pieces.tolist() == words and row_splits.tolist() == splits
    assert byte_lengths.tolist() == [len(w) for w in words]


def test_repeated_words_are_one_object_each_per_chunk(kernel_always, monkeypatch):
    monkeypatch.setattr(string_split_kernel, "_usable_cores", lambda: 1)
    pieces, _, _ = string_split_kernel.split_at_whitespace(object_array([b"to be or not to be"] * 50))
    assert len({id(p) for p in pieces}) == 4
    monkeypatch.setattr(string_split_kernel, "_usable_cores", lambda: 3)
    pieces, row_splits, _ = string_split_kernel.split_at_whitespace(object_array([b"to be or not to be"] * 50))
    assert len({id(p) for p in pieces}) == 12 and row_splits.tolist() == list(range(0, 301, 6))


def test_small_inputs_and_no_numba_leave_the_split_to_python(monkeypatch):
    assert string_split_kernel.split_at_whitespace(object_array([b"a b"])) is None
    assert string_split_kernel.split_at_whitespace(object_array([])) is None
    monkeypatch.setattr(string_split_kernel, "MIN_KERNEL_BYTES", 0)
    monkeypatch.setattr(string_split_kernel, "_kernels", False)
    assert string_split_kernel.split_at_whitespace(object_array([b"a b"])) is None


@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (0,)])
def test_tg_split_and_length_agree_with_the_python_path_eagerly_and_traced(kernel_always, monkeypatch, shape):
    rng = np.random.default_rng(1)
    size = int(np.prod(shape))
    texts = np.array([b"".join(rng.choice(np.array(PIECES, dtype=object), 7)) for _ in range(size)] or [],
                     dtype=object).reshape(shape)

    def split_and_length(s):
        words = tg.strings.split(s)
        flat = words.flat_values if isinstance(words, tg.RaggedTensor) else words
        return flat, tg.strings.length(flat), tg.strings.length(flat, unit="UTF8_CHAR")

    compiled = [[np.asarray(r).tolist() for r in split_and_length(tg.constant(texts))],
                [np.asarray(r).tolist() for r in tg.function(split_and_length)(tg.constant(texts))]]
    monkeypatch.setattr(string_split_kernel, "MIN_KERNEL_BYTES", 1 << 62)
    in_python = [np.asarray(r).tolist() for r in split_and_length(tg.constant(texts))]
    assert compiled[0] == in_python and compiled[1] == in_python
    assert in_python[1] == [len(w) for w in in_python[0]]


def test_length_reads_the_recorded_byte_lengths_only_for_the_split_array_itself(kernel_always):
    words = tg.strings.split(tg.constant(["one two", "three"])).flat_values
    array = words.numpy()
    assert not array.flags.writeable
    assert string_ops.known_byte_lengths(words._value).tolist() == [3, 3, 5]
    assert string_ops.known_byte_lengths(words._value[1:]) is None
    assert string_ops.known_byte_lengths(object_array([b"x"])) is None
    assert tg.strings.length(words[1:]).numpy().tolist() == [3, 5]
