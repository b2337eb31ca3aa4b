"""Collective operations across replicas: fused-bucket all-reduce, broadcast and all-gather.

A replica group (`ThreadGroup` here, `mpi.MPIGroup` across processes) moves flat 1-D buffers.
Tensors are packed into buckets of one dtype up to `bytes_per_pack` bytes (Horovod's tensor
fusion): one collective call per bucket instead of one per gradient, because the per-call latency,
not the bandwidth, dominates small tensors. Inside a traced function each bucket is one stateful
`collective_all_reduce` node of the graph, so a `tg.function` train step stays one traced function
that every replica runs.

The optimizer's `overlap_asynchronous` pass splits each such node into a start and a finish
(`collective_all_reduce_start` / `_finish`): a bucket starts reducing as soon as its gradients exist,
and the rest of the backward pass runs while it moves. Buckets are filled from the last variable to
the first, the order in which the backward pass produces gradients.
"""
import itertools
import threading

import numpy as np

from .. import dtypes
from ..buffer_pool import BUFFERS, MIN_BYTES
from ..convert import convert_to_tensor
from ..core.dispatch import bind
from ..core.op import Op
from ..spec import TensorSpec
from .errors import CollectiveTimeoutError
from .reduce_op import ReduceOp
from .replica_context import current_replica_id

__all__ = ["ThreadGroup", "register_group", "all_reduce_tensors", "all_reduce_arrays", "all_reduce_arrays_in_buckets",
           "broadcast_arrays",
           "pack", "unpack", "buckets", "Completed", "DEFAULT_BYTES_PER_PACK"]

#: Largest fused bucket (bytes) when CommunicationOptions gives none. Small enough that a model of a few
#: MB has several buckets to overlap with its backward pass: a 7.4 MB MLP stepped in 17-18 ms with 1 or
#: 4 MB buckets against 20.6 ms in one bucket (bench/results/distribute_session8.txt).
DEFAULT_BYTES_PER_PACK = 4 << 20

#: Replica groups by id: a graph node names its group by this id (attrs are plain data).
GROUPS = {}
_group_ids = itertools.count(1)


def register_group(group):
    """Give `group` an id graph nodes can name; returns the id."""
    group_id = next(_group_ids)
    GROUPS[group_id] = group
    return group_id


# ----- packing ---------------------------------------------------------------------------------------------

def pack(xp, arrays):
    """One contiguous 1-D buffer holding `arrays` (all of one dtype) one after another (a large one from
    the process's buffer pool: a fresh one would cost a page fault per 4 KiB on every step)."""
    if len(arrays) == 1:
        return xp.ascontiguousarray(arrays[0]).reshape(-1)
    size = sum(a.size for a in arrays)
    if size * arrays[0].dtype.itemsize < MIN_BYTES:
        return xp.concatenate([a.reshape(-1) for a in arrays])
    return xp.concatenate([a.reshape(-1) for a in arrays], out=BUFFERS.empty(xp, (size,), arrays[0].dtype))


def unpack(buffer, like):
    """Views of `buffer` shaped as the arrays `like` it was packed from."""
    out, start = [], 0
    for a in like:
        out.append(buffer[start:start + a.size].reshape(a.shape))
        start += a.size
    return out


def buckets(items, nbytes, bytes_per_pack):
    """Indices of `items` grouped into buckets: one dtype each, in order, each at most
    `bytes_per_pack` bytes (a larger item gets a bucket of its own). `nbytes(item)` and
    `item.dtype` describe an item."""
    by_dtype = {}
    for index, item in enumerate(items):
        by_dtype.setdefault(str(item.dtype), []).append(index)
    result = []
    for indices in by_dtype.values():
        current, size = [], 0
        for index in indices:
            n = nbytes(items[index])
            if current and size + n > bytes_per_pack:
                result.append(current)
                current, size = [], 0
            current.append(index)
            size += n
        result.append(current)
    return result


def all_reduce_arrays(group, arrays, reduce_op, replica_id=None, xp=np):
    """`arrays` (one dtype) reduced over `group` in one fused collective call."""
    replica_id = current_replica_id() if replica_id is None else replica_id
    return _unpacked_reduction(group.all_reduce(pack(xp, list(arrays)), replica_id), arrays, reduce_op, group)


def _unpacked_reduction(total, arrays, reduce_op, group):
    """The replicas' `total` of the packed `arrays`, divided for a MEAN, as views shaped like `arrays`."""
    if reduce_op == ReduceOp.MEAN:
        total = total / total.dtype.type(group.num_replicas) if total.dtype.kind == "f" \
            else total // group.num_replicas
    return unpack(total, arrays)


def broadcast_arrays(group, arrays, root=0, bytes_per_pack=DEFAULT_BYTES_PER_PACK):
    """Replica `root`'s `arrays` on every replica (NumPy arrays; fused buckets of one dtype)."""
    return _bucket_by_bucket(arrays, bytes_per_pack, lambda parts: unpack(
        group.broadcast(pack(np, parts), current_replica_id(), root), parts))


def all_reduce_arrays_in_buckets(group, arrays, bytes_per_pack=DEFAULT_BYTES_PER_PACK):
    """NumPy `arrays` (of any dtypes) summed over the group, one fused collective per bucket of one dtype."""
    return _bucket_by_bucket(arrays, bytes_per_pack, lambda parts: all_reduce_arrays(group, parts, ReduceOp.SUM))


def _bucket_by_bucket(arrays, bytes_per_pack, collective):
    """`arrays` with each bucket of them replaced by `collective(bucket's arrays)`."""
    result = list(arrays)
    for bucket in buckets(arrays, lambda a: a.nbytes, bytes_per_pack):
        for i, value in zip(bucket, collective([arrays[i] for i in bucket])):
            result[i] = value
    return result


