"""tg.strings against Python's own string functions: eagerly and inside tg.function on the numpy and
numba backends (random Unicode text from hypothesis), ragged results, TF's printing, and clear errors."""
import re

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tracegraph as tg
from tracegraph.errors import InvalidArgumentError
from tracegraph.ir.graph import Graph
from tracegraph.ir.interpreter import interpret
from tracegraph.ragged import RaggedTensor

BACKENDS = ["numpy", "numba"]

texts = st.text(max_size=12)
text_lists = st.lists(texts, min_size=1, max_size=5)
words = st.text(alphabet="ab é咖\u00a0 \t", max_size=12)


def run_everywhere(fn, *args):
    """fn's results eagerly and as a tg.function (no fallback) on every backend."""
    results = [fn(*args)]
    for backend in BACKENDS:
        results.append(tg.function(fn, backend=backend, fallback="error")(*args))
    return results


def strings_of(tensor):
    return np.asarray(tensor).tolist()


def utf8(values):
    return [v.encode() for v in values]


# ----- tg.string tensors ---------------------------------------------------------------------

def test_string_constants_are_utf8_bytes_printed_as_tf_prints_them():
    t = tg.constant("café")
    assert t.dtype == tg.string and t.shape == ()
    assert t.numpy() == "café".encode()
    assert str(t) == "tg.Tensor(b'caf\\xc3\\xa9', shape=(), dtype=string)"
    assert repr(tg.constant(["a"])) == "<tg.Tensor: shape=(1,), dtype=string, numpy=array([b'a'], dtype=object)>"


def test_nested_lists_numpy_arrays_and_mixed_bytes_and_text_become_string_tensors():
    assert strings_of(tg.constant([["a"], ["é"]])) == [[b"a"], ["é".encode()]]
    assert strings_of(tg.constant(np.array(["x", "yé"]))) == [b"x", "yé".encode()]
    assert strings_of(tg.constant(np.array([b"x", b"y"]))) == [b"x", b"y"]
    assert strings_of(tg.constant([b"\xff", "é"])) == [b"\xff", "é".encode()]


def test_string_equality_is_elementwise():
    t = tg.constant(["a", "b"])
    assert tg.equal(t, "a").numpy().tolist() == [True, False]
    assert (t != tg.constant(["a", "c"])).numpy().tolist() == [False, True]


# ----- length and Unicode --------------------------------------------------------------------

@settings(max_examples=25, deadline=None)
@given(values=text_lists)
def test_length_counts_bytes_or_characters(values):
    t = tg.constant(values)
    for byte_lengths in run_everywhere(lambda x: tg.strings.length(x), t):
        assert byte_lengths.numpy().tolist() == [len(v.encode()) for v in values]
    for char_lengths in run_everywhere(lambda x: tg.strings.length(x, unit="UTF8_CHAR"), t):
        assert char_lengths.dtype == tg.int32
        assert char_lengths.numpy().tolist() == [len(v) for v in values]


@settings(max_examples=25, deadline=None)
@given(values=st.lists(st.binary(max_size=10), min_size=1, max_size=5))
def test_character_length_of_any_bytes_counts_the_bytes_that_start_a_character(values):
    lengths = tg.strings.length(tg.constant(values, dtype=tg.string), unit="UTF8_CHAR")
    assert lengths.numpy().tolist() == [sum(1 for b in v if b & 0xC0 != 0x80) for v in values]


@settings(max_examples=25, deadline=None)
@given(values=text_lists)
def test_unicode_decode_gives_code_points_and_encode_inverts_it(values):
    decoded = tg.strings.unicode_decode(tg.constant(values), "UTF-8")
    assert isinstance(decoded, RaggedTensor)
    assert decoded.to_list() == [[ord(c) for c in v] for v in values]
    encoded = tg.strings.unicode_encode(decoded, "UTF-8")
    assert strings_of(encoded) == utf8(values)


