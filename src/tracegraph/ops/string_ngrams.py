"""`ngrams`: the n-grams of rows of strings (TF's StringNGrams kernel), one op over (values, row_splits).

Row `i` is `values[row_splits[i]:row_splits[i + 1]]`. For each width, the row is
padded with `pad_width` copies of `left_pad` and `right_pad` (at most width - 1)
and every window of `width` tokens is joined with `separator`; a row too short for
any window gives nothing, or, with `preserve_short`, one n-gram of the whole padded
row. The n-grams of all widths of row `i` form row `i` of the result. Like every
string op it runs on the host (see `string_ops.py`).
"""
import numpy as np

from . import string_ops
from .string_tokens import row_splits_of
from .. import dtypes
from ..convert import convert_to_tensor
from ..core.dispatch import bind
from ..core.op import Op
from ..core.rules import spec_of
from ..shape import TensorShape

__all__ = ["ngrams_of_rows"]


def _row_ngrams(tokens, width, separator, left_pad, right_pad, pad_width, preserve_short):
    pad = width - 1 if pad_width < 0 else min(pad_width, width - 1)
    padded = [left_pad] * pad + tokens + [right_pad] * pad
    count = len(padded) - width + 1
    if count > 0:
        return [separator.join(padded[k:k + width]) for k in range(count)]
    return [separator.join(padded)] if preserve_short and tokens else []


def _ngrams_infer(values, row_splits, **attrs):
    string_ops.check_string("ngrams", values, "data")
    if not row_splits.dtype.is_integer:
        raise TypeError(f"ngrams: row_splits must be integers, got {row_splits.dtype.name}")
    return spec_of(TensorShape([None]), dtypes.string), spec_of(row_splits.shape, dtypes.int64)


def _ngrams_impl(xp, values, row_splits, widths, separator, left_pad, right_pad, pad_width, preserve_short):
    values, splits = string_ops.to_host(values).tolist(), string_ops.to_host(row_splits).tolist()
    options = [s.encode() for s in (separator, left_pad, right_pad)] + [pad_width, preserve_short]
    rows = [[gram for width in widths for gram in _row_ngrams(values[a:b], width, *options)]
            for a, b in zip(splits[:-1], splits[1:])]
    grams = np.empty(sum(map(len, rows)), dtype=object)
    grams[:] = [gram for row in rows for gram in row]
    counts = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
    return string_ops.to_backend(xp, grams), string_ops.to_backend(xp, row_splits_of(counts))


_ngrams = Op("string_ngrams", infer=_ngrams_infer, impl=_ngrams_impl, multiple_outputs=True)


def ngrams_of_rows(values, row_splits, widths, separator, left_pad, right_pad, pad_width, preserve_short):
    """(n-grams, row_splits int64) of the rows `values[row_splits[i]:row_splits[i + 1]]`.

    `pad_width` -1 pads with width - 1 tokens; 0 does not pad.
    """
    attrs = {"widths": tuple(widths), "separator": separator, "left_pad": left_pad, "right_pad": right_pad,
             "pad_width": int(pad_width), "preserve_short": bool(preserve_short)}
    return bind(_ngrams, [values, convert_to_tensor(row_splits)], attrs)
