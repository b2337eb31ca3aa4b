"""The buffers plans and kernels share: reused only when free, bounded in bytes; retraces share them."""
import tracemalloc

import numpy as np

import pytest

import tracegraph as tg
from tracegraph.buffer_pool import BufferPool
from tracegraph.execute import Scratch

F32 = np.dtype(np.float32)


def test_a_buffer_is_taken_again_only_when_nobody_holds_it():
    pool = BufferPool()
    first = pool.take(np, F32, 10)
    second = pool.take(np, F32, 10)
    assert second is not first
    first_id = id(first)
    del first
    assert id(pool.take(np, F32, 10)) == first_id


def test_a_view_keeps_its_buffer_from_being_taken():
    pool = BufferPool()
    view = pool.take(np, F32, 10)[2:5]
    assert pool.take(np, F32, 10) is not view.base


def test_buffers_of_another_dtype_or_size_are_not_taken():
    pool = BufferPool()
    buf = pool.take(np, F32, 10)
    buf_id = id(buf)
    del buf
    assert id(pool.take(np, np.dtype(np.float64), 10)) != buf_id
    assert id(pool.take(np, F32, 11)) != buf_id


def test_the_pool_keeps_at_most_its_bound_and_never_hands_out_a_held_buffer():
    pool = BufferPool(max_bytes=4 * 100 * 4)
    held = [pool.take(np, F32, 100 + k) for k in range(20)]   # all held: each one new
    assert len({id(b) for b in held}) == 20
    assert pool.retained_bytes <= pool.max_bytes
    again = [pool.take(np, F32, 100 + k) for k in range(20)]  # the first ones were forgotten, all are held
    assert not {id(b) for b in again} & {id(b) for b in held}


@pytest.mark.filterwarnings("ignore:.*traced again")
def test_retraces_of_a_numpy_plan_share_its_large_intermediates():
    """A new Python float is a new trace and a new plan; their scratch buffers come from the pool,
    so twenty traces hold about the buffers of one (NumPy reports its arrays to tracemalloc)."""
    f = tg.function(lambda x, c: tg.exp(x * c) - 1.0, backend="numpy")
    x = tg.constant(np.linspace(-1, 1, 4 * Scratch.MIN_BYTES, dtype=np.float32))
    f(x, 0.5)
    tracemalloc.start()
    try:
        for i in range(20):
            f(x, 0.3 + i / 64)
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert f.experimental_get_tracing_count() == 21
    assert held < 2 * x.numpy().nbytes
