"""Finding the user's own code on the stack: the innermost frame outside the tracegraph package.

Errors and warnings point there (the line the user wrote), never at tracegraph's own code.
"""
import linecache
import os
import sys

__all__ = ["PACKAGE_DIR", "frame_filename", "in_package", "user_frame"]

#: Frames from files under this directory are tracegraph's own.
PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def frame_filename(frame):
    """The frame's file as an absolute path ("<string>", "<stdin>" stay as they are)."""
    name = frame.f_code.co_filename
    return name if name.startswith("<") else os.path.abspath(name)


def in_package(frame):
    """True for a frame of tracegraph's own code."""
    return frame_filename(frame).startswith(PACKAGE_DIR)


def user_frame():
    """(filename, line number, source line) of the innermost caller's frame outside tracegraph."""
    frame = sys._getframe(1)
    while frame is not None and in_package(frame):
        frame = frame.f_back
    if frame is None:
        return "<unknown>", 0, ""
    filename = frame_filename(frame)
    return filename, frame.f_lineno, linecache.getline(filename, frame.f_lineno).strip()
