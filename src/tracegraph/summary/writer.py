"""`SummaryWriter`: an event file of a log directory, and the default writer it can become.

Event files are written by TensorBoard's own `EventFileWriter` (the writer `torch.utils.tensorboard`
uses too): TFRecord framing with masked CRC32C, a background thread, `brain.Event:2` first. TensorBoard
is imported only when a file writer is made, so `import tracegraph` stays light.
"""
import atexit
import contextlib
import os
import time
import weakref

from ..ops.summary_ops import register_writer
from .defaults import state

__all__ = ["SummaryWriter", "create_file_writer", "create_noop_writer", "flush"]

_OPEN = weakref.WeakSet()  # flushed at exit: the writer's thread is a daemon and would drop its queue


class SummaryWriter:
    """Writes summaries to an event file in `logdir` (made by `create_file_writer`).

    A writer without a log directory (`create_noop_writer`) accepts everything and writes nothing.
    """

    def __init__(self, logdir=None, max_queue=None, flush_millis=None, filename_suffix=None):
        self._closed = False
        self._events = None
        self.id = register_writer(self)
        if logdir is not None:
            from tensorboard.summary.writer.event_file_writer import EventFileWriter  # noqa: PLC0415 - optional, heavy (protobuf)
            self._events = EventFileWriter(os.fspath(logdir), max_queue_size=10 if max_queue is None else max_queue,
                                           flush_secs=120 if flush_millis is None else flush_millis / 1000,
                                           filename_suffix=".v2" if filename_suffix is None else filename_suffix)
            _OPEN.add(self)

    @property
    def logdir(self):
        """The log directory, or None for a no-op writer."""
        return None if self._events is None else self._events.get_logdir()

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
        if self._events is None or self._closed:
            return
        from .events import summary_proto  # noqa: PLC0415 - imports TensorBoard's protos (optional, heavy)
        self.write_event(step, summary=summary_proto(kind, tag, array, options))

    def write_event(self, step, **fields):
        """Append an `Event` with `step`, the wall time and `fields` (e.g. `summary=` or `graph_def=`)."""
        if self._events is None or self._closed:
            return
        from tensorboard.compat.proto.event_pb2 import Event  # noqa: PLC0415 - optional, heavy (protobuf)
        self._events.add_event(Event(wall_time=time.time(), step=step, **fields))

    def _check_open(self):
        if self._closed:
            raise RuntimeError(f"{self!r} is already closed")

    def __repr__(self):
        where = self.logdir if self._events is not None else "no-op"
        return f"<tg.summary.SummaryWriter {where}>"


def create_file_writer(logdir, max_queue=None, flush_millis=None, filename_suffix=None, name=None,
                       experimental_trackable=False, experimental_mesh=None):
    """A writer of event files in `logdir` (made if missing), which TensorBoard reads.

    `max_queue` bounds the events waiting to be written (10), `flush_millis` is how often they are
    written out (every 120 s; `flush()` and leaving `as_default()` write them at once), and
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
