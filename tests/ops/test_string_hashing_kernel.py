"""The compiled FarmHash Fingerprint64 and vocabulary hash tables (ops/hashing_kernel.py): bit for bit
against pyfarmhash at every length 0..300 and on hypothesis' byte strings, lookups against a dict
(repeated entries, colliding fingerprints, one-entry vocabularies, integers), the Python fallbacks, and
the Keras layers on inputs large enough for the kernels, against values recorded from Keras 3.15 on TF 2.21."""
import gc
import weakref

import farmhash
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import tracegraph as tg
from tracegraph.feature_column import lookup_ops
from tracegraph.keras.layers import Hashing, IntegerLookup, StringLookup
from tracegraph.ops import hashing_kernel

# One string per length 0..300 (bytes (7i + n) % 256), so every branch of Fingerprint64 and every tail length.
EVERY_LENGTH = [bytes((7 * i + n) % 256 for i in range(n)) for n in range(301)]


@pytest.fixture
def kernel_always(monkeypatch):
    """The kernels serve inputs of every size (they are small here)."""
    monkeypatch.setattr(hashing_kernel, "MIN_KERNEL_VALUES", 0)
    monkeypatch.setattr(hashing_kernel, "MIN_VALUES_TO_LOAD", 0)
    if not hashing_kernel._kernel_module():
        pytest.skip("the numba backend is not available (or this interpreter is not CPython)")


def object_array(values):
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def dict_positions(vocabulary, values):
    table = {key: position for position, key in enumerate(vocabulary)}
    return [table.get(v, -1) for v in values]


def test_fingerprint64_equals_pyfarmhash_at_every_length(kernel_always):
    rng = np.random.default_rng(7)
    random_strings = [rng.integers(0, 256, n, dtype=np.uint8).tobytes() for n in range(301) for _ in range(4)]
    strings = EVERY_LENGTH + random_strings
    hashes = hashing_kernel.fingerprint64(object_array(strings))
    assert hashes.dtype == np.uint64
    assert hashes.tolist() == [farmhash.fingerprint64(s) for s in strings]
    # From TF 2.21: tf.strings.to_hash_bucket_fast(EVERY_LENGTH, 2**62), summed modulo 2**64, and some of them.
    buckets = tg.strings.to_hash_bucket_fast(tg.constant(EVERY_LENGTH), 2 ** 62).numpy().tolist()
    assert sum(buckets) % 2 ** 64 == 2956138816444743547
    assert [buckets[n] for n in (0, 3, 16, 17, 64, 65, 300)] == [
        1936946117179621455, 50737162503519588, 663651183927826904, 3125010364355856015, 1859692024977922284,
        444801980686921533, 3886849482814154722]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.binary(max_size=300), max_size=12))
def test_fingerprint64_equals_pyfarmhash_on_any_bytes(kernel_always, strings):
    hashes = hashing_kernel.fingerprint64(object_array(strings).reshape(len(strings), 1))
    assert hashes.shape == (len(strings), 1)
    assert hashes.ravel().tolist() == [farmhash.fingerprint64(s) for s in strings]
    for n in (1, 3, 1000, 2 ** 63 - 1):
        buckets = hashing_kernel.fingerprint_buckets(object_array(strings), n)
        assert buckets.dtype == np.int64 and buckets.tolist() == [farmhash.fingerprint64(s) % n for s in strings]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.binary(max_size=20), max_size=30), st.lists(st.binary(max_size=20), max_size=30))
def test_string_lookup_equals_a_dict_with_repeated_entries(kernel_always, vocabulary, others):
    values = vocabulary + others + [b""]
    table = hashing_kernel.string_table(object_array(vocabulary))
    positions = hashing_kernel.lookup_strings(table, object_array(values))
    assert positions.dtype == np.int64 and positions.tolist() == dict_positions(vocabulary, values)


