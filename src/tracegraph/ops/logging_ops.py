"""`tg.print`: printing that happens every time a traced function runs.

Python's `print` inside a traced function runs once, while tracing; `tg.print`
is a stateful node of the graph, so it prints on every call, in program order.
"""
import sys

import numpy as np

from ..convert import convert_to_tensor, is_tensor_like
from ..core.dispatch import bind
from ..core.op import Op

__all__ = ["print_"]


def _print_impl(xp, *arrays, parts, stream, summarize, sep, end):
    pieces = [format_for_print(arrays[value], summarize) if kind == "tensor" else value
              for kind, value in parts]
    _write(stream, _join(pieces, sep) + end)
    return ()


_print = Op("print", infer=lambda *specs, **attrs: (), impl=_print_impl, stateful=True,
            multiple_outputs=True)


def _join(pieces, sep):
    """Join the pieces; `sep` goes only between top-level inputs (marked by None pieces)."""
    text, first = [], True
    for piece in pieces:
        if piece is None:
            first = True
            continue
        if first and text:
            text.append(sep)
        text.append(piece)
        first = False
    return "".join(text)


def _write(stream, text):
    """Write to "stdout", "stderr" (looked up at run time, so redirection works) or "file://path"."""
    if stream.startswith("file://"):
        with open(stream[len("file://"):], "a", encoding="utf-8") as f:
            f.write(text)
        return
    out = sys.stdout if stream == "stdout" else sys.stderr
    out.write(text)
    out.flush()


def format_for_print(array, summarize=3):
    """A value the way TF's `tf.print` shows it: `[1 2 3]`, `0.5`, `[[1 2]\\n [3 4]]`."""
    if hasattr(array, "get") and type(array) is not np.ndarray:
        array = array.get()
    array = np.asarray(array)
    if array.dtype == object:  # strings: bare when alone, quoted inside an array (as TF prints them)
        if array.ndim == 0:
            return _as_text(array[()])
        return np.array2string(array, formatter={"all": lambda s: f'"{_as_text(s)}"'},
                               max_line_width=sys.maxsize)
    if summarize is None or summarize < 0:
        threshold, edge = sys.maxsize, 3
    else:
        threshold, edge = 2 * summarize, summarize
    floats = {"float_kind": lambda x: f"{x:g}"}
    return np.array2string(array, separator=" ", threshold=threshold, edgeitems=edge, formatter=floats,
                           max_line_width=sys.maxsize)


def _as_text(item):
    return item.decode() if isinstance(item, bytes) else str(item)


def _stream_name(output_stream):
    if output_stream is None or output_stream is sys.stderr or output_stream in ("stderr", "sys.stderr"):
        return "stderr"
    if output_stream is sys.stdout or output_stream in ("stdout", "sys.stdout"):
        return "stdout"
    if isinstance(output_stream, str) and output_stream.startswith("file://"):
        return output_stream
    if output_stream is getattr(sys, "__stdout__", None):
        return "stdout"
    if output_stream is getattr(sys, "__stderr__", None):
        return "stderr"
    raise ValueError(f"tg.print: output_stream must be sys.stdout, sys.stderr or a 'file://path' string, "
                     f"got {output_stream!r}")


def _parts(item, tensors, parts):
    """Append the print parts for `item`: text pieces and references to tensors (nests expanded)."""
    if is_tensor_like(item):
        tensors.append(convert_to_tensor(item))
        parts.append(("tensor", len(tensors) - 1))
    elif isinstance(item, dict):
        parts.append(("text", "{"))
        for k, key in enumerate(item):
            parts.append(("text", f"{', ' if k else ''}{key!r}: "))
            _parts(item[key], tensors, parts)
        parts.append(("text", "}"))
    elif isinstance(item, (list, tuple)):
        opening, closing = ("[", "]") if isinstance(item, list) else ("(", ")")
        parts.append(("text", opening))
        for k, value in enumerate(item):
            if k:
                parts.append(("text", ", "))
            _parts(value, tensors, parts)
        parts.append(("text", closing))
    else:
        parts.append(("text", str(item)))


def print_(*inputs, output_stream=None, summarize=3, sep=" ", end="\n", name=None):
    """Print tensors and Python values, at run time (TF's `tf.print`, to stderr by default).

    Inside a traced function this prints on every call, in program order,
    unlike Python's `print`, which runs only while tracing. Lists, tuples and
    dicts of tensors print with their structure. `summarize` items are shown
    at each end of every dimension (-1 or None: all); `output_stream` is
    `sys.stderr` (the default), `sys.stdout` or `"file://path"` (appended to).
    The stream is looked up when the print runs, so redirecting `sys.stderr`
    (or pytest's capsys) sees the output.
    """
    tensors, parts = [], []
    for item in inputs:
        parts.append(("text", None))  # a separator point between top-level inputs
        _parts(item, tensors, parts)
    parts = tuple((kind, value) for kind, value in _merged(parts))
    bind(_print, tensors, {"parts": parts, "stream": _stream_name(output_stream), "summarize": summarize,
                           "sep": sep, "end": end})


def _merged(parts):
    """Adjacent text parts joined (fewer pieces at run time); separator points kept."""
    merged = []
    for kind, value in parts:
        if kind == "text" and value is not None and merged and merged[-1][0] == "text" \
                and merged[-1][1] is not None:
            merged[-1] = ("text", merged[-1][1] + value)
        else:
            merged.append((kind, value))
    return merged
