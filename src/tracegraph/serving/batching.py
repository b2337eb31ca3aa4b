"""Server-side batching (TF Serving's `--enable_batching`): concurrent requests, one call.

Requests for the same signature of the same version that arrive while a batch is open join it; the
batch runs when it holds `max_batch_size` rows or `batch_timeout_micros` after its first request,
whichever comes first, as one call of the concrete function on the inputs concatenated along the
batch dimension. With a timeout of 0 (TF Serving's default) the batch runs at the event loop's next
turn: it holds the requests whose bytes arrived together, and a lone request waits for nothing.
Each request gets back exactly its own rows of every output (slices at the offsets
its rows went in at). A request with more rows than `max_batch_size`, or whose inputs disagree on the
batch size, runs alone, and so does every request of a signature that is not row-wise: when a version
loads, two different rows are run together and alone (`ServedSignature.check_batchable`), and a model
whose answers differ (one that mixes the examples of a batch, such as a batch statistic) is never
batched. If a batched call fails, or returns outputs without one row per input row, its requests run
again one by one, so one request can never change or fail another's answer.

Everything here runs on the event loop's thread: the futures are resolved in the same loop iteration
that ran the batch, with no hand-off to another thread (for small models the hand-off would cost more
than the call).
"""
import numpy as np

__all__ = ["Batcher"]


class Batcher:
    """Merges the rows of concurrent requests for one signature into calls of at most `max_batch_size`."""

    def __init__(self, signature, loop, max_batch_size=32, batch_timeout_micros=0, on_batch=None):
        self.signature = signature
        self.max_batch_size = max_batch_size
        self.timeout = batch_timeout_micros / 1e6
        self._loop = loop
        self._on_batch = on_batch  # called with each batch's row count (metrics)
        self._pending = []  # (arrays, rows, future)
        self._rows = 0
        self._key = None  # the trailing shapes of the open batch's inputs: only equal ones concatenate
        self._timer = None

    async def run(self, arrays, rows):
        """{output name: array} for this request's rows, computed in a batch with others where possible."""
        if rows is None or rows >= self.max_batch_size or not self.signature.batchable:
            self._record(rows or 1)
            return self.signature.run(arrays)
        key = tuple(a.shape[1:] for a in arrays)
        if self._pending and (key != self._key or self._rows + rows > self.max_batch_size):
            self._flush()
        future = self._loop.create_future()
        self._pending.append((arrays, rows, future))
        self._rows += rows
        self._key = key
        if self._rows >= self.max_batch_size:
            self._flush()
        elif self._timer is None:
            self._timer = self._loop.call_later(self.timeout, self._flush) if self.timeout > 0 else \
                self._loop.call_soon(self._flush)
        return await future

    def _flush(self):
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        batch, self._pending, self._rows = self._pending, [], 0
        if not batch:
            return
        self._record(sum(rows for _, rows, _ in batch))
        if len(batch) == 1:
            self._run_alone(batch[0])
            return
        try:
            merged = [np.concatenate(column) for column in zip(*(arrays for arrays, _, _ in batch))]
            outputs = self.signature.run(merged)
        except Exception:  # noqa: BLE001 - retried one by one below, where each request gets its own error
            outputs = None
        total = len(merged[0]) if outputs is not None else 0
        if outputs is None or any(a.ndim == 0 or a.shape[0] != total for a in outputs.values()):
            for item in batch:
                self._run_alone(item)
            return
        start = 0
        for _, rows, future in batch:
            if not future.done():  # a client that went away cancelled its future
                future.set_result({key: array[start:start + rows] for key, array in outputs.items()})
            start += rows

    def _run_alone(self, item):
        arrays, _, future = item
        try:
            outputs = self.signature.run(arrays)
        except Exception as error:  # noqa: BLE001 - handed to the request's own handler
            if not future.done():
                future.set_exception(error)
            return
        if not future.done():
            future.set_result(outputs)

    def _record(self, rows):
        if self._on_batch is not None:
            self._on_batch(rows)