def test_equal_fingerprints_of_different_bytes_do_not_match(kernel_always):
    table = hashing_kernel.string_table(object_array([b"apple", b"melon"]))
    kernels = hashing_kernel._kernel_module()
    # Give "apple"'s entry the fingerprint of "pears" (as long): only the bytes can tell them apart.
    table.hashes[0] = farmhash.fingerprint64(b"pears")
    table.slots = kernels.string_slots(table.hashes, table.starts, table.lengths, table.buffer, table.slots.size)
    assert hashing_kernel.lookup_strings(table, object_array([b"pears", b"melon"])).tolist() == [-1, 1]


def test_a_one_entry_vocabulary_is_compared_not_hashed(kernel_always):
    values = [b"", b"w5", b"w55", b"w", b"w5\x00", b"x5"]
    for token in (b"w5", b"", b"a longer token of 25 bytes"):
        table = hashing_kernel.string_table(object_array([token]))
        assert hashing_kernel.lookup_strings(table, object_array(values)).tolist() == \
            dict_positions([token], values)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.integers(-(1 << 63), (1 << 63) - 1), max_size=40), st.lists(st.integers(-50, 50), max_size=40))
def test_integer_lookup_equals_a_dict(kernel_always, vocabulary, others):
    values = vocabulary + others
    table = hashing_kernel.integer_table(np.array(vocabulary, dtype=np.int64))
    positions = hashing_kernel.lookup_integers(table, np.array(values, dtype=np.int64))
    assert positions.tolist() == dict_positions(vocabulary, values)


def test_elements_that_are_not_bytes_and_small_inputs_take_the_python_path(kernel_always, monkeypatch):
    assert hashing_kernel.fingerprint64(object_array([b"a", "a"])) is None
    assert hashing_kernel.fingerprint64(object_array([b"a", np.bytes_(b"a")])) is None
    assert hashing_kernel.fingerprint_buckets(object_array([b"a", "a"]), 3) is None
    assert hashing_kernel.string_table(object_array([b"a", 1])) is None
    table = hashing_kernel.string_table(object_array([b"a"]))
    assert hashing_kernel.lookup_strings(table, object_array([b"a", None])) is None
    mixed = tg.ops.string_hashing.fingerprint64(object_array([b"a", "b", np.bytes_(b"c")]))
    assert mixed.tolist() == [farmhash.fingerprint64(s) for s in (b"a", "b", b"c")]
    mixed = tg.strings.to_hash_bucket_fast(object_array([b"a", "b", np.bytes_(b"c")]), 7)
    assert mixed.numpy().tolist() == [farmhash.fingerprint64(s) % 7 for s in (b"a", "b", b"c")]
    monkeypatch.setattr(hashing_kernel, "MIN_KERNEL_VALUES", 3)
    assert hashing_kernel.fingerprint64(object_array([b"a", b"b"])) is None
    monkeypatch.setattr(hashing_kernel, "MIN_KERNEL_VALUES", 0)
    monkeypatch.setattr(hashing_kernel, "_kernels", None)
    monkeypatch.setattr(hashing_kernel, "_values_in_python", 0)
    monkeypatch.setattr(hashing_kernel, "MIN_VALUES_TO_LOAD", 3)
    assert not hashing_kernel.serves(2) and hashing_kernel._kernels is None  # not loaded for two values
    monkeypatch.setattr(hashing_kernel, "_kernels", False)
    assert hashing_kernel.fingerprint64(object_array([b"a"])) is None
    assert hashing_kernel.string_table(object_array([b"a"])) is None


def test_many_values_load_the_kernels_in_the_background_or_at_once_without_tiering(kernel_always, monkeypatch):
    monkeypatch.setattr(hashing_kernel, "MIN_VALUES_TO_LOAD", 10)
    monkeypatch.setattr(hashing_kernel, "_loader", None)
    monkeypatch.setattr(hashing_kernel, "_kernels", None)
    monkeypatch.setattr(hashing_kernel, "_values_in_python", 0)
    tg.config.experimental.set_tiered_execution(True)  # the tests' default is off (conftest.py)
    assert not hashing_kernel.serves(6) and hashing_kernel._loader is None
    hashing_kernel.serves(4)  # 10 values in all: starts the load and answers at once (False until done)
    assert hashing_kernel._loader is not None
    hashing_kernel._finish_loading()
    assert hashing_kernel.serves(10) and hashing_kernel._kernels
    monkeypatch.setattr(hashing_kernel, "_loader", None)
    monkeypatch.setattr(hashing_kernel, "_kernels", None)
    tg.config.experimental.set_tiered_execution(False)
    assert hashing_kernel.serves(1) and hashing_kernel._loader is None


