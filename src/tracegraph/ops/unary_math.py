"""Unary elementwise math: exp, log, trigonometric, rounding, square roots, ...

Each op: primitive (factory), gradient written with tracegraph ops, scalar
template, and the TF-named public function.
"""
from . import elementwise as ew

__all__ = ["exp", "log", "sqrt", "square", "floor"]


def _out(ctx):
    return ctx.outputs[0]


_exp = ew.unary("exp", lambda xp, x: xp.exp(x), "exp({0})", lambda ctx, g: (g * _out(ctx),),
                kinds="inexact")
_log = ew.unary("log", lambda xp, x: xp.log(x), "log({0})", lambda ctx, g: (g / ctx.inputs[0],),
                kinds="inexact")
_sqrt = ew.unary("sqrt", lambda xp, x: xp.sqrt(x), "sqrt({0})",
                 lambda ctx, g: (g / (2 * _out(ctx)),), kinds="inexact")
_square = ew.unary("square", lambda xp, x: xp.square(x), "({0} * {0})",
                   lambda ctx, g: (g * (2 * ctx.inputs[0]),))
_floor = ew.unary("floor", lambda xp, x: xp.floor(x), "floor({0})", lambda ctx, g: (None,),
                  kinds="float")


def exp(x, name=None):
    """e ** x elementwise."""
    return ew.apply_unary(_exp, x)


def log(x, name=None):
    """Natural logarithm elementwise."""
    return ew.apply_unary(_log, x)


def sqrt(x, name=None):
    """Square root elementwise."""
    return ew.apply_unary(_sqrt, x)


def square(x, name=None):
    """x * x elementwise."""
    return ew.apply_unary(_square, x)


def floor(x, name=None):
    """The largest integer not greater than x, elementwise."""
    return ew.apply_unary(_floor, x)
