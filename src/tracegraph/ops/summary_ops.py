"""The `write_summary` op: a summary (scalar, histogram, text, image) written each time it runs.

`tg.summary.scalar` and its kin bind this op, as `tg.print` binds its own: eagerly it writes at
once; inside a traced function it is a stateful node, so it writes on every call, in program
order, with the step and the data as they are at run time (the step is an input, not a constant
of the trace: a step Variable is read when the node runs).

Attrs are plain data, so the op names its writer by a number: writers register here and are
held weakly. A node whose writer is gone (closed and collected, or a graph loaded in another
process) writes nothing, as a summary without a default writer does.
"""
import itertools
import weakref

from ..core.dispatch import bind
from ..core.op import Op
from .string_ops import to_host

__all__ = ["register_writer", "write_summary"]

_WRITERS = weakref.WeakValueDictionary()
_ids = itertools.count(1)


def register_writer(writer):
    """A number naming `writer` in `write_summary` nodes; `writer.write_array(kind, tag, step, array,
    options)` is what a node calls when it runs."""
    number = next(_ids)
    _WRITERS[number] = writer
    return number


def _write_impl(xp, step, data, *condition, writer, kind, tag, options):
    if condition and not bool(to_host(condition[0])):
        return ()
    target = _WRITERS.get(writer)
    if target is not None:
        target.write_array(kind, tag, int(to_host(step)), to_host(data), dict(options))
    return ()


_write_summary = Op("write_summary", infer=lambda *specs, **attrs: (), impl=_write_impl, stateful=True,
                    multiple_outputs=True)


def write_summary(writer, kind, tag, step, data, condition=None, options=()):
    """Write `data` as a summary of `kind` under `tag` at `step` (an int64 tensor) to the writer
    numbered `writer`; with a bool tensor `condition`, only when it is true at run time.
    `options` are the kind's settings as (name, value) pairs (description, buckets, max_outputs)."""
    inputs = [step, data] if condition is None else [step, data, condition]
    bind(_write_summary, inputs, {"writer": writer, "kind": kind, "tag": tag, "options": tuple(options)})
