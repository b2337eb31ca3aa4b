"""Errors raised while tracing, pointing at the user's own line."""
import collections
import linecache
import sys
import warnings

from ..tensor import SymbolicValueError
from ..user_code import frame_filename as _filename, in_package as _in_package, user_frame

__all__ = ["SymbolicValueError", "InputSignatureError", "TracingRecursionError", "user_frame", "recursing_user_line",
           "warn_user"]


def recursing_user_line(traceback):
    """(filename, line number, source line) where the user's code recursed, or None.

    That is the innermost call of the user's function that appears most often
    on the stack `traceback` ends in (the frames outside tracegraph).
    """
    frames = [(frame, line) for frame, line in _stack_innermost_first(traceback) if not _in_package(frame)]
    if not frames:
        return None
    counts = collections.Counter(frame.f_code for frame, _ in frames)
    most = max(counts.values())
    frame, line = next((frame, line) for frame, line in frames if counts[frame.f_code] == most)
    filename = _filename(frame)
    return filename, line, linecache.getline(filename, line).strip()


def _stack_innermost_first(traceback):
    """(frame, line number) of every frame of the stack `traceback` ends in, innermost first."""
    inner = []
    while traceback is not None:
        inner.append((traceback.tb_frame, traceback.tb_lineno))
        traceback = traceback.tb_next
    stack = inner[::-1]
    frame = inner[0][0].f_back if inner else None
    while frame is not None:
        stack.append((frame, frame.f_lineno))
        frame = frame.f_back
    return stack


def warn_user(message, category=UserWarning):
    """`warnings.warn` attributed to the innermost line of user code (outside tracegraph)."""
    frame, level = sys._getframe(1), 2
    while frame is not None and _in_package(frame):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


class InputSignatureError(TypeError, ValueError):
    """A call's arguments do not match the `input_signature` or the concrete function's inputs.

    TF raised ValueError for this before 2.13 and TypeError since; this is both,
    so code written against either version catches it.
    """


class TracingRecursionError(RecursionError):
    """Python recursion that did not end while a tg.function was traced.

    Tracing runs the Python code once on symbolic tensors, so a recursion that
    stops on a tensor's value (or a tg.function calling itself) never stops.
    """

    def __init__(self, function_name, error):
        where = recursing_user_line(error.__traceback__)
        location = "" if where is None else \
            f"\n  at {where[0]}, line {where[1]}" + (f":\n    {where[2]}" if where[2] else "")
        super().__init__(
            f"tg.function {function_name!r}: the recursion did not end while tracing it ({error}).{location}\n"
            f"Tracing runs the Python code once, on tensors without values, so a recursion that stops "
            f"when a tensor reaches some value cannot stop: both branches of tg.cond/tg.where are traced, "
            f"and a tg.function that calls itself traces itself again. Fix: write the repetition as a "
            f"loop with tg.while_loop, or make the stop condition a Python int, whose value is known "
            f"while tracing.")
