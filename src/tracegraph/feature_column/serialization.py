"""Feature columns to JSON-ready dicts and back (TF's `serialize_feature_column`), so a `DenseFeatures`
layer's config can be saved with its model.

A column becomes `{"class_name": ..., "config": {field: value}}`; nested columns nest the same way,
dtypes are written by name, byte strings as text, and a `normalizer_fn` or `initializer` as the
module and name of a module-level function (a lambda cannot be saved: a clear ValueError says so).
"""
import dataclasses
import importlib

from .. import dtypes
from .base import FeatureColumn
from .categorical import (CrossedColumn, HashedCategoricalColumn, IdentityCategoricalColumn,
                          VocabularyListCategoricalColumn)
from .dense import EmbeddingColumn, IndicatorColumn, TruncatedNormal
from .numeric import BucketizedColumn, NumericColumn

__all__ = ["serialize_feature_column", "deserialize_feature_column"]

_CLASSES = {cls.__name__: cls for cls in (NumericColumn, BucketizedColumn, VocabularyListCategoricalColumn,
                                          HashedCategoricalColumn, IdentityCategoricalColumn, CrossedColumn,
                                          IndicatorColumn, EmbeddingColumn)}


def serialize_feature_column(column):
    """`column` as a dict of plain data."""
    config = {field.name: _to_plain(getattr(column, field.name), column, field.name)
              for field in dataclasses.fields(column)}
    return {"class_name": type(column).__name__, "config": config}


def deserialize_feature_column(config):
    """The column `serialize_feature_column` described."""
    cls = _CLASSES.get(config.get("class_name"))
    if cls is None:
        raise ValueError(f"Unknown feature column class: {config.get('class_name')!r}")
    fields = {name: _from_plain(value) for name, value in config["config"].items()}
    return cls(**fields)


def _to_plain(value, column, field):
    if isinstance(value, FeatureColumn):
        return serialize_feature_column(value)
    if isinstance(value, dtypes.DType):
        return {"dtype": value.name}
    if isinstance(value, bytes):
        return {"bytes": value.decode("utf-8", "surrogateescape")}
    if isinstance(value, tuple):
        return {"tuple": [_to_plain(v, column, field) for v in value]}
    if isinstance(value, TruncatedNormal):
        return {"truncated_normal": [value.mean, value.stddev]}
    if callable(value):
        name = getattr(value, "__qualname__", "")
        if "<" in name or "." in name:
            raise ValueError(f"The {field} of feature column '{column.name}' ({value!r}) cannot be saved: use a "
                             "function defined at the top level of a module")
        return {"function": [value.__module__, name]}
    return value


def _from_plain(value):
    if not isinstance(value, dict):
        return value
    if "class_name" in value:
        return deserialize_feature_column(value)
    (kind, payload), = value.items()
    if kind == "dtype":
        return dtypes.as_dtype(payload)
    if kind == "bytes":
        return payload.encode("utf-8", "surrogateescape")
    if kind == "tuple":
        return tuple(_from_plain(v) for v in payload)
    if kind == "truncated_normal":
        return TruncatedNormal(*payload)
    if kind == "function":
        module, name = payload
        return getattr(importlib.import_module(module), name)
    raise ValueError(f"Unknown serialized value in a feature column: {value!r}")
