"""Scalar helper functions that rendered kernels call by name (NumPy semantics, inlined).

Most are `njit(inline="always")` so they disappear into the kernel loop and
do not block vectorization: selects are conditional expressions, which LLVM
turns into blend instructions. Integer division (which has no SIMD form
anyway) is dispatched on signedness by overloads that LLVM inlines, and
wrapping integer arithmetic is LLVM's own instructions (intrinsics).
"""
import numba
import numpy as np
from numba import types
from numba.extending import intrinsic, overload

from .scalar_math import _bits, _f32_from_bits, _f64_from_bits

__all__ = ["where", "maximum", "minimum", "maximum_float", "minimum_float", "sign", "isnan", "isinf",
           "isfinite", "floordiv_int", "floordiv_float", "floormod", "logical_and", "logical_or",
           "logical_xor", "logical_not", "truncatediv", "truncatemod", "wrapping_add", "wrapping_subtract",
           "wrapping_multiply"]


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


def _wrapping(instruction):
    """An LLVM integer `instruction` on two values of one integer type, wrapping on overflow as
    NumPy and TF do. numba marks its own signed + - * `nsw` (overflow is undefined behaviour),
    and LLVM then folds, for example, `x - d > x` to `d < 0`, which is wrong where x - d wraps."""
    @intrinsic
    def wrapping(typingctx, a, b):
        if not (isinstance(a, types.Integer) and a == b):
            return None

        def codegen(context, builder, signature, args):
            return getattr(builder, instruction)(*args)
        return a(a, b), codegen
    return wrapping


wrapping_add = _wrapping("add")
wrapping_subtract = _wrapping("sub")
wrapping_multiply = _wrapping("mul")


# Integer division, as TF's kernels compute it (safe_div_or_mod_op in cwise_ops.h): the one
# overflowing quotient, MIN // -1, is taken as -MIN // 1, which wraps to MIN in two's complement
# (NumPy's result too; numba's own `//` gives 0 there), and MIN % -1 is 0. A zero divisor gives
# 0 here; the kernel reports it (see codegen) and the call raises InvalidArgumentError.
def floordiv_int(a, b):
    """a // b for integers, MIN // -1 == MIN (compiled only, see the overload)."""
    raise NotImplementedError("only callable from compiled code")


@overload(floordiv_int)
def _floordiv_int_overload(a, b):
    if isinstance(a, types.Integer) and a.signed:
        return lambda a, b: -a if b == -1 else a // b
    return lambda a, b: a // b


@_inline
def floordiv_float(a, b):
    return np.floor(a / b)


@_inline
def floormod(a, b):
    return a % b


def truncatediv(a, b):
    """a / b rounded toward zero (compiled only, see the overload)."""
    raise NotImplementedError("only callable from compiled code")


@overload(truncatediv)
def _truncatediv_overload(a, b):
    if isinstance(a, types.Integer) and not a.signed:
        # Floor and truncation agree on non-negative values (and `q + 1` would mix uint64 with a
        # signed literal, which numba computes in float64).
        return lambda a, b: a // b
    return _truncated_quotient


def _truncated_quotient(a, b):
    # The floor is one below the truncation where the quotient is negative and not whole
    # (a remainder, not q * b != a: that product overflows for MIN // -1).
    q = floordiv_int(a, b)
    return q + 1 if (q < 0 and a % b != 0) else q


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
