"""Messages to the user: written to stdout and flushed, as Keras's `print_msg`."""
import sys

__all__ = ["print_msg"]


def print_msg(message, line_break=True):
    """Write `message` to the current `sys.stdout` (a line unless `line_break=False`) and flush."""
    stream = sys.stdout
    stream.write(f"{message}\n" if line_break else str(message))
    stream.flush()
