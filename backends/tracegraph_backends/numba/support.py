"""Scalar helper functions that rendered kernels call by name (NumPy semantics, inlined).

Each is `njit(inline="always")` so it disappears into the kernel loop and
does not block vectorization: selects are conditional expressions, which LLVM
turns into blend instructions.
"""
import numba
import numpy as np

__all__ = ["where", "maximum", "minimum", "sign", "isnan", "isinf", "isfinite", "floordiv_int",
           "floordiv_float", "floormod", "logical_and", "logical_or", "logical_xor", "logical_not",
           "truncatediv", "truncatemod"]


def _inline(fn):
    return numba.njit(inline="always")(fn)


@_inline
def where(c, a, b):
    return a if c else b


# NumPy propagates NaN from either side. Written with b first: when b is a
# literal (min(x, 0.0)), LLVM drops `b != b` and the select is one vminps/vmaxps.
@_inline
def maximum(a, b):
    return b if (b > a or b != b) else a


@_inline
def minimum(a, b):
    return b if (b < a or b != b) else a


@_inline
def sign(x):
    return np.sign(x)


@_inline
def isnan(x):
    return x != x


@_inline
def isinf(x):
    return abs(x) == np.inf


@_inline
def isfinite(x):
    return abs(x) < np.inf


@_inline
def floordiv_int(a, b):
    return a // b


@_inline
def floordiv_float(a, b):
    return np.floor(a / b)


@_inline
def floormod(a, b):
    return a % b


@_inline
def truncatediv(a, b):
    q = a // b
    return q + 1 if (q < 0 and q * b != a) else q


@_inline
def truncatemod(a, b):
    return a - truncatediv(a, b) * b


@_inline
def logical_and(a, b):
    return a & b


@_inline
def logical_or(a, b):
    return a | b


@_inline
def logical_xor(a, b):
    return a ^ b


@_inline
def logical_not(a):
    return not a
