"""`SummaryWriter`: an event file of a log directory, and the default writer it can become.

An event file is TensorBoard's `Event` protos (from TensorBoard's own `tensorboard.compat.proto`), each
framed as a TFRecord by `io.records.frame` (the framing `tg.io.TFRecordWriter` writes, checked against
TensorFlow's files; CRC32C in C), `brain.Event:2` first. TensorBoard's `EventFileWriter` would frame them
with a pure-Python CRC32C on a thread behind a queue of 10 that blocks the caller: ~0.5 ms per scalar
against ~20 us here. Events are appended to a buffered file and flushed as TF's writer does: when more
than `max_queue` wait, when `flush_millis` have passed since the last flush, and on `flush()`/`close()`.
TensorBoard is imported only when a file writer is made, so `import tracegraph` stays light.
"""
import atexit
import contextlib
import itertools
import os
import socket
import threading
import time
import weakref

from ..io.records import frame
from ..ops.summary_ops import register_writer
from .defaults import state

__all__ = ["SummaryWriter", "create_file_writer", "create_noop_writer", "flush"]

_OPEN = weakref.WeakSet()  # flushed at exit
_file_numbers = itertools.count()


class EventFile:
    """One `events.out.tfevents.<time>.<host>.<pid>.<n><suffix>` file of a log directory, appended to."""

    def __init__(self, logdir, max_queue=10, flush_secs=120.0, filename_suffix=".v2"):
        try:
            from tensorboard.compat.proto import event_pb2  # noqa: PLC0415 - optional, heavy (protobuf)
        except ImportError as error:
            raise ImportError("tg.summary's file writers need TensorBoard: pip install 'tracegraph[tensorboard]'") \
                from error
        self._event_pb2 = event_pb2
        os.makedirs(logdir, exist_ok=True)
        self.logdir = logdir
        self.path = os.path.join(logdir, f"events.out.tfevents.{int(time.time()):010d}.{socket.gethostname()}."
                                         f"{os.getpid()}.{next(_file_numbers)}{filename_suffix}")
        self._file = open(self.path, "ab")  # noqa: SIM115 - open for the writer's life, closed by close()
        self._max_queue, self._flush_secs = max_queue, flush_secs
        self._pending, self._last_flush = 0, time.monotonic()
        self._lock = threading.Lock()
        self.add(step=0, file_version="brain.Event:2",
                 source_metadata=event_pb2.SourceMetadata(writer="tracegraph.summary"))
        self.flush()

    def add(self, step, **fields):
        """Append an `Event` with `step`, the wall time and `fields` (`summary=`, `graph_def=`, ...)."""
        record = frame(self._event_pb2.Event(wall_time=time.time(), step=step, **fields).SerializeToString())
        with self._lock:
            self._file.write(record)
            self._pending += 1
            if self._pending > self._max_queue or time.monotonic() - self._last_flush >= self._flush_secs:
                self._flush_locked()

    def flush(self):
        """Write the pending events out to the file."""
        with self._lock:
            self._flush_locked()

    def _flush_locked(self):
        self._file.flush()
        self._pending, self._last_flush = 0, time.monotonic()

    def close(self):
        """Flush and close the file."""
        with self._lock:
            self._file.close()


class SummaryWriter:
    """Writes summaries to an event file in `logdir` (made by `create_file_writer`).

    A writer without a log directory (`create_noop_writer`) accepts everything and writes nothing.
    """

    def __init__(self, logdir=None, max_queue=None, flush_millis=None, filename_suffix=None):
        self._closed = False
        self._events = self._protos = None
        self.id = register_writer(self)
        if logdir is not None:
            self._protos = _protos()
            self._events = EventFile(os.fspath(logdir), 10 if max_queue is None else max_queue,
                                     120.0 if flush_millis is None else flush_millis / 1000,
                                     ".v2" if filename_suffix is None else filename_suffix)
            _OPEN.add(self)

    @property
    def logdir(self):
        """The log directory, or None for a no-op writer."""
        return None if self._events is None else self._events.logdir

    @contextlib.contextmanager
    def as_default(self, step=None):
        """Make this the default writer inside a `with` block (and `step` the default step, if given);
        both are restored on exit."""
        self._check_open()
        saved = state.writer, state.step
        state.writer = self
        if step is not None:
            state.step = step
        try:
            yield self
        finally:
            self.flush()
            state.writer, state.step = saved

    def set_as_default(self, step=None):
        """Make this the default writer (and `step` the default step, if given) until changed."""
        self._check_open()
        state.writer = self
        if step is not None:
            state.step = step

    def flush(self):
        """Write everything pending to disk."""
        if self._events is not None and not self._closed:
            self._events.flush()

    def close(self):
        """Flush and close the event file; later writes to it are ignored."""
        if not self._closed:
            self._closed = True
            if self._events is not None:
                self._events.close()
            _OPEN.discard(self)

    def write_array(self, kind, tag, step, array, options):
        """Append one summary event (called by the `write_summary` op with host arrays)."""
        if self._events is not None and not self._closed:
            self.write_event(step, summary=self._protos.summary_proto(kind, tag, array, options))

    def write_graph(self, graph):
        """Append a graph event at step 0: an IR graph (converted to a `GraphDef`) or a `GraphDef`."""
        if self._events is not None and not self._closed:
            proto = graph if type(graph).__name__ == "GraphDef" else self._protos.graph_def(graph)
            self.write_event(0, graph_def=proto.SerializeToString())

    def write_event(self, step, **fields):
        """Append an `Event` with `step`, the wall time and `fields` (e.g. `summary=` or `graph_def=`)."""
        if self._events is not None and not self._closed:
            self._events.add(step, **fields)

    def _check_open(self):
        if self._closed:
            raise RuntimeError(f"{self!r} is already closed")

    def __repr__(self):
        where = self.logdir if self._events is not None else "no-op"
        return f"<tg.summary.SummaryWriter {where}>"


class _Protos:
    """The summary and graph protos, from the modules that import TensorBoard."""

    def __init__(self, events, graph_def):
        self.summary_proto, self.graph_def = events.summary_proto, graph_def.graph_def


def _protos():
    from . import events, graph_def  # noqa: PLC0415 - TensorBoard's protos (optional, heavy), for file writers only
    return _Protos(events, graph_def)


def create_file_writer(logdir, max_queue=None, flush_millis=None, filename_suffix=None, name=None,
                       experimental_trackable=False, experimental_mesh=None):
    """A writer of event files in `logdir` (made if missing), which TensorBoard reads.

    The file is flushed when more than `max_queue` events wait (10), when `flush_millis` have passed
    since the last flush (120 s), and by `flush()`, leaving `as_default()` and `close()`;
    `filename_suffix` ends the file's name (`.v2`). `name` and the `experimental_*` arguments are
    accepted for TF's signature and have no effect.
    """
    return SummaryWriter(logdir, max_queue, flush_millis, filename_suffix)


def create_noop_writer():
    """A writer that writes nothing (to turn summaries off without changing the code that writes them)."""
    return SummaryWriter()


def flush(writer=None, name=None):
    """Flush `writer` (the default writer if None; nothing without one)."""
    writer = state.writer if writer is None else writer
    if writer is not None:
        writer.flush()


@atexit.register
def _flush_open_writers():
    for writer in list(_OPEN):
        try:
            writer.flush()
        except OSError:  # a log directory removed meanwhile: nothing left to save
            pass
