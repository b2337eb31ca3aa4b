"""Compiled hashing of many values at once: FarmHash's Fingerprint64 of byte strings, and the position
of each string or integer in a vocabulary (a hash table).

Calling `farmhash.fingerprint64` or a dict per string costs ~100 ns of interpreter work each, ten times
TensorFlow's whole per-string cost. Joining the strings into one buffer first costs as much again (a
`len` and a copy per string). So the kernels read the strings where they are: an object array holds
pointers to `bytes` objects, and CPython's `bytes` keeps its length and bytes at fixed offsets, which
this module finds from the running interpreter (`object.__basicsize__`, `bytes.__basicsize__`) and
checks against real objects through ctypes before trusting them. The kernel checks each element's type
pointer too: an element that is not exactly `bytes` stops it, and the caller takes the Python path.
The kernels hold the GIL (no `nogil`), so no other thread can release an object while they read it.

- `fingerprint64(strings)`: FarmHash's Fingerprint64 (farmhashna's Hash64), the public algorithm
  ported line by line; it equals `pyfarmhash`'s bit for bit (tests compare every length 0..300).
  `fingerprint_buckets(strings, n)`: the same modulo n.
- `string_table(vocabulary)` / `lookup_strings(table, strings)`: an open-addressing table keyed by
  the fingerprint; a hit also compares the bytes, so colliding fingerprints never match.
- `integer_table(vocabulary)` / `lookup_integers(table, values)`: the same for integers.

A repeated vocabulary entry maps to its last position, as a dict built in order does.
Each function returns None where the kernel cannot or need not run (no numba, not CPython, a
big-endian machine, too few values, an element that is not `bytes`, or the kernels still loading:
`serves` loads them on a background thread, as tiered execution compiles a function's kernels);
the caller then hashes or looks up in Python, with the same results.
"""
import atexit
import ctypes
import os
import sys
import threading
import warnings

import numpy as np

from .. import config_experimental
from ..backend import get_backend

__all__ = ["fingerprint64", "fingerprint_buckets", "string_table", "lookup_strings", "integer_table", "lookup_integers",
           "serves", "MIN_KERNEL_VALUES", "MIN_VALUES_TO_LOAD", "EXIT_GRACE"]

#: Fewer values always take the Python path: calling a kernel costs a few microseconds.
MIN_KERNEL_VALUES = 64
#: Values served in Python (in one call or over many, as a pipeline's batches come) that start
#: loading the kernels: importing numba and loading them (compiling them, once per machine) costs
#: more than it saves on fewer.
MIN_VALUES_TO_LOAD = 1 << 12

