"""Categorical columns: ids from a vocabulary list, from a hash of the value, from the value itself,
and from a hash of several columns crossed."""
import dataclasses
import functools
import math as _math

from .. import dtypes, strings
from ..convert import constant
from ..ops.array_ops import reshape, shape as shape_of
from ..ops.comparison import greater_equal, less, logical_and, logical_or, where
from ..ops.tiling import broadcast_to
from .base import CategoricalColumn, as_int64, present_values
from .lookup_ops import DEFAULT_HASH_KEY, fingerprint_cross, vocabulary_lookup

__all__ = ["VocabularyListCategoricalColumn", "HashedCategoricalColumn", "IdentityCategoricalColumn",
           "CrossedColumn", "categorical_column_with_vocabulary_list", "categorical_column_with_hash_bucket",
           "categorical_column_with_identity", "crossed_column"]


class _TransformedColumn(CategoricalColumn):
    """A categorical column whose `(ids, present)` is its `transform`, which the cache runs once per call."""

    def get_ids(self, transformation_cache, state_manager):
        """`(ids, present)` for the batch: the column's transform."""
        return transformation_cache.get(self, state_manager)


class _KeyedColumn(_TransformedColumn):
    """A `_TransformedColumn` of one raw feature, named by its `key`."""

    @property
    def name(self):
        """The column's key."""
        return self.key


def _raw_input(column, transformation_cache, state_manager):
    """The column's raw feature, checked to be strings or integers as its `dtype` says."""
    raw = transformation_cache.get(column.key, state_manager)
    if (raw.dtype == dtypes.string) != (column.dtype == dtypes.string) or not (
            raw.dtype == dtypes.string or raw.dtype.is_integer):
        raise ValueError(f"Column dtype and SparseTensors dtype must be compatible. key: {column.key}, "
                         f"column dtype: {column.dtype.name}, tensor dtype: {raw.dtype.name}")
    return raw


def _hash_buckets(values, num_buckets):
    """TF's `string_to_hash_bucket_fast`, integers first written in decimal (as TF's lookups do)."""
    if values.dtype != dtypes.string:
        values = strings.as_string(values)
    return strings.to_hash_bucket_fast(values, num_buckets)


@dataclasses.dataclass(frozen=True)
class VocabularyListCategoricalColumn(_KeyedColumn):
    """Ids by position in `vocabulary_list`; unknown values get `default_value` or an OOV bucket."""

    key: str
    vocabulary_list: tuple
    dtype: object
    default_value: int = -1
    num_oov_buckets: int = 0

    @property
    def num_buckets(self):
        return len(self.vocabulary_list) + self.num_oov_buckets

    @functools.cached_property
    def _vocabulary(self):
        # Made once: the lookup keeps its tables per vocabulary array, so a new constant per call
        # would convert the list and rebuild them on every batch.
        return constant(list(self.vocabulary_list), dtype=self.dtype)

    def transform(self, transformation_cache, state_manager):
        raw = _raw_input(self, transformation_cache, state_manager)
        positions = vocabulary_lookup(raw, self._vocabulary)
        if self.num_oov_buckets:
            unknown = _hash_buckets(raw, self.num_oov_buckets) + len(self.vocabulary_list)
        else:
            unknown = constant(self.default_value, dtypes.int64)
        return where(less(positions, 0), unknown, positions), present_values(raw)