@settings(max_examples=25, deadline=None)
@given(value=texts)
def test_one_string_decodes_to_a_dense_vector(value):
    for decoded in run_everywhere(lambda x: tg.strings.unicode_decode(x, "UTF8"), tg.constant(value)):
        assert isinstance(decoded, tg.Tensor) and decoded.dtype == tg.int32
        assert decoded.numpy().tolist() == [ord(c) for c in value]
    for encoded in run_everywhere(lambda x: tg.strings.unicode_encode(x, "UTF-8"),
                                  tg.constant([ord(c) for c in value], dtype=tg.int32)):
        assert encoded.numpy() == value.encode()


def test_unicode_encode_of_a_dense_matrix_gives_one_string_per_row():
    points = tg.constant([[99, 97], [21654, 21857]])
    for encoded in run_everywhere(lambda x: tg.strings.unicode_encode(x, "UTF-8"), points):
        assert strings_of(encoded) == utf8(["ca", "咖啡"])
    empty_rows = tg.strings.unicode_encode(tg.zeros([2, 0], dtype=tg.int32), "UTF-8")
    assert strings_of(empty_rows) == [b"", b""]


def test_invalid_sequences_follow_errors():
    broken = tg.constant([b"a\xffb\xe4\xb8", "\ufffd"])
    assert tg.strings.unicode_decode(broken, "UTF-8").to_list() == [[97, 65533, 98, 65533], [65533]]
    assert tg.strings.unicode_decode(broken, "UTF-8", replacement_char=63).to_list() == [[97, 63, 98, 63], [65533]]
    assert tg.strings.unicode_decode(broken, "UTF-8", errors="ignore").to_list() == [[97, 98], [65533]]
    with pytest.raises(InvalidArgumentError, match="invalid UTF-8"):
        tg.strings.unicode_decode(broken, "UTF-8", errors="strict")
    with_controls = tg.strings.unicode_decode(tg.constant("a\x01"), "UTF-8", replace_control_characters=True)
    assert with_controls.numpy().tolist() == [97, 65533]
    encoded = tg.strings.unicode_encode(tg.constant([97, -1, 0xD800]), "UTF-8")
    assert encoded.numpy() == "a\ufffd\ufffd".encode()
    with pytest.raises(InvalidArgumentError, match="invalid code point"):
        tg.strings.unicode_encode(tg.constant([97, -1]), "UTF-8", errors="strict")


@settings(max_examples=40, deadline=None)
@given(values=st.lists(st.binary(max_size=10), min_size=1, max_size=5))
def test_invalid_utf8_is_replaced_or_dropped_as_python_does(values):
    t = tg.constant(values, dtype=tg.string)
    for errors in ("replace", "ignore"):
        decoded = tg.strings.unicode_decode(t, "UTF-8", errors=errors)
        assert decoded.to_list() == [[ord(c) for c in v.decode("utf-8", errors)] for v in values]


@settings(max_examples=25, deadline=None)
@given(values=text_lists)
def test_unicode_split_gives_each_character(values):
    split = tg.strings.unicode_split(tg.constant(values), "UTF-8")
    assert split.to_list() == [utf8(list(v)) for v in values]


def _byte_offsets(text):
    return [len(text[:k].encode()) for k in range(len(text))]


@settings(max_examples=25, deadline=None)
@given(values=text_lists)
def test_decode_and_split_with_offsets_give_each_characters_byte_offset(values):
    points, offsets = tg.strings.unicode_decode_with_offsets(tg.constant(values), "UTF-8")
    assert points.to_list() == [[ord(c) for c in v] for v in values]
    assert offsets.to_list() == [_byte_offsets(v) for v in values]
    characters, offsets = tg.strings.unicode_split_with_offsets(tg.constant(values), "UTF-8")
    assert characters.to_list() == [utf8(list(v)) for v in values]
    assert offsets.to_list() == [_byte_offsets(v) for v in values]


