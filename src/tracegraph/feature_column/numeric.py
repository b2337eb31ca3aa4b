"""`numeric_column` and `bucketized_column`: numbers as they are, and numbers cut into ranges."""
import dataclasses
import math as _math

import numpy as np

from .. import dtypes
from ..ops import cast as cast_ops
from ..ops.array_ops import reshape, shape as shape_of
from ..ops.comparison import greater_equal
from ..ops.creation import one_hot, range as range_
from ..ops.reduction import reduce_sum
from .base import CategoricalColumn, DenseColumn, as_int64

__all__ = ["NumericColumn", "BucketizedColumn", "numeric_column", "bucketized_column"]


@dataclasses.dataclass(frozen=True)
class NumericColumn(DenseColumn):
    """A real-valued feature of a fixed `shape` per example, as float32 after `normalizer_fn`."""

    key: str
    shape: tuple = (1,)
    default_value: object = None
    dtype: object = dtypes.float32
    normalizer_fn: object = None

    @property
    def name(self):
        return self.key

    @property
    def variable_shape(self):
        return self.shape

    @property
    def parse_example_spec(self):
        """What to parse for this column: `{key: (shape, dtype, default_value)}`."""
        return {self.key: (self.shape, self.dtype, self.default_value)}

    def transform(self, transformation_cache, state_manager):
        value = transformation_cache.get(self.key, state_manager)
        if self.normalizer_fn is not None:
            value = self.normalizer_fn(value)
        return cast_ops.cast(value, dtypes.float32)

    def get_dense_tensor(self, transformation_cache, state_manager):
        value = transformation_cache.get(self, state_manager)
        return reshape(value, [shape_of(value)[0], *self.shape])


def numeric_column(key, shape=(1,), default_value=None, dtype=dtypes.float32, normalizer_fn=None):
    """A column of real values (TF's `tf.feature_column.numeric_column`).

    `shape` is one example's shape (an int means a vector); `default_value` (a number, or a nested
    list of `shape`) fills missing values when parsing examples; `normalizer_fn` runs on the raw
    tensor before the cast to float32, e.g. `lambda x: (x - mean) / std`.
    """
    _check_key(key)
    shape = _as_shape(key, shape)
    dtype = dtypes.as_dtype(dtype)
    if not (dtype.is_floating or dtype.is_integer):
        raise ValueError(f"dtype must be convertible to float. dtype: {dtype.name}, key: {key}")
    if default_value is not None:
        default_value = _as_default(key, default_value, shape, dtype)
    if normalizer_fn is not None and not callable(normalizer_fn):
        raise TypeError(f"normalizer_fn must be a callable. Given: {normalizer_fn}")
    return NumericColumn(key, shape, default_value, dtype, normalizer_fn)


@dataclasses.dataclass(frozen=True)
class BucketizedColumn(DenseColumn, CategoricalColumn):
    """A numeric column's values cut at `boundaries`: bucket i holds `boundaries[i-1] <= x < boundaries[i]`."""

    source_column: NumericColumn
    boundaries: tuple

    @property
    def name(self):
        return f"{self.source_column.name}_bucketized"

    @property
    def parents(self):
        return [self.source_column]

    @property
    def _buckets_per_value(self):
        return len(self.boundaries) + 1

    @property
    def variable_shape(self):
        return (*self.source_column.shape, self._buckets_per_value)

    @property
    def num_buckets(self):
        return _math.prod(self.source_column.shape) * self._buckets_per_value

    def transform(self, transformation_cache, state_manager):
        values = self.source_column.get_dense_tensor(transformation_cache, state_manager)
        edges = reshape(cast_ops.cast(list(self.boundaries), values.dtype), [1] * values.shape.rank + [-1])
        above = cast_ops.cast(greater_equal(values[..., None], edges), dtypes.int64)
        return reduce_sum(above, axis=-1)

    def get_dense_tensor(self, transformation_cache, state_manager):
        buckets = transformation_cache.get(self, state_manager)
        return one_hot(buckets, self._buckets_per_value, dtype=dtypes.float32)

    def get_ids(self, transformation_cache, state_manager):
        buckets = transformation_cache.get(self, state_manager)
        width = _math.prod(self.source_column.shape)
        flat = reshape(buckets, [shape_of(buckets)[0], width])
        # Each value of a multi-valued source has its own range of ids (TF's offsets).
        offsets = range_(0, width, dtype=dtypes.int64) * self._buckets_per_value
        return as_int64(flat) + offsets, None


def bucketized_column(source_column, boundaries):
    """A numeric column's values as bucket ids / one-hot vectors (TF's `bucketized_column`).

    `boundaries` must be sorted ascending: `[0., 1., 2.]` gives the buckets `(-inf, 0)`, `[0, 1)`,
    `[1, 2)` and `[2, +inf)`. As a dense column it is the one-hot vector of the bucket.
    """
    if not isinstance(source_column, NumericColumn):
        raise ValueError(f"source_column must be a column generated with numeric_column(). Given: {source_column}")
    if len(source_column.shape) > 1:
        raise ValueError(f"source_column must be one-dimensional column. Given: {source_column}")
    if not boundaries:
        raise ValueError(f"boundaries must not be empty. Given: {boundaries}")
    boundaries = tuple(float(b) for b in boundaries)
    if any(a >= b for a, b in zip(boundaries, boundaries[1:])):
        raise ValueError(f"boundaries must be a sorted list. Given: {list(boundaries)}")
    return BucketizedColumn(source_column, boundaries)


def _check_key(key):
    if not isinstance(key, str):
        raise ValueError(f"key must be a string. Given: {key!r}")


def _as_shape(key, shape):
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    if not shape or any(not isinstance(d, int) or d < 1 for d in shape):
        raise ValueError(f"shape dimensions must be greater than 0. Given: {shape}, key: {key}")
    return shape


def _as_default(key, default_value, shape, dtype):
    """`default_value` as a nested tuple of `shape` (a scalar fills the whole shape)."""
    values = np.asarray(default_value, dtype=dtype.numpy_dtype)
    if values.ndim == 0:
        values = np.full(shape, values)
    if values.shape != shape:
        raise ValueError(f"The shape of default_value must be equal to given shape. default_value: "
                         f"{default_value}, shape: {shape}, key: {key}")
    return _nested_tuple(values.tolist())


def _nested_tuple(value):
    return tuple(_nested_tuple(v) for v in value) if isinstance(value, list) else value