def categorical_column_with_vocabulary_list(key, vocabulary_list, dtype=None, default_value=-1,
                                            num_oov_buckets=0):
    """Ids from an in-memory vocabulary (TF's `categorical_column_with_vocabulary_list`).

    A value's id is its position in `vocabulary_list` (strings or integers). Other values get
    `default_value`, or, with `num_oov_buckets > 0`, `len(vocabulary_list) + hash(value) %
    num_oov_buckets` (FarmHash's Fingerprint64, as TF). Inputs `''` / -1 count as missing.
    """
    if not isinstance(key, str):
        raise ValueError(f"key must be a string. Given: {key!r}")
    vocabulary_list = tuple(vocabulary_list)
    if not vocabulary_list:
        raise ValueError(f"vocabulary_list {vocabulary_list} must be non-empty, column_name: {key}")
    if len(set(vocabulary_list)) != len(vocabulary_list):
        raise ValueError(f"Duplicate keys in vocabulary_list {list(vocabulary_list)}, column_name: {key}")
    is_string = isinstance(vocabulary_list[0], (str, bytes))
    vocabulary_dtype = dtypes.string if is_string else dtypes.int64
    if dtype is not None and (dtypes.as_dtype(dtype) == dtypes.string) != is_string:
        raise ValueError(f"dtype {dtypes.as_dtype(dtype).name} and vocabulary dtype "
                         f"{vocabulary_dtype.name} do not match, column_name: {key}")
    if is_string:
        vocabulary_list = tuple(v.encode() if isinstance(v, str) else v for v in vocabulary_list)
    else:
        vocabulary_list = tuple(int(v) for v in vocabulary_list)
    if num_oov_buckets < 0:
        raise ValueError(f"Invalid num_oov_buckets {num_oov_buckets} in column {key}.")
    if default_value != -1 and num_oov_buckets:
        raise ValueError(f"Can't specify both default_value {default_value} and num_oov_buckets "
                         f"{num_oov_buckets} in column {key}.")
    return VocabularyListCategoricalColumn(key, vocabulary_list, vocabulary_dtype, int(default_value),
                                           int(num_oov_buckets))


@dataclasses.dataclass(frozen=True)
class HashedCategoricalColumn(_KeyedColumn):
    """Ids `hash(value) % hash_bucket_size`, FarmHash's Fingerprint64 of the value's string."""

    key: str
    hash_bucket_size: int
    dtype: object = dtypes.string

    @property
    def num_buckets(self):
        return self.hash_bucket_size

    def transform(self, transformation_cache, state_manager):
        raw = _raw_input(self, transformation_cache, state_manager)
        return _hash_buckets(raw, self.hash_bucket_size), present_values(raw)


def categorical_column_with_hash_bucket(key, hash_bucket_size, dtype=dtypes.string):
    """Ids from hashing (TF's `categorical_column_with_hash_bucket`): a string's FarmHash
    Fingerprint64 modulo `hash_bucket_size`; an integer is hashed as its decimal string."""
    if not isinstance(key, str):
        raise ValueError(f"key must be a string. Given: {key!r}")
    if hash_bucket_size is None or hash_bucket_size < 1:
        raise ValueError(f"hash_bucket_size must be at least 1. hash_bucket_size: {hash_bucket_size}, key: {key}")
    dtype = dtypes.as_dtype(dtype)
    if dtype != dtypes.string and not dtype.is_integer:
        raise ValueError(f"dtype must be string or integer. dtype: {dtype.name}, column_name: {key}")
    return HashedCategoricalColumn(key, int(hash_bucket_size), dtype)


@dataclasses.dataclass(frozen=True)
class IdentityCategoricalColumn(_KeyedColumn):
    """Integer inputs used as ids in `[0, num_buckets)`; others get `default_value`."""

    key: str
    number_buckets: int
    default_value: object = None

    @property
    def num_buckets(self):
        return self.number_buckets

    def transform(self, transformation_cache, state_manager):
        raw = transformation_cache.get(self.key, state_manager)
        if not raw.dtype.is_integer:
            raise ValueError(f"Invalid input, not integer. key: {self.key} dtype: {raw.dtype.name}")
        ids = as_int64(raw)
        if self.default_value is not None:
            outside = logical_or(less(ids, 0), greater_equal(ids, self.number_buckets))
            ids = where(outside, constant(self.default_value, dtypes.int64), ids)
        return ids, present_values(raw)


def categorical_column_with_identity(key, num_buckets, default_value=None):
    """Integer inputs as their own ids (TF's `categorical_column_with_identity`)."""
    if num_buckets < 1:
        raise ValueError(f"num_buckets {num_buckets} < 1, column_name {key}")
    if default_value is not None and not 0 <= default_value < num_buckets:
        raise ValueError(f"default_value {default_value} not in range [0, {num_buckets}), column_name {key}")
    return IdentityCategoricalColumn(key, int(num_buckets), default_value)