def test_offsets_count_the_bytes_of_invalid_sequences_and_other_encodings():
    for fn in run_everywhere(lambda x: tg.strings.unicode_decode_with_offsets(x, "UTF-8"), tg.constant(b"a\xffb\xe4\xb8c")):
        points, offsets = fn
        assert points.numpy().tolist() == [97, 65533, 98, 65533, 99]
        assert offsets.numpy().tolist() == [0, 1, 2, 3, 5]
    points, offsets = tg.strings.unicode_decode_with_offsets(tg.constant(b"a\xffb"), "UTF-8", errors="ignore")
    assert points.numpy().tolist() == [97, 98] and offsets.numpy().tolist() == [0, 2]
    _, offsets = tg.strings.unicode_decode_with_offsets(tg.constant("é😀x".encode("utf-16-be")), "UTF-16-BE")
    assert offsets.numpy().tolist() == [0, 2, 6]


@settings(max_examples=25, deadline=None)
@given(values=text_lists)
def test_bytes_split_and_transcode_agree_with_python(values):
    t = tg.constant(values)
    assert tg.strings.bytes_split(t).to_list() == [[bytes([b]) for b in v.encode()] for v in values]
    for transcoded in run_everywhere(lambda x: tg.strings.unicode_transcode(x, "UTF-8", "UTF-16-BE"), t):
        assert strings_of(transcoded) == [v.encode("utf-16-be") for v in values]


def test_other_encodings_decode_and_encode():
    text = "咖啡 ok"
    for encoding, codec in (("UTF-16-BE", "utf-16-be"), ("UTF-32-BE", "utf-32-be")):
        decoded = tg.strings.unicode_decode(tg.constant(text.encode(codec)), encoding)
        assert decoded.numpy().tolist() == [ord(c) for c in text]
        assert tg.strings.unicode_encode(decoded, encoding).numpy() == text.encode(codec)


# ----- splitting and joining -----------------------------------------------------------------

@settings(max_examples=25, deadline=None)
@given(values=st.lists(words, min_size=1, max_size=5))
def test_split_on_whitespace_and_on_a_separator(values):
    t = tg.constant(values)
    assert tg.strings.split(t).to_list() == [v.encode().split() for v in values]
    assert tg.strings.split(t, sep="a").to_list() == [v.encode().split(b"a") for v in values]
    assert tg.strings.split(t, sep=" ", maxsplit=1).to_list() == [v.encode().split(b" ", 1) for v in values]


def test_split_of_one_string_is_dense_and_of_a_matrix_is_ragged_twice():
    for pieces in run_everywhere(lambda x: tg.strings.split(x), tg.constant("hello  world")):
        assert strings_of(pieces) == [b"hello", b"world"]
    nested = tg.strings.split(tg.constant([["a b", "c"], ["d", ""]]))
    assert nested.to_list() == [[[b"a", b"b"], [b"c"]], [[b"d"], []]]


@settings(max_examples=25, deadline=None)
@given(a=text_lists, separator=texts)
def test_join_joins_elementwise_with_broadcasting(a, separator):
    t = tg.constant(a)
    for joined in run_everywhere(lambda x: tg.strings.join([x, "!", x], separator=separator), t):
        assert strings_of(joined) == [separator.join([v, "!", v]).encode() for v in a]


def test_reduce_join_along_axes():
    t = tg.constant([["a", "b", "c"], ["d", "e", "f"]])
    for fn, expected in [
        (lambda x: tg.strings.reduce_join(x), b"abcdef"),
        (lambda x: tg.strings.reduce_join(x, axis=0), [b"ad", b"be", b"cf"]),
        (lambda x: tg.strings.reduce_join(x, axis=-1, separator=","), [b"a,b,c", b"d,e,f"]),
        (lambda x: tg.strings.reduce_join(x, axis=1, keepdims=True), [[b"abc"], [b"def"]]),
        (lambda x: tg.strings.reduce_join(x, axis=[1, 0]), b"abcdef"),
    ]:
        for result in run_everywhere(fn, t):
            assert strings_of(result) == expected
    assert tg.strings.reduce_join(tg.constant([[], []], dtype=tg.string), axis=1).numpy().tolist() == [b"", b""]


# ----- substrings, case, whitespace, regular expressions ---------------------------------------