_KERNEL_SOURCE = '''
import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

_K0 = np.uint64(0xC3A5C85C97CB3127)
_K1 = np.uint64(0xB492B66FBE98F273)
_K2 = np.uint64(0x9AE16A3B2F90404F)
_KMUL = np.uint64(0x9E3779B97F4A7C15)


def _loader(bits):
    """An intrinsic reading the unsigned integer of `bits` bits at a byte address (unaligned)."""
    @intrinsic
    def load(typingctx, address):
        def codegen(context, builder, signature, args):
            pointer = builder.inttoptr(args[0], ir.IntType(bits).as_pointer())
            value = builder.load(pointer, align=1)
            return value if bits == 64 else builder.zext(value, ir.IntType(64))
        return types.uint64(types.int64), codegen
    return load


_load64 = _loader(64)
_load32 = _loader(32)
_load8 = _loader(8)


@njit(cache=True, inline="always")
def _rotate(value, shift):
    return (value >> np.uint64(shift)) | (value << np.uint64(64 - shift))


@njit(cache=True, inline="always")
def _shift_mix(value):
    return value ^ (value >> np.uint64(47))


@njit(cache=True, inline="always")
def _hash_len16(u, v, mul):
    a = (u ^ v) * mul
    a ^= a >> np.uint64(47)
    b = (v ^ a) * mul
    b ^= b >> np.uint64(47)
    return b * mul


@njit(cache=True, inline="always")
def _hash_len0to16(s, length):
    n = np.uint64(length)
    if length >= 8:
        mul = _K2 + n * np.uint64(2)
        a = _load64(s) + _K2
        b = _load64(s + length - 8)
        c = _rotate(b, 37) * mul + a
        d = (_rotate(a, 25) + b) * mul
        return _hash_len16(c, d, mul)
    if length >= 4:
        mul = _K2 + n * np.uint64(2)
        return _hash_len16(n + (_load32(s) << np.uint64(3)), _load32(s + length - 4), mul)
    if length > 0:
        y = _load8(s) + (_load8(s + (length >> 1)) << np.uint64(8))
        z = n + (_load8(s + length - 1) << np.uint64(2))
        return _shift_mix((y * _K2) ^ (z * _K0)) * _K2
    return _K2


@njit(cache=True, inline="always")
def _hash_len17to32(s, length):
    mul = _K2 + np.uint64(length) * np.uint64(2)
    a = _load64(s) * _K1
    b = _load64(s + 8)
    c = _load64(s + length - 8) * mul
    d = _load64(s + length - 16) * _K2
    return _hash_len16(_rotate(a + b, 43) + _rotate(c, 30) + d, a + _rotate(b + _K2, 18) + c, mul)


@njit(cache=True, inline="always")
def _hash_len33to64(s, length):
    mul = _K2 + np.uint64(length) * np.uint64(2)
    a = _load64(s) * _K2
    b = _load64(s + 8)
    c = _load64(s + length - 8) * mul
    d = _load64(s + length - 16) * _K2
    y = _rotate(a + b, 43) + _rotate(c, 30) + d
    z = _hash_len16(y, a + _rotate(b + _K2, 18) + c, mul)
    e = _load64(s + 16) * mul
    f = _load64(s + 24)
    g = (y + _load64(s + length - 32)) * mul
    h = (z + _load64(s + length - 24)) * mul
    return _hash_len16(_rotate(e + f, 43) + _rotate(g, 30) + h, e + _rotate(f + a, 18) + g, mul)


@njit(cache=True, inline="always")
def _weak_hash_len32_with_seeds(s, a, b):
    """farmhashna's WeakHashLen32WithSeeds of the 32 bytes at s: the pair (first, second)."""
    w = _load64(s)
    x = _load64(s + 8)
    y = _load64(s + 16)
    z = _load64(s + 24)
    a += w
    b = _rotate(b + a + z, 21)
    c = a
    a += x
    a += y
    b += _rotate(a, 44)
    return a + z, b + c


@njit(cache=True)
def _hash_long(s, length):
    """farmhashna's Hash64 of more than 64 bytes: 64 at a time, then the last 64."""
    seed = np.uint64(81)
    x = seed
    y = seed * _K1 + np.uint64(113)
    z = _shift_mix(y * _K2 + np.uint64(113)) * _K2
    v0 = v1 = w0 = w1 = np.uint64(0)
    x = x * _K2 + _load64(s)
    end = s + ((length - 1) // 64) * 64
    last64 = s + length - 64
    while True:
        x = _rotate(x + y + v0 + _load64(s + 8), 37) * _K1
        y = _rotate(y + v1 + _load64(s + 48), 42) * _K1
        x ^= w1
        y += v0 + _load64(s + 40)
        z = _rotate(z + w0, 33) * _K1
        v0, v1 = _weak_hash_len32_with_seeds(s, v1 * _K1, x + w0)
        w0, w1 = _weak_hash_len32_with_seeds(s + 32, z + w1, y + _load64(s + 16))
        z, x = x, z
        s += 64
        if s == end:
            break
    mul = _K1 + ((z & np.uint64(0xFF)) << np.uint64(1))
    s = last64
    w0 += np.uint64((length - 1) & 63)
    v0 += w0
    w0 += v0
    x = _rotate(x + y + v0 + _load64(s + 8), 37) * mul
    y = _rotate(y + v1 + _load64(s + 48), 42) * mul
    x ^= w1 * np.uint64(9)
    y += v0 * np.uint64(9) + _load64(s + 40)
    z = _rotate(z + w0, 33) * mul
    v0, v1 = _weak_hash_len32_with_seeds(s, v1 * mul, x + w0)
    w0, w1 = _weak_hash_len32_with_seeds(s + 32, z + w1, y + _load64(s + 16))
    z, x = x, z
    return _hash_len16(_hash_len16(v0, w0, mul) + _shift_mix(y) * _K0 + z, _hash_len16(v1, w1, mul) + x, mul)


@njit(cache=True, inline="always")
def _fingerprint64(s, length):
    """FarmHash's Fingerprint64 (farmhashna's Hash64) of the `length` bytes at address s."""
    if length <= 16:
        return _hash_len0to16(s, length)
    if length <= 32:
        return _hash_len17to32(s, length)
    if length <= 64:
        return _hash_len33to64(s, length)
    return _hash_long(s, length)


@njit(cache=True, inline="always")
def _bytes_at(objects, i, bytes_type):
    """(address of the data, length) of element i of an object array at `objects`; length -1 if the
    element is not exactly a `bytes` object."""
    item = np.int64(_load64(objects + 8 * i))
    if _load64(item + TYPE_OFFSET) != bytes_type:
        return item, np.int64(-1)
    return item + DATA_OFFSET, np.int64(_load64(item + SIZE_OFFSET))


@njit(cache=True)
def fingerprints(objects, count, bytes_type, out):
    """Fingerprint64 of each of the `count` bytes objects whose pointers start at address `objects`,
    into `out`; the index of the first element that is not `bytes`, or -1."""
    for i in range(count):
        data, length = _bytes_at(objects, i, bytes_type)
        if length < 0:
            return i
        out[i] = _fingerprint64(data, length)
    return -1


@njit(cache=True)
def fingerprint_buckets(objects, count, bytes_type, num_buckets, out):
    """Fingerprint64 modulo `num_buckets` (uint64) of each bytes object, as `fingerprints` reads them,
    into `out` (int64); the index of the first element that is not `bytes`, or -1."""
    for i in range(count):
        data, length = _bytes_at(objects, i, bytes_type)
        if length < 0:
            return i
        out[i] = np.int64(_fingerprint64(data, length) % num_buckets)
    return -1


@njit(cache=True, inline="always")
def _same_bytes(a, b, length):
    """Whether the `length` bytes at a and b are equal: read as the hash reads them (overlapping
    words), so few branches depend on the length."""
    if length >= 8:
        last = length - 8
        for k in range(0, last, 8):
            if _load64(a + k) != _load64(b + k):
                return False
        return _load64(a + last) == _load64(b + last)
    if length >= 4:
        return _load32(a) == _load32(b) and _load32(a + length - 4) == _load32(b + length - 4)
    if length > 0:
        return _load8(a) == _load8(b) and _load8(a + (length >> 1)) == _load8(b + (length >> 1)) and \
            _load8(a + length - 1) == _load8(b + length - 1)
    return True


@njit(cache=True, inline="always")
def _find(slots, hashes, starts, lengths, buffer, h, data, length):
    """The slot holding the entry with fingerprint h and these bytes, or the empty slot it would take."""
    mask = slots.shape[0] - 1
    slot = np.int64(h & np.uint64(mask))
    while True:
        e = slots[slot]
        if e < 0 or (hashes[e] == h and lengths[e] == length and _same_bytes(buffer + starts[e], data, length)):
            return slot
        slot = (slot + 1) & mask


@njit(cache=True)
def string_slots(hashes, starts, lengths, buffer, n_slots):
    """An open-addressing table of the vocabulary (`n_slots`, a power of two): each slot holds the
    position of an entry or -1; a repeated entry keeps its last position."""
    slots = np.full(n_slots, -1, np.int64)
    for position in range(hashes.shape[0]):
        slot = _find(slots, hashes, starts, lengths, buffer, hashes[position], buffer + starts[position],
                     lengths[position])
        slots[slot] = position
    return slots


@njit(cache=True)
def string_positions(objects, count, bytes_type, slots, hashes, starts, lengths, buffer, out):
    """The position in the vocabulary table of each bytes object (as `fingerprints` reads them), -1 if
    absent, into `out`; the index of the first element that is not `bytes`, or -1."""
    for i in range(count):
        data, length = _bytes_at(objects, i, bytes_type)
        if length < 0:
            return i
        slot = _find(slots, hashes, starts, lengths, buffer, _fingerprint64(data, length), data, length)
        out[i] = slots[slot]
    return -1


@njit(cache=True)
def single_string_positions(objects, count, bytes_type, token, token_length, out):
    """0 where the bytes object equals the `token_length` bytes at address `token`, else -1 (a
    one-entry vocabulary: comparing is cheaper than hashing)."""
    for i in range(count):
        data, length = _bytes_at(objects, i, bytes_type)
        if length < 0:
            return i
        out[i] = 0 if length == token_length and _same_bytes(data, token, length) else -1
    return -1


@njit(cache=True, inline="always")
def _integer_slot(slots, keys, shift, value):
    mask = slots.shape[0] - 1
    slot = np.int64((np.uint64(value) * _KMUL) >> np.uint64(shift))
    while True:
        e = slots[slot]
        if e < 0 or keys[e] == value:
            return slot
        slot = (slot + 1) & mask


@njit(cache=True)
def integer_slots(keys, n_slots, shift):
    """The integer vocabulary's table, as `string_slots` (slot from the top `64 - shift` bits of a
    Fibonacci hash)."""
    slots = np.full(n_slots, -1, np.int64)
    for position in range(keys.shape[0]):
        slots[_integer_slot(slots, keys, shift, keys[position])] = position
    return slots


@njit(cache=True)
def integer_positions(values, slots, keys, shift, out):
    """The position of each value in the integer vocabulary's table, -1 if absent."""
    for i in range(values.shape[0]):
        out[i] = slots[_integer_slot(slots, keys, shift, values[i])]
'''

