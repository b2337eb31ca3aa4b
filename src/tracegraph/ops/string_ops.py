"""String ops (TF's `tf.strings`) that map each string, or a group of strings, to one value.

A string tensor is a NumPy object array of `bytes` (UTF-8 for text). No array
module but NumPy has object arrays, so these ops run on the host on every
backend: their implementations take NumPy arrays (numeric operands are copied
to the host first) and hand numeric results back to the backend's array module.
They have no scalar template, so fusing backends never put them in a kernel.

Conversions between numbers and strings live in `string_numbers.py`, joining and
formatting in `string_joins.py`, the ops that split strings into a ragged result in
`string_tokens.py` (its compiled whitespace split in `string_split_kernel.py`), hashing in
`string_hashing.py`; this module has the shared helpers and the per-string ops.
"""
import functools
import re
import weakref

import numpy as np

from .api_dispatch import add_dispatch_support
from .. import dtypes
from ..convert import convert_to_tensor
from ..core.dispatch import bind
from ..core.op import Op
from ..core.rules import broadcast_shapes, spec_of
from ..errors import InvalidArgumentError

__all__ = ["length", "substr", "upper", "lower", "strip", "regex_replace", "regex_full_match"]

UNITS = ("BYTE", "UTF8_CHAR")


# ----- host arrays and checks ----------------------------------------------------------------

def to_host(array):
    """A NumPy array of `array` (a CuPy array is copied from the GPU)."""
    if type(array) is not np.ndarray and hasattr(array, "get"):
        return array.get()
    return np.asarray(array)


def to_backend(xp, array):
    """A numeric host result on `xp`'s device; string results stay host object arrays."""
    return array if array.dtype == object or xp is np else xp.asarray(array)


def map_strings(fn, strings, dtype):
    """`fn` applied to each element of the object array `strings`, as an array of `dtype`."""
    strings = to_host(strings)
    flat = np.fromiter(map(fn, strings.reshape(-1)), dtype=dtype, count=strings.size)
    return flat.reshape(strings.shape)


def check_string(op_name, spec, arg="input"):
    """TypeError unless `spec` is a string tensor's."""
    if spec.dtype != dtypes.string:
        raise TypeError(f"{op_name}: argument `{arg}` must be a string tensor, got {spec.dtype.name}")


def check_choice(op_name, arg, value, choices):
    """ValueError unless `value` is one of `choices`."""
    if value not in choices:
        raise ValueError(f"{op_name}: `{arg}` must be one of {', '.join(map(repr, choices))}, got {value!r}")


def as_string_tensor(value, op_name, arg="input"):
    """`value` as a string tensor; TypeError naming the argument otherwise."""
    tensor = convert_to_tensor(value)
    check_string(op_name, tensor.spec, arg)
    return tensor


def text_of(item):
    """The text of a UTF-8 byte string; undecodable bytes survive the round trip (surrogateescape)."""
    return item.decode("utf-8", "surrogateescape")


def bytes_of(text):
    """The inverse of `text_of`."""
    return text.encode("utf-8", "surrogateescape")


def mapping_op(name, per_string, result_dtype, check=None):
    """An op applying the function `per_string(**attrs)` to each string; `check(**attrs)` validates the attrs."""
    def infer(x, **attrs):
        check_string(name, x)
        if check is not None:
            check(**attrs)
        return spec_of(x.shape, result_dtype)

    def impl(xp, x, **attrs):
        return to_backend(xp, map_strings(per_string(**attrs), x, result_dtype.numpy_dtype))

    return Op(name, infer=infer, impl=impl)


# ----- byte lengths known without visiting the strings ----------------------------------------

# Ops that cut strings out of a buffer (split) know each piece's byte length already; they record
# it here for the read-only array they return, so `length` of it needs no visit to each object.
# Keyed by id(), checked through a weak reference (an id is reused once its array is gone).
_known_byte_lengths = {}


def remember_byte_lengths(strings, byte_lengths):
    """Record the int32 byte lengths of the object array `strings`, which becomes read-only."""
    strings.flags.writeable = False
    key = id(strings)
    _known_byte_lengths[key] = (weakref.ref(strings, functools.partial(_forget, key)), byte_lengths)