@settings(max_examples=40, deadline=None)
@given(value=texts, pos=st.integers(-15, 15), size=st.integers(0, 15))
def test_substr_slices_bytes_or_characters(value, pos, size):
    data = value.encode()
    for unit, sequence in (("BYTE", data), ("UTF8_CHAR", value)):
        if not -len(sequence) <= pos <= len(sequence):
            with pytest.raises(InvalidArgumentError, match="out of range"):
                tg.strings.substr(value, pos, size, unit=unit)
            continue
        start = pos % len(sequence) if pos < 0 else pos
        expected = sequence[start:start + size]
        result = tg.strings.substr(value, pos, size, unit=unit).numpy()
        assert result == (expected if unit == "BYTE" else expected.encode())


def test_substr_broadcasts_positions_and_runs_traced():
    t = tg.constant(["hello", "world"])
    for result in run_everywhere(lambda x, p: tg.strings.substr(x, p, 2), t, tg.constant([0, 3])):
        assert strings_of(result) == [b"he", b"ld"]


@settings(max_examples=25, deadline=None)
@given(values=text_lists)
def test_case_and_strip_match_pythons_byte_methods(values):
    t = tg.constant(values)
    data = utf8(values)
    for upper, lower, stripped in run_everywhere(
            lambda x: (tg.strings.upper(x), tg.strings.lower(x), tg.strings.strip(x)), t):
        assert strings_of(upper) == [d.upper() for d in data]
        assert strings_of(lower) == [d.lower() for d in data]
        assert strings_of(stripped) == [d.strip() for d in data]


def test_unicode_case_mapping_goes_character_by_character():
    assert tg.strings.upper("café ß", encoding="utf-8").numpy() == "CAFÉ ß".encode()
    assert tg.strings.lower("ÉTÉ", encoding="utf-8").numpy() == "été".encode()
    assert tg.strings.upper("café").numpy() == "CAFé".encode()


@settings(max_examples=25, deadline=None)
@given(values=st.lists(words, min_size=1, max_size=5))
def test_regex_replace_and_full_match_agree_with_re(values):
    t = tg.constant(values)
    for replaced, first, matched in run_everywhere(
            lambda x: (tg.strings.regex_replace(x, r"(a+)(é?)", r"<\2\1>"),
                       tg.strings.regex_replace(x, r"\s", "_", replace_global=False),
                       tg.strings.regex_full_match(x, r"[ab ]*")), t):
        assert strings_of(replaced) == utf8([re.sub(r"(a+)(é?)", r"<\2\1>", v) for v in values])
        assert strings_of(first) == utf8([re.sub(r"\s", "_", v, count=1) for v in values])
        assert matched.numpy().tolist() == [re.fullmatch(r"[ab ]*", v) is not None for v in values]


def test_regex_rewrite_whole_match_is_backslash_zero_as_in_re2():
    assert tg.strings.regex_replace("abc", "b", r"[\0]").numpy() == b"a[b]c"
    with pytest.raises(InvalidArgumentError, match="invalid pattern"):
        tg.strings.regex_full_match("a", "(")


# ----- numbers -------------------------------------------------------------------------------

@settings(max_examples=25, deadline=None)
@given(numbers=st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=5))
def test_to_number_parses_what_as_string_prints(numbers):
    x = tg.constant(numbers, dtype=tg.float64)
    for printed, parsed in run_everywhere(
            lambda v: (tg.strings.as_string(v), tg.strings.to_number(tg.strings.as_string(v), tg.float64)), x):
        assert strings_of(printed) == [("%f" % n).encode() for n in numbers]
        np.testing.assert_allclose(parsed.numpy(), [float("%f" % n) for n in numbers])


