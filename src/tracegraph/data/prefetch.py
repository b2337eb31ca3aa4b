"""`prefetch`: a background thread computes elements ahead of the consumer.

Handing an element over costs one deque append and pop; a thread waits (on a condition) only
when the buffer is full or empty, so small elements do not pay for a lock round trip each.
"""
import collections
import threading

from .base import Dataset, register
from .options import AUTOTUNE, AUTOTUNE_PREFETCH

__all__ = ["PrefetchDataset"]

_END = object()


@register("prefetch")
class PrefetchDataset(Dataset):
    """The input, computed up to `buffer_size` elements ahead on a background thread."""

    _tf_name = "_PrefetchDataset"

    def __init__(self, dataset, buffer_size):
        self._input, self._inputs = dataset, (dataset,)
        size = int(getattr(buffer_size, "numpy", lambda: buffer_size)())
        if size < 0 and size != AUTOTUNE:
            raise ValueError(f"prefetch: buffer_size must be positive or AUTOTUNE, got {size}")
        self._buffer_size = AUTOTUNE_PREFETCH if size == AUTOTUNE else size
        self._element_spec = dataset.element_spec

    def _cardinality(self):
        return self._input._cardinality()

    def _stream(self):
        if self._buffer_size == 0:
            return self._input._stream()
        return _prefetched(self._input._stream(), self._buffer_size)


def _prefetched(stream, buffer_size):
    """Iterate `stream` on a daemon thread, at most `buffer_size` elements ahead; an error in the
    producer is raised in the consumer at the element where it happened."""
    buffer = collections.deque()
    state = threading.Condition()
    flags = {"consumer_waiting": False, "producer_waiting": False, "stop": False}

    def produce():
        try:
            for element in stream:
                if len(buffer) >= buffer_size:
                    with state:
                        flags["producer_waiting"] = True
                        state.wait_for(lambda: len(buffer) < buffer_size or flags["stop"])
                        flags["producer_waiting"] = False
                if flags["stop"]:
                    return
                buffer.append(element)
                if flags["consumer_waiting"]:
                    with state:
                        state.notify_all()
        except BaseException as error:  # handed to the consumer, which raises it
            buffer.append(_Failure(error))
        buffer.append(_END)
        with state:
            state.notify_all()

    thread = threading.Thread(target=produce, name="tg.data.prefetch", daemon=True)
    thread.start()
    try:
        while True:
            if not buffer:
                with state:
                    flags["consumer_waiting"] = True
                    state.wait_for(lambda: buffer)
                    flags["consumer_waiting"] = False
            element = buffer.popleft()
            if flags["producer_waiting"]:
                with state:
                    state.notify_all()
            if element is _END:
                return
            if isinstance(element, _Failure):
                raise element.error
            yield element
    finally:
        flags["stop"] = True
        with state:
            state.notify_all()


class _Failure:
    __slots__ = ("error",)

    def __init__(self, error):
        self.error = error
