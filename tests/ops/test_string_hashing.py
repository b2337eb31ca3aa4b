"""tg.strings.to_hash_bucket (TF's legacy Hash64) and to_hash_bucket_strong (SipHash-2-4): against values
recorded from TF 2.21, the SipHash paper's test vector, and plain-Python references of both hashes over
strings of mixed lengths (the NumPy versions mix block j of all strings at once)."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tracegraph as tg
from tracegraph.errors import InvalidArgumentError
from tracegraph.ops.string_hashing import legacy_hash64, siphash24

MASK = (1 << 64) - 1
TEXTS = ["", "a", "hello", "café", "咖啡", "The quick brown fox jumps over the lazy dog", "x" * 100, "\x00",
         "tensor graph"]


def object_array(values):
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def python_hash64(data, seed=0xDECAFCAFFE):
    m = 0xC6A4A7935BD1E995
    h = (seed ^ (len(data) * m)) & MASK
    whole = len(data) // 8 * 8
    for i in range(0, whole, 8):
        k = (int.from_bytes(data[i:i + 8], "little") * m) & MASK
        k = ((k ^ (k >> 47)) * m) & MASK
        h = ((h ^ k) * m) & MASK
    if len(data) > whole:
        h = ((h ^ int.from_bytes(data[whole:], "little")) * m) & MASK
    h = ((h ^ (h >> 47)) * m) & MASK
    return h ^ (h >> 47)


def python_siphash24(data, k0, k1):
    def rotl(x, b):
        return ((x << b) | (x >> (64 - b))) & MASK

    v = [k0 ^ 0x736F6D6570736575, k1 ^ 0x646F72616E646F6D, k0 ^ 0x6C7967656E657261, k1 ^ 0x7465646279746573]

    def rounds(count):
        for _ in range(count):
            v[0] = (v[0] + v[1]) & MASK; v[1] = rotl(v[1], 13) ^ v[0]; v[0] = rotl(v[0], 32)  # noqa: E702
            v[2] = (v[2] + v[3]) & MASK; v[3] = rotl(v[3], 16) ^ v[2]  # noqa: E702
            v[0] = (v[0] + v[3]) & MASK; v[3] = rotl(v[3], 21) ^ v[0]  # noqa: E702
            v[2] = (v[2] + v[1]) & MASK; v[1] = rotl(v[1], 17) ^ v[2]; v[2] = rotl(v[2], 32)  # noqa: E702

    whole = len(data) // 8 * 8
    words = [int.from_bytes(data[i:i + 8], "little") for i in range(0, whole, 8)]
    words.append(int.from_bytes(data[whole:], "little") | ((len(data) & 0xFF) << 56))
    for word in words:
        v[3] ^= word
        rounds(2)
        v[0] ^= word
    v[2] ^= 0xFF
    rounds(4)
    return v[0] ^ v[1] ^ v[2] ^ v[3]


def test_to_hash_bucket_is_tfs_hash64():
    # From TF 2.21: tf.strings.to_hash_bucket(TEXTS, n) for n = 1000 and 2**62.
    assert tg.strings.to_hash_bucket(TEXTS, 1000).numpy().tolist() == [899, 868, 938, 640, 904, 26, 807, 46, 85]
    assert tg.strings.to_hash_bucket(TEXTS, 2 ** 62).numpy().tolist() == [
        105434511174508091, 2996632905371535868, 1331861223480393034, 424548586353042928, 3616434296792830000,
        1687480807060433122, 1482511825497849095, 1950187560451231046, 2054488326898452373]
    assert tg.strings.to_hash_bucket([["a", "b"], ["c", "d"]], 10).numpy().tolist() == [[8, 0], [7, 9]]


def test_to_hash_bucket_strong_is_tfs_siphash():
    # From TF 2.21: tf.strings.to_hash_bucket_strong(TEXTS, n, key).
    assert tg.strings.to_hash_bucket_strong(TEXTS, 1000, [1, 2]).numpy().tolist() == [
        435, 646, 622, 724, 269, 536, 463, 406, 605]
    assert tg.strings.to_hash_bucket_strong(TEXTS, 2 ** 62, [0x0123456789ABCDEF, -0x0123456789ABCDF0]).numpy() \
        .tolist() == [4028043914262587480, 2528646514794875667, 4326834168604425322, 1992349562139929950,
                      749902853499042455, 2038403229355517790, 993380912780202952, 2260518186665454772,
                      3927334836187864021]
    assert tg.strings.to_hash_bucket_strong(TEXTS, 2 ** 62, [0, 0]).numpy().tolist() == [
        2202906307356721367, 1639882426175169097, 919118455976186553, 1926539319436813531, 206802343279364707,
        1801530037299635213, 3615534259212983942, 817979108334749069, 1821361950612790417]


def test_siphash_gives_the_papers_test_vector():
    # SipHash paper, appendix A: key 00..0f, message 00..0e -> a129ca6149be45e5.
    key = (int.from_bytes(bytes(range(8)), "little"), int.from_bytes(bytes(range(8, 16)), "little"))
    assert siphash24(object_array([bytes(range(15))]), key).tolist() == [0xA129CA6149BE45E5]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.binary(max_size=40), max_size=8), st.integers(-(1 << 63), (1 << 63) - 1),
       st.integers(-(1 << 63), (1 << 63) - 1))
def test_vectorized_hashes_equal_plain_python_over_mixed_lengths(values, k0, k1):
    strings = object_array(values)
    assert legacy_hash64(strings).tolist() == [python_hash64(v) for v in values]
    assert siphash24(strings, (k0, k1)).tolist() == [python_siphash24(v, k0 & MASK, k1 & MASK) for v in values]


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_hash_buckets_in_a_function_and_of_ragged_strings(backend):
    def buckets(x):
        return tg.strings.to_hash_bucket(x, 1000), tg.strings.to_hash_bucket_strong(x, 1000, [1, 2])

    legacy, strong = tg.function(buckets, backend=backend, fallback="error")(tg.constant(TEXTS))
    assert legacy.dtype == strong.dtype == tg.int64
    assert legacy.numpy().tolist() == [899, 868, 938, 640, 904, 26, 807, 46, 85]
    assert strong.numpy().tolist() == [435, 646, 622, 724, 269, 536, 463, 406, 605]
    ragged = tg.strings.to_hash_bucket(tg.ragged.constant([TEXTS[:2], [], TEXTS[2:3]]), 1000)
    assert isinstance(ragged, tg.RaggedTensor) and ragged.to_list() == [[899, 868], [], [938]]
    assert tg.strings.to_hash_bucket(tg.constant([], tg.string), 5).numpy().tolist() == []


@pytest.mark.parametrize("call, error, message", [
    (lambda: tg.strings.to_hash_bucket("a", 0), ValueError, "`num_buckets` must be a positive"),
    (lambda: tg.strings.to_hash_bucket("a", 2.0), TypeError, "`num_buckets` must be an integer"),
    (lambda: tg.strings.to_hash_bucket(tg.constant([1]), 3), TypeError, "must be a string tensor"),
    (lambda: tg.strings.to_hash_bucket_strong("a", 3, [1]), InvalidArgumentError, "`key` must have 2 elements"),
    (lambda: tg.strings.to_hash_bucket_strong("a", 3, [1, 1 << 64]), ValueError, "two 64-bit signed integers"),
])
def test_bad_hash_arguments_are_named(call, error, message):
    with pytest.raises(error, match=message):
        call()