def _forget(key, reference):
    if _known_byte_lengths.get(key, (None,))[0] is reference:
        del _known_byte_lengths[key]


def known_byte_lengths(strings):
    """The byte lengths recorded for exactly this array (same shape), or None."""
    entry = _known_byte_lengths.get(id(strings))
    if entry is None or entry[0]() is not strings or strings.flags.writeable:
        return None
    return entry[1].reshape(strings.shape)


# ----- length, case, whitespace --------------------------------------------------------------

#: UTF-8 continuation bytes (0b10xxxxxx): every other byte starts a character.
_CONTINUATION_BYTES = bytes(range(0x80, 0xC0))


def _character_count(s):
    # TF counts the bytes that start a character, so each byte of invalid UTF-8 that is not a
    # continuation byte counts as one character.
    return len(s.translate(None, _CONTINUATION_BYTES))


def _unicode_upper(s):
    return bytes_of("".join(_one_char(c, c.upper()) for c in text_of(s)))


def _unicode_lower(s):
    return bytes_of("".join(_one_char(c, c.lower()) for c in text_of(s)))


def _one_char(char, mapped):
    # TF maps code point by code point (ICU's u_toupper): a character whose case mapping is
    # several characters (German sharp s -> "SS") stays as it is.
    return mapped if len(mapped) == 1 else char


def _check_unit(unit):
    check_choice("length", "unit", unit, UNITS)


def _check_case_encoding(encoding):
    check_choice("upper/lower", "encoding", encoding.lower() if isinstance(encoding, str) else encoding,
                 ("", "utf-8", "utf8"))


def _length_infer(x, unit):
    check_string("length", x)
    _check_unit(unit)
    return spec_of(x.shape, dtypes.int32)


def _length_impl(xp, x, unit):
    x = to_host(x)
    known = known_byte_lengths(x) if unit == "BYTE" else None
    if known is not None:
        return to_backend(xp, known.copy())
    return to_backend(xp, map_strings(len if unit == "BYTE" else _character_count, x, np.int32))


_length = Op("string_length", infer=_length_infer, impl=_length_impl)
# Without an encoding bytes.upper/lower change ASCII letters only, as TF does.
_upper_op = mapping_op("string_upper", lambda encoding: _unicode_upper if encoding else bytes.upper,
                       dtypes.string, check=_check_case_encoding)
_lower_op = mapping_op("string_lower", lambda encoding: _unicode_lower if encoding else bytes.lower,
                       dtypes.string, check=_check_case_encoding)
# bytes.strip() strips exactly ASCII whitespace, as absl::StripAsciiWhitespace in TF.
_strip = mapping_op("string_strip", lambda: bytes.strip, dtypes.string)


@add_dispatch_support
def length(input, unit="BYTE", name=None):  # noqa: A002 - TF's argument name
    """The length of each string: in bytes (`unit="BYTE"`) or in Unicode characters (`"UTF8_CHAR"`)."""
    check_choice("length", "unit", unit, UNITS)
    return bind(_length, [as_string_tensor(input, "length")], {"unit": unit})


@add_dispatch_support
def upper(input, encoding="", name=None):  # noqa: A002
    """Each string in upper case: ASCII letters only, or all of Unicode with `encoding="utf-8"`."""
    _check_case_encoding(encoding)
    return bind(_upper_op, [as_string_tensor(input, "upper")], {"encoding": encoding})


@add_dispatch_support
def lower(input, encoding="", name=None):  # noqa: A002
    """Each string in lower case: ASCII letters only, or all of Unicode with `encoding="utf-8"`."""
    _check_case_encoding(encoding)
    return bind(_lower_op, [as_string_tensor(input, "lower")], {"encoding": encoding})


@add_dispatch_support
def strip(input, name=None):  # noqa: A002
    """Each string without leading and trailing ASCII whitespace."""
    return bind(_strip, [as_string_tensor(input, "strip")])


# ----- regular expressions -------------------------------------------------------------------

def _compiled(op_name, pattern):
    try:
        return re.compile(pattern)
    except re.error as error:
        raise InvalidArgumentError(f"{op_name}: invalid pattern {pattern!r}: {error}") from None


