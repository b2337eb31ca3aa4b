"""The output buffers fused kernels share: reused only when free, bounded in bytes."""
import numpy as np

from tracegraph_backends.numba.buffers import OutputBuffers

F32 = np.dtype(np.float32)


def test_a_buffer_is_taken_again_only_when_nobody_holds_it():
    pool = OutputBuffers()
    first = pool.take(F32, 10)
    second = pool.take(F32, 10)
    assert second is not first
    first_id = id(first)
    del first
    assert id(pool.take(F32, 10)) == first_id


def test_a_view_keeps_its_buffer_from_being_taken():
    pool = OutputBuffers()
    view = pool.take(F32, 10)[2:5]
    assert pool.take(F32, 10) is not view.base


def test_buffers_of_another_dtype_or_size_are_not_taken():
    pool = OutputBuffers()
    buf = pool.take(F32, 10)
    buf_id = id(buf)
    del buf
    assert id(pool.take(np.dtype(np.float64), 10)) != buf_id
    assert id(pool.take(F32, 11)) != buf_id


def test_the_pool_keeps_at_most_its_bound_and_never_hands_out_a_held_buffer():
    pool = OutputBuffers(max_bytes=4 * 100 * 4)
    held = [pool.take(F32, 100 + k) for k in range(20)]   # all held: each one new
    assert len({id(b) for b in held}) == 20
    assert pool.retained_bytes <= pool.max_bytes
    again = [pool.take(F32, 100 + k) for k in range(20)]  # the first ones were forgotten, all are held
    assert not {id(b) for b in again} & {id(b) for b in held}
