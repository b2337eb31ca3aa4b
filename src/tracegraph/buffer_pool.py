"""Large buffers reused across calls and shared by every plan and kernel of the process.

A fresh array of 40 MB costs ~10,000 page faults, more than the kernel that fills it, so plans
(for their large intermediates) and compiled kernels (for their outputs) write into a buffer they
had before when nothing outside still refers to it (its reference count says so). The buffers live
here, by (array module, dtype, size), not in each plan or kernel: every trace of a function has
plans and kernels of its own (a new Python float is a new trace), and a thousand traces must share
a few buffers rather than keep their own each. The pool holds at most `RETAINED_BYTES`; beyond
that it forgets the oldest buffers (whoever still uses one keeps it).

Taking a buffer holds a reference to it before testing the count, so two threads that look at
one buffer at once both see each other's reference and neither takes it: every mistake is a new
allocation, never a buffer handed out twice. The buffers of one (dtype, size) are a tuple,
replaced, never changed in place, so a lookup needs no lock.
"""
import collections
import math
import sys
import threading

__all__ = ["BufferPool", "BUFFERS", "MIN_BYTES", "RETAINED_BYTES", "HandedOver"]

#: The most bytes of output buffers kept for reuse (the oldest are forgotten first).
RETAINED_BYTES = 256 << 20

#: Arrays smaller than this need no pool: they come from NumPy's own cache or the malloc heap,
#: with no page faults.
MIN_BYTES = 1 << 16

# A free buffer's references while it is tested: the pool's tuple, the loop variable, and
# getrefcount's own argument.
_FREE_REFERENCE_COUNT = 3


class BufferPool:
    """A pool of 1-D arrays by (array module, dtype, size); `take` gives one nobody else refers to."""

    def __init__(self, max_bytes=RETAINED_BYTES):
        self.max_bytes = max_bytes
        self._by_key = {}
        self._oldest_first = collections.deque()
        self._bytes = 0
        self._lock = threading.Lock()

    def take(self, xp, dtype, n):
        """A 1-D array of `xp` (NumPy or CuPy) of `n` elements of `dtype` that nothing outside the
        pool refers to (a view of it counts as a reference)."""
        for buf in self._by_key.get((xp, dtype, n), ()):
            if sys.getrefcount(buf) <= _FREE_REFERENCE_COUNT:
                return buf
        return self._new(xp, dtype, n)

    def empty(self, xp, shape, dtype):
        """An uninitialized array of `shape` and `dtype`: a view of a buffer from `take`, for a
        temporary or a result (the buffer is handed out again once nothing refers to the view)."""
        return self.take(xp, dtype, math.prod(shape)).reshape(shape)

    def _new(self, xp, dtype, n):
        buf = xp.empty(n, dtype=dtype)
        with self._lock:
            key = (xp, dtype, n)
            self._by_key[key] = self._by_key.get(key, ()) + (buf,)
            # By id: a reference here would count as a user of the buffer.
            self._oldest_first.append((key, id(buf), buf.nbytes))
            self._bytes += buf.nbytes
            while self._bytes > self.max_bytes and len(self._oldest_first) > 1:
                self._forget(*self._oldest_first.popleft())
        return buf

    def _forget(self, key, ident, nbytes):
        kept = tuple(b for b in self._by_key[key] if id(b) != ident)
        if kept:
            self._by_key[key] = kept
        else:
            del self._by_key[key]
        self._bytes -= nbytes

    def holds(self, xp, buf):
        """Whether `buf` is one of the pool's buffers (of array module `xp`)."""
        return any(b is buf for b in self._by_key.get((xp, buf.dtype, buf.size), ()))

    @property
    def retained_bytes(self):
        """The bytes of all buffers the pool holds."""
        return self._bytes


#: The process's pool, shared by every plan and kernel.
BUFFERS = BufferPool()


class HandedOver(list):
    """Arrays handed to a plan to keep: the plan empties the list once it has taken them, so that its own
    names are their only references and an op may update a dying one in place (a loop passes its loop
    variables so; execute.py). An ordinary list of inputs is left as it is."""

    @classmethod
    def taking(cls, arrays, others=()):
        """`arrays` (a list, emptied: the caller keeps no reference) handed over, then `others` (passed as
        usual: the caller keeps them)."""
        handed = cls(arrays)
        arrays.clear()
        handed.extend(others)
        return handed