def test_as_string_options_follow_printf():
    assert strings_of(tg.strings.as_string(tg.constant([3, -42]), width=5, fill="0")) == [b"00003", b"-0042"]
    assert strings_of(tg.strings.as_string(tg.constant([3]), width=3)) == [b"  3"]
    assert tg.strings.as_string(tg.constant(1234.5), scientific=True, precision=2).numpy() == b"1.23e+03"
    assert tg.strings.as_string(tg.constant(0.1), shortest=True).numpy() == b"0.1"
    assert strings_of(tg.strings.as_string(tg.constant([True, False]))) == [b"true", b"false"]
    assert strings_of(tg.strings.as_string(tg.constant([3, -4]), width=4, fill="-")) == [b"3   ", b"-4  "]
    assert tg.strings.as_string(tg.constant(3.5), fill="+").numpy() == b"+3.500000"
    with pytest.raises(ValueError, match="`fill` must be one of"):
        tg.strings.as_string(tg.constant(1), fill="x")


def test_to_number_types_and_errors():
    assert tg.strings.to_number(tg.constant(["7", "-2"]), out_type=tg.int64).numpy().tolist() == [7, -2]
    assert tg.strings.to_number("1.5").dtype == tg.float32
    with pytest.raises(InvalidArgumentError, match="could not correctly convert string: abc"):
        tg.strings.to_number("abc")
    with pytest.raises(InvalidArgumentError):
        tg.strings.to_number("3000000000", out_type=tg.int32)
    with pytest.raises(InvalidArgumentError):
        tg.strings.to_number("1_000", out_type=tg.int32)


# ----- format and hashing --------------------------------------------------------------------

def test_format_prints_tensors_as_tg_print_does():
    result = tg.strings.format("x={} and {}", [tg.constant([1, 2]), tg.constant("s")])
    assert result.numpy() == b"x=[1 2] and s"
    traced = tg.function(lambda x: tg.strings.format("v: {}", x), fallback="error")
    assert traced(tg.constant([[1.5]])).numpy() == b"v: [[1.5]]"
    with pytest.raises(ValueError, match="1 placeholder"):
        tg.strings.format("{}", [1, 2])


def test_to_hash_bucket_fast_is_tfs_fingerprint64():
    # TF's documented example: tf.strings.to_hash_bucket_fast(["Hello", "TensorFlow", "2.x"], 3) -> [0, 2, 2]
    for buckets in run_everywhere(lambda x: tg.strings.to_hash_bucket_fast(x, 3),
                                  tg.constant(["Hello", "TensorFlow", "2.x"])):
        assert buckets.dtype == tg.int64
        assert buckets.numpy().tolist() == [0, 2, 2]


@settings(max_examples=25, deadline=None)
@given(values=text_lists, num_buckets=st.integers(1, 1000))
def test_hash_buckets_are_in_range_and_equal_for_equal_strings(values, num_buckets):
    buckets = tg.strings.to_hash_bucket_fast(tg.constant(values + values), num_buckets).numpy()
    assert ((0 <= buckets) & (buckets < num_buckets)).all()
    assert buckets[:len(values)].tolist() == buckets[len(values):].tolist()


# ----- plans and errors ----------------------------------------------------------------------

def test_string_ops_are_never_fused():
    fn = tg.function(lambda x: tg.strings.length(tg.strings.upper(x)) + 1, backend="numba")
    concrete = fn.get_concrete_function(tg.TensorSpec([None], tg.string))
    names = [node.op.name for node in concrete.optimized_graph.nodes]
    assert "string_upper" in names and "string_length" in names
    assert fn(tg.constant(["ab", "c"])).numpy().tolist() == [3, 2]
    assert "string_length: on the host" in concrete.compile().source


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_failing_string_op_in_a_function_names_its_node(backend):
    fn = tg.function(lambda x: tg.strings.substr(x, 3, 1), backend=backend, fallback="error")
    with pytest.raises(InvalidArgumentError, match=r"out of range[\s\S]*node substr"):
        fn(tg.constant(["abcd", "ab"]))


