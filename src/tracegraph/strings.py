"""`tg.strings`: operations on string tensors, as TF's `tf.strings`.

A string tensor (`tg.string`) holds byte strings; text is UTF-8. The ops that
map each string to one value live in `ops/string_ops.py` (and, for numbers,
`ops/string_numbers.py`), joining in `ops/string_joins.py`. Those that split a
string into a varying number of pieces (`split`, `unicode_decode`,
`unicode_split`) give a `tg.RaggedTensor` for a tensor of strings and a dense
1-D tensor for a single string, as TF does; they are built here from the
(values, row_splits) pairs of `ops/string_tokens.py`.

Every op of one string tensor also takes a RaggedTensor of strings, as in TF: it
applies to the flat values and keeps the row partitions (a handler registered
with `ops/api_dispatch.py` for each op).
"""
import inspect

from .convert import convert_to_tensor
from .ops import array_ops, creation, gather_scatter, reduction, string_ngrams, string_tokens
from .ops.api_dispatch import add_dispatch_support, dispatch_for_api
from .ops.string_joins import format, join, reduce_join, unsorted_segment_join  # noqa: F401
from .ops.string_numbers import as_string, string_to_number, to_number  # noqa: F401
from .ops.string_hashing import to_hash_bucket, to_hash_bucket_fast, to_hash_bucket_strong  # noqa: F401
from .ops.string_ops import length, lower, regex_full_match, regex_replace, strip, substr, upper  # noqa: F401
from .ops.string_tokens import unicode_transcode  # noqa: F401
from .ragged import RaggedTensor

__all__ = ["length", "unicode_decode", "unicode_decode_with_offsets", "unicode_encode", "unicode_split",
           "unicode_split_with_offsets", "unicode_transcode", "bytes_split", "split", "ngrams", "join", "reduce_join", "unsorted_segment_join",
           "substr", "upper", "lower", "strip", "regex_replace", "regex_full_match", "to_number",
           "string_to_number", "as_string", "format", "to_hash_bucket_fast", "to_hash_bucket",
           "to_hash_bucket_strong"]


def _nest_rows(values, row_splits, shape):
    """The pieces of the strings of a tensor of `shape` as a RaggedTensor one rank higher.

    A single string gives its pieces as a dense vector; for a tensor of rank r > 1 the
    outer r - 1 dimensions are uniform partitions above the ragged one.
    """
    rank = shape.rank
    if rank == 0:
        return values
    result = RaggedTensor.from_row_splits(values, row_splits)
    for dim in reversed(_outer_dims(shape)):
        result = RaggedTensor.from_row_splits(result, _uniform_splits(result, dim))
    return result


def _outer_dims(shape):
    if shape.rank is None:
        raise ValueError("tg.strings: the rank of `input` must be known to build a ragged result")
    return list(shape.as_tuple()[:-1])


def _uniform_splits(rows, row_length):
    """row_splits [0, n, 2n, ...] grouping the rows of `rows` by `row_length`."""
    return creation.range(0, rows.nrows(out_type="int64") + 1, row_length, dtype="int64")


def _string_input(input, op_name):  # noqa: A002 - TF's argument name
    tensor = convert_to_tensor(input)
    if tensor.shape.rank is None:
        raise ValueError(f"{op_name}: the rank of `input` must be known")
    return tensor


@add_dispatch_support
def unicode_decode(input, input_encoding, errors="replace", replacement_char=0xFFFD,  # noqa: A002
                   replace_control_characters=False, name=None):
    """The Unicode code points (int32) of each string.

    One string gives a 1-D tensor; a tensor of strings a RaggedTensor with one row per string.
    `errors` says what an invalid sequence becomes: `"replace"` (`replacement_char`),
    `"ignore"` (nothing) or `"strict"` (InvalidArgumentError).
    """
    tensor = _string_input(input, "unicode_decode")
    values, row_splits = string_tokens.unicode_decode_with_row_splits(
        tensor, input_encoding, errors, replacement_char, replace_control_characters)
    return _nest_rows(values, row_splits, tensor.shape)


@add_dispatch_support
def unicode_split(input, input_encoding, errors="replace", replacement_char=0xFFFD, name=None):  # noqa: A002
    """Each string split into its characters (strings in `input_encoding`); ragged for several strings."""
    tensor = _string_input(input, "unicode_split")
    values, row_splits = string_tokens.unicode_split_with_row_splits(tensor, input_encoding, errors,
                                                                     replacement_char)
    return _nest_rows(values, row_splits, tensor.shape)


