"""String hashing into buckets, with TF's three hash functions (so bucket ids agree with TensorFlow's).

- `to_hash_bucket_fast`: FarmHash's Fingerprint64, compiled (`hashing_kernel.py`) or, for few strings
  and where the kernel cannot run, the `pyfarmhash` package's.
- `to_hash_bucket`: TF's legacy `Hash64`, a MurmurHash64A variant with seed 0xDECAFCAFFE
  (tensorflow/tsl/platform/hash.cc).
- `to_hash_bucket_strong`: SipHash-2-4 under a 128-bit key (TF's `StrongKeyedHash`, highwayhash's SipHash).

Hash64 and SipHash are written here with NumPy's wrapping uint64 arithmetic, vectorized across
the strings: block `j` of every string that has one is mixed in at once. Like every string op
they run on the host (see `string_ops.py`).
"""
import farmhash
import numpy as np

from . import hashing_kernel
from .api_dispatch import add_dispatch_support
from .string_ops import as_string_tensor, check_string, to_backend, to_host
from .. import dtypes
from ..core.dispatch import bind
from ..core.op import Op
from ..core.rules import spec_of
from ..errors import InvalidArgumentError

__all__ = ["to_hash_bucket_fast", "to_hash_bucket", "to_hash_bucket_strong", "fingerprint64", "legacy_hash64",
           "siphash24"]

_U64 = np.uint64
#: Masks keeping the low `k` bytes of a word, k = 0..8.
_LOW_BYTES = np.array([(1 << (8 * k)) - 1 for k in range(9)], dtype=np.uint64)


class _Blocks:
    """The strings as little-endian 64-bit blocks, ordered by decreasing number of whole blocks, so
    the strings that have a block `j` are a prefix."""

    def __init__(self, strings):
        lengths = np.fromiter(map(len, strings), dtype=np.int64, count=len(strings))
        self.order = np.argsort(-(lengths // 8), kind="stable")
        self.lengths = lengths[self.order]
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])[self.order]
        buffer = np.frombuffer(b"".join(strings) + bytes(8), dtype=np.uint8)
        # A word at every byte offset (unaligned, read by NumPy's copying loops).
        self._words = np.ndarray((len(buffer) - 7,), dtype="<u8", buffer=buffer, strides=(1,))
        self._starts = starts
        self.whole = self.lengths // 8
        self.counts = np.bincount(self.whole)[::-1].cumsum()[::-1]  # counts[j]: strings with more than j blocks

    def block(self, j):
        """Block `j` of the strings that have one (a prefix of the order)."""
        n = self.counts[j + 1] if j + 1 < len(self.counts) else 0
        return self._words[self._starts[:n] + 8 * j]

    def tails(self):
        """The last `length % 8` bytes of each string as a word (zero when none)."""
        tail = self.lengths % 8
        return self._words[self._starts + 8 * self.whole] & _LOW_BYTES[tail], tail

    def in_input_order(self, hashes):
        result = np.empty_like(hashes)
        result[self.order] = hashes
        return result


def fingerprint64(strings):
    """FarmHash's Fingerprint64 of each byte string of the object array `strings`, uint64 (same shape)."""
    hashes = hashing_kernel.fingerprint64(strings)
    return _python_fingerprint64(strings) if hashes is None else hashes


def _python_fingerprint64(strings):
    flat = np.fromiter(map(farmhash.fingerprint64, strings.reshape(-1).tolist()), dtype=np.uint64,
                       count=strings.size)
    return flat.reshape(strings.shape)


def legacy_hash64(strings, seed=0xDECAFCAFFE):
    """TF's `Hash64` (MurmurHash64A as tsl/platform/hash.cc writes it) of each byte string, uint64."""
    m, r = _U64(0xC6A4A7935BD1E995), _U64(47)
    blocks = _Blocks(strings)
    h = _U64(seed) ^ (blocks.lengths.astype(np.uint64) * m)
    for j in range(int(blocks.whole.max(initial=0))):
        k = blocks.block(j) * m
        k ^= k >> r
        k *= m
        n = len(k)
        h[:n] = (h[:n] ^ k) * m
    tail_word, tail = blocks.tails()
    has_tail = tail > 0
    h[has_tail] = (h[has_tail] ^ tail_word[has_tail]) * m
    h ^= h >> r
    h *= m
    h ^= h >> r
    return blocks.in_input_order(h)


def _rotl(x, b):
    return (x << _U64(b)) | (x >> _U64(64 - b))


def _sip_rounds(v, count, n=None):
    v0, v1, v2, v3 = (a[:n] for a in v)
    for _ in range(count):
        v0 += v1
        v1[:] = _rotl(v1, 13)
        v1 ^= v0
        v0[:] = _rotl(v0, 32)
        v2 += v3
        v3[:] = _rotl(v3, 16)
        v3 ^= v2
        v0 += v3
        v3[:] = _rotl(v3, 21)
        v3 ^= v0
        v2 += v1
        v1[:] = _rotl(v1, 17)
        v1 ^= v2
        v2[:] = _rotl(v2, 32)


