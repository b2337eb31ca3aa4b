"""Dense columns over categorical ones: `indicator_column` (counts per id) and `embedding_column`
(a trainable table's rows, combined per example)."""
import dataclasses
import math as _math

from .. import dtypes, random
from ..ops import cast as cast_ops
from ..ops.arithmetic import divide_no_nan, multiply
from ..ops.comparison import greater_equal, logical_and, where
from ..ops.creation import one_hot
from ..ops.embedding import embedding_lookup
from ..ops.reduction import reduce_sum
from ..ops.unary_math import sqrt
from .base import CategoricalColumn, DenseColumn

__all__ = ["IndicatorColumn", "EmbeddingColumn", "indicator_column", "embedding_column"]


def _valid_ids(categorical_column, transformation_cache, state_manager):
    """The column's ids with the positions that count: present and not a lookup's -1."""
    ids, present = categorical_column.get_ids(transformation_cache, state_manager)
    valid = greater_equal(ids, 0)
    return ids, valid if present is None else logical_and(present, valid)


@dataclasses.dataclass(frozen=True)
class IndicatorColumn(DenseColumn):
    """A categorical column as a multi-hot vector: how often each id occurs in the example."""

    categorical_column: CategoricalColumn

    @property
    def name(self):
        return f"{self.categorical_column.name}_indicator"

    @property
    def parents(self):
        return [self.categorical_column]

    @property
    def variable_shape(self):
        return (self.categorical_column.num_buckets,)

    def transform(self, transformation_cache, state_manager):
        ids, valid = _valid_ids(self.categorical_column, transformation_cache, state_manager)
        counted = one_hot(where(valid, ids, -1), self.categorical_column.num_buckets, dtype=dtypes.float32)
        return reduce_sum(counted, axis=-2)

    def get_dense_tensor(self, transformation_cache, state_manager):
        return transformation_cache.get(self, state_manager)


def indicator_column(categorical_column):
    """A categorical column as counts per id (TF's `indicator_column`; one-hot for one value)."""
    if not isinstance(categorical_column, CategoricalColumn):
        raise ValueError(f"Unsupported input type. Input must be a CategoricalColumn. Given: {categorical_column}")
    return IndicatorColumn(categorical_column)


class TruncatedNormal:
    """TF's default embedding initializer: normal draws beyond two standard deviations redrawn."""

    def __init__(self, mean=0.0, stddev=1.0):
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype=dtypes.float32, **kwargs):
        return random.truncated_normal(shape, mean=self.mean, stddev=self.stddev, dtype=dtype)

    def __eq__(self, other):
        return isinstance(other, TruncatedNormal) and (self.mean, self.stddev) == (other.mean, other.stddev)

    def __hash__(self):
        return hash((self.mean, self.stddev))


@dataclasses.dataclass(frozen=True)
class EmbeddingColumn(DenseColumn):
    """A categorical column's ids looked up in a `(num_buckets, dimension)` table and combined."""

    categorical_column: CategoricalColumn
    dimension: int
    combiner: str = "mean"
    initializer: object = None
    max_norm: object = None
    trainable: bool = True

    @property
    def name(self):
        return f"{self.categorical_column.name}_embedding"

    @property
    def parents(self):
        return [self.categorical_column]

    @property
    def variable_shape(self):
        return (self.dimension,)

    def create_state(self, state_manager):
        state_manager.create_variable(self, name="embedding_weights",
                                      shape=(self.categorical_column.num_buckets, self.dimension),
                                      dtype=dtypes.float32, trainable=self.trainable, initializer=self.initializer)

    def get_dense_tensor(self, transformation_cache, state_manager):
        ids, valid = _valid_ids(self.categorical_column, transformation_cache, state_manager)
        table = state_manager.get_variable(self, "embedding_weights")
        rows = embedding_lookup(table, where(valid, ids, 0), max_norm=self.max_norm)
        weights = cast_ops.cast(valid, dtypes.float32)
        total = reduce_sum(multiply(rows, weights[..., None]), axis=-2)
        if self.combiner == "sum":
            return total
        scale = reduce_sum(weights, axis=-1, keepdims=True)
        if self.combiner == "sqrtn":
            scale = sqrt(scale)  # weights are 0/1, so the sum of their squares is their sum
        return divide_no_nan(total, scale)


def embedding_column(categorical_column, dimension, combiner="mean", initializer=None,
                     ckpt_to_load_from=None, tensor_name_in_ckpt=None, max_norm=None, trainable=True,
                     use_safe_embedding_lookup=True):
    """A categorical column as a trainable embedding (TF's `embedding_column`).

    Each example's ids select rows of a `(num_buckets, dimension)` table, combined with `combiner`
    ("mean", "sum" or "sqrtn"; an example without ids gives zeros). `initializer` defaults to a
    truncated normal of stddev `1 / sqrt(dimension)`. The table is created and trained by the
    `DenseFeatures` layer that uses the column.
    """
    if dimension is None or dimension < 1:
        raise ValueError(f"Invalid dimension {dimension}.")
    if ckpt_to_load_from is not None or tensor_name_in_ckpt is not None:
        raise ValueError("embedding_column: loading the table from a TF checkpoint is not supported; "
                         "restore the model's weights with tg.train.Checkpoint instead")
    if combiner not in ("mean", "sum", "sqrtn"):
        raise ValueError(f"combiner must be one of 'mean', 'sum', 'sqrtn'. Given: {combiner}")
    if initializer is not None and not callable(initializer):
        raise ValueError(f"initializer must be callable if specified. Embedding of column_name: "
                         f"{categorical_column.name}")
    if not isinstance(categorical_column, CategoricalColumn):
        raise ValueError(f"Unsupported input type. Input must be a CategoricalColumn. Given: {categorical_column}")
    if initializer is None:
        initializer = TruncatedNormal(mean=0.0, stddev=1 / _math.sqrt(dimension))
    return EmbeddingColumn(categorical_column, int(dimension), combiner, initializer, max_norm, bool(trainable))