#: Seconds the process's exit waits for a load in flight (a thread killed inside LLVM could crash the exit).
EXIT_GRACE = 2.0

_kernels = None  # the kernels, once loaded and run once; False where they cannot run
_values_in_python = 0  # values served before the kernels were loaded
_loader = None  # (process id, the thread loading them)
_lock = threading.Lock()
_loader_lock = threading.Lock()


def _bytes_layout():
    """(offset of the type pointer, of the size, of the data) in a CPython `bytes` object, checked on
    real objects; None on other interpreters or where the check fails."""
    if sys.implementation.name != "cpython" or sys.byteorder != "little" or ctypes.sizeof(ctypes.c_void_p) != 8:
        return None
    layout = object.__basicsize__ - 8, object.__basicsize__, bytes.__basicsize__ - 1
    for sample in (b"", b"x", b"fingerprint", bytes(range(256)) * 3):
        type_pointer = ctypes.c_void_p.from_address(id(sample) + layout[0]).value
        size = ctypes.c_ssize_t.from_address(id(sample) + layout[1]).value
        if type_pointer != id(bytes) or size != len(sample) or \
                ctypes.string_at(id(sample) + layout[2], len(sample)) != sample:
            return None
    return layout


def _loaded_kernels():
    """The kernels loaded (compiled once per machine) and run once each, or False where they cannot run."""
    layout = _bytes_layout()
    if layout is None:
        return False
    try:
        backend = get_backend("numba")
    except (RuntimeError, ValueError):
        return False
    try:
        kernels = backend.kernel_cache().load_kernel_module(
            "TYPE_OFFSET = %d\nSIZE_OFFSET = %d\nDATA_OFFSET = %d\n" % layout + _KERNEL_SOURCE)
        _warm_up(kernels)
    except Exception as error:  # noqa: BLE001 - a failure here (a numba typing intrinsics otherwise) costs speed only
        warnings.warn(f"tracegraph's hashing kernels could not be compiled ({error!r}); string hashing and "
                      "vocabulary lookups run in Python", RuntimeWarning, stacklevel=2)
        return False
    return kernels