@add_dispatch_support
def unicode_decode_with_offsets(input, input_encoding, errors="replace", replacement_char=0xFFFD,  # noqa: A002
                                replace_control_characters=False, name=None):
    """`(code points, start offsets)`: `unicode_decode`'s code points and the byte offset (int64)
    where each character starts in its string."""
    tensor = _string_input(input, "unicode_decode_with_offsets")
    points, offsets, row_splits = string_tokens.unicode_decode_with_offsets(
        tensor, input_encoding, errors, replacement_char, replace_control_characters)
    return _nest_rows(points, row_splits, tensor.shape), _nest_rows(offsets, row_splits, tensor.shape)


@add_dispatch_support
def unicode_split_with_offsets(input, input_encoding, errors="replace", replacement_char=0xFFFD,  # noqa: A002
                               name=None):
    """`(characters, start offsets)`: `unicode_split`'s characters and the byte offset (int64) where
    each starts in its string."""
    tensor = _string_input(input, "unicode_split_with_offsets")
    characters, offsets, row_splits = string_tokens.unicode_split_with_offsets(tensor, input_encoding, errors,
                                                                               replacement_char)
    return _nest_rows(characters, row_splits, tensor.shape), _nest_rows(offsets, row_splits, tensor.shape)


@add_dispatch_support
def bytes_split(input, name=None):  # noqa: A002
    """Each string split into its bytes (strings of length 1); ragged for several strings."""
    tensor = _string_input(input, "bytes_split")
    values, row_splits = string_tokens.bytes_split_with_row_splits(tensor)
    return _nest_rows(values, row_splits, tensor.shape)


@add_dispatch_support
def split(input, sep=None, maxsplit=-1, name=None):  # noqa: A002
    """Each string split at `sep`, or at runs of whitespace when `sep` is None (TF's `tf.strings.split`).

    With a `sep`, adjacent separators delimit empty strings; `maxsplit` limits the number of
    splits per string. One string gives a 1-D tensor; a tensor of strings a RaggedTensor.
    """
    tensor = _string_input(input, "split")
    values, row_splits = string_tokens.split_with_row_splits(tensor, sep, maxsplit)
    return _nest_rows(values, row_splits, tensor.shape)


def unicode_encode(input, output_encoding, errors="replace", replacement_char=0xFFFD, name=None):  # noqa: A002
    """Code points encoded as strings: one string per innermost row of `input`.

    `input` is a 1-D tensor of code points (one string), a dense tensor (one string per
    row of its last axis) or a RaggedTensor (one string per ragged row).
    """
    if isinstance(input, RaggedTensor):
        if input.ragged_rank > 1:
            return input.with_values(unicode_encode(input.values, output_encoding, errors, replacement_char))
        return string_tokens.unicode_encode_rows(input.values, input.row_splits, output_encoding, errors,
                                                 replacement_char)
    tensor = convert_to_tensor(input)
    if tensor.shape.rank is None or tensor.shape.rank == 0:
        raise ValueError(f"unicode_encode: `input` must have rank 1 or more, got shape {tensor.shape}")
    shape = array_ops.shape(tensor, out_type="int64")
    rows = reduction.reduce_prod(shape[:-1])
    row_splits = creation.range(rows + 1, dtype="int64") * shape[-1]
    strings = string_tokens.unicode_encode_rows(array_ops.reshape(tensor, [-1]), row_splits, output_encoding,
                                                errors, replacement_char)
    return array_ops.reshape(strings, shape[:-1])


def ngrams(data, ngram_width, separator=" ", pad_values=None, padding_width=None,
           preserve_short_sequences=False, name=None):
    """The n-grams of the innermost rows of `data` (strings joined by `separator`), as TF's `tf.strings.ngrams`.

    `ngram_width` is a width or a list of widths (each row's n-grams of every width, in order).
    `pad_values` (a string, or a (left, right) pair) pads each row with `padding_width`
    tokens on each side (width - 1 by default); without it nothing is padded. A row too
    short for any n-gram gives none, or one of the whole padded row with
    `preserve_short_sequences`. A RaggedTensor gives a RaggedTensor; a dense vector or
    matrix a dense result.
    """
    options = (_ngram_widths(ngram_width), separator, *_ngram_padding(pad_values, padding_width),
               preserve_short_sequences)
    if isinstance(data, RaggedTensor):
        if data.ragged_rank > 1:
            return data.with_values(ngrams(data.values, ngram_width, separator, pad_values, padding_width,
                                           preserve_short_sequences))
        grams, row_splits = string_ngrams.ngrams_of_rows(data.values, data.row_splits, *options)
        return RaggedTensor.from_row_splits(grams, row_splits, validate=False)
    tensor = convert_to_tensor(data)
    if tensor.shape.rank == 1:
        return ngrams(tensor[None], ngram_width, separator, pad_values, padding_width, preserve_short_sequences)[0]
    if tensor.shape.rank != 2:
        raise ValueError(f"ngrams: `data` must be a RaggedTensor or a dense tensor of rank 1 or 2, got shape "
                         f"{tensor.shape}")
    return ngrams(RaggedTensor.from_tensor(tensor), ngram_width, separator, pad_values, padding_width,
                  preserve_short_sequences).to_tensor(default_value=b"")


