"""Bitwise ops on integer tensors (`tg.bitwise`), also behind `&`, `|`, `^`, `~`."""
from . import elementwise as ew

__all__ = ["bitwise_and", "bitwise_or", "bitwise_xor", "invert", "left_shift", "right_shift"]

_and = ew.binary("bitwise_and", "bitwise_and", "({0} & {1})", kinds="integer")
_or = ew.binary("bitwise_or", "bitwise_or", "({0} | {1})", kinds="integer")
_xor = ew.binary("bitwise_xor", "bitwise_xor", "({0} ^ {1})", kinds="integer")
_invert = ew.unary("invert", "invert", "(~{0})", kinds="integer")
_left_shift = ew.binary("left_shift", "left_shift", "({0} << {1})", kinds="integer")
_right_shift = ew.binary("right_shift", "right_shift", "({0} >> {1})",
                         kinds="integer")


def bitwise_and(x, y, name=None):
    """Bitwise AND of two integer tensors."""
    return ew.apply_binary(_and, x, y)


def bitwise_or(x, y, name=None):
    """Bitwise OR of two integer tensors."""
    return ew.apply_binary(_or, x, y)


def bitwise_xor(x, y, name=None):
    """Bitwise XOR of two integer tensors."""
    return ew.apply_binary(_xor, x, y)


def invert(x, name=None):
    """Bitwise NOT of an integer tensor."""
    return ew.apply_unary(_invert, x)


def left_shift(x, y, name=None):
    """x << y elementwise."""
    return ew.apply_binary(_left_shift, x, y)


def right_shift(x, y, name=None):
    """x >> y elementwise (arithmetic for signed types)."""
    return ew.apply_binary(_right_shift, x, y)
