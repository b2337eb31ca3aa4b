"""The two host ops feature columns and Keras's preprocessing layers share: vocabulary lookup and
TF's fingerprint crossing.

- `vocabulary_lookup(x, vocabulary)`: each element's position in `vocabulary` (int64), -1 where
  it is absent (TF's `StaticHashTable` lookup of a range-valued table). Strings and integers go
  through a compiled hash table (`ops/hashing_kernel.py`); few values, other dtypes and machines
  without the kernels use a dict, with the same results.
- `fingerprint_cross(inputs, num_buckets, hash_key)`: TF's `SparseCrossHashed` on equally shaped
  inputs, element by element. Each input value hashes to a uint64 (a string to FarmHash's
  Fingerprint64, an integer to itself), the hashes are chained with `FingerprintCat64` starting
  from `hash_key`, and the result is taken modulo `num_buckets` (modulo int64's max when 0).

Like the string ops they run on the host (object arrays exist only in NumPy) and return int64,
which has no gradient.
"""
import functools
import itertools
import weakref

import numpy as np

from .. import dtypes
from ..convert import convert_to_tensor
from ..core.dispatch import bind
from ..core.op import Op
from ..core.rules import broadcast_shapes, spec_of
from ..ops import hashing_kernel
from ..ops.string_hashing import fingerprint64
from ..ops.string_ops import to_backend, to_host

__all__ = ["vocabulary_lookup", "equals_token", "fingerprint_cross", "DEFAULT_HASH_KEY"]

#: TF's default `hash_key` for crossed features (`sparse_ops._DEFAULT_HASH_KEY`).
DEFAULT_HASH_KEY = 0xDECAFCAFFE
_INT64_MAX = np.uint64((1 << 63) - 1)
_MUL = np.uint64(0xC6A4A7935BD1E995)
_SHIFT = np.uint64(47)


def _host(array):
    """`to_host(array)`, with a NumPy str array's elements as bytes objects."""
    array = to_host(array)
    if array.dtype.kind in "US":  # a NumPy str array wrapped as it came (string tensors hold bytes objects)
        array = np.vectorize(lambda s: s.encode() if isinstance(s, str) else bytes(s), otypes=[object])(array)
    return array


# ----- vocabulary lookup ----------------------------------------------------------------------

# A vocabulary is a captured constant, so the same array comes back on every call: its tables are
# kept (keyed by id, checked through a weak reference) instead of being rebuilt per batch.
_tables = {}


class _Tables:
    """A vocabulary's lookup tables, each made from it when first needed: a dict, and the compiled hash
    table (False where the kernels cannot hold this vocabulary). The vocabulary itself is not kept, so
    the weak reference that keys this entry can expire."""

    def __init__(self):
        self._dict = self._compiled = None

    def dict(self, vocabulary):
        if self._dict is None:
            self._dict = {key: position for position, key in enumerate(vocabulary.reshape(-1).tolist())}
        return self._dict

    def compiled(self, vocabulary):
        if self._compiled is None:
            if vocabulary.dtype == object:
                table = hashing_kernel.string_table(vocabulary)
            else:
                keys = _as_int64(vocabulary)
                table = None if keys is None else hashing_kernel.integer_table(keys)
            self._compiled = table or False
        return self._compiled


def _tables_of(vocabulary):
    entry = _tables.get(id(vocabulary))
    if entry is not None and entry[0]() is vocabulary:
        return entry[1]
    tables = _Tables()
    key = id(vocabulary)
    try:
        _tables[key] = (weakref.ref(vocabulary, functools.partial(_forget, key)), tables)
    except TypeError:  # an array view that cannot be weakly referenced: not cached
        pass
    return tables


def _forget(key, reference, tables=_tables):
    # The dict is bound as a default: at interpreter exit the module's globals may be gone already.
    if tables.get(key, (None,))[0] is reference:
        del tables[key]


def _as_int64(values):
    """`values` as int64 where that keeps every value (signed integers, unsigned up to 32 bits), else None."""
    kind, size = values.dtype.kind, values.dtype.itemsize
    return values.astype(np.int64, copy=False) if kind == "i" or (kind == "u" and size <= 4) else None


