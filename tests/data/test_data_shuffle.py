"""`shuffle`: TF's buffer shuffle (distribution, displacement bound), seeds, reshuffling per pass."""
import itertools
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tracegraph as tg
from tracegraph import data
from tracegraph.data.shuffle import _streaming_shuffle, buffer_shuffle

Dataset = data.Dataset


def order(dataset):
    return [int(v) for v in dataset.as_numpy_iterator()]


def exact_buffer_distribution(n, buffer_size):
    """The probability of every output order of range(n) under the buffer process, by enumerating
    every sequence of draws (each draw uniform over the buffer's current elements)."""
    outcomes = Counter()

    def run(buffer, next_input, produced, probability):
        if not buffer:
            outcomes[tuple(produced)] += probability
            return
        for slot in range(len(buffer)):
            rest = buffer[:slot] + buffer[slot + 1:]
            if next_input < n:
                rest = rest + [next_input]
            run(rest, next_input + 1 if next_input < n else next_input, produced + [buffer[slot]],
                probability / len(buffer))
    run(list(range(min(buffer_size, n))), min(buffer_size, n), [], 1.0)
    return outcomes


@pytest.mark.parametrize("shuffle", ["vectorized", "streaming"])
@pytest.mark.parametrize("n, buffer_size", [(4, 2), (5, 3), (4, 4)])
def test_the_order_distribution_is_the_buffer_process(shuffle, n, buffer_size):
    exact = exact_buffer_distribution(n, buffer_size)
    rng = np.random.default_rng(1234)
    draws = 10000   # sampling alone leaves a total variation of about 0.025 for the 54 orders of (5, 3)
    if shuffle == "vectorized":
        seen = Counter(tuple(buffer_shuffle(np.arange(n), buffer_size, rng).tolist()) for _ in range(draws))
    else:
        seen = Counter(tuple(x for x in _streaming_shuffle(iter(range(n)), buffer_size, rng)) for _ in range(draws))
    assert set(seen) <= set(exact)
    total_variation = 0.5 * sum(abs(seen[k] / draws - p) for k, p in exact.items())
    assert total_variation < 0.06


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 200), st.integers(1, 60), st.integers(0, 2**32 - 1))
def test_a_permutation_where_no_element_leaves_more_than_buffer_size_minus_one_places_early(n, buffer_size, seed):
    result = buffer_shuffle(np.arange(n), buffer_size, np.random.default_rng(seed))
    assert sorted(result.tolist()) == list(range(n))
    positions = np.empty(n, int)
    positions[result] = np.arange(n)
    assert np.all(positions >= np.arange(n) - (buffer_size - 1))


def test_a_seed_fixes_the_sequence_of_orders_and_each_pass_reshuffles():
    def passes(seed, reshuffle=None):
        ds = Dataset.range(50).shuffle(10, seed=seed, reshuffle_each_iteration=reshuffle)
        return [order(ds) for _ in range(3)]
    first, again = passes(5), passes(5)
    assert first == again                       # the same seed: the same sequence of passes
    assert first[0] != first[1] != first[2]     # every pass has its own order
    assert passes(6) != first
    fixed = passes(5, reshuffle=False)
    assert fixed[0] == fixed[1] == fixed[2]
    assert sorted(first[0]) == list(range(50))


def test_the_global_seed_makes_unseeded_shuffles_reproducible():
    tg.random.set_seed(42)
    a = [order(Dataset.range(30).shuffle(30)) for _ in range(2)]
    tg.random.set_seed(42)
    b = [order(Dataset.range(30).shuffle(30)) for _ in range(2)]
    tg.random.set_seed(None)
    assert a == b


def test_repeat_after_shuffle_reshuffles_each_repetition():
    ds = Dataset.range(20).shuffle(20, seed=3).repeat(3)
    values = order(ds)
    chunks = [values[i:i + 20] for i in range(0, 60, 20)]
    assert all(sorted(c) == list(range(20)) for c in chunks)
    assert chunks[0] != chunks[1]


def test_slices_and_streams_shuffle_with_the_same_law():
    """An index plan (slices) and a stream (generator) are both buffer shuffles: the first element always
    comes from the first buffer_size inputs."""
    x = np.arange(100)
    for seed in range(20):
        planned = order(Dataset.from_tensor_slices(x).shuffle(5, seed=seed))
        streamed = order(Dataset.from_generator(lambda: iter(x), output_signature=tg.TensorSpec([], tg.int64))
                         .shuffle(5, seed=seed))
        assert planned[0] < 5 and streamed[0] < 5
        assert sorted(planned) == sorted(streamed) == list(range(100))


def test_shuffle_batch_gathers_rows_together():
    x = np.arange(40, dtype=np.float32).reshape(20, 2)
    y = np.arange(20)
    for xb, yb in Dataset.from_tensor_slices((x, y)).shuffle(7, seed=1).batch(6):
        np.testing.assert_array_equal(xb.numpy(), x[yb.numpy()])


def test_bad_buffer_sizes():
    with pytest.raises(ValueError):
        Dataset.range(3).shuffle(0)
    with pytest.raises(ValueError):
        Dataset.range(3).shuffle(data.AUTOTUNE)


def test_infinite_inputs_shuffle_as_a_stream():
    ds = Dataset.range(5).repeat().shuffle(3, seed=0).take(12)
    assert len(order(ds)) == 12
    assert list(itertools.islice(order(ds), 0, 1))[0] < 3
