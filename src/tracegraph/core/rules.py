"""Shared pieces of shape/dtype rules: broadcasting, dtype checks, axis handling.

All of them work on `TensorShape`s with unknown dimensions (`None`) and unknown
rank, because tracing runs shape rules on symbolic specs.
"""
from .. import dtypes
from ..shape import TensorShape
from ..spec import spec_of

__all__ = ["broadcast_shapes", "elementwise_spec", "check_dtype", "same_dtype", "normalize_axis",
           "reduced_shape", "spec_of", "KINDS"]

#: Named sets of dtype kinds an op accepts ("f" float, "c" complex, "i"/"u" ints, "b" bool).
KINDS = {
    "float": "f",
    "inexact": "fc",
    "numeric": "fciu",
    "real": "fiu",
    "integer": "iu",
    "bool": "b",
    "any": "fciub",
}


def broadcast_shapes(op_name, *shapes):
    """NumPy broadcasting of several shapes; `None` dims broadcast like an unknown size."""
    tuples = [s.as_tuple() for s in shapes]
    if all(t is not None and None not in t for t in tuples):
        return TensorShape(_broadcast_known(op_name, tuples, shapes))  # the eager case, kept fast
    if any(s.rank is None for s in shapes):
        return TensorShape(None)
    rank = max(s.rank for s in shapes)
    result = []
    for axis in range(rank):
        dims = [s[s.rank - rank + axis] if s.rank - rank + axis >= 0 else 1 for s in shapes]
        result.append(_broadcast_dim(op_name, dims, shapes))
    return TensorShape(result)


def _broadcast_known(op_name, tuples, shapes):
    first = tuples[0]
    if all(t == first for t in tuples):
        return first
    rank = max(len(t) for t in tuples)
    result = [1] * rank
    for t in tuples:
        offset = rank - len(t)
        for i, d in enumerate(t):
            current = result[offset + i]
            if d != current and d != 1:
                if current != 1:
                    raise ValueError(f"{op_name}: incompatible shapes for broadcasting: "
                                     + " and ".join(str(s) for s in shapes))
                result[offset + i] = d
    return tuple(result)


def _broadcast_dim(op_name, dims, shapes):
    known = {d for d in dims if d is not None and d != 1}
    if len(known) > 1:
        raise ValueError(f"{op_name}: incompatible shapes for broadcasting: "
                         + " and ".join(str(s) for s in shapes))
    if known:
        return known.pop()
    if any(d is None for d in dims):
        return None
    return 1


def check_dtype(op_name, spec, kinds, arg="x"):
    """TypeError unless `spec.dtype` is of one of the `kinds` (a key of KINDS)."""
    if spec.dtype.numpy_dtype.kind not in KINDS[kinds] or spec.dtype == dtypes.string:
        article = "an" if kinds[0] in "aeiou" else "a"
        raise TypeError(f"{op_name}: argument `{arg}` must be {article} {kinds} tensor, got {spec.dtype.name}")


def same_dtype(op_name, *specs):
    """The common dtype of `specs`; TypeError naming both when they differ."""
    first = specs[0].dtype
    for s in specs[1:]:
        if s.dtype != first:
            raise TypeError(f"{op_name}: cannot mix {first.name} and {s.dtype.name}; "
                            f"use tg.cast to convert one")
    return first


def elementwise_spec(op_name, specs, kinds="numeric", result_dtype=None):
    """The spec of an elementwise op: broadcast shape, common (checked) dtype."""
    dtype = same_dtype(op_name, *specs)
    if dtype.numpy_dtype.kind not in KINDS[kinds] or dtype == dtypes.string:
        check_dtype(op_name, specs[0], kinds)
    shape = specs[0].shape if len(specs) == 1 else broadcast_shapes(op_name, *(s.shape for s in specs))
    return spec_of(shape, result_dtype or dtype)


def normalize_axis(op_name, axis, rank):
    """A non-negative axis (or tuple of them) for a tensor of `rank`; ValueError if out of range."""
    if axis is None:
        return None
    if isinstance(axis, (tuple, list)):
        return tuple(normalize_axis(op_name, a, rank) for a in axis)
    axis = int(axis)
    if rank is not None and not -rank <= axis < max(rank, 1):
        raise ValueError(f"{op_name}: axis {axis} is out of range for a tensor of rank {rank}")
    return axis % rank if rank else axis


def reduced_shape(shape, axis, keepdims):
    """The shape after reducing `axis` (None: all axes) of `shape`."""
    if shape.rank is None:
        return TensorShape(None)
    if axis is None:
        axes = set(range(shape.rank))
    else:
        axes = set(axis) if isinstance(axis, tuple) else {axis}
    if keepdims:
        return TensorShape([1 if i in axes else d for i, d in enumerate(shape.as_tuple())])
    return TensorShape([d for i, d in enumerate(shape.as_tuple()) if i not in axes])
