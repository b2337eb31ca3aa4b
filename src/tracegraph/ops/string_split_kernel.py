"""Whitespace splitting of many strings at once, compiled: `split_at_whitespace(strings)`.

Splitting word by word in Python costs a call per string and an object per word;
for 1e5 sentences that is four times TensorFlow's time. Here one compiled pass
over the strings joined into one UTF-8 buffer finds every word's row, offset and
byte length (with bit operations on 64 bytes at a time: a word's start and end are
bit transitions, so no branch depends on a word's length), and a second interns the
words in a hash table: the pieces are the
distinct words, made into Python objects once each (from one buffer, by
`bytes.split`), and the result is a gather of them. Text repeats its words, so
this creates far fewer objects than there are words; when the words turn out
mostly distinct the pass stops interning and the pieces come from one
`bytes.split` of the whole text instead. Either way the pieces are exactly
`bytes.split()`'s, string by string.

The kernel compiles through the numba backend's kernel cache (verified on disk,
shared between processes); without numba, and for inputs too small to repay
the compilation (and on big-endian machines: the kernel reads words little-endian),
`split_at_whitespace` returns None and the caller splits in Python.
"""
import concurrent.futures
import os
import sys
import threading

import numpy as np

from ..backend import get_backend

__all__ = ["split_at_whitespace", "MIN_KERNEL_BYTES"]

#: Inputs with fewer bytes split in Python: the kernel's first compilation (about a second, once
#: per machine thanks to the disk cache) would cost more than it saves on them.
MIN_KERNEL_BYTES = 1 << 16