def _warm_up(kernels):
    """Run each kernel once, on arrays of every kind it is given, so later calls find it compiled."""
    strings = np.array([b"warm", b"up"], dtype=object)
    _fingerprint_buckets(kernels, strings, 3)
    for vocabulary in (strings, strings[:1]):
        _lookup_strings(kernels, _StringTable(kernels, vocabulary), strings)
    table = _IntegerTable(kernels, np.arange(2, dtype=np.int64))
    values = np.arange(3, dtype=np.int64)
    _lookup_integers(kernels, table, values)
    values.flags.writeable = False  # a tensor's array may be read-only: numba compiles for it apart
    _lookup_integers(kernels, table, values)


def _kernel_module():
    """The kernels, loaded on this thread if need be, or False where they cannot run."""
    global _kernels
    if _kernels is None:
        with _lock:
            if _kernels is None:
                _kernels = _loaded_kernels()
    return _kernels


def _start_loading():
    """Load the kernels on a background thread (once per process; a forked child starts its own), or
    here and now where tiered execution is off (`tg.config.experimental.set_tiered_execution`)."""
    global _loader
    if not config_experimental.tiered_execution_enabled():
        _kernel_module()
        return
    with _loader_lock:
        if _loader is None or _loader[0] != os.getpid():
            thread = threading.Thread(target=_kernel_module, name="tracegraph-hashing-kernels", daemon=True)
            _loader = os.getpid(), thread
            thread.start()
            atexit.register(_finish_loading, EXIT_GRACE)


