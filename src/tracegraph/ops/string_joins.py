"""String ops joining strings: `join` (elementwise), `reduce_join` (along axes),
`unsorted_segment_join` (by segment ids) and `format` (tensors printed into a template).

Like every string op they run on the host (see `string_ops.py`).
"""
import numpy as np

from . import logging_ops
from .api_dispatch import add_dispatch_support
from .string_ops import as_string_tensor, check_string, to_host
from .. import dtypes
from ..convert import convert_to_tensor
from ..core.dispatch import bind
from ..core.op import Op
from ..core.rules import broadcast_shapes, normalize_axis, reduced_shape, spec_of
from ..errors import InvalidArgumentError
from ..shape import TensorShape

__all__ = ["join", "reduce_join", "unsorted_segment_join", "format"]


# ----- joining -------------------------------------------------------------------------------

def _join_infer(*inputs, separator):
    for k, spec in enumerate(inputs):
        check_string("join", spec, f"inputs[{k}]")
    return spec_of(broadcast_shapes("join", *[s.shape for s in inputs]), dtypes.string)


def _join_impl(xp, *inputs, separator):
    columns = np.broadcast_arrays(*[to_host(a) for a in inputs])
    sep = separator.encode()
    flat = np.fromiter((sep.join(row) for row in zip(*[c.reshape(-1) for c in columns])), dtype=object,
                       count=columns[0].size)
    return flat.reshape(columns[0].shape)


_join = Op("string_join", infer=_join_infer, impl=_join_impl)


def join(inputs, separator="", name=None):
    """The strings of the tensors in `inputs` joined elementwise with `separator` (with broadcasting)."""
    if not isinstance(inputs, (list, tuple)) or not inputs:
        raise TypeError(f"join: `inputs` must be a non-empty list of string tensors, got {inputs!r}")
    tensors = [as_string_tensor(t, "join", f"inputs[{k}]") for k, t in enumerate(inputs)]
    return bind(_join, tensors, {"separator": separator})


def _reduce_join_infer(x, axis, keepdims, separator):
    check_string("reduce_join", x)
    return spec_of(reduced_shape(x.shape, axis, keepdims), dtypes.string)


def _reduce_join_impl(xp, x, axis, keepdims, separator):
    x = to_host(x)
    axes = tuple(range(x.ndim)) if axis is None else tuple(sorted(a % x.ndim for a in axis))
    kept = [a for a in range(x.ndim) if a not in axes]
    kept_shape = tuple(x.shape[a] for a in kept)
    row_length = int(np.prod([x.shape[a] for a in axes]))
    rows = np.transpose(x, kept + list(axes)).reshape(-1, row_length) if x.size else \
        np.empty((int(np.prod(kept_shape)), 0), dtype=object)
    sep = separator.encode()
    result = np.fromiter((sep.join(row) for row in rows), dtype=object, count=rows.shape[0]).reshape(kept_shape)
    if keepdims:
        result = result.reshape(tuple(1 if a in axes else n for a, n in enumerate(x.shape)))
    return result


_reduce_join = Op("reduce_join", infer=_reduce_join_infer, impl=_reduce_join_impl)


def _axes(axis, rank):
    if axis is None:
        return None
    axes = axis.numpy().tolist() if hasattr(axis, "numpy") else axis
    axes = [axes] if isinstance(axes, (int, np.integer)) else list(axes)
    return tuple(normalize_axis("reduce_join", int(a), rank) for a in axes)


@add_dispatch_support
def reduce_join(inputs, axis=None, keepdims=False, separator="", name=None):
    """The strings joined along `axis` (all axes if None) with `separator`, in row-major order."""
    tensor = as_string_tensor(inputs, "reduce_join", "inputs")
    rank = tensor.shape.rank
    if rank is None and axis is not None:
        raise ValueError("reduce_join: the rank of `inputs` must be known to reduce along an axis")
    attrs = {"axis": _axes(axis, rank), "keepdims": bool(keepdims), "separator": separator}
    return bind(_reduce_join, [tensor], attrs)


# ----- segments ----------------------------------------------------------------------------

