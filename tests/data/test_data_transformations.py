"""Transformations against Python references (and TF 2.21's recorded outputs where the order is TF's own)."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tracegraph as tg
from tracegraph import data
from tracegraph.errors import InvalidArgumentError

Dataset = data.Dataset
small = st.integers(0, 12)
positive = st.integers(1, 5)


def as_lists(value):
    """An element from `as_numpy_iterator` with arrays as (nested) lists, comparable with `==`."""
    if isinstance(value, tuple):
        return tuple(as_lists(v) for v in value)
    if isinstance(value, dict):
        return {k: as_lists(v) for k, v in value.items()}
    return value.tolist() if isinstance(value, (np.ndarray, np.generic)) else value


def values(dataset):
    return [as_lists(v) for v in dataset.as_numpy_iterator()]


def cardinality(dataset):
    return int(dataset.cardinality())


@settings(max_examples=30, deadline=None)
@given(small, positive, st.booleans())
def test_batch(n, size, drop):
    ds = Dataset.range(n).batch(size, drop_remainder=drop)
    expected = [list(range(n))[i:i + size] for i in range(0, n, size)]
    if drop:
        expected = [b for b in expected if len(b) == size]
    assert values(ds) == expected
    assert cardinality(ds) == len(expected)
    assert ds.element_spec.shape.as_list() == [size if drop else None]


@settings(max_examples=30, deadline=None)
@given(small, positive, st.booleans())
def test_batch_of_slices_equals_stacking_the_elements(n, size, drop):
    """The gathered path (slices) and the stacking path (a generator) give the same batches."""
    x = np.arange(n * 2, dtype=np.float32).reshape(n, 2)
    gathered = values(Dataset.from_tensor_slices(x).batch(size, drop))
    stacked = values(Dataset.from_generator(lambda: iter(x), output_signature=tg.TensorSpec([2], tg.float32))
                     .batch(size, drop))
    assert gathered == stacked


def test_batch_of_different_shapes_names_the_component():
    ds = Dataset.from_generator(lambda: iter([[1], [1, 2]]), output_signature=tg.TensorSpec([None], tg.int32))
    with pytest.raises(InvalidArgumentError, match="different shapes.*shape \\(1,\\).*\\(2,\\)"):
        values(ds.batch(2))


def test_padded_batch_matches_tf():
    ds = Dataset.range(1, 5).map(lambda x: tg.fill([x], x))
    # TF 2.21: [[[1, 0], [2, 2]], [[3, 3, 3, 0], [4, 4, 4, 4]]]
    assert values(ds.padded_batch(2)) == [[[1, 0], [2, 2]], [[3, 3, 3, 0], [4, 4, 4, 4]]]
    padded = Dataset.range(1, 4).map(lambda x: tg.fill([x], x)).padded_batch(
        2, padded_shapes=[5], padding_values=tg.constant(-1, tg.int64))
    # TF 2.21: [[[1, -1, -1, -1, -1], [2, 2, -1, -1, -1]], [[3, 3, 3, -1, -1]]]
    assert values(padded) == [[[1, -1, -1, -1, -1], [2, 2, -1, -1, -1]], [[3, 3, 3, -1, -1]]]
    assert padded.element_spec == tg.TensorSpec([None, 5], tg.int64)


@settings(max_examples=20, deadline=None)
@given(small, positive, positive)
def test_unbatch_and_rebatch(n, size, new_size):
    batched = Dataset.range(n).batch(size)
    assert values(batched.unbatch()) == list(range(n))
    assert values(batched.rebatch(new_size)) == [list(range(n))[i:i + new_size] for i in range(0, n, new_size)]


@settings(max_examples=40, deadline=None)
@given(small, st.integers(-1, 4), st.integers(-1, 14), st.integers(-1, 14))
def test_repeat_take_skip_against_python(n, count, take, skip):
    items = list(range(n))
    repeated = items * count if count >= 0 else items * 4
    ds = Dataset.range(n).repeat(count if count >= 0 else None)
    if count < 0:
        ds = ds.take(len(repeated))
    after_take = repeated[:take] if take >= 0 else repeated
    after_skip = after_take[skip:] if skip >= 0 else []
    result = ds.take(take).skip(skip)
    assert values(result) == after_skip
    assert cardinality(result) == len(after_skip)
    # the same through a slices source (index plans) and through a generator (streams)
    sliced = Dataset.from_tensor_slices(np.array(items, np.int64)).repeat(count if count >= 0 else None)
    if count < 0:
        sliced = sliced.take(len(repeated))
    assert values(sliced.take(take).skip(skip)) == after_skip
    assert values(sliced.take(take).skip(skip).batch(3)) == [after_skip[i:i + 3] for i in range(0, len(after_skip), 3)]


@settings(max_examples=30, deadline=None)
@given(small, st.integers(1, 4), st.data())
def test_shard(n, shards, draw):
    index = draw.draw(st.integers(0, shards - 1))
    ds = Dataset.range(n).shard(shards, index)
    assert values(ds) == list(range(n))[index::shards] and cardinality(ds) == len(range(n)[index::shards])
    repeated = Dataset.from_tensor_slices(np.arange(n)).repeat(2).shard(shards, index).batch(2)
    expected = (list(range(n)) * 2)[index::shards]
    assert values(repeated) == [expected[i:i + 2] for i in range(0, len(expected), 2)]
    with pytest.raises(InvalidArgumentError):
        Dataset.range(3).shard(2, 2)


def test_cardinalities_match_tf():
    r = Dataset.range
    cases = [r(10).repeat(), r(10).filter(lambda x: x > 2), r(10).batch(3), r(10).batch(3, True),
             r(10).repeat(3).take(5), r(10).skip(12), r(10).shard(3, 1), r(10).window(3), r(0),
             r(10).repeat().take(4), r(7).window(3, 2, 1, True), r(10).flat_map(lambda x: r(x)), r(0).repeat()]
    # TF 2.21
    assert [cardinality(c) for c in cases] == [-1, -2, 4, 3, 5, 0, 3, 4, 0, 4, 3, -2, 0]
    assert data.INFINITE_CARDINALITY == -1 and data.UNKNOWN_CARDINALITY == -2


def test_concatenate_enumerate_zip():
    assert values(Dataset.range(2).concatenate(Dataset.range(5, 7))) == [0, 1, 5, 6]
    assert values(Dataset.from_tensor_slices([7, 8]).enumerate(3)) == [(3, 7), (4, 8)]
    with pytest.raises(TypeError, match="different element structures"):
        Dataset.range(2).concatenate(Dataset.zip((Dataset.range(2), Dataset.range(2))))
    # compatible shapes meet in their common supertype
    a = Dataset.from_tensors([1, 2])
    assert a.concatenate(Dataset.from_tensors([1, 2, 3])).element_spec == tg.TensorSpec([None], tg.int32)


def test_filter_take_while_unique():
    assert values(Dataset.range(10).filter(lambda x: x % 3 == 0)) == [0, 3, 6, 9]
    assert values(Dataset.range(10).take_while(lambda x: x < 4)) == [0, 1, 2, 3]
    assert values(Dataset.from_tensor_slices([1, 2, 1, 3, 2]).unique()) == [1, 2, 3]
    assert values(Dataset.from_tensor_slices(["a", "b", "a"]).unique()) == [b"a", b"b"]
    with pytest.raises(ValueError, match="scalar bool"):
        Dataset.range(3).filter(lambda x: x)


def test_scan_and_reduce_match_tf():
    # TF 2.21: scan -> [0, 0, 2, 6, 12]; reduce -> 10
    scanned = Dataset.range(5).scan(tg.constant(0, tg.int64), lambda s, x: (s + x, s * 2))
    assert values(scanned) == [0, 0, 2, 6, 12]
    assert int(Dataset.range(5).reduce(tg.constant(0, tg.int64), lambda s, x: s + x)) == 10
    pairs = Dataset.from_tensor_slices(([1, 2], [3, 4]))
    assert int(pairs.reduce(0, lambda s, element: s + element[0] * element[1])) == 11
    # a state whose shape grows is relaxed and retraced, as TF does
    grown = Dataset.range(3).reduce(tg.zeros([0], tg.int64), lambda s, x: tg.concat([s, [x]], 0))
    assert grown.numpy().tolist() == [0, 1, 2]


def test_window_matches_tf():
    def windows(ds):
        return [[w.tolist() for w in window.as_numpy_iterator()] for window in ds]
    r = Dataset.range
    # TF 2.21
    assert windows(r(7).window(3, shift=2)) == [[0, 1, 2], [2, 3, 4], [4, 5, 6], [6]]
    assert windows(r(10).window(3, shift=3, stride=2)) == [[0, 2, 4], [3, 5, 7], [6, 8], [9]]
    assert windows(r(7).window(3, shift=2, drop_remainder=True)) == [[0, 1, 2], [2, 3, 4], [4, 5, 6]]
    assert values(r(7).window(3, 2, 1, True).flat_map(lambda w: w.batch(3))) == [[0, 1, 2], [2, 3, 4], [4, 5, 6]]
    pairs = Dataset.zip((r(4), r(4).map(lambda x: x * 10))).window(2)
    assert [[list(a.as_numpy_iterator()), list(b.as_numpy_iterator())] for a, b in pairs] == \
        [[[0, 1], [0, 10]], [[2, 3], [20, 30]]]


def test_flat_map_and_interleave_match_tf():
    r = Dataset.range
    assert values(r(4).flat_map(lambda x: r(x))) == [0, 0, 1, 0, 1, 2]
    # TF 2.21
    inter = r(1, 6).interleave(lambda x: r(x).map(lambda y: x * 10 + y), cycle_length=2, block_length=2)
    assert values(inter) == [10, 20, 21, 30, 31, 32, 40, 41, 50, 51, 42, 43, 52, 53, 54]
    repeats = r(1, 5).interleave(lambda x: Dataset.from_tensors(x).repeat(x), cycle_length=3)
    assert values(repeats) == [1, 2, 3, 2, 3, 4, 3, 4, 4, 4]
    with pytest.raises(TypeError, match="must return a Dataset"):
        values(r(2).flat_map(lambda x: x))


def test_cache_in_memory_replays_the_first_pass():
    calls = []

    def gen():
        calls.append(1)
        yield from range(3)
    ds = Dataset.from_generator(gen, output_signature=tg.TensorSpec([], tg.int64)).cache()
    assert values(ds) == [0, 1, 2] and values(ds) == [0, 1, 2] and len(calls) == 1
    shuffled = Dataset.range(20).shuffle(20).cache()
    assert values(shuffled) == values(shuffled)


def test_a_partial_pass_caches_nothing():
    calls = []

    def gen():
        calls.append(1)
        yield from range(3)
    ds = Dataset.from_generator(gen, output_signature=tg.TensorSpec([], tg.int64)).cache()
    assert values(ds.take(1)) == [0]
    assert values(ds) == [0, 1, 2] and len(calls) == 2


def test_cache_to_a_file_is_reused_by_a_new_dataset(tmp_path):
    path = str(tmp_path / "cache" / "features")
    source = Dataset.from_tensor_slices((np.arange(4, dtype=np.float32), ["a", "b", "c", "d"]))
    assert values(source.cache(path)) == values(source)
    assert (tmp_path / "cache" / "features.npz").exists()
    empty = Dataset.from_generator(lambda: iter(()), output_signature=(tg.TensorSpec([], tg.float32),
                                                                        tg.TensorSpec([], tg.string)))
    assert values(empty.cache(path)) == values(source)   # read back from the file, not the (empty) input
    (tmp_path / "cache" / "features.npz").write_bytes(b"garbage")
    with pytest.raises(tg.errors.DataLossError, match="features.npz"):
        values(empty.cache(path))


def test_with_options_and_apply():
    options = data.Options()
    options.deterministic = False
    ds = Dataset.range(3).with_options(options).map(lambda x: x + 1)
    assert ds.options().deterministic is False and values(ds) == [1, 2, 3]
    assert values(Dataset.range(3).apply(lambda d: d.skip(1))) == [1, 2]
    with pytest.raises(AttributeError, match="no option"):
        options.nonsense = 1
