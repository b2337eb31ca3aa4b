"""String ops whose results have a varying length per string: splitting, Unicode decoding, encoding.

Each splitting op takes the strings of a tensor in row-major order and returns
two tensors, the pieces of all strings one after another and `row_splits`
(int64, one more than the number of strings): the pieces of string `i` are
`values[row_splits[i]:row_splits[i + 1]]`. `tg.strings` builds a RaggedTensor
from the pair. `unicode_encode` goes the other way. Like every string op they
run on the host (see `string_ops.py`).
"""
import codecs
import functools
import operator

import numpy as np

from . import string_ops
from .string_split_kernel import split_at_whitespace
from .api_dispatch import add_dispatch_support
from .. import dtypes
from ..convert import convert_to_tensor
from ..core.dispatch import bind
from ..core.op import Op
from ..core.rules import spec_of
from ..errors import InvalidArgumentError
from ..shape import TensorShape

__all__ = ["split_with_row_splits", "bytes_split_with_row_splits", "unicode_decode_with_row_splits",
           "unicode_decode_with_offsets", "unicode_split_with_row_splits", "unicode_split_with_offsets",
           "unicode_encode_rows", "unicode_transcode"]

ERROR_MODES = ("replace", "ignore", "strict")
_ENCODINGS = {"UTF-8": "utf-8", "UTF8": "utf-8", "UTF-16-BE": "utf-16-be", "UTF-32-BE": "utf-32-be"}
_MAX_CODE_POINT = 0x10FFFF


def _codec(op_name, arg, encoding):
    try:
        return _ENCODINGS[encoding.upper()]
    except (KeyError, AttributeError):
        raise ValueError(f"{op_name}: `{arg}` must be one of {', '.join(_ENCODINGS)}, got {encoding!r}") from None


def _pieces_infer(op_name, piece_dtypes):
    def infer(x, **attrs):
        string_ops.check_string(op_name, x)
        count = x.shape.num_elements()
        pieces = tuple(spec_of(TensorShape([None]), dtype) for dtype in piece_dtypes)
        return pieces + (spec_of(TensorShape([None if count is None else count + 1]), dtypes.int64),)
    return infer


def row_splits_of(lengths):
    """int64 row_splits of rows of the given lengths."""
    splits = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=splits[1:])
    return splits


def pieces_op(name, split_all, *piece_dtypes):
    """A multi-output op: `split_all(strings, **attrs) -> (values, ..., row_splits)` over a flat
    object array, with one values array per dtype of `piece_dtypes`."""
    def impl(xp, x, **attrs):
        arrays = split_all(string_ops.to_host(x).reshape(-1), **attrs)
        return tuple(string_ops.to_backend(xp, a) for a in arrays)

    return Op(name, infer=_pieces_infer(name, piece_dtypes), impl=impl, multiple_outputs=True)


def _pieces_of_each(strings, split_one):
    """(values, row_splits) of the lists `split_one(string)` of all strings, one after another."""
    values = []

    def count_pieces(pieces):
        values.extend(pieces)  # one flat list: no list per string is kept (they cost more than the split)
        return len(pieces)

    counts = np.fromiter(map(count_pieces, map(split_one, strings)), dtype=np.int64, count=len(strings))
    return np.fromiter(values, dtype=object, count=len(values)), row_splits_of(counts)


# ----- decoding ------------------------------------------------------------------------------

# A lone surrogate cannot come out of a successful decode, so it marks each invalid sequence
# unambiguously (Python reports the same maximal invalid subsequences as TF's ICU); the mark
# U+D800 + n stands for n invalid bytes, so offsets stay computable.
_INVALID = 0xD800
codecs.register_error("tracegraph.mark_invalid", lambda error: (chr(_INVALID + error.end - error.start), error.end))


def _decoded_texts(strings, input_encoding, errors):
    codec = _codec("unicode_decode", "input_encoding", input_encoding)
    try:
        return list(map(operator.methodcaller("decode", codec, "strict" if errors == "strict" else
                                              "tracegraph.mark_invalid"), strings))
    except UnicodeDecodeError as error:
        raise InvalidArgumentError(f"unicode_decode: invalid {input_encoding} in {error.object!r}: "
                                   f"{error.reason}") from None


def _is_control(points):
    # Unicode's control characters (category Cc): C0, DEL and C1.
    return (points < 0x20) | ((points >= 0x7F) & (points < 0xA0))


def _byte_widths(points, invalid, codec):
    """How many bytes of the input each decoded character (or invalid sequence) took."""
    if codec == "utf-8":
        widths = 1 + (points >= 0x80) + (points >= 0x800) + (points >= 0x10000)
    elif codec == "utf-16-be":
        widths = 2 + 2 * (points >= 0x10000)
    else:
        widths = np.full(points.shape, 4)
    return np.where(invalid, points - _INVALID, widths).astype(np.int64)


def _start_offsets(widths, lengths, splits):
    """The byte offset of each character within its own string."""
    starts = np.cumsum(widths) - widths
    row_starts = np.concatenate([[0], np.cumsum(widths)])[splits[:-1]]
    return starts - np.repeat(row_starts, lengths)


