"""Scalar helper functions that rendered kernels call by name (NumPy semantics, inlined).

Each is `njit(inline="always")` so it disappears into the kernel loop and
does not block vectorization: selects are conditional expressions, which LLVM
turns into blend instructions.
"""
import numba
import numpy as np
from numba import types
from numba.extending import overload

from .scalar_math import _bits, _f32_from_bits, _f64_from_bits

__all__ = ["where", "maximum", "minimum", "maximum_float", "minimum_float", "sign", "isnan", "isinf",
           "isfinite", "floordiv_int", "floordiv_float", "floormod", "logical_and", "logical_or",
           "logical_xor", "logical_not", "truncatediv", "truncatemod"]


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


# The float versions (what kernels use for float32/float64): `b if b > a else a` is
# exactly x86's vmaxps(b, a), which passes a's NaN through; a NaN in b is then
# forced by OR-ing all ones into the bits (a NaN with every bit set, where NumPy
# returns b's own NaN). Three instructions instead of four: LLVM merges a second
# select into the first, which costs a compare and an OR (6% of the 10-op chain).
@_inline
def maximum_float(a, b):
    return _from_bits(_bits(b if b > a else a) | (-1 if b != b else 0), a)


@_inline
def minimum_float(a, b):
    return _from_bits(_bits(b if b < a else a) | (-1 if b != b else 0), a)


def _from_bits(bits, like):
    """The float of `like`'s type whose bit pattern is `bits` (compiled only, see the overload)."""
    raise NotImplementedError("only callable from compiled code")


@overload(_from_bits, inline="always")
def _from_bits_overload(bits, like):
    from_bits = {types.float32: _f32_from_bits, types.float64: _f64_from_bits}.get(like)
    return None if from_bits is None else (lambda bits, like: from_bits(bits))


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