def _python_rewrite(rewrite):
    # RE2 writes the whole match as \0; Python's re.sub spells it \g<0>.
    return re.sub(r"(?<!\\)((?:\\\\)*)\\0", r"\1\\g<0>", rewrite)


def _replacer(pattern, rewrite, replace_global):
    compiled, template = _compiled("regex_replace", pattern), _python_rewrite(rewrite)
    count = 0 if replace_global else 1
    return lambda s: bytes_of(compiled.sub(template, text_of(s), count=count))


def _full_matcher(pattern):
    compiled = _compiled("regex_full_match", pattern)
    return lambda s: compiled.fullmatch(text_of(s)) is not None


_regex_replace = mapping_op("regex_replace", _replacer, dtypes.string)
_regex_full_match = mapping_op("regex_full_match", _full_matcher, dtypes.bool)


def _pattern_text(op_name, arg, value):
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if not isinstance(value, str):
        raise TypeError(f"{op_name}: `{arg}` must be a Python string, got {value!r}")
    return value


@add_dispatch_support
def regex_replace(input, pattern, rewrite, replace_global=True, name=None):  # noqa: A002
    """Each string with the matches of the regular expression `pattern` replaced by `rewrite`.

    `rewrite` may refer to groups as `\\1` (and to the whole match as `\\0`, as in RE2);
    `replace_global=False` replaces the first match only. Patterns use Python's `re`
    syntax, which agrees with TF's RE2 for the common constructs.
    """
    attrs = {"pattern": _pattern_text("regex_replace", "pattern", pattern),
             "rewrite": _pattern_text("regex_replace", "rewrite", rewrite),
             "replace_global": bool(replace_global)}
    _compiled("regex_replace", attrs["pattern"])
    return bind(_regex_replace, [as_string_tensor(input, "regex_replace")], attrs)


@add_dispatch_support
def regex_full_match(input, pattern, name=None):  # noqa: A002
    """Whether each whole string matches the regular expression `pattern` (bool)."""
    pattern = _pattern_text("regex_full_match", "pattern", pattern)
    _compiled("regex_full_match", pattern)
    return bind(_regex_full_match, [as_string_tensor(input, "regex_full_match")], {"pattern": pattern})


# ----- substrings ----------------------------------------------------------------------------

def _substr_infer(x, pos, size, unit):
    check_string("substr", x)
    for arg, spec in (("pos", pos), ("len", size)):
        if not spec.dtype.is_integer:
            raise TypeError(f"substr: argument `{arg}` must be an int32 or int64 tensor, got {spec.dtype.name}")
    return spec_of(broadcast_shapes("substr", x.shape, pos.shape, size.shape), dtypes.string)


def _substr_one(s, pos, size, unit):
    text = s if unit == "BYTE" else text_of(s)
    n = len(text)
    if pos > n or pos < -n:
        raise InvalidArgumentError(f"substr: `pos` {pos} out of range for string {s!r} of length {n} ({unit})")
    start = pos if pos >= 0 else n + pos
    piece = text[start:start + max(int(size), 0)]
    return piece if unit == "BYTE" else bytes_of(piece)


def _substr_impl(xp, x, pos, size, unit):
    x, pos, size = np.broadcast_arrays(to_host(x), to_host(pos), to_host(size))
    triples = zip(x.reshape(-1), pos.reshape(-1).tolist(), size.reshape(-1).tolist())
    flat = np.fromiter((_substr_one(s, p, n, unit) for s, p, n in triples), dtype=object, count=x.size)
    return flat.reshape(x.shape)


_substr = Op("substr", infer=_substr_infer, impl=_substr_impl)


@add_dispatch_support
def substr(input, pos, len, unit="BYTE", name=None):  # noqa: A002 - TF's argument names
    """The substring of each string starting at `pos` (negative: from the end) of at most `len` units.

    `unit` counts bytes (`"BYTE"`) or Unicode characters (`"UTF8_CHAR"`); `pos` and `len`
    broadcast against `input`. A `pos` beyond either end raises InvalidArgumentError.
    """
    check_choice("substr", "unit", unit, UNITS)
    tensor = as_string_tensor(input, "substr")
    pos, size = convert_to_tensor(pos), convert_to_tensor(len)
    return bind(_substr, [tensor, pos, size], {"unit": unit})