@dataclasses.dataclass(frozen=True)
class CrossedColumn(_TransformedColumn):
    """Every combination of the keys' values per example, hashed into `hash_bucket_size` ids."""

    keys: tuple
    hash_bucket_size: int
    hash_key: object = None

    @property
    def name(self):
        return "_X_".join(sorted(_key_name(key) for key in self.keys))

    @property
    def num_buckets(self):
        return self.hash_bucket_size

    @property
    def parents(self):
        return [key for key in self.keys if not isinstance(key, str)]

    def transform(self, transformation_cache, state_manager):
        # TF's SparseCross takes its sparse inputs first, then the dense ones, and the hash chain
        # depends on the order: the categorical ids (sparse in TF) and sparse raw features come
        # first, dense raw features last.
        def dense_raw(key):
            return isinstance(key, str) and not transformation_cache.is_sparse(key)

        leaves = sorted(_leaf_keys(self.keys), key=dense_raw)
        values, presence = [], []
        for key in leaves:
            if isinstance(key, str):
                raw = transformation_cache.get(key, state_manager)
                values.append(raw)
                presence.append(present_values(raw) if transformation_cache.is_sparse(key) else None)
            else:
                ids, present = key.get_ids(transformation_cache, state_manager)
                values.append(ids)
                presence.append(present)
        values, presence = _cartesian(values, presence)
        hash_key = DEFAULT_HASH_KEY if self.hash_key is None else self.hash_key
        crossed = fingerprint_cross(values, self.hash_bucket_size, hash_key)
        present = None
        for mask in presence:
            if mask is not None:
                present = mask if present is None else logical_and(present, mask)
        return crossed, present


def crossed_column(keys, hash_bucket_size, hash_key=None):
    """Crossed features hashed into buckets (TF's `crossed_column`).

    `keys` are feature names (raw string or integer features) and categorical columns (not
    hashed ones); every combination of one value from each is hashed with TF's `SparseCrossHashed`
    fingerprint scheme, so ids agree with TensorFlow's.
    """
    if not hash_bucket_size or hash_bucket_size < 1:
        raise ValueError(f"hash_bucket_size must be > 1. hash_bucket_size: {hash_bucket_size}")
    if not keys or len(keys) < 2:
        raise ValueError(f"keys must be a list with length > 1. Given: {keys}")
    for key in keys:
        if not isinstance(key, (str, CategoricalColumn)):
            raise ValueError(f"Unsupported key type. All keys must be either string, or categorical "
                             f"column except HashedCategoricalColumn. Given: {key}")
        if isinstance(key, HashedCategoricalColumn):
            raise ValueError("categorical_column_with_hash_bucket is not supported for crossing. Hashing "
                             f"before crossing will increase probability of collision. Instead, use the "
                             f"feature name as a string. Given: {key}")
    return CrossedColumn(tuple(keys), int(hash_bucket_size), hash_key)


def _key_name(key):
    return key if isinstance(key, str) else key.name


def _leaf_keys(keys):
    """Feature names and categorical columns, nested crosses opened (TF's `_collect_leaf_level_keys`)."""
    for key in keys:
        if isinstance(key, CrossedColumn):
            yield from _leaf_keys(key.keys)
        else:
            yield key


def _cartesian(values, presence):
    """Each `(batch, n_i)` input broadcast to `(batch, n_1 * n_2 * ...)`: all combinations per row."""
    widths = [v.shape[-1] for v in values]
    if any(w is None for w in widths):
        raise ValueError("crossed_column: the number of values per example of each key must be known")
    batch = shape_of(values[0])[0]
    total = _math.prod(widths)

    def spread(tensor, axis):
        if tensor is None:
            return None
        dims = [1] * len(widths)
        dims[axis] = widths[axis]
        expanded = reshape(tensor, [batch, *dims])
        return reshape(broadcast_to(expanded, [batch, *widths]), [batch, total])

    return ([spread(v, i) for i, v in enumerate(values)], [spread(p, i) for i, p in enumerate(presence)])