def _decode_with_offsets(strings, input_encoding, errors, replacement_char, replace_control_characters):
    """(code points, byte start offsets, row_splits): all strings decoded at once, through one
    UTF-32 buffer."""
    texts = _decoded_texts(strings, input_encoding, errors)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    points = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype="<u4").astype(np.int32)
    invalid = (points >= _INVALID) & (points < 0xE000)
    splits = row_splits_of(lengths)
    offsets = _start_offsets(_byte_widths(points, invalid, _ENCODINGS[input_encoding.upper()]), lengths, splits)
    if errors == "ignore":
        invalid_before = np.concatenate([[0], np.cumsum(invalid)])[splits]  # invalid marks before each row
        splits = splits - invalid_before
        points, offsets = points[~invalid], offsets[~invalid]
    else:
        points[invalid] = replacement_char
    if replace_control_characters:
        points[_is_control(points)] = replacement_char
    return points, offsets, splits


def _decode_all(strings, **attrs):
    points, _, splits = _decode_with_offsets(strings, **attrs)
    return points, splits


def _characters(points, input_encoding):
    codec = _ENCODINGS[input_encoding.upper()]
    return np.fromiter((chr(p).encode(codec) for p in points.tolist()), dtype=object, count=len(points))


def _split_characters(strings, input_encoding, **attrs):
    points, splits = _decode_all(strings, input_encoding=input_encoding, **attrs)
    return _characters(points, input_encoding), splits


def _split_characters_with_offsets(strings, input_encoding, **attrs):
    points, offsets, splits = _decode_with_offsets(strings, input_encoding=input_encoding, **attrs)
    return _characters(points, input_encoding), offsets, splits


def _split_all(strings, sep, maxsplit):
    # An empty `sep` splits on runs of whitespace, as TF's StringSplitV2.
    if not sep and maxsplit < 0:
        split = split_at_whitespace(strings)
        if split is not None:
            pieces, row_splits, byte_lengths = split
            string_ops.remember_byte_lengths(pieces, byte_lengths)
            return pieces, row_splits
    return _pieces_of_each(strings, functools.partial(bytes.split, sep=sep.encode() or None, maxsplit=maxsplit))


def _bytes_of_each(s):
    return [s[k:k + 1] for k in range(len(s))]


_unicode_decode = pieces_op("unicode_decode_with_row_splits", _decode_all, dtypes.int32)
_unicode_decode_with_offsets = pieces_op("unicode_decode_with_offsets", _decode_with_offsets, dtypes.int32,
                                         dtypes.int64)
_unicode_split = pieces_op("unicode_split_with_row_splits", _split_characters, dtypes.string)
_unicode_split_with_offsets = pieces_op("unicode_split_with_offsets", _split_characters_with_offsets,
                                        dtypes.string, dtypes.int64)
_split = pieces_op("string_split", _split_all, dtypes.string)
_bytes_split = pieces_op("bytes_split", lambda strings: _pieces_of_each(strings, _bytes_of_each), dtypes.string)


def _decode_attrs(op_name, input_encoding, errors, replacement_char, replace_control_characters):
    _codec(op_name, "input_encoding", input_encoding)
    string_ops.check_choice(op_name, "errors", errors, ERROR_MODES)
    _check_replacement_char(op_name, replacement_char)
    return {"input_encoding": input_encoding, "errors": errors, "replacement_char": int(replacement_char),
            "replace_control_characters": bool(replace_control_characters)}


def _check_replacement_char(op_name, replacement_char):
    if isinstance(replacement_char, bool) or not isinstance(replacement_char, (int, np.integer)) \
            or not 0 <= replacement_char <= _MAX_CODE_POINT:
        raise ValueError(f"{op_name}: `replacement_char` must be a Unicode code point, got {replacement_char!r}")


def unicode_decode_with_row_splits(input, input_encoding, errors="replace", replacement_char=0xFFFD,  # noqa: A002
                                   replace_control_characters=False):
    """(code points int32, row_splits int64) of the strings of `input` in row-major order."""
    attrs = _decode_attrs("unicode_decode", input_encoding, errors, replacement_char, replace_control_characters)
    return bind(_unicode_decode, [string_ops.as_string_tensor(input, "unicode_decode")], attrs)


def unicode_decode_with_offsets(input, input_encoding, errors="replace", replacement_char=0xFFFD,  # noqa: A002
                                replace_control_characters=False):
    """(code points int32, their byte offsets int64, row_splits int64) of the strings of `input`."""
    attrs = _decode_attrs("unicode_decode_with_offsets", input_encoding, errors, replacement_char,
                          replace_control_characters)
    return bind(_unicode_decode_with_offsets,
                [string_ops.as_string_tensor(input, "unicode_decode_with_offsets")], attrs)


def unicode_split_with_row_splits(input, input_encoding, errors="replace", replacement_char=0xFFFD):  # noqa: A002
    """(characters as strings, row_splits int64) of the strings of `input` in row-major order."""
    attrs = _decode_attrs("unicode_split", input_encoding, errors, replacement_char, False)
    return bind(_unicode_split, [string_ops.as_string_tensor(input, "unicode_split")], attrs)


