"""Errors raised while tracing, pointing at the user's own line."""
import os
import sys

__all__ = ["SymbolicValueError", "user_frame"]

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def user_frame(skip_package=True):
    """(filename, line number, source line) of the innermost frame outside tracegraph."""
    frame = sys._getframe(1)
    while frame is not None:
        filename = os.path.abspath(frame.f_code.co_filename)
        if not (skip_package and filename.startswith(_PACKAGE_DIR)):
            import linecache  # noqa: PLC0415
            return filename, frame.f_lineno, linecache.getline(filename, frame.f_lineno).strip()
        frame = frame.f_back
    return "<unknown>", 0, ""


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
            f"the function runs.\n  at {location}\nFix: {fix}. Or run this function eagerly with "
            f"tg.function(..., fallback='eager') or tg.config.run_functions_eagerly(True).")