def _segment_join_infer(x, segment_ids, num_segments, separator):
    check_string("unsorted_segment_join", x, "inputs")
    if not segment_ids.dtype.is_integer or not num_segments.dtype.is_integer:
        raise TypeError(f"unsorted_segment_join: `segment_ids` and `num_segments` must be integer tensors, got "
                        f"{segment_ids.dtype.name} and {num_segments.dtype.name}")
    if x.shape.rank is None or segment_ids.shape.rank is None:
        return spec_of(TensorShape(None), dtypes.string)
    if not x.shape[:segment_ids.shape.rank].is_compatible_with(segment_ids.shape):
        raise ValueError(f"unsorted_segment_join: the shape of `segment_ids` {segment_ids.shape} must be a prefix "
                         f"of the shape of `inputs` {x.shape}")
    return spec_of(TensorShape([None]).concatenate(x.shape[segment_ids.shape.rank:]), dtypes.string)


def _segment_join_impl(xp, x, segment_ids, num_segments, separator):
    x, ids, count = to_host(x), to_host(segment_ids).reshape(-1), int(to_host(num_segments))
    if ids.size and ids.max() >= count:
        raise InvalidArgumentError(f"unsorted_segment_join: segment id {ids.max()} is not below "
                                   f"num_segments {count}")
    inner = x.shape[to_host(segment_ids).ndim:]
    rows = x.reshape(ids.size, -1) if x.size else np.empty((ids.size, int(np.prod(inner))), dtype=object)
    members = [[] for _ in range(count)]
    for row, segment in enumerate(ids.tolist()):
        if segment >= 0:  # negative ids drop their values, as in TF
            members[segment].append(row)
    sep = separator.encode()
    result = np.empty((count, rows.shape[1]), dtype=object)
    for segment, chosen in enumerate(members):
        result[segment] = [sep.join(column) for column in rows[chosen].T] if chosen else b""
    return result.reshape((count,) + inner)


_segment_join = Op("unsorted_segment_join", infer=_segment_join_infer, impl=_segment_join_impl)


def unsorted_segment_join(inputs, segment_ids, num_segments, separator="", name=None):
    """The strings of `inputs` joined per segment: output `i` joins, in order, the entries whose
    `segment_ids` is `i` (an empty string for none; a negative id drops its entry)."""
    tensors = [as_string_tensor(inputs, "unsorted_segment_join", "inputs"), convert_to_tensor(segment_ids),
               convert_to_tensor(num_segments)]
    return bind(_segment_join, tensors, {"separator": separator})


# ----- format ------------------------------------------------------------------------------

def _format_infer(*inputs, template, placeholder, summarize):
    return spec_of(TensorShape([]), dtypes.string)


def _format_impl(xp, *inputs, template, placeholder, summarize):
    pieces = template.split(placeholder)
    text = [pieces[0]]
    for array, piece in zip(inputs, pieces[1:]):
        text.extend([format_value(array, summarize), piece])
    return np.array("".join(text).encode(), dtype=object)


def format_value(array, summarize):
    """A tensor's value as `tg.print` shows it."""
    return logging_ops.format_for_print(to_host(array), summarize)


_format = Op("string_format", infer=_format_infer, impl=_format_impl)


def format(template, inputs, placeholder="{}", summarize=3, name=None):  # noqa: A001 - TF's name
    """`template` with each `placeholder` replaced by the next tensor of `inputs`, printed as `tg.print` does."""
    if not isinstance(template, str):
        raise TypeError(f"format: `template` must be a Python string, got {template!r}")
    if not isinstance(placeholder, str) or not placeholder:
        raise ValueError(f"format: `placeholder` must be a non-empty string, got {placeholder!r}")
    tensors = [convert_to_tensor(t) for t in (inputs if isinstance(inputs, (list, tuple)) else [inputs])]
    needed = template.count(placeholder)
    if needed != len(tensors):
        raise ValueError(f"format: the template has {needed} placeholder(s) {placeholder!r} but "
                         f"{len(tensors)} input(s) were given")
    attrs = {"template": template, "placeholder": placeholder, "summarize": int(summarize)}
    return bind(_format, tensors, attrs)