def siphash24(strings, key):
    """SipHash-2-4 of each byte string under the key (k0, k1) of two 64-bit integers, uint64."""
    k0, k1 = (_U64(k % (1 << 64)) for k in key)
    blocks = _Blocks(strings)
    size = len(strings)
    v = [np.full(size, k0 ^ _U64(0x736F6D6570736575)), np.full(size, k1 ^ _U64(0x646F72616E646F6D)),
         np.full(size, k0 ^ _U64(0x6C7967656E657261)), np.full(size, k1 ^ _U64(0x7465646279746573))]
    for j in range(int(blocks.whole.max(initial=0))):
        word = blocks.block(j)
        n = len(word)
        v[3][:n] ^= word
        _sip_rounds(v, 2, n)
        v[0][:n] ^= word
    tail_word, _ = blocks.tails()
    last = tail_word | ((blocks.lengths.astype(np.uint64) & _U64(0xFF)) << _U64(56))
    v[3] ^= last
    _sip_rounds(v, 2)
    v[0] ^= last
    v[2] ^= _U64(0xFF)
    _sip_rounds(v, 4)
    return blocks.in_input_order(v[0] ^ v[1] ^ v[2] ^ v[3])


# ----- the ops ----------------------------------------------------------------------------------

def _check_buckets(op_name, num_buckets):
    if isinstance(num_buckets, (bool, np.bool_)) or not isinstance(num_buckets, (int, np.integer)):
        raise TypeError(f"{op_name}: `num_buckets` must be an integer, got {num_buckets!r}")
    if not 1 <= num_buckets < 1 << 63:
        raise ValueError(f"{op_name}: `num_buckets` must be a positive integer, got {num_buckets!r}")
    return int(num_buckets)


def _bucket_infer(op_name):
    def infer(x, **attrs):
        check_string(op_name, x)
        return spec_of(x.shape, dtypes.int64)
    return infer


def _bucket_op(name, buckets_of):
    """An op putting every string in a bucket with `buckets_of(flat strings, num_buckets, **attrs)` (int64)."""
    def impl(xp, x, num_buckets, **attrs):
        x = to_host(x)
        return to_backend(xp, buckets_of(x.reshape(-1), num_buckets, **attrs).reshape(x.shape))

    return Op(name, infer=_bucket_infer(name), impl=impl)


def _buckets(hashes, num_buckets):
    return (hashes % _U64(num_buckets)).astype(np.int64)


def _fingerprint_buckets(strings, num_buckets):
    buckets = hashing_kernel.fingerprint_buckets(strings, num_buckets)
    return _buckets(_python_fingerprint64(strings), num_buckets) if buckets is None else buckets


_hash_bucket_fast = _bucket_op("string_to_hash_bucket_fast", _fingerprint_buckets)
_hash_bucket = _bucket_op("string_to_hash_bucket", lambda strings, n: _buckets(legacy_hash64(strings), n))
_hash_bucket_strong = _bucket_op("string_to_hash_bucket_strong",
                                 lambda strings, n, key: _buckets(siphash24(strings, key), n))


@add_dispatch_support
def to_hash_bucket_fast(input, num_buckets, name=None):  # noqa: A002 - TF's argument name
    """Each string hashed to a bucket in `[0, num_buckets)` (int64).

    The hash is TF's: FarmHash's Fingerprint64 of the string's bytes, modulo
    `num_buckets`. It is stable across processes, machines and versions, so bucket
    ids agree with TensorFlow's.
    """
    num_buckets = _check_buckets("to_hash_bucket_fast", num_buckets)
    return bind(_hash_bucket_fast, [as_string_tensor(input, "to_hash_bucket_fast")], {"num_buckets": num_buckets})


@add_dispatch_support
def to_hash_bucket(input, num_buckets, name=None):  # noqa: A002
    """Each string hashed to a bucket in `[0, num_buckets)` (int64) with TF's legacy `Hash64`.

    Kept, as in TF, for ids made with it; new code should prefer `to_hash_bucket_fast`
    (or `to_hash_bucket_strong` where inputs may be chosen by an adversary).
    """
    num_buckets = _check_buckets("to_hash_bucket", num_buckets)
    return bind(_hash_bucket, [as_string_tensor(input, "to_hash_bucket")], {"num_buckets": num_buckets})


@add_dispatch_support
def to_hash_bucket_strong(input, num_buckets, key, name=None):  # noqa: A002
    """Each string hashed to a bucket in `[0, num_buckets)` (int64) with SipHash-2-4 under `key`.

    `key` is a list of two integers (a 128-bit secret); without it an adversary cannot choose
    strings that collide. The ids agree with TF's for the same key.
    """
    num_buckets = _check_buckets("to_hash_bucket_strong", num_buckets)
    if not isinstance(key, (list, tuple)) or len(key) != 2:
        raise InvalidArgumentError(f"to_hash_bucket_strong: `key` must have 2 elements, got {key!r}")
    if any(isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not -(1 << 63) <= k < 1 << 63
           for k in key):
        raise ValueError(f"to_hash_bucket_strong: `key` must hold two 64-bit signed integers, got {key!r}")
    return bind(_hash_bucket_strong, [as_string_tensor(input, "to_hash_bucket_strong")],
                {"num_buckets": num_buckets, "key": [int(k) for k in key]})
