"""`tg.autograph`: Python `if`/`while`/`for` on tensors, converted into graph control flow.

`tg.function` converts the function it traces (and the user functions it
calls) from source: an `if` on a tensor becomes `tg.cond`, a `while` on a
tensor or a `for` over a tensor or `tg.range` becomes `tg.while_loop`, and
Python conditions stay Python. `to_code(f)` shows the converted source.
"""
import inspect

from . import experimental
from .calls import converted_call, do_not_convert
from .conversion import SourceUnavailable, converted_source
from .errors import AutoGraphError, AutoGraphWarning, UnsupportedAssignmentError

__all__ = ["to_code", "experimental", "do_not_convert", "converted_call", "AutoGraphError", "AutoGraphWarning",
           "UnsupportedAssignmentError"]


def to_code(entity, recursive=True, experimental_optional_features=None):
    """The converted source of the Python function `entity` (or of a `tg.function`'s Python function).

    A TypeError if `entity` has no Python source to convert (a builtin, a
    function defined in a REPL or with `exec`, a lambda that shares its line
    with another of the same parameters).
    """
    python_function = getattr(entity, "python_function", entity)
    python_function = getattr(python_function, "__func__", python_function)
    if not inspect.isfunction(python_function):
        raise TypeError(f"tg.autograph.to_code: expected a Python function, got {entity!r}")
    try:
        return converted_source(python_function)
    except SourceUnavailable as error:
        raise TypeError(f"tg.autograph.to_code: cannot convert {python_function.__qualname__!r}: {error}") from None