@pytest.mark.parametrize("call, error, message", [
    (lambda: tg.strings.length(tg.constant([1])), TypeError, "length: argument `input` must be a string tensor"),
    (lambda: tg.strings.length("a", unit="CHAR"), ValueError, "`unit` must be one of 'BYTE', 'UTF8_CHAR'"),
    (lambda: tg.strings.unicode_decode("a", "latin9"), ValueError, "`input_encoding` must be one of"),
    (lambda: tg.strings.unicode_decode("a", "UTF-8", errors="loud"), ValueError, "`errors` must be one of"),
    (lambda: tg.strings.join(["a", tg.constant(1)]), TypeError, r"argument `inputs\[1\]` must be a string"),
    (lambda: tg.strings.substr("a", 0.5, 1), TypeError, "`pos` must be an int32 or int64"),
    (lambda: tg.strings.to_hash_bucket_fast("a", 0), ValueError, "`num_buckets` must be a positive"),
    (lambda: tg.strings.as_string(tg.constant("a")), TypeError, "as_string: argument `input` must be a numeric or bool tensor"),
    (lambda: tg.strings.split("a b", sep=1), TypeError, "`sep` must be a Python string"),
])
def test_bad_arguments_are_named(call, error, message):
    with pytest.raises(error, match=message):
        call()


# ----- ragged strings ------------------------------------------------------------------------

@settings(max_examples=20, deadline=None)
@given(rows=st.lists(st.lists(texts, max_size=4), min_size=1, max_size=4))
def test_string_ops_on_ragged_tensors_apply_to_the_values_and_keep_the_rows(rows):
    flat = tg.constant([v for row in rows for v in row], dtype=tg.string)
    ragged = RaggedTensor.from_row_lengths(flat, [len(row) for row in rows])
    for lengths in run_everywhere(lambda r: tg.strings.length(r, unit="UTF8_CHAR"), ragged):
        assert isinstance(lengths, RaggedTensor)
        assert lengths.to_list() == [[len(v) for v in row] for row in rows]
    assert tg.strings.upper(ragged).to_list() == [[v.encode().upper() for v in row] for row in rows]
    decoded = tg.strings.unicode_decode(ragged, "UTF-8")
    assert decoded.to_list() == [[[ord(c) for c in v] for v in row] for row in rows]


def test_split_of_split_words_nests_and_a_ragged_position_is_refused():
    words = tg.strings.split(tg.constant(["a-b c", "d"]))
    assert tg.strings.split(words, sep="-").to_list() == [[[b"a", b"b"], [b"c"]], [[b"d"]]]
    with pytest.raises(TypeError, match="only `input` may be a RaggedTensor"):
        tg.strings.substr(tg.constant(["ab"]), RaggedTensor.from_row_splits([0], [0, 1]), 1)


def test_graphs_of_string_ops_survive_json_and_run_in_the_interpreter():
    def fn(words, numbers):
        pieces = tg.strings.split(numbers, sep=",")
        return (tg.strings.reduce_join(tg.strings.upper(words[None, :]), axis=[0, 1], separator="|"),
                tg.strings.length(words, unit="UTF8_CHAR"),
                tg.strings.to_number(pieces.flat_values, out_type=tg.int64))

    spec = tg.TensorSpec([None], tg.string)
    graph = Graph.from_json(tg.function(fn).get_concrete_function(spec, spec).graph.to_json())
    words = np.array([b"ab", "é".encode()], dtype=object)
    joined, lengths, numbers = interpret(graph, [words, np.array([b"1,22", b"3"], dtype=object)])
    assert joined[()] == b"AB|" + "é".encode()
    assert lengths.tolist() == [2, 1]
    assert numbers.tolist() == [1, 22, 3]
    with pytest.raises(InvalidArgumentError, match="could not correctly convert string: x"):
        interpret(graph, [words, np.array([b"1,x"], dtype=object)])


# ----- n-grams -------------------------------------------------------------------------------

def _reference_ngrams(tokens, widths, separator, pad, pad_width, preserve_short):
    grams = []
    for width in widths:
        left, right = pad or ("", "")
        count = min(width - 1 if pad_width is None else pad_width, width - 1) if pad is not None else 0
        padded = [left] * count + tokens + [right] * count
        windows = [separator.join(t) for t in zip(*(padded[k:] for k in range(width)))]
        grams += windows or ([separator.join(padded)] if preserve_short and tokens else [])
    return grams


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(st.lists(st.sampled_from(["a", "bb", "é"]), max_size=5), min_size=1, max_size=4),
       widths=st.lists(st.integers(1, 4), min_size=1, max_size=2), pad=st.sampled_from([None, ("<", ">")]),
       pad_width=st.sampled_from([None, 1, 2]), preserve_short=st.booleans())
