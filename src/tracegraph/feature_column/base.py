"""The feature-column protocol: dense and categorical columns, and the per-call transformation cache.

A column is an immutable description (a frozen dataclass, so equal columns compare and hash equal
as TF's namedtuples do). `DenseFeatures` hands each column a `FeatureTransformationCache` over the
batch's dict of inputs and a state manager (the layer, which owns the embedding tables).

- A `DenseColumn` gives `get_dense_tensor(cache, state_manager)`: a float tensor of shape
  `(batch,) + variable_shape`.
- A `CategoricalColumn` gives `get_ids(cache, state_manager)`: `(ids, present)`, both of shape
  `(batch, n)`: int64 ids in `[0, num_buckets)` (or -1, a lookup's default), and whether each
  position holds a value. TF keeps the ids as a SparseTensor that drops missing inputs (`''` for
  strings, -1 for integers); `present` marks the same positions in a dense batch.
"""
from ..convert import convert_to_tensor
from ..ops import cast as cast_ops
from ..ops.array_ops import expand_dims
from ..ops.comparison import logical_not, not_equal
from ..sparse import SparseTensor, to_dense
from .. import dtypes
from . import lookup_ops

__all__ = ["FeatureColumn", "DenseColumn", "CategoricalColumn", "FeatureTransformationCache", "missing_value"]


class FeatureColumn:
    """A way to turn one or more raw features into model inputs; `name` orders columns in a layer."""

    @property
    def name(self):
        """The column's name (its key, or a name derived from the columns it wraps)."""
        raise NotImplementedError

    def create_state(self, state_manager):
        """Create the column's variables with `state_manager.create_variable`; most columns have none."""

    @property
    def parents(self):
        """The columns this one is built from."""
        return []


class DenseColumn(FeatureColumn):
    """A column that gives a dense float tensor per example."""

    @property
    def variable_shape(self):
        """The shape of one example's dense tensor (a tuple)."""
        raise NotImplementedError

    def get_dense_tensor(self, transformation_cache, state_manager):
        """The column's dense tensor for the batch: `(batch,) + variable_shape`."""
        raise NotImplementedError


class CategoricalColumn(FeatureColumn):
    """A column that gives integer ids per example, for `indicator_column` or `embedding_column`."""

    @property
    def num_buckets(self):
        """How many distinct ids the column gives (ids are in `[0, num_buckets)`)."""
        raise NotImplementedError

    def get_ids(self, transformation_cache, state_manager):
        """`(ids, present)` for the batch, both `(batch, n)`; see the module docstring."""
        raise NotImplementedError


def missing_value(dtype):
    """The value TF drops from a categorical input as missing: `''` for strings, -1 otherwise."""
    return b"" if dtype == dtypes.string else -1


class FeatureTransformationCache:
    """The batch's raw features, and each column's transformed value computed once per call.

    `get(key)` with a string gives the raw feature as a tensor of rank at least 2 (a vector of
    scalars becomes a column, as TF's `_get_raw_feature_as_tensor` does; a SparseTensor is made
    dense with the missing value); with a column it gives `column.transform(self, state_manager)`.
    """

    def __init__(self, features):
        self._features = dict(features)
        self._transformed = {}

    def is_sparse(self, key):
        """Whether the raw feature `key` came as a SparseTensor."""
        return isinstance(self._features.get(key), SparseTensor)

    def get(self, key, state_manager=None):
        """The raw feature `key` (a string) or the transformed value of the column `key`."""
        if isinstance(key, str):
            return self._raw(key)
        if key not in self._transformed:
            self._transformed[key] = key.transform(self, state_manager)
        return self._transformed[key]

    def _raw(self, key):
        if key in self._transformed:
            return self._transformed[key]
        if key not in self._features:
            raise ValueError(f"The feature '{key}' is not in the features dictionary (keys: "
                             f"{sorted(self._features)}).")
        value = self._features[key]
        if isinstance(value, SparseTensor):
            value = to_dense(value, default_value=missing_value(value.dtype))
        value = convert_to_tensor(value)
        if value.shape.rank == 0:
            raise ValueError(f"Feature (key: {key}) cannot have rank 0. Given: {value}")
        if value.shape.rank == 1:
            value = expand_dims(value, -1)
        self._transformed[key] = value
        return value


def present_values(raw):
    """True where the categorical input `raw` holds a value (not `''` / -1)."""
    if raw.dtype == dtypes.string:  # compared on the host, which also reads NumPy str arrays
        return logical_not(lookup_ops.equals_token(raw, b""))
    return not_equal(raw, missing_value(raw.dtype))


def as_int64(tensor):
    """`tensor` as int64 (ids are int64 throughout, as in TF)."""
    return tensor if tensor.dtype == dtypes.int64 else cast_ops.cast(tensor, dtypes.int64)
