"""`tg.feature_column`: TF's feature columns, turning a dict of raw features into model inputs.

Columns describe the transformation; `tg.keras.layers.DenseFeatures(columns)` applies them to a
batch (a dict of tensors) and concatenates the dense results, ordered by column name as TF does.
Numeric and bucketized columns are dense; the categorical ones (vocabulary list, hash bucket,
identity, crossed, bucketized) give ids, made dense by `indicator_column` or `embedding_column`.
Hashes are TF's (FarmHash Fingerprint64, `SparseCrossHashed`), so ids agree with TensorFlow's.
"""
from .base import CategoricalColumn, DenseColumn, FeatureColumn, FeatureTransformationCache  # noqa: F401
from .numeric import bucketized_column, numeric_column  # noqa: F401
from .categorical import (categorical_column_with_hash_bucket, categorical_column_with_identity,  # noqa: F401
                          categorical_column_with_vocabulary_list, crossed_column)
from .dense import embedding_column, indicator_column  # noqa: F401
from .serialization import deserialize_feature_column, serialize_feature_column  # noqa: F401

__all__ = ["numeric_column", "bucketized_column", "categorical_column_with_vocabulary_list",
           "categorical_column_with_hash_bucket", "categorical_column_with_identity", "crossed_column",
           "indicator_column", "embedding_column"]