def test_ngrams_of_ragged_rows_agree_with_a_sliding_window(rows, widths, pad, pad_width, preserve_short):
    if pad is None:
        pad_width = None
    flat = tg.constant([t for row in rows for t in row], dtype=tg.string)
    data = RaggedTensor.from_row_lengths(flat, [len(row) for row in rows])
    grams = tg.strings.ngrams(data, widths, separator="_", pad_values=pad, padding_width=pad_width,
                              preserve_short_sequences=preserve_short)
    expected = [_reference_ngrams(row, widths, "_", pad, pad_width, preserve_short) for row in rows]
    assert grams.to_list() == [utf8(row) for row in expected]


def test_ngrams_of_dense_data_are_dense_and_bad_arguments_are_named():
    for grams in run_everywhere(lambda x: tg.strings.ngrams(x, 2), tg.constant(["A", "B", "C", "D"])):
        assert strings_of(grams) == [b"A B", b"B C", b"C D"]
    matrix = tg.strings.ngrams(tg.constant([["a", "b"], ["c", "d"]]), 2, pad_values="#")
    assert strings_of(matrix) == [[b"# a", b"a b", b"b #"], [b"# c", b"c d", b"d #"]]
    with pytest.raises(ValueError, match="`ngram_width` must be a positive integer"):
        tg.strings.ngrams(tg.constant(["a"]), 0)
    with pytest.raises(ValueError, match="`pad_values` must be given"):
        tg.strings.ngrams(tg.constant(["a"]), 2, padding_width=1)


# ----- segment and ragged joins --------------------------------------------------------------

@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_unsorted_segment_join_joins_in_order_and_drops_negative_ids(data):
    values = data.draw(st.lists(texts, max_size=6))
    count = data.draw(st.integers(1, 4))
    ids = data.draw(st.lists(st.integers(-1, count - 1), min_size=len(values), max_size=len(values)))
    for joined in run_everywhere(lambda x, i: tg.strings.unsorted_segment_join(x, i, count, separator="|"),
                                 tg.constant(values, dtype=tg.string), tg.constant(ids, dtype=tg.int32)):
        expected = ["|".join(v for v, i in zip(values, ids) if i == k) for k in range(count)]
        assert strings_of(joined) == utf8(expected)


def test_unsorted_segment_join_of_rows_and_a_bad_id():
    joined = tg.strings.unsorted_segment_join(tg.constant([["a", "b"], ["c", "d"]]), [1, 1], 2, separator=":")
    assert strings_of(joined) == [[b"", b""], [b"a:c", b"b:d"]]
    with pytest.raises(InvalidArgumentError, match="segment id 2 is not below num_segments 2"):
        tg.strings.unsorted_segment_join(tg.constant(["a"]), [2], 2)


@settings(max_examples=25, deadline=None)
@given(rows=st.lists(st.lists(st.sampled_from(["a", "bb", "é"]), max_size=4), max_size=4))
def test_reduce_join_of_ragged_rows_and_columns(rows):
    flat = tg.constant([t for row in rows for t in row], dtype=tg.string)
    ragged = RaggedTensor.from_row_lengths(flat, [len(row) for row in rows])
    width = max(map(len, rows), default=0)
    columns = ["-".join(row[k] for row in rows if len(row) > k) for k in range(width)]
    for fn, expected in [(lambda r: tg.strings.reduce_join(r, axis=1, separator="-"), ["-".join(r) for r in rows]),
                         (lambda r: tg.strings.reduce_join(r, axis=0, separator="-"), columns),
                         (lambda r: tg.strings.reduce_join(r, separator="-"), "-".join(sum(rows, [])))]:
        for joined in run_everywhere(fn, ragged):
            assert strings_of(joined) == (utf8(expected) if isinstance(expected, list) else expected.encode())