def _ngram_widths(ngram_width):
    widths = list(ngram_width) if isinstance(ngram_width, (list, tuple)) else [ngram_width]
    if not widths or any(isinstance(w, bool) or not isinstance(w, int) or w < 1 for w in widths):
        raise ValueError(f"ngrams: `ngram_width` must be a positive integer or a list of them, got {ngram_width!r}")
    return widths


def _ngram_padding(pad_values, padding_width):
    """(left pad, right pad, pad width: -1 for width - 1, 0 for none)."""
    if pad_values is None:
        if padding_width is not None:
            raise ValueError("ngrams: `pad_values` must be given when `padding_width` is")
        return "", "", 0
    if isinstance(pad_values, str):
        left, right = pad_values, pad_values
    elif isinstance(pad_values, (list, tuple)) and len(pad_values) == 2 and all(isinstance(p, str) for p in pad_values):
        left, right = pad_values
    else:
        raise TypeError(f"ngrams: `pad_values` must be a string or a (left, right) pair of strings, got {pad_values!r}")
    if padding_width is not None and (isinstance(padding_width, bool) or not isinstance(padding_width, int)
                                      or padding_width < 1):
        raise ValueError(f"ngrams: `padding_width` must be a positive integer, got {padding_width!r}")
    return left, right, -1 if padding_width is None else padding_width

@dispatch_for_api(reduce_join, RaggedTensor)
def _reduce_join_ragged(inputs, axis=None, keepdims=False, separator="", name=None):
    """`reduce_join` of a 2-D RaggedTensor: along its rows (axis 1), its columns (axis 0) or all of it."""
    if inputs.ragged_rank != 1 or inputs.flat_values.shape.rank != 1:
        raise ValueError("reduce_join: a RaggedTensor must be 2-D (ragged rank 1 over a vector)")
    axes = sorted({a % 2 for a in axis} if isinstance(axis, (list, tuple)) else {axis % 2}) if axis is not None \
        else [0, 1]
    if axes == [0, 1]:
        joined = reduce_join(inputs.values, separator=separator)
        return array_ops.reshape(joined, [1, 1]) if keepdims else joined
    rows = inputs.value_rowids()
    if axes == [1]:
        joined = unsorted_segment_join(inputs.values, rows, inputs.nrows(), separator)
        return array_ops.reshape(joined, [-1, 1]) if keepdims else joined
    position_in_row = creation.range(array_ops.size(inputs.values, out_type="int64"), dtype="int64") - \
        gather_scatter.gather(inputs.row_splits, rows)
    joined = unsorted_segment_join(inputs.values, position_in_row, inputs.bounding_shape(axis=1), separator)
    return array_ops.reshape(joined, [1, -1]) if keepdims else joined

def _on_flat_values(op):
    """The handler of `op` for a RaggedTensor `input`: `op` on its flat values, each result under its rows."""
    signature = inspect.signature(op)

    def handler(*args, **kwargs):
        arguments = signature.bind(*args, **kwargs).arguments
        ragged = arguments.pop("input")
        if not isinstance(ragged, RaggedTensor) or any(isinstance(v, RaggedTensor) for v in arguments.values()):
            raise TypeError(f"{op.__name__}: only `input` may be a RaggedTensor")
        result = op(ragged.flat_values, **arguments)
        if isinstance(result, tuple):  # the ops *_with_offsets return a pair
            return tuple(ragged.with_flat_values(r) for r in result)
        return ragged.with_flat_values(result)

    return handler


for _op in (length, upper, lower, strip, regex_replace, regex_full_match, to_number, as_string, substr,
            to_hash_bucket_fast, to_hash_bucket, to_hash_bucket_strong, unicode_decode, unicode_decode_with_offsets, unicode_split, unicode_split_with_offsets,
            unicode_transcode, bytes_split, split):
    dispatch_for_api(_op, RaggedTensor)(_on_flat_values(_op))