def unicode_split_with_offsets(input, input_encoding, errors="replace", replacement_char=0xFFFD):  # noqa: A002
    """(characters as strings, their byte offsets int64, row_splits int64) of the strings of `input`."""
    attrs = _decode_attrs("unicode_split_with_offsets", input_encoding, errors, replacement_char, False)
    return bind(_unicode_split_with_offsets, [string_ops.as_string_tensor(input, "unicode_split_with_offsets")],
                attrs)


def bytes_split_with_row_splits(input):  # noqa: A002
    """(single bytes as strings, row_splits int64) of the strings of `input`."""
    return bind(_bytes_split, [string_ops.as_string_tensor(input, "bytes_split")])


def split_with_row_splits(input, sep=None, maxsplit=-1):  # noqa: A002
    """(pieces, row_splits int64) of the strings of `input` split at `sep` (None: whitespace runs)."""
    if sep is not None and not isinstance(sep, str):
        raise TypeError(f"split: `sep` must be a Python string or None, got {sep!r}")
    if isinstance(maxsplit, bool) or not isinstance(maxsplit, (int, np.integer)):
        raise TypeError(f"split: `maxsplit` must be an integer, got {maxsplit!r}")
    attrs = {"sep": sep or "", "maxsplit": int(maxsplit)}
    return bind(_split, [string_ops.as_string_tensor(input, "split")], attrs)


def _transcoder(input_encoding, output_encoding, errors, replacement_char, replace_control_characters):
    output_codec = _ENCODINGS[output_encoding.upper()]

    def transcode(s):
        points, _, _ = _decode_with_offsets(np.array([s], dtype=object), input_encoding, errors, replacement_char,
                                            replace_control_characters)
        return "".join(map(chr, points.tolist())).encode(output_codec)

    return transcode


_unicode_transcode = string_ops.mapping_op("unicode_transcode", _transcoder, dtypes.string)


@add_dispatch_support
def unicode_transcode(input, input_encoding, output_encoding, errors="replace", replacement_char=0xFFFD,  # noqa: A002
                      replace_control_characters=False, name=None):
    """Each string re-encoded from `input_encoding` to `output_encoding` (invalid sequences as `errors` says)."""
    attrs = _decode_attrs("unicode_transcode", input_encoding, errors, replacement_char, replace_control_characters)
    _codec("unicode_transcode", "output_encoding", output_encoding)
    attrs["output_encoding"] = output_encoding
    return bind(_unicode_transcode, [string_ops.as_string_tensor(input, "unicode_transcode")], attrs)


# ----- encoding ------------------------------------------------------------------------------

def _encode_infer(values, row_splits, output_encoding, errors, replacement_char):
    if not values.dtype.is_integer:
        raise TypeError(f"unicode_encode: argument `input` must hold int32 code points, got {values.dtype.name}")
    if not row_splits.dtype.is_integer:
        raise TypeError(f"unicode_encode: row_splits must be integers, got {row_splits.dtype.name}")
    rows = row_splits.shape[0] if row_splits.shape.rank else None
    return spec_of(TensorShape([None if rows is None else rows - 1]), dtypes.string)


def _valid_code_point(p):
    return 0 <= p <= _MAX_CODE_POINT and not 0xD800 <= p <= 0xDFFF


def _encode_row(points, codec, errors, replacement_char):
    if errors == "strict":
        bad = [p for p in points if not _valid_code_point(p)]
        if bad:
            raise InvalidArgumentError(f"unicode_encode: invalid code point {bad[0]}")
    elif errors == "ignore":
        points = [p for p in points if _valid_code_point(p)]
    else:
        points = [p if _valid_code_point(p) else replacement_char for p in points]
    return "".join(map(chr, points)).encode(codec)


def _encode_impl(xp, values, row_splits, output_encoding, errors, replacement_char):
    values = string_ops.to_host(values).tolist()
    splits = string_ops.to_host(row_splits).tolist()
    codec = codecs.lookup(_codec("unicode_encode", "output_encoding", output_encoding)).name
    rows = (values[a:b] for a, b in zip(splits[:-1], splits[1:]))
    return np.fromiter((_encode_row(r, codec, errors, replacement_char) for r in rows), dtype=object,
                       count=max(len(splits) - 1, 0))


_unicode_encode = Op("unicode_encode", infer=_encode_infer, impl=_encode_impl)


def unicode_encode_rows(values, row_splits, output_encoding, errors="replace", replacement_char=0xFFFD):
    """One string per row of code points (`values[row_splits[i]:row_splits[i + 1]]`)."""
    _codec("unicode_encode", "output_encoding", output_encoding)
    string_ops.check_choice("unicode_encode", "errors", errors, ERROR_MODES)
    _check_replacement_char("unicode_encode", replacement_char)
    attrs = {"output_encoding": output_encoding, "errors": errors, "replacement_char": int(replacement_char)}
    return bind(_unicode_encode, [convert_to_tensor(values), convert_to_tensor(row_splits)], attrs)