def _compiled_lookup(x, vocabulary):
    """The positions of `x` by the compiled table, or None where it cannot or need not serve."""
    strings = x.dtype == object
    if strings != (vocabulary.dtype == object) or not hashing_kernel.serves(x.size):
        return None
    values = x if strings else _as_int64(x)
    table = values is not None and _tables_of(vocabulary).compiled(vocabulary)
    if not table:
        return None
    lookup = hashing_kernel.lookup_strings if strings else hashing_kernel.lookup_integers
    return lookup(table, values)


def _lookup_infer(x, vocabulary):
    if (x.dtype == dtypes.string) != (vocabulary.dtype == dtypes.string):
        raise TypeError(f"vocabulary_lookup: inputs of dtype {x.dtype.name} cannot be looked up in a "
                        f"vocabulary of dtype {vocabulary.dtype.name}")
    return spec_of(x.shape, dtypes.int64)


def _lookup_impl(xp, x, vocabulary):
    x, vocabulary = _host(x), _host(vocabulary)
    positions = _compiled_lookup(x, vocabulary)
    if positions is None:
        table = _tables_of(vocabulary).dict(vocabulary)
        positions = np.fromiter(map(table.get, x.reshape(-1).tolist(), itertools.repeat(-1)), dtype=np.int64,
                                count=x.size).reshape(x.shape)
    return to_backend(xp, positions)


_vocabulary_lookup = Op("feature_vocabulary_lookup", infer=_lookup_infer, impl=_lookup_impl)


def vocabulary_lookup(x, vocabulary):
    """The position of each element of `x` in the 1-D tensor `vocabulary` (int64), -1 if absent."""
    return bind(_vocabulary_lookup, [convert_to_tensor(x), convert_to_tensor(vocabulary)], {})


def equals_token(x, token):
    """Whether each element of `x` is `token` (by the host lookup, which also reads NumPy str arrays)."""
    return bind(_vocabulary_lookup, [convert_to_tensor(x), _token_vocabulary(type(token), token, x.dtype)], {}) >= 0


@functools.lru_cache(maxsize=256)
def _token_vocabulary(kind, token, dtype):
    # One constant per token, so its lookup tables are made once rather than on every call
    # (`kind` keeps tokens that compare equal across types, 1 and 1.0, apart).
    return convert_to_tensor([token], dtype=dtype)


# ----- fingerprint crossing -------------------------------------------------------------------

def _shift_mix(value):
    return value ^ (value >> _SHIFT)


def fingerprint_cat64(first, second):
    """TF's `FingerprintCat64` of two uint64 arrays (tsl/platform/fingerprint.h)."""
    result = (first ^ _MUL) ^ (_shift_mix(second * _MUL) * _MUL)
    result = result * _MUL
    return _shift_mix(_shift_mix(result) * _MUL)


def _value_hashes(values):
    """One uint64 per element: Fingerprint64 of a string's bytes, an integer's two's complement."""
    if values.dtype == object:
        return fingerprint64(values)
    return values.astype(np.int64).view(np.uint64)


def _cross_infer(*inputs, num_buckets, hash_key):
    for spec in inputs:
        if spec.dtype != dtypes.string and not spec.dtype.is_integer:
            raise TypeError(f"fingerprint_cross: inputs must be strings or integers, got {spec.dtype.name}")
    return spec_of(broadcast_shapes("fingerprint_cross", *[s.shape for s in inputs]), dtypes.int64)


def _cross_impl(xp, *inputs, num_buckets, hash_key):
    arrays = np.broadcast_arrays(*[_host(x) for x in inputs])
    hashed = np.full(arrays[0].shape, hash_key, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for values in arrays:
            hashed = fingerprint_cat64(hashed, _value_hashes(values))
    modulus = np.uint64(num_buckets) if num_buckets > 0 else _INT64_MAX
    return to_backend(xp, (hashed % modulus).astype(np.int64))


_fingerprint_cross = Op("feature_fingerprint_cross", infer=_cross_infer, impl=_cross_impl)


def fingerprint_cross(inputs, num_buckets=0, hash_key=None):
    """TF's hashed cross of the tensors `inputs` (broadcast together), element by element (int64)."""
    hash_key = DEFAULT_HASH_KEY if hash_key is None else int(hash_key)
    return bind(_fingerprint_cross, [convert_to_tensor(x) for x in inputs],
                {"num_buckets": int(num_buckets), "hash_key": hash_key})