# ----- the graph op ----------------------------------------------------------------------------------------

def _all_reduce_impl(xp, *arrays, group, reduction):
    return tuple(all_reduce_arrays(GROUPS[group], arrays, ReduceOp(reduction), xp=xp))


#: All-reduces begun by a `collective_all_reduce_start` node and not yet finished, by handle.
_IN_FLIGHT = {}
_handles = itertools.count(1)


def _start_impl(xp, *arrays, group, reduction):
    # The plan keeps `arrays` alive until the finish node (they are its inputs too), so a buffer the
    # group is still reading is never handed out again by the buffer pool.
    handle = next(_handles)
    _IN_FLIGHT[handle] = GROUPS[group].start_all_reduce(pack(xp, list(arrays)), current_replica_id())
    return np.asarray(handle, np.int64)


def _finish_impl(xp, handle, *arrays, group, reduction):
    total = _IN_FLIGHT.pop(int(handle)).wait()
    return tuple(_unpacked_reduction(total, arrays, ReduceOp(reduction), GROUPS[group]))


COLLECTIVE_ALL_REDUCE_START = Op("collective_all_reduce_start", impl=_start_impl, stateful=True,
                                 infer=lambda *specs, group, reduction: TensorSpec((), dtypes.int64))
COLLECTIVE_ALL_REDUCE_FINISH = Op("collective_all_reduce_finish", impl=_finish_impl, stateful=True,
                                  infer=lambda handle, *specs, group, reduction: tuple(specs), multiple_outputs=True)
COLLECTIVE_ALL_REDUCE = Op("collective_all_reduce", infer=lambda *specs, group, reduction: tuple(specs),
                           impl=_all_reduce_impl, stateful=True, multiple_outputs=True,
                           split=(COLLECTIVE_ALL_REDUCE_START, COLLECTIVE_ALL_REDUCE_FINISH))


@COLLECTIVE_ALL_REDUCE.def_grad
def _all_reduce_grad(ctx, *output_grads):
    # d(sum over replicas)/d(own input) routes every replica's output gradient back: the same all-reduce.
    return list(bind(COLLECTIVE_ALL_REDUCE, list(output_grads), dict(ctx.attrs)))


def all_reduce_tensors(group_id, tensors, reduce_op, bytes_per_pack=DEFAULT_BYTES_PER_PACK):
    """`tensors` reduced over the group, one `collective_all_reduce` per fused bucket (IndexedSlices are
    made dense first; None stays None). Buckets fill from the last tensor to the first: a backward pass
    produces the gradients of the last layers first, so the first bucket can start while it runs."""
    dense = [None if t is None else convert_to_tensor(t)
             for t in tensors]
    present = [i for i, t in reversed(list(enumerate(dense))) if t is not None]
    items = [dense[i] for i in present]
    result = list(dense)
    attrs = {"group": group_id, "reduction": reduce_op.value}
    for bucket in buckets(items, lambda t: t.dtype.size * _size(t), bytes_per_pack):
        reduced = bind(COLLECTIVE_ALL_REDUCE, [items[i] for i in bucket], attrs)
        for i, value in zip(bucket, reduced):
            result[present[i]] = value
    return result


def _size(tensor):
    size = 1
    for d in tensor.shape:
        size *= d if d is not None else 1 << 20  # an unknown dim: count it as large, so it bucket alone
    return size


# ----- threads of one process ------------------------------------------------------------------------------

class ThreadGroup:
    """Replicas on threads of one process: each deposits its buffer, one sums them in replica order
    (so every replica gets the very same array), and all take the result.

    A replica that fails or does not arrive within `timeout` seconds breaks the group: the others
    raise at once instead of waiting forever.
    """

    def __init__(self, num_replicas, timeout=None):
        self.num_replicas = num_replicas
        self.timeout = timeout
        self._barrier = threading.Barrier(num_replicas)
        self._slots = [None] * num_replicas
        self._result = None

    def _wait(self, what):
        try:
            return self._barrier.wait(self.timeout)
        except threading.BrokenBarrierError:
            raise CollectiveTimeoutError(f"{what}: another replica failed or did not arrive within "
                                         f"{self.timeout} s") from None

    def _exchange(self, array, replica_id, combine, what):
        self._slots[replica_id] = array
        if self._wait(what) == 0:
            self._result = combine(self._slots)
        self._wait(what)
        result = self._result
        self._wait(what)  # everyone has the result before the next round overwrites it
        return result

    def all_reduce(self, buffer, replica_id):
        """The sum of every replica's `buffer`."""
        def total(slots):
            out = slots[0].copy()
            for s in slots[1:]:
                out += s
            return out
        return self._exchange(buffer, replica_id, total, "all-reduce")

    def start_all_reduce(self, buffer, replica_id):
        """`all_reduce` begun: its `.wait()` returns the sum. Replicas on threads of one process sum in
        shared memory, with nothing to move, so it is done at once."""
        return Completed(self.all_reduce(buffer, replica_id))

    def broadcast(self, buffer, replica_id, root=0):
        """Replica `root`'s `buffer`."""
        return self._exchange(buffer, replica_id, lambda slots: slots[root], "broadcast")

    def all_gather(self, buffer, replica_id):
        """Every replica's `buffer`, in replica order (a list)."""
        return self._exchange(buffer, replica_id, list, "all-gather")

    def abort(self):
        """Break the group: replicas waiting in a collective raise now."""
        self._barrier.abort()

    def reset(self):
        """Make a broken group usable again (before the next `run`)."""
        if self._barrier.broken:
            self._barrier.reset()


class Completed:
    """A collective that finished when it began: `wait()` returns its result."""

    def __init__(self, result):
        self._result = result

    def wait(self):
        """The result."""
        return self._result
