"""Errors raised while tracing, pointing at the user's own line."""
import linecache
import os
import sys
import warnings

__all__ = ["SymbolicValueError", "InputSignatureError", "user_frame", "warn_user"]

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def _filename(frame):
    name = frame.f_code.co_filename
    return name if name.startswith("<") else os.path.abspath(name)  # "<string>", "<stdin>" stay as they are


def _in_package(frame):
    return _filename(frame).startswith(_PACKAGE_DIR)


def user_frame():
    """(filename, line number, source line) of the innermost frame outside tracegraph."""
    frame = sys._getframe(1)
    while frame is not None and _in_package(frame):
        frame = frame.f_back
    if frame is None:
        return "<unknown>", 0, ""
    filename = _filename(frame)
    return filename, frame.f_lineno, linecache.getline(filename, frame.f_lineno).strip()


def warn_user(message, category=UserWarning):
    """`warnings.warn` attributed to the innermost line of user code (outside tracegraph)."""
    frame, level = sys._getframe(1), 2
    while frame is not None and _in_package(frame):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


class SymbolicValueError(TypeError):
    """A traced function needed a concrete value where only a symbolic one exists.

    It is a TypeError (TF raises `OperatorNotAllowedInGraphError`, also a TypeError).
    """

    def __init__(self, what, fix):
        filename, line, source = user_frame()
        self.filename, self.line = filename, line
        self.what, self.fix = what, fix
        location = f"{filename}, line {line}" + (f":\n    {source}" if source else "")
        super().__init__(
            f"{what} is not possible while tracing a tg.function: the tensor has no value until "
            f"the function runs.\n  at {location}\nFix: {fix}. (Or run the function eagerly: "
            f"tg.function(..., fallback='eager'), the default, does that with a warning; "
            f"tg.config.run_functions_eagerly(True) does it for every function.)")


class InputSignatureError(TypeError, ValueError):
    """A call's arguments do not match the `input_signature` or the concrete function's inputs.

    TF raised ValueError for this before 2.13 and TypeError since; this is both,
    so code written against either version catches it.
    """
