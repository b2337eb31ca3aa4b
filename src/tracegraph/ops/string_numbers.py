"""String ops converting between strings and numbers: `to_number` and `as_string` (TF's rules).

Like every string op they run on the host (see `string_ops.py`).
"""
import numpy as np

from .api_dispatch import add_dispatch_support
from .string_ops import as_string_tensor, check_choice, check_string, map_strings, to_backend, to_host
from .. import dtypes
from ..convert import convert_to_tensor
from ..core.dispatch import bind
from ..core.op import Op
from ..core.rules import spec_of
from ..errors import InvalidArgumentError

__all__ = ["to_number", "string_to_number", "as_string"]

_NUMBER_TYPES = ("float32", "float64", "int32", "int64")


def _to_number_one(s, out_type):
    try:
        text = s.decode("ascii").strip()
        if "_" in text:  # Python's parsers accept digit separators; C's, which TF uses, do not
            raise ValueError
        if out_type.startswith("int"):
            value = int(text, 10)
            info = np.iinfo(out_type)
            if not info.min <= value <= info.max:
                raise ValueError
            return value
        return float(text)
    except (UnicodeDecodeError, ValueError):
        raise InvalidArgumentError(f"StringToNumberOp could not correctly convert string: {s.decode(errors='replace')}"
                                   ) from None


def _to_number_infer(x, out_type):
    check_string("to_number", x)
    return spec_of(x.shape, dtypes.as_dtype(out_type))


def _to_number_impl(xp, x, out_type):
    return to_backend(xp, map_strings(lambda s: _to_number_one(s, out_type), x, np.dtype(out_type)))


_to_number = Op("string_to_number", infer=_to_number_infer, impl=_to_number_impl)


@add_dispatch_support
def to_number(input, out_type=dtypes.float32, name=None):  # noqa: A002
    """Each string parsed as a number of `out_type` (float32, float64, int32 or int64).

    A string that is not a number (or an integer out of the type's range) raises InvalidArgumentError.
    """
    out_type = dtypes.as_dtype(out_type)
    check_choice("to_number", "out_type", out_type.name, _NUMBER_TYPES)
    return bind(_to_number, [as_string_tensor(input, "to_number")], {"out_type": out_type.name})


string_to_number = to_number


#: The printf flags `fill` may be: TF writes it into the format as a flag.
_FILL_FLAGS = ("", " ", "0", "-", "+", "#")


def _float_format(precision, scientific, shortest, width, fill):
    size = str(width) if width > -1 else ""
    digits = f".{precision}" if precision > -1 else ""
    conversion = "e" if scientific else "g" if shortest else "f"
    return f"%{fill}{size}{digits}{conversion}"


def _int_format(width, fill):
    return f"%{fill}{width if width > -1 else ''}d"


def _format_number(value, dtype, precision, scientific, shortest, width, fill):
    if dtype.kind == "b":
        text = "true" if value else "false"
        return (text.rjust(width) if width > -1 else text).encode()
    if dtype.kind == "c":
        form = _float_format(precision, scientific, shortest, -1, fill)
        return f"({form % value.real},{form % value.imag})".encode()
    if dtype.kind == "f":
        return (_float_format(precision, scientific, shortest, width, fill) % float(value)).encode()
    return (_int_format(width, fill) % int(value)).encode()


def _as_string_infer(x, **attrs):
    if x.dtype == dtypes.string:
        raise TypeError("as_string: argument `input` must be a numeric or bool tensor, got string")
    return spec_of(x.shape, dtypes.string)


def _as_string_impl(xp, x, **attrs):
    x = to_host(x)
    flat = np.fromiter((_format_number(v, x.dtype, **attrs) for v in x.reshape(-1)), dtype=object, count=x.size)
    return flat.reshape(x.shape)


_as_string = Op("as_string", infer=_as_string_infer, impl=_as_string_impl)


@add_dispatch_support
def as_string(input, precision=-1, scientific=False, shortest=False, width=-1, fill="", name=None):  # noqa: A002
    """Each number formatted as a string, as C's printf formats it (TF's rules).

    Floats use `%f` (six decimals unless `precision` says), `%e` with `scientific`, `%g`
    with `shortest`; `width` pads on the left with spaces; `fill` is a printf flag:
    `"0"` pads with zeros, `"-"` pads on the right, `"+"` shows the sign, ...
    """
    if scientific and shortest:
        raise ValueError("as_string: cannot select both `scientific` and `shortest`")
    check_choice("as_string", "fill", fill, _FILL_FLAGS)
    attrs = {"precision": int(precision), "scientific": bool(scientific), "shortest": bool(shortest),
             "width": int(width), "fill": fill}
    return bind(_as_string, [convert_to_tensor(input)], attrs)