# ASCII whitespace as bytes.split() and TF's StringSplitV2 see it: space and \t \n \v \f \r (9..13).
_KERNEL_SOURCE = '''
import numpy as np
from numba import njit

_MIX = np.uint64(0x9E3779B97F4A7C15)
#: Masks keeping the first k bytes of a little-endian word, k = 0..8.
_LOW_BYTES = np.array([(1 << (8 * k)) - 1 for k in range(9)], dtype=np.uint64)


@njit(cache=True, nogil=True, inline="always")
def _load(words8, p):
    """The little-endian word of the 8 bytes from byte offset p (the buffer is padded by a word)."""
    j = p >> 3
    shift = np.uint64((p & 7) * 8)
    return (words8[j] >> shift) | ((words8[j + 1] << np.uint64(1)) << (np.uint64(63) - shift))


_HIGH = np.uint64(0x8080808080808080)
_LOW7 = np.uint64(0x7F7F7F7F7F7F7F7F)
_SPACES = np.uint64(0x2020202020202020)
_PLUS_119 = np.uint64(0x7777777777777777)  # y + 119 reaches 128 iff byte y >= 9
_PLUS_114 = np.uint64(0x7272727272727272)  # y + 114 reaches 128 iff byte y >= 14
_GATHER = np.uint64(0x0102040810204080)    # the low bit of byte k to bit 56 + k
_DE_BRUIJN = np.uint64(0x03F79D71B4CB0A89)
_DE_BRUIJN_INDEX = np.zeros(64, np.int64)
for _i in range(64):
    _DE_BRUIJN_INDEX[(((1 << _i) * 0x03F79D71B4CB0A89) & ((1 << 64) - 1)) >> 58] = _i


@njit(cache=True, nogil=True)
def _space_bits(words8, n):
    """Bit i % 64 of element i // 64: byte i is ASCII whitespace (space, 9..13) or past the end `n`."""
    bits = np.zeros(n // 64 + 2, np.uint64)
    for j in range((n + 7) // 8):
        w = words8[j]
        t = w ^ _SPACES
        marks = ~(((t & _LOW7) + _LOW7) | t) & _HIGH  # bytes equal to 32
        y = w & _LOW7
        marks |= (y + _PLUS_119) & ~(y + _PLUS_114) & ~w & _HIGH  # bytes 9..13
        bits[j >> 3] |= (((marks >> np.uint64(7)) * _GATHER) >> np.uint64(56)) << np.uint64((j & 7) * 8)
    bits[n >> 6] |= ~((np.uint64(1) << np.uint64(n & 63)) - np.uint64(1))
    bits[(n >> 6) + 1:] = ~np.uint64(0)
    return bits


@njit(cache=True, nogil=True, inline="always")
def _lowest_bit(mask):
    """The index of the lowest set bit of a non-zero word."""
    return _DE_BRUIJN_INDEX[((mask & (~mask + np.uint64(1))) * _DE_BRUIJN) >> np.uint64(58)]


@njit(cache=True, nogil=True, inline="always")
def _bit_count(x):
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return np.int64((x * np.uint64(0x0101010101010101)) >> np.uint64(56))


@njit(cache=True, nogil=True)
def split_words(words8, string_ends, max_distinct):
    """(row_splits, byte lengths, word ids, starts and lengths of the distinct words, interned).

    A word starts at a byte that is not whitespace after one that is (or at a string's start)
    and ends before the next whitespace byte or string start: both are bit operations on
    64 bytes at a time, so no branch depends on each word's length.
    """
    n_strings = string_ends.shape[0]
    n = string_ends[-1] if n_strings else 0
    space = _space_bits(words8, n)
    string_start = np.zeros(space.shape[0], np.uint64)
    for row in range(n_strings - 1):
        s = string_ends[row]
        string_start[s >> 6] |= np.uint64(1) << np.uint64(s & 63)
    n_blocks = n // 64 + 1
    firsts = np.empty(n_blocks, np.uint64)
    lasts = np.empty(n_blocks, np.uint64)
    count = 0
    carry = np.uint64(1)  # the byte before the first counts as whitespace
    for block in range(n_blocks):
        here = space[block]
        breaks = string_start[block]
        before = (here << np.uint64(1)) | carry  # bit i: byte i - 1 is whitespace
        carry = here >> np.uint64(63)
        firsts[block] = ~here & (before | breaks)
        lasts[block] = ~before & (here | breaks)
        count += _bit_count(firsts[block])
    starts = np.empty(count, np.int64)
    ends = np.empty(count, np.int64)
    n_starts = 0
    n_ends = 0
    for block in range(n_blocks):
        first = firsts[block]
        last = lasts[block]
        base = block * 64
        while first:
            starts[n_starts] = base + _lowest_bit(first)
            n_starts += 1
            first &= first - np.uint64(1)
        while last:
            ends[n_ends] = base + _lowest_bit(last)
            n_ends += 1
            last &= last - np.uint64(1)
    row_splits = np.empty(n_strings + 1, np.int64)
    row_splits[0] = 0
    t = 0
    for row in range(n_strings):
        end = string_ends[row]
        while t < n_starts and starts[t] < end:
            t += 1
        row_splits[row + 1] = t
    lengths = (ends - starts).astype(np.int32)
    ids, distinct, interned = _interned(words8, starts, lengths, max_distinct)
    return row_splits, lengths, ids, starts[distinct], lengths[distinct], interned


@njit(cache=True, nogil=True)
def _interned(words8, starts, lengths, max_distinct):
    """(the id of each word, the index of the first of each distinct word, True), or False as the
    last item once there are more than `max_distinct` distinct words."""
    count = starts.shape[0]
    ids = np.empty(count, np.int64)
    table_bits = 10
    table = np.full(1 << table_bits, -1, np.int32)
    n_slots = min(count, max_distinct) + 1
    first_of = np.empty(n_slots, np.int64)
    distinct_hash = np.empty(n_slots, np.uint64)
    distinct_first = np.empty(n_slots, np.uint64)
    n_distinct = 0
    for t in range(count):
        start = starts[t]
        length = lengths[t]
        first_word = _load(words8, start) & _LOW_BYTES[min(length, 8)]
        h = first_word
        for k in range(8, length, 8):
            h = (h * _MIX) ^ (_load(words8, start + k) & _LOW_BYTES[min(length - k, 8)])
        h = (h ^ np.uint64(length)) * _MIX
        h ^= h >> np.uint64(29)
        mask = (1 << table_bits) - 1
        slot = np.int64(h & np.uint64(mask))
        while True:
            u = table[slot]
            if u < 0:
                if n_distinct == max_distinct:
                    return ids[:0], first_of[:0], False
                u = n_distinct
                first_of[u] = t
                distinct_hash[u] = h
                distinct_first[u] = first_word
                n_distinct += 1
                table[slot] = u
                if 2 * n_distinct > mask:
                    table_bits += 2
                    table = _rehashed(distinct_hash, n_distinct, table_bits)
                break
            # The first word holds a short word whole: only longer words compare the rest.
            if distinct_hash[u] == h and distinct_first[u] == first_word and lengths[first_of[u]] == length:
                other = starts[first_of[u]]
                k = 8
                while k < length and (_load(words8, other + k) ^ _load(words8, start + k)) \\
                        & _LOW_BYTES[min(length - k, 8)] == 0:
                    k += 8
                if k >= length:
                    break
            slot = (slot + 1) & mask
        ids[t] = u
    return ids, first_of[:n_distinct], True


@njit(cache=True, nogil=True)
def _rehashed(hashes, n, table_bits):
    mask = (1 << table_bits) - 1
    table = np.full(1 << table_bits, -1, np.int32)
    for u in range(n):
        slot = np.int64(hashes[u] & np.uint64(mask))
        while table[slot] >= 0:
            slot = (slot + 1) & mask
        table[slot] = u
    return table


@njit(cache=True, nogil=True)
def joined_words(buffer, starts, lengths):
    """The words at `starts` (of `lengths`) one after another, each followed by a space."""
    out = np.empty(lengths.sum() + lengths.shape[0], np.uint8)
    p = 0
    for u in range(starts.shape[0]):
        for k in range(starts[u], starts[u] + lengths[u]):
            out[p] = buffer[k]
            p += 1
        out[p] = 32
        p += 1
    return out
'''