def _finish_loading(timeout=None):
    """Wait (at most `timeout` seconds) for the background load, if one runs in this process."""
    loader = _loader
    if loader is not None and loader[0] == os.getpid():
        loader[1].join(timeout)


def serves(size):
    """Whether the kernels serve `size` values now. Once `MIN_VALUES_TO_LOAD` values have come, they
    start loading on a background thread (importing numba and loading takes a second or two); the
    Python path serves meanwhile, so no call waits for the compiler."""
    global _values_in_python
    if size < MIN_KERNEL_VALUES:
        return False
    if _kernels is None:
        _values_in_python += size
        if _values_in_python >= MIN_VALUES_TO_LOAD:
            _start_loading()
    return bool(_kernels)


def _object_pointers(strings):
    """(a flat C-contiguous object array of `strings`, the address of its first pointer)."""
    flat = np.ascontiguousarray(strings.reshape(-1))
    return flat, flat.__array_interface__["data"][0]


def _per_string(kernel, strings, dtype, *args):
    """`kernel(address, count, bytes type, *args, out)` run over the object array `strings`: `out`
    (`dtype`, the shape of `strings`), or None if an element is not exactly `bytes`."""
    flat, address = _object_pointers(strings)
    out = np.empty(flat.size, dtype)
    if kernel(address, flat.size, id(bytes), *args, out) >= 0:
        return None
    return out.reshape(strings.shape)


def fingerprint64(strings):
    """FarmHash's Fingerprint64 of each element of the object array `strings` (uint64, same shape),
    or None where the kernel cannot or need not run."""
    return _per_string(_kernels.fingerprints, strings, np.uint64) if serves(strings.size) else None


