"""The feature configurations of `parse_example` (TF's `tf.io.FixedLenFeature` and friends).

Like TF's they are namedtuples; a feature's dtype is one of the three an Example stores:
int64 (`int64_list`), float32 (`float_list`) or string (`bytes_list`).
"""
import collections

from .. import dtypes
from ..shape import as_shape

__all__ = ["FixedLenFeature", "VarLenFeature", "FixedLenSequenceFeature", "check_dtype", "fixed_shape"]

#: The dtypes an Example's features hold, with the name of the list that holds each.
LIST_OF_DTYPE = {"int64": "int64_list", "float32": "float_list", "string": "bytes_list"}


class FixedLenFeature(collections.namedtuple("FixedLenFeature", ["shape", "dtype", "default_value"])):
    """A feature with exactly `shape`'s number of values, parsed into a dense tensor of `shape`;
    `default_value` stands in where an example lacks it (without one the feature is required)."""

    __slots__ = ()

    def __new__(cls, shape, dtype, default_value=None):
        return super().__new__(cls, shape, dtype, default_value)


class VarLenFeature(collections.namedtuple("VarLenFeature", ["dtype"])):
    """A feature with any number of values, parsed into a SparseTensor (rows: examples)."""

    __slots__ = ()


class FixedLenSequenceFeature(collections.namedtuple(
        "FixedLenSequenceFeature", ["shape", "dtype", "allow_missing", "default_value"])):
    """A feature holding any number of items of `shape`, parsed into a dense tensor of shape
    `[batch, steps, *shape]` padded with `default_value` (zero or "" when None); `parse_example`
    requires `allow_missing=True` (a missing feature is zero items), as TF does."""

    __slots__ = ()

    def __new__(cls, shape, dtype, allow_missing=False, default_value=None):
        return super().__new__(cls, shape, dtype, allow_missing, default_value)


def check_dtype(key, dtype):
    """`dtype` as a DType, if an Example can hold it (int64, float32, string); ValueError otherwise."""
    dtype = dtypes.as_dtype(dtype)
    if dtype.name not in LIST_OF_DTYPE:
        raise ValueError(f"parse_example: feature {key!r} has dtype {dtype.name}; an Example holds int64, "
                         f"float32 or string values")
    return dtype


def fixed_shape(key, shape):
    """A feature's fully known shape as a tuple of ints; ValueError naming the feature otherwise."""
    shape = as_shape(shape)
    if not shape.is_fully_defined():
        raise ValueError(f"parse_example: feature {key!r} needs a fully defined shape, got {shape}")
    return tuple(shape.as_list())