_kernels = None
_pool = None
_lock = threading.Lock()


def _kernel_module():
    """The compiled kernels, or False where the numba backend is missing."""
    global _kernels
    if _kernels is None:
        with _lock:
            if _kernels is None:
                try:
                    _kernels = get_backend("numba").kernel_cache().load_kernel_module(_KERNEL_SOURCE)
                except (RuntimeError, ValueError):
                    _kernels = False
    return _kernels


def _usable_cores():
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _thread_pool():
    """The pool of this process: a forked child has none of its parent's threads, so it makes its own."""
    global _pool
    if _pool is None or _pool[0] != os.getpid():
        with _lock:
            if _pool is None or _pool[0] != os.getpid():
                _pool = os.getpid(), concurrent.futures.ThreadPoolExecutor(
                    max_workers=max(_usable_cores() - 1, 1), thread_name_prefix="tracegraph-split")
    return _pool[1]


def split_at_whitespace(strings):
    """(pieces, row_splits int64, byte lengths int32 of the pieces) of a flat object array of byte
    strings split at runs of ASCII whitespace, or None if the kernel cannot or need not run.

    Large inputs are cut into one chunk of strings per core. The Python work (joining, making
    the pieces) runs on this thread; the kernels release the GIL and run on the chunks at once.
    """
    if not len(strings) or _estimated_bytes(strings) < MIN_KERNEL_BYTES or sys.byteorder != "little":
        return None
    kernels = _kernel_module()
    if not kernels:
        return None
    strings = strings.tolist()  # a list iterates faster than an object array, for both passes below
    string_ends = np.cumsum(np.fromiter(map(len, strings), dtype=np.int64, count=len(strings)))
    text = memoryview(b"".join(strings))
    bounds = np.linspace(0, len(strings), min(_usable_cores(), len(strings)) + 1).astype(np.int64)
    chunks = []
    for first, stop in zip(bounds[:-1], bounds[1:]):
        begin = int(string_ends[first - 1]) if first else 0
        ends = string_ends[first:stop] - begin
        chunks.append((strings[first:stop], _as_words(text[begin:begin + int(ends[-1])]), ends))
    futures = [_thread_pool().submit(_split_words, kernels, words8, ends) for _, words8, ends in chunks[1:]]
    found = [_split_words(kernels, chunks[0][1], chunks[0][2])] + [f.result() for f in futures]
    return _combined([_with_pieces(kernels, chunk, result) for chunk, result in zip(chunks, found)])


def _estimated_bytes(strings):
    """The total length of `strings`, estimated from at most 64 of them."""
    step = max(len(strings) // 64, 1)
    return sum(map(len, strings[::step])) * step


def _split_words(kernels, words8, string_ends):
    return kernels.split_words(words8, string_ends, max(4096, int(string_ends[-1]) // 16))


def _with_pieces(kernels, chunk, found):
    """(row_splits, byte lengths, and the pieces: (distinct words, ids) if interned, else an object array)."""
    strings, words8, _ = chunk
    row_splits, piece_lengths, ids, starts, distinct_lengths, interned = found
    if interned:
        pieces = kernels.joined_words(words8.view(np.uint8), starts, distinct_lengths).tobytes().split(), ids
    else:
        # Whitespace between the strings splits nothing that was whole: the same words, in order.
        pieces = np.array(b" ".join(strings).split(), dtype=object)
    return row_splits, piece_lengths, pieces


def _as_words(data):
    """`data` in aligned 64-bit words, padded with zero bytes to one whole word more."""
    words = np.zeros(len(data) // 8 + 2, dtype=np.uint64)
    words.view(np.uint8)[:len(data)] = np.frombuffer(data, dtype=np.uint8)
    return words


def _combined(splits):
    """The chunks' results as one (pieces, row_splits, byte lengths)."""
    row_splits = [splits[0][0]]
    for chunk_splits, _, _ in splits[1:]:
        row_splits.append(chunk_splits[1:] + row_splits[-1][-1])
    byte_lengths = [lengths for _, lengths, _ in splits]
    if all(isinstance(pieces, tuple) for _, _, pieces in splits):
        words, ids = [], []
        for _, _, (chunk_words, chunk_ids) in splits:
            if words:
                chunk_ids += len(words)
            ids.append(chunk_ids)
            words.extend(chunk_words)
        pieces = np.array(words, dtype=object).take(_joined(ids))
    else:
        pieces = _joined([p if not isinstance(p, tuple) else np.array(p[0], dtype=object).take(p[1])
                          for _, _, p in splits])
    return pieces, _joined(row_splits), _joined(byte_lengths)


def _joined(arrays):
    return arrays[0] if len(arrays) == 1 else np.concatenate(arrays)
