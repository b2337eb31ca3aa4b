"""`tg.print`: printing that happens every time a traced function runs."""
import sys

import numpy as np

from .dispatch import bind
from .op import Op
from ..convert import convert_to_tensor, is_tensor_like

__all__ = ["print_"]


def _print_impl(xp, *arrays, parts, stream, summarize, sep, end):
    pieces = []
    for kind, value in parts:
        pieces.append(format_for_print(arrays[value], summarize) if kind == "tensor" else value)
    out = sys.stdout if stream == "stdout" else sys.stderr
    out.write(sep.join(pieces) + end)
    out.flush()
    return ()


_print = Op("print", infer=lambda *specs, **attrs: (), impl=_print_impl, stateful=True,
            multiple_outputs=True)


def format_for_print(array, summarize=3):
    """A value the way TF's `tf.print` shows it: `[1 2 3]`, `0.5`, `[[1 2]\\n [3 4]]`."""
    if hasattr(array, "get") and type(array) is not np.ndarray:
        array = array.get()
    array = np.asarray(array)
    if array.dtype == object:
        return np.array2string(array, formatter={"all": lambda s: s.decode() if isinstance(s, bytes) else str(s)})
    if summarize is None or summarize < 0:
        threshold, edge = sys.maxsize, 3
    else:
        threshold, edge = 2 * summarize, summarize
    floats = {"float_kind": lambda x: f"{x:g}"}
    return np.array2string(array, separator=" ", threshold=threshold, edgeitems=edge, formatter=floats,
                           max_line_width=sys.maxsize)


def print_(*inputs, output_stream=sys.stderr, summarize=3, sep=" ", end="\n", name=None):
    """Print tensors and Python values, at run time (TF's `tf.print`: to stderr by default).

    Inside a traced function this prints on every call, unlike Python's `print`,
    which runs only while tracing.
    """
    tensors, parts = [], []
    for item in inputs:
        if is_tensor_like(item):
            tensors.append(convert_to_tensor(item))
            parts.append(("tensor", len(tensors) - 1))
        else:
            parts.append(("text", str(item)))
    stream = "stdout" if output_stream in (sys.stdout, "stdout") or output_stream is print else "stderr"
    bind(_print, tensors, {"parts": tuple(parts), "stream": stream, "summarize": summarize,
                           "sep": sep, "end": end})