def test_kernels_that_fail_to_compile_leave_the_python_path_with_a_warning(monkeypatch):
    def broken(kernels):
        raise TypeError("cannot type the intrinsics")

    monkeypatch.setattr(hashing_kernel, "_warm_up", broken)
    monkeypatch.setattr(hashing_kernel, "_kernels", None)
    with pytest.warns(RuntimeWarning, match="run in Python"):
        assert hashing_kernel._kernel_module() is False
    monkeypatch.setattr(hashing_kernel, "MIN_KERNEL_VALUES", 0)
    assert tg.strings.to_hash_bucket_fast(["a", "b"], 5).numpy().tolist() == \
        [farmhash.fingerprint64(s) % 5 for s in (b"a", b"b")]


def test_a_vocabularys_tables_go_with_it(kernel_always):
    for make in (lambda: (object_array([b"a", b"b"]), object_array([b"b", b"c"])),
                 lambda: (np.array([7, 3], dtype=np.int64), np.array([3, 4], dtype=np.int32))):
        vocabulary, values = make()
        assert lookup_ops._lookup_impl(np, values, vocabulary).tolist() == [1, -1]
        assert lookup_ops._tables_of(vocabulary).compiled(vocabulary)  # the compiled table served
        gone = weakref.ref(vocabulary)
        del vocabulary
        gc.collect()
        assert gone() is None


# ----- the layers on inputs the kernels serve ----------------------------------------------------

TOKENS = np.array([f"w{(i * 7919) % 1500}" if i % 50 else "" for i in range(5000)])
INTEGERS = np.array([(i * 7919) % 3000 - 500 for i in range(5000)])


def _layers():
    """The layers and their inputs; the last looks up uint64, which only the dict path holds."""
    return [(StringLookup(vocabulary=[f"w{i}" for i in range(1000)], num_oov_indices=3, mask_token=""), TOKENS),
            (Hashing(num_bins=1024, mask_value="w5"), TOKENS),
            (IntegerLookup(vocabulary=list(range(0, 2000, 2)), num_oov_indices=2), INTEGERS),
            (IntegerLookup(vocabulary=np.arange(0, 2000, 2, dtype=np.uint32)), INTEGERS.astype(np.int32)),
            (IntegerLookup(vocabulary=np.arange(0, 2000, 2, dtype=np.uint64), vocabulary_dtype="uint64"),
             INTEGERS.clip(0).astype(np.uint64))]


def test_layers_through_the_kernels_give_keras_values_and_the_python_paths(kernel_always, monkeypatch):
    layers = _layers()
    eager = [layer(tg.constant(x)).numpy() for layer, x in layers]
    traced = [tg.function(lambda x, layer=layer: layer(x), backend="numpy", fallback="error")(tg.constant(x))
              .numpy() for layer, x in layers]
    # From Keras 3.15 on TF 2.21: the same layers on TOKENS and INTEGERS (sum, first eight).
    for result, (total, first) in zip(eager[:3], [(1653332, [0, 423, 842, 3, 180, 599, 1, 1]),
                                                  (2496386, [114, 61, 309, 894, 952, 126, 451, 535]),
                                                  (837333, [0, 1, 171, 1, 590, 1, 0, 1])]):
        assert int(result.sum()) == total and result[:8].tolist() == first
    assert [r.tolist() for r in traced] == [r.tolist() for r in eager]
    monkeypatch.setattr(hashing_kernel, "MIN_KERNEL_VALUES", 1 << 62)
    in_python = [layer(tg.constant(x)).numpy() for layer, x in _layers()]
    assert [r.tolist() for r in in_python] == [r.tolist() for r in eager]
