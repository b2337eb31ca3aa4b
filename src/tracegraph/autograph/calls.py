"""Calls from converted code: user functions are converted on the way, everything else is called as is.

`converted_call(f, *args, **kwargs)` is what `f(*args, **kwargs)` becomes in
converted code. It converts `f` (once, see `conversion`) when `f` is the
user's own Python function or method; tracegraph's own functions, other
libraries, the standard library, builtins, classes, generators and functions
marked `do_not_convert` are called unconverted. A user function whose source
cannot be read is called unconverted with one warning. `range`, `len`, `int` and
`float` given tensors take their graph meaning (see `py_builtins`).
"""
import functools
import inspect
import sysconfig
import types
import weakref

from . import conditionals, conversion, errors, loops, undefined
from .py_builtins import override_for
from ..config_state import flags

__all__ = ["converted_call", "do_not_convert", "RUNTIME_HELPERS"]

#: Attribute that marks a function `do_not_convert`.
DO_NOT_CONVERT = "__tg_autograph_do_not_convert__"

#: Top-level packages never converted (tracegraph's own code).
OWN_PACKAGES = ("tracegraph", "tracegraph_backends")

#: Directories of the standard library and installed packages: code there is a library's, not the user's.
LIBRARY_DIRS = tuple(sorted({sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")}))

_warned = weakref.WeakSet()  # code objects already warned about


def do_not_convert(function):
    """Mark `function` to be called unconverted from converted code (TF's `do_not_convert`)."""
    try:
        setattr(function, DO_NOT_CONVERT, True)
        return function
    except (AttributeError, TypeError):  # a builtin or a bound method: wrap it
        @functools.wraps(function)
        def unconverted(*args, **kwargs):
            return function(*args, **kwargs)
        setattr(unconverted, DO_NOT_CONVERT, True)
        return unconverted


def converted_call(function, /, *args, **kwargs):
    """`function(*args, **kwargs)`, with `function` converted first if it is user code."""
    builtin = override_for(function)
    if builtin is not None:
        return builtin(*args, **kwargs)
    if isinstance(function, functools.partial):
        return converted_call(function.func, *function.args, *args, **{**function.keywords, **kwargs})
    target = _user_function(function)
    if target is None:
        return function(*args, **kwargs)
    python_function, instance = target
    converted = _convert_or_warn(python_function)
    if converted is None:
        return function(*args, **kwargs)
    if instance is not None:
        return converted(instance, *args, **kwargs)
    return converted(*args, **kwargs)


def _user_function(function):
    """(Python function to convert, the instance it is bound to or None), or None to call as is."""
    if not flags.autograph or getattr(function, DO_NOT_CONVERT, False):
        return None
    if isinstance(function, types.FunctionType):
        python_function, instance = function, None
    elif isinstance(function, types.MethodType) and isinstance(function.__func__, types.FunctionType):
        python_function, instance = function.__func__, function.__self__
    elif not isinstance(function, type) and isinstance(getattr(type(function), "__call__", None), types.FunctionType):
        python_function, instance = type(function).__call__, function
    else:
        return None  # a builtin, a class, a C function
    if getattr(python_function, DO_NOT_CONVERT, False) or not _is_user_code(python_function):
        return None
    if inspect.isgeneratorfunction(python_function) or inspect.iscoroutinefunction(python_function) or \
            inspect.isasyncgenfunction(python_function):
        return None  # a yield or await cannot move into the local functions of converted code
    return python_function, instance


def _is_user_code(python_function):
    """False for tracegraph's own functions and those of the standard library or installed packages."""
    module = (getattr(python_function, "__module__", None) or "").split(".")[0]
    if module in OWN_PACKAGES:
        return False
    return not python_function.__code__.co_filename.startswith(LIBRARY_DIRS)


def _convert_or_warn(python_function):
    """The converted function, or None (with one warning per function) if its source cannot be read or
    converted."""
    try:
        return conversion.convert(python_function, RUNTIME_HELPERS)
    except conversion.SourceUnavailable as error:
        reason = str(error)
    except (SyntaxError, ValueError, TypeError, AttributeError, KeyError, StopIteration) as error:
        # Python the converter does not handle yet: the function runs as written (TF does the same)
        reason = f"converting it failed ({type(error).__name__}: {error}); please report this"
    code = python_function.__code__
    # A lambda that cannot be converted (two alike on its line) runs as written without a warning:
    # `tg.function(lambda x: ...)` is common, and such a lambda rarely holds control flow.
    if code.co_name != "<lambda>" and code not in _warned:  # by its code: a lambda may have been renamed
        _warned.add(code)
        errors.warn_unconverted(python_function, reason)
    return None


#: What converted code calls `ag__`.
RUNTIME_HELPERS = types.SimpleNamespace(
    converted_call=converted_call,
    if_stmt=conditionals.if_stmt, if_exp=conditionals.if_exp,
    and_=conditionals.and_, or_=conditionals.or_, not_=conditionals.not_,
    while_stmt=loops.while_stmt, for_stmt=loops.for_stmt,
    Undefined=undefined.Undefined, UndefinedReturnValue=undefined.UndefinedReturnValue,
    defined_or_undefined=undefined.defined_or_undefined, return_value=undefined.return_value,
)
