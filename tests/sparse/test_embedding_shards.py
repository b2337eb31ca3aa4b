"""`tg.nn.embedding_lookup` of a sharded table: TF2's "div" partitioning, and one IndexedSlices
gradient per shard indexed within the shard (values recorded from TF 2.21). Here with the sparse
tests because the gradients are sparse; the single-table cases live in tests/autodiff."""
import numpy as np
from hypothesis import given, settings, strategies as st

import tracegraph as tg


def _slices(g):
    assert isinstance(g, tg.IndexedSlices)
    return g.indices.numpy().tolist(), g.values.numpy().tolist(), g.dense_shape.numpy().tolist()


def test_each_shard_gets_an_indexed_slices_gradient_as_tensorflow():
    table = np.arange(21.).reshape(7, 3)
    a, b = tg.Variable(table[:4]), tg.Variable(table[4:])
    with tg.GradientTape() as tape:
        y = tg.reduce_sum(tg.nn.embedding_lookup([a, b], [[1, 5], [1, 6]]) ** 2)
    grad_a, grad_b = tape.gradient(y, [a, b])
    # From TF 2.21.
    assert _slices(grad_a) == ([1, 1], [[6., 8., 10.], [6., 8., 10.]], [4, 3])
    assert _slices(grad_b) == ([1, 2], [[30., 32., 34.], [36., 38., 40.]], [3, 3])


def test_uneven_shards_follow_the_div_strategy_as_tensorflow():
    table = np.arange(21.).reshape(7, 3)
    shards = [tg.Variable(table[:3]), tg.Variable(table[3:5]), tg.Variable(table[5:])]
    lookup = tg.function(lambda ids: tg.nn.embedding_lookup(shards, ids, max_norm=100.))
    for fn in (lambda ids: tg.nn.embedding_lookup(shards, ids, max_norm=100.), lookup):
        with tg.GradientTape() as tape:
            y = tg.reduce_sum(fn(tg.constant([6, 0, 4, 3])))
        grads = tape.gradient(y, shards)
        # From TF 2.21: shard 0 holds ids 0-2, shard 1 ids 3-4, shard 2 ids 5-6.
        assert [_slices(g)[0] for g in grads] == [[0], [1, 0], [1]]
        assert [_slices(g)[2] for g in grads] == [[3, 3], [2, 3], [2, 3]]
    assert lookup(tg.constant([[6, 0], [4, 3]])).shape == (2, 2, 3)


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 4), st.integers(0, 3), st.lists(st.integers(0, 100), max_size=6))
def test_a_sharded_table_looks_up_what_the_whole_table_does(shard_count, extra, raw_ids):
    total = shard_count * 2 + extra
    table = np.random.default_rng(total).normal(size=(total, 2))
    # The "div" layout: the first total % n shards one row longer.
    sizes = [total // shard_count + (k < total % shard_count) for k in range(shard_count)]
    shards = [tg.constant(part) for part in np.split(table, np.cumsum(sizes)[:-1])]
    ids = [i % total for i in raw_ids]
    np.testing.assert_array_equal(tg.nn.embedding_lookup(shards, tg.constant(ids, dtype=tg.int64)).numpy(),
                                  table[ids].reshape(len(ids), 2))