def fingerprint_buckets(strings, num_buckets):
    """Fingerprint64 modulo `num_buckets` (below 2**63) of each element of the object array `strings`
    (int64, same shape), or None where the kernel cannot or need not run. The kernel divides: NumPy's
    uint64 remainder takes longer than the hashing."""
    if not serves(strings.size):
        return None
    return _fingerprint_buckets(_kernels, strings, num_buckets)


def _fingerprint_buckets(kernels, strings, num_buckets):
    return _per_string(kernels.fingerprint_buckets, strings, np.int64, np.uint64(num_buckets))


class _StringTable:
    """A vocabulary of byte strings as a hash table: the bytes joined (owned here, so the table's
    addresses stay valid), each entry's start, length and fingerprint, and the slots."""

    def __init__(self, kernels, vocabulary):
        entries = vocabulary.tolist()
        self.lengths = np.fromiter(map(len, entries), dtype=np.int64, count=vocabulary.size)
        self.starts = np.cumsum(self.lengths) - self.lengths
        self.data = np.frombuffer(b"".join(entries) + bytes(1), dtype=np.uint8)
        self.buffer = self.data.__array_interface__["data"][0]
        self.hashes = _per_string(kernels.fingerprints, vocabulary, np.uint64)  # every entry is bytes
        self.slots = kernels.string_slots(self.hashes, self.starts, self.lengths, self.buffer,
                                          _table_size(vocabulary.size))


class _IntegerTable:
    """A vocabulary of integers (int64) as a hash table."""

    def __init__(self, kernels, keys):
        self.keys = keys
        size = _table_size(keys.size)
        self.shift = 65 - size.bit_length()  # the slot is the top log2(size) bits of the hash
        self.slots = kernels.integer_slots(keys, size, self.shift)


def _table_size(count):
    """A power of two 8 to 16 times `count` (2 to 4 times, over 2**17 entries): a probe seldom meets
    another entry, so the branch on it is predictable; large tables stay within memory."""
    return 1 << max(int(count * (8 if count <= 1 << 17 else 2)).bit_length(), 3)


def string_table(vocabulary):
    """The hash table of the object array `vocabulary` of byte strings, or None where the kernels
    cannot run or an entry is not exactly `bytes`."""
    kernels = _kernel_module()
    vocabulary = np.ascontiguousarray(vocabulary.reshape(-1))
    if not kernels or not all(type(v) is bytes for v in vocabulary.tolist()):
        return None
    return _StringTable(kernels, vocabulary)


def lookup_strings(table, strings):
    """The position of each element of the object array `strings` in the `string_table` (int64, -1
    if absent, same shape), or None where the kernel cannot or need not run."""
    return _lookup_strings(_kernels, table, strings) if serves(strings.size) else None


def _lookup_strings(kernels, table, strings):
    if table.hashes.size == 1:
        return _per_string(kernels.single_string_positions, strings, np.int64, table.buffer, table.lengths[0])
    return _per_string(kernels.string_positions, strings, np.int64, table.slots, table.hashes, table.starts,
                       table.lengths, table.buffer)


def integer_table(vocabulary):
    """The hash table of the int64 array `vocabulary`, or None where the kernels cannot run. It holds a
    copy of the vocabulary, so a cache of tables keyed by a weak reference to it can expire."""
    kernels = _kernel_module()
    return _IntegerTable(kernels, np.array(vocabulary.reshape(-1), dtype=np.int64)) if kernels else None


def lookup_integers(table, values):
    """The position of each element of the int64 array `values` in the `integer_table` (int64, -1 if
    absent, same shape), or None where the kernel cannot or need not run."""
    return _lookup_integers(_kernels, table, values) if serves(values.size) else None


def _lookup_integers(kernels, table, values):
    flat = np.ascontiguousarray(values.reshape(-1), dtype=np.int64)
    out = np.empty(flat.size, np.int64)
    kernels.integer_positions(flat, table.slots, table.keys, table.shift, out)
    return out.reshape(values.shape)
