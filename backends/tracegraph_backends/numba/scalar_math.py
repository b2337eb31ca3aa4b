"""Vectorizable scalar transcendental functions for the Numba backend.

Why this module exists
----------------------
numba's PyPI wheels ship without Intel SVML, so a loop that calls ``math.exp``
compiles to one scalar libm call per element and LLVM cannot vectorize it.
The functions here are written in plain Python that numba compiles, using
only operations that have SIMD forms (add, multiply, fused multiply-add,
division, compare+select and integer bit manipulation).  Once inlined into a
loop, LLVM's loop vectorizer turns them into 8-lane float32 (or 4-lane
float64) AVX2 code.

Every function follows the textbook recipe:

1. *range reduction* -- e.g. ``x = n*ln2 + r`` with ``|r| <= ln2/2`` --
   done with Cody-Waite constant splitting so the reduction is exact;
2. a *polynomial* for the reduced argument, evaluated by Horner's rule with
   fused multiply-adds;
3. *reconstruction* -- e.g. multiplying by ``2**n`` built directly in the
   exponent bits of a float;
4. *special values* (NaN, +-inf, +-0, overflow/underflow, domain errors)
   fixed up at the end with selects (``a if cond else b``), which LLVM turns
   into branch-free blend instructions.

Polynomial coefficients
-----------------------
Unless stated otherwise, coefficients are minimax: computed with a linear
Remez exchange on a dense Chebyshev grid (numpy ``longdouble`` arithmetic,
function values from mpmath at 40 digits), minimizing the *relative* error of
the final function, and then rounded to the working precision one coefficient
at a time, re-fitting the remaining ones after each rounding so that the
rounding error of the leading coefficients is absorbed.  The stated error
bounds are those of the rounded coefficient sets on the reduction interval.
Where textbook (Taylor) or published (fdlibm) coefficients are accurate
enough they are used instead, as noted.

Accuracy
--------
float32 functions are computed entirely in float32 arithmetic (except
``pow_f32``, see there) and stay below 1 ulp of the exact result over the
whole float32 range (the test-suite sweeps it; the worst measured is 0.96
ulp, for expm1), i.e. they are faithfully rounded and mostly correctly
rounded -- closer to the truth than NumPy's own float32 exp (2.3 ulp) and
log (3.1 ulp).  The float64 functions are within 1 ulp as far as random
testing shows, except erf_f64 and pow_f64, which are libm calls (not
vectorizable, see there).  Special values match C99 exactly, including the
sign of zero, overflow to inf and gradual underflow.

Compilation rules
-----------------
* Do **not** compile callers with ``fastmath=True``: its ``nnan``/``ninf``
  flags would delete the special-value handling, and ``reassoc`` would
  destroy the error-free transformations (``Fast2Sum``) some functions use.
  ``fastmath={"contract"}`` is harmless.  FMA is requested explicitly via
  ``llvm.fmuladd`` so it is used whenever the CPU has it, whatever the flags.
* Divisions go through an intrinsic that emits a bare ``fdiv``: numba's
  default ``error_model="python"`` would otherwise insert a
  ZeroDivisionError branch that blocks vectorization.
* All functions are ``njit(inline="always")``: numba inlines them at the IR
  level into the calling loop whatever their size.  (Plain ``njit``
  functions are usually inlined by LLVM as well, but that is up to its cost
  model, and one call left in a loop body stops the whole loop from
  vectorizing.)  The inlined code takes the caller's flags, hence the
  explicit fmuladd/fdiv intrinsics above.

Use :data:`APPROXIMATIONS` to look a function up by op name and dtype name.
"""

import math

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

__all__ = [
    "APPROXIMATIONS", "APPROXIMATION_NAMES", "VECTORIZABLE",
    "exp_f32", "exp_f64", "exp_no_subnormal_f32", "ABSORBING_MAGNITUDE",
    "expm1_f32", "expm1_f64",
    "log_f32", "log_f64",
    "log1p_f32", "log1p_f64",
    "tanh_f32", "tanh_f64",
    "sigmoid_f32", "sigmoid_f64",
    "softplus_f32", "softplus_f64",
    "erf_f32", "erf_f64",
    "pow_f32", "pow_f64",
    "sqrt_f32", "sqrt_f64",
]


def _kernel(fn):
    """Compile ``fn`` so that numba inlines it into every caller."""
    return numba.njit(inline="always")(fn)


# ---------------------------------------------------------------------------
# LLVM-level helpers.  Each emits one instruction that LLVM knows how to
# vectorize; numba's own equivalents either promote to float64, go through
# libm, or add exception branches.
# ---------------------------------------------------------------------------

def _same_float_type(*tys):
    return isinstance(tys[0], types.Float) and all(t == tys[0] for t in tys)


def _call_llvm(builder, name, args):
    ty = args[0].type
    suffix = "f32" if ty == ir.FloatType() else "f64"
    fnty = ir.FunctionType(ty, [ty] * len(args))
    fn = cgutils.get_or_insert_function(builder.module, fnty, f"{name}.{suffix}")
    return builder.call(fn, args)


@intrinsic
def _fma(typingctx, a, b, c):
    """a * b + c, fused into one FMA when the CPU has one (llvm.fmuladd)."""
    if not _same_float_type(a, b, c):
        return None

    def codegen(context, builder, signature, args):
        return _call_llvm(builder, "llvm.fmuladd", args)

    return a(a, b, c), codegen


@intrinsic
def _div(typingctx, a, b):
    """a / b as a plain IEEE division (no ZeroDivisionError check)."""
    if not _same_float_type(a, b):
        return None

    def codegen(context, builder, signature, args):
        return builder.fdiv(args[0], args[1])

    return a(a, b), codegen


@intrinsic
def _copysign(typingctx, a, b):
    """|a| with the sign bit of b."""
    if not _same_float_type(a, b):
        return None

    def codegen(context, builder, signature, args):
        return _call_llvm(builder, "llvm.copysign", args)

    return a(a, b), codegen


@intrinsic
def _floor(typingctx, a):
    """floor(a) as a float of the same type (math.floor would return an int)."""
    if not _same_float_type(a):
        return None

    def codegen(context, builder, signature, args):
        return _call_llvm(builder, "llvm.floor", args)

    return a(a), codegen


@intrinsic
def _bits(typingctx, x):
    """The IEEE bit pattern of a float32 (as int32) or float64 (as int64)."""
    if x == types.float32:
        sig, lty = types.int32(x), ir.IntType(32)
    elif x == types.float64:
        sig, lty = types.int64(x), ir.IntType(64)
    else:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], lty)

    return sig, codegen


def _from_bits(float_type, lty, width):
    # numba types integer arithmetic as int64; the value is truncated back to
    # the float's width here, and LLVM then narrows the whole integer
    # computation to that width (so float32 code uses 8 x i32 lanes).
    def impl(typingctx, i):
        if not isinstance(i, types.Integer):
            return None

        def codegen(context, builder, signature, args):
            v = args[0]
            if i.bitwidth > width:
                v = builder.trunc(v, ir.IntType(width))
            elif i.bitwidth < width:
                extend = builder.sext if i.signed else builder.zext
                v = extend(v, ir.IntType(width))
            return builder.bitcast(v, lty)

        return float_type(i), codegen

    return impl


_f32_from_bits = intrinsic(_from_bits(types.float32, ir.FloatType(), 32))
_f32_from_bits.__doc__ = "The float32 whose bit pattern is the low 32 bits of an integer."
_f64_from_bits = intrinsic(_from_bits(types.float64, ir.DoubleType(), 64))
_f64_from_bits.__doc__ = "The float64 whose bit pattern is the integer."


# ---------------------------------------------------------------------------
# float32 constants.  Every literal is a np.float32 so that numba keeps the
# arithmetic in float32 (a bare Python float would promote to float64).
# ---------------------------------------------------------------------------

_F = np.float32
_ZERO_F32 = _F(0.0)
_HALF_F32 = _F(0.5)
_ONE_F32 = _F(1.0)
_TWO_F32 = _F(2.0)
_FOUR_F32 = _F(4.0)
_QUARTER_F32 = _F(0.25)
_INF_F32 = _F(np.inf)
_NAN_F32 = _F(np.nan)
_FLT_MIN = _F(2.0 ** -126)          # smallest normal float32
_TWO23_F32 = _F(2.0 ** 23)
_TWO24_F32 = _F(2.0 ** 24)
_TWO_M24_F32 = _F(2.0 ** -24)

_LOG2E_F32 = _F(1.4426950408889634)
# ln2 = _LN2_HI + _LN2_LO.  _LN2_HI = 355/512 has 9 significant bits, so
# n * _LN2_HI is exact for every |n| < 2**15 and x - n*_LN2_HI is exact
# (Sterbenz) -- the Cody-Waite reduction loses nothing even without FMA.
_LN2_HI_F32 = _F(0.693359375)
_LN2_LO_F32 = _F(-2.12194440e-4)
# Adding 1.5 * 2**23 to a float32 of magnitude < 2**22 rounds it to an
# integer, and leaves that integer (plus 0x400000) in the low mantissa bits.
_ROUND_MAGIC_F32 = _F(12582912.0)
_ROUND_MAGIC_BITS_F32 = 0x4B400000
_SQRT_HALF_BITS_F32 = 0x3F3504F3     # bits of float32(sqrt(0.5))


@_kernel
def _pow2i_f32(k):
    """2.0**k as float32 for an integer -126 <= k <= 127 (built in the exponent bits)."""
    return _f32_from_bits((k + 127) << 23)


def _int32_pick(larger, signed):
    """An intrinsic for min(a, b) (or max) of two integers taken as int32, compared
    signed or unsigned (one vpminsd / vpmaxsd / vpminud in a vectorized loop).
    numba types integer arithmetic as int64; this keeps the comparison 32 bits wide."""
    def impl(typingctx, a, b):
        if not (isinstance(a, types.Integer) and isinstance(b, types.Integer)):
            return None

        def codegen(context, builder, signature, args):
            i32 = ir.IntType(32)
            x, y = (builder.trunc(v, i32) if v.type.width > 32 else v for v in args)
            op = ">" if larger else "<"
            pick_x = builder.icmp_signed(op, x, y) if signed else builder.icmp_unsigned(op, x, y)
            return builder.select(pick_x, x, y)

        return types.int32(a, b), codegen

    return impl


_smin_i32 = intrinsic(_int32_pick(False, True))
_smin_i32.__doc__ = "min(a, b) of the low 32 bits of two integers, as signed int32."
_smax_i32 = intrinsic(_int32_pick(True, True))
_smax_i32.__doc__ = "max(a, b) of the low 32 bits of two integers, as signed int32."
_umin_i32 = intrinsic(_int32_pick(False, False))
_umin_i32.__doc__ = "min(a, b) of the low 32 bits of two integers, as unsigned int32."


@intrinsic
def _rint(typingctx, a):
    """a rounded to the nearest integer, ties to even, as a float (llvm.rint: one vroundps)."""
    if not _same_float_type(a):
        return None

    def codegen(context, builder, signature, args):
        return _call_llvm(builder, "llvm.rint", args)

    return a(a), codegen


def _jit_target_has_fma():
    """Whether numba's JIT target turns llvm.fmuladd into one fused multiply-add.

    Every AArch64 and POWER CPU has FMA, x86 since Haswell / Piledriver.  numba
    compiles for the host CPU's features unless NUMBA_CPU_FEATURES overrides
    them (and NUMBA_ENABLE_AVX=0 switches AVX, hence FMA, off).
    """
    from llvmlite import binding
    from numba.core import codegen, config
    if not binding.get_process_triple().startswith(("x86_64", "i386", "i686")):
        return True
    features = config.CPU_FEATURES if config.CPU_FEATURES is not None else codegen.get_host_cpu_features()
    features = set(features.split(","))
    return "+fma" in features and "-avx" not in features


_HAS_FMA = _jit_target_has_fma()


# ---------------------------------------------------------------------------
# The reduction exp (with FMA) and expm1 share: x = n*ln2 + r, r in [ln(3/4), ln(3/2))
# ---------------------------------------------------------------------------

# n = rint(x/ln2 + shift) makes r = x - n*ln2 fall in [ln(3/4), ln(3/2)).
_EXPM1_SHIFT_F32 = _F(0.5 - math.log2(1.5))
# ln2 to 24 bits.  For n != 0, |x| > 0.28, so x and n*_LN2_F32 are multiples
# of 2**-25 and x - n*_LN2_F32, below 1/2 in magnitude (below 1 and a
# multiple of 2**-24 for n = 127), is representable: one FMA computes it
# exactly.  The rest, n*(_LN2_F32 - ln2), is below 2.5e-7.
_LN2_F32 = _F(math.log(2))
_LN2_ERR_F32 = _F(float(_LN2_F32) - math.log(2))
# exp(r) - 1 = r + r**2 * P(r) on [ln(3/4), ln 2]: minimax degree-5 P with the
# weight |exp(r) - 1| up to ln(3/2) and 2*exp(r) above (only n = 127 gets
# there, where the absolute error relative to exp(r) is what counts):
# relative error of exp(r) - 1 below 2**-28.4 on [ln(3/4), ln(3/2)], error
# relative to exp(r) below 2**-27.6 on [ln(3/2), ln 2].
_EXPM1_P0_F32 = _F(0.4999999701976776)
_EXPM1_P1_F32 = _F(0.16666679084300995)
_EXPM1_P2_F32 = _F(0.04166802018880844)
_EXPM1_P3_F32 = _F(0.008329138159751892)
_EXPM1_P4_F32 = _F(0.001379192341119051)
_EXPM1_P5_F32 = _F(0.00023543315182905644)


# ---------------------------------------------------------------------------
# exp
# ---------------------------------------------------------------------------

# exp(x) is +inf above ~88.7228 and rounds to 0 below ~-103.97.  Clamping to
# these wider bounds keeps n = round(x/ln2) inside [-159, 129] (so 2**n can be
# built in two halves) while the final product still overflows to inf or
# underflows to 0 exactly as the true value would.
_EXP_HI_F32 = _F(89.0)
_EXP_LO_F32 = _F(-110.0)

# exp(r) = 1 + r + r**2 * P(r) on |r| <= ln2/2: minimax degree-4 P,
# relative error of exp(r) below 2**-27.9 (0.07 ulp).
_EXP_P0_F32 = _F(0.4999999701976776)
_EXP_P1_F32 = _F(0.16666530072689056)
_EXP_P2_F32 = _F(0.04166766628623009)
_EXP_P3_F32 = _F(0.008368263021111488)
_EXP_P4_F32 = _F(0.0013849030947312713)


@_kernel
def _exp_parts_f32(x):
    """exp(x) ~ (hi + lo) * s1 * s2, where hi is exp(r) rounded to float32 and
    lo (|lo| <= ulp(hi)/2) carries most of its rounding error.

    Method: n = round(x / ln2) by the 1.5*2**23 rounding trick (which also
    leaves n as an integer in the float's bit pattern); r = x - n*ln2 by
    Cody-Waite as rh + rl (rh exact, rl a small correction);
    exp(r) = 1 + r + r**2 * P(r) with a degree-4 minimax P on |r| <= ln2/2
    (relative error < 2**-27.9), where 1 + rh is split exactly into hi + lo
    (Fast2Sum) so that the only rounding at the scale of exp(r) is the final
    renormalization hi = fl(1 + rh + small), whose error is kept in lo.
    2**n = s1 * s2 with s1 = 2**(n//2) and s2 = 2**(n - n//2) both normal,
    so callers can form results near overflow (n = 128) and subnormal ones
    (n down to -150) with a single rounding.

    x is clamped to [-110, 89], far enough out that the product still
    overflows to inf / underflows to 0 exactly when exp(x) does.  NaN
    passes through into hi and lo (s1 and s2 are then garbage, but any
    product with NaN is NaN).
    """
    # Selects written this way let NaN through (both comparisons are false).
    xc = _EXP_LO_F32 if x < _EXP_LO_F32 else x
    xc = _EXP_HI_F32 if xc > _EXP_HI_F32 else xc
    t = _fma(xc, _LOG2E_F32, _ROUND_MAGIC_F32)
    n = t - _ROUND_MAGIC_F32
    rh = _fma(n, -_LN2_HI_F32, xc)            # exact
    rl = n * -_LN2_LO_F32
    r = rh + rl
    p = _fma(_fma(_fma(_fma(_EXP_P4_F32, r, _EXP_P3_F32), r, _EXP_P2_F32), r, _EXP_P1_F32), r, _EXP_P0_F32)
    hi = _ONE_F32 + rh
    lo = (rh - (hi - _ONE_F32)) + _fma(r * r, p, rl)
    # Renormalize so that hi is exp(r) rounded and |lo| <= ulp(hi)/2.
    ph = hi + lo
    pl = lo - (ph - hi)
    ni = _bits(t) - _ROUND_MAGIC_BITS_F32
    n1 = ni >> 1
    return ph, pl, _pow2i_f32(n1), _pow2i_f32(ni - n1)


# 2**n is applied as 2**nc * 2**(n - nc), nc = max(n, -125): the first factor
# keeps exp(r) * 2**nc normal, the second takes results through the
# subnormals (n down to -151).  n is capped at 127 as in expm1 (P covers r up
# to ln 2), so that 2**nc is finite and exp(r) * 2**127 overflows by itself.
_EXP_X_LO_F32 = _F(-104.5)          # exp rounds to 0 below -103.972084
_EXP_Y_HI_F32 = _F(127.0)
_EXP_BIAS_BITS = 127 << 23
_EXP_SB_LO = (127 - 125) << 23      # the biased exponent field of 2**-125
# Adding this rounds y to an integer n (ties to even) and leaves n + 127, the
# biased exponent of 2**n, in the low mantissa bits: shifted left by 23 they
# are the bits of 2**n, the magic's own bits shifted out.  n is taken back as
# t - magic rather than rint(y), so that both agree when y is a tie.
_ROUND_MAGIC_BIASED_F32 = _F(12582912.0 + 127)


@_kernel
def _exp_f32_fma(x):
    """exp(x) for float32; needs a hardware FMA.

    Method: the reduction of :func:`_expm1_f32_fma`, x = n*ln2 + r with
    r in [ln(3/4), ln(3/2)), rh = x - n*LN2_F32 exact (one FMA) and r =
    rh + n*(LN2_F32 - ln2) rounded; v = r + r**2 * P(r) is exp(r) - 1 with
    the degree-5 minimax P of expm1 and stays in [-1/4, 1/2), so its
    rounding errors are at most 1/8 ulp of 1 + v each; then exp(x) =
    2**n * (1 + v) is one FMA, fma(s, v, s) with s = 2**nc, and one exact
    scaling by 2**(n - nc) (nc = max(n, -125), so the FMA's result is
    normal): a single rounding except for subnormal results.  n is capped at
    127, like expm1's, so x up to the overflow threshold takes r up to ln 2.

    Accuracy: < 0.96 ulp over all 2**32 inputs, checked exhaustively (0.953
    at x = 88.538, where n = 127 takes r past ln(3/2); below 0.9 for x < 88).
    The test suite checks the underflow and overflow ranges densely.
    Specials: NaN -> NaN, +inf -> +inf, -inf -> +0, overflow to +inf from
    88.72284 on and gradual underflow through the subnormals to +0, as in
    C's expf.  About 30% faster than :func:`_exp_f32_portable`.
    """
    xc = _EXP_X_LO_F32 if x < _EXP_X_LO_F32 else x          # one vmaxps; NaN passes
    t, v = _exp_reduced_f32(xc)
    sb = _bits(t) << 23                      # the bits of 2**n
    sc = _smax_i32(sb, _EXP_SB_LO)           # those of 2**nc
    s = _f32_from_bits(sc)
    return _fma(s, v, s) * _f32_from_bits(sb - sc + _EXP_BIAS_BITS)


@_kernel
def _exp_reduced_f32(xc):
    """(t, v) with exp(xc) = 2**n * (1 + v): t holds n + 127 in its low mantissa bits
    (see _ROUND_MAGIC_BIASED_F32) and v = exp(r) - 1 is in [-1/4, 1/2) (up to 1 for
    n = 127).  The shared part of the FMA variants of exp."""
    y = _fma(xc, _LOG2E_F32, _EXPM1_SHIFT_F32)
    y = _EXP_Y_HI_F32 if y > _EXP_Y_HI_F32 else y           # n <= 127 (+inf and huge x too)
    t = y + _ROUND_MAGIC_BIASED_F32
    n = t - _ROUND_MAGIC_BIASED_F32
    rh = _fma(n, -_LN2_F32, xc)              # exact
    r = _fma(n, _LN2_ERR_F32, rh)
    q = _fma(_fma(_fma(_fma(_EXPM1_P5_F32, r, _EXPM1_P4_F32), r, _EXPM1_P3_F32), r,
                  _EXPM1_P2_F32), r, _EXPM1_P1_F32)
    return t, _fma(r * r, _fma(r, q, _EXPM1_P0_F32), r)


@_kernel
def _exp_f32_portable(x):
    """exp(x) for float32 without relying on a fused multiply-add; this is
    :func:`exp_f32` on JIT targets without FMA.

    Method: see :func:`_exp_parts_f32` -- range reduction x = n*ln2 + r,
    |r| <= ln2/2, degree-4 minimax polynomial for exp(r) (relative error
    < 2**-27.9) with 1 + r added without error, then exp(r) * 2**n with
    2**n applied as two normal factors, so the only roundings that matter
    are the sum hi + lo and, for subnormal results, the last product.

    Accuracy: < 0.8 ulp over the whole float32 range.  Specials as
    :func:`_exp_f32_fma`.
    """
    hi, lo, s1, s2 = _exp_parts_f32(x)
    return (hi * s1) * s2


exp_f32 = _exp_f32_fma if _HAS_FMA else _exp_f32_portable
"""exp(x) for float32: :func:`_exp_f32_fma` where numba's JIT target has FMA
(its docstring describes the method), :func:`_exp_f32_portable` elsewhere."""


# Below this, exp(x) < 2**-125.5: clamping here keeps n >= -126, so 2**n is normal.
_EXP_NORMAL_X_LO_F32 = _F(-87.0)
#: A constant of at least this magnitude absorbs any float below 2**-125 added to it:
#: half an ulp of it is 2**-125 or more, so c + e rounds back to c.
ABSORBING_MAGNITUDE = 2.0 ** -100


@_kernel
def _exp_no_subnormal_f32_fma(x):
    """exp(x) for float32, except that results below 2**-125 are not exact: for
    x < -87 it returns exp(-87) (about 2**-125.5) instead of the subnormal or
    zero result.  For a value that is then added to a constant c with
    |c| >= ABSORBING_MAGNITUDE (as in exp(x) - 1): c + e rounds to c for every
    such e, so the sum is the same as with :func:`exp_f32`.

    Method: that of :func:`_exp_f32_fma` without its second scaling for
    subnormal results, so its result is bit for bit that of
    :func:`_exp_f32_fma` wherever this is 2**-125 or more (checked over all
    2**32 inputs), with four vector instructions fewer.
    """
    xc = _EXP_NORMAL_X_LO_F32 if x < _EXP_NORMAL_X_LO_F32 else x     # NaN passes
    t, v = _exp_reduced_f32(xc)
    s = _f32_from_bits(_bits(t) << 23)
    return _fma(s, v, s)


exp_no_subnormal_f32 = _exp_no_subnormal_f32_fma if _HAS_FMA else _exp_f32_portable
"""exp(x) for float32 where a result below 2**-125 may be any float in [0, 2**-125):
:func:`_exp_no_subnormal_f32_fma` where the JIT target has FMA, else :func:`exp_f32`'s
portable variant (exact everywhere)."""


# ---------------------------------------------------------------------------
# expm1
# ---------------------------------------------------------------------------

# Integer clamps on the bit patterns: unsigned min caps negative floats below
# -30 (and -inf, -NaN), signed min caps positive floats above 127 (and +inf, +NaN).
_EXPM1_LO_BITS = int(np.array([-30.0], np.float32).view(np.int32)[0])   # expm1 rounds to -1 below -17.33
_EXPM1_YMAX_BITS = int(np.array([127.0], np.float32).view(np.int32)[0])  # 2**n finite for n <= 127
@_kernel
def _expm1_f32_fma(x):
    """exp(x) - 1 for float32, accurate also for small |x|; needs a hardware FMA.

    Method:

    1. *reduction* x = n*ln2 + r with n = rint(x/ln2 + 1/2 - log2(3/2)), so
       that r lies in [ln(3/4), ln(3/2)), taken as rh + rl: rh =
       x - n*LN2_F32 is exact (one FMA) and rl = n*(LN2_F32 - ln2) is below
       2.5e-7;
    2. v = rh + r**2 * P(r) with a degree-5 minimax P (relative error of
       exp(r) - 1 < 2**-28.4) is exp(r) - 1 - rl with a single rounding, the
       last FMA adding the exact rh;
    3. *reconstruction* expm1(x) = 2**n * (v + rl) + (2**n - 1) in one FMA:
       2**n - 1 is exact for n <= 24; above, it rounds to 2**n and the lost
       -1 goes back in as -2**-n next to rl.

    Why that interval: where v < -1/4 (for n = 1 and 2) or v >= 1/2 (for
    n = -1), v's binade is coarse compared with the result's, and the
    rounding error of v, scaled by 2**n, would amount to half an ulp of the
    result or more; r in [ln(3/4), ln(3/2)), exactly ln2 long, keeps v in
    [-1/4, 1/2).  n is capped at 127, since 2**128 overflows: for x up to
    88.72284, the first float whose result overflows, r then reaches ln2,
    which P covers too.  x is clamped below at -30 (the result is -1 long
    before).

    Accuracy: < 0.96 ulp over all 2**32 inputs (checked exhaustively).
    Specials: NaN -> NaN, +inf -> +inf, -inf -> -1, +-0 -> +-0, overflow to
    +inf from 88.72284 on, like exp; subnormal x returns x.

    Without FMA (a multiply-add rounding twice) the reduction is not exact
    and the error grows to tens of ulp for large |x|, hence
    :func:`_expm1_f32_portable` for such targets.
    """
    xc = _f32_from_bits(_umin_i32(_bits(x), _EXPM1_LO_BITS))
    y = _f32_from_bits(_smin_i32(_bits(_fma(xc, _LOG2E_F32, _EXPM1_SHIFT_F32)), _EXPM1_YMAX_BITS))
    n = _rint(y)
    t = y + _ROUND_MAGIC_F32                 # n in the low mantissa bits
    rh = _fma(n, -_LN2_F32, xc)              # exact
    r = _fma(n, _LN2_ERR_F32, rh)            # rh + rl, rounded: only P sees it
    q = _fma(_fma(_fma(_fma(_EXPM1_P5_F32, rh, _EXPM1_P4_F32), rh, _EXPM1_P3_F32), rh,
                  _EXPM1_P2_F32), rh, _EXPM1_P1_F32)
    v = _fma(r * r, _fma(r, q, _EXPM1_P0_F32), rh)     # exp(r) - 1 - rl, one rounding
    nb = (_bits(t) - _ROUND_MAGIC_BITS_F32) << 23
    s = _f32_from_bits(nb + (127 << 23))     # 2**n
    inv = _f32_from_bits((127 << 23) - nb)   # 2**-n (0 for n = 127)
    a = _fma(-s, inv, s)                     # 2**n - 1, rounded to 2**n for n >= 25
    lost = inv if a == s else _ZERO_F32      # 2**-n where a lost the -1 (n >= 25)
    res = _fma(s, v + _fma(n, _LN2_ERR_F32, -lost), a)
    # expm1(x) >= x: this only turns +0 into -0 for x = -0 and restores the
    # NaNs that the integer clamp made -30.
    return res if res > x else x


# The variant for targets without FMA (where a multiply-add rounds twice).
_EXPM1_LO_F32 = _F(-30.0)            # expm1(x) rounds to -1 below -17.33
_EXPM1_TINY_F32 = _F(2.0 ** -25)     # below this, expm1(x) rounds to x

# exp(r) - 1 = r + r**2 * Q(r) on |r| <= ln2/2: minimax degree-5 Q,
# relative error of exp(r) - 1 below 2**-27.9.
_EXPM1_Q0_F32 = _F(0.5)
_EXPM1_Q1_F32 = _F(0.16666632890701294)
_EXPM1_Q2_F32 = _F(0.04166650027036667)
_EXPM1_Q3_F32 = _F(0.008342057466506958)
_EXPM1_Q4_F32 = _F(0.0013931974535807967)
_EXPM1_Q5_F32 = _F(0.0001485260872868821)


@_kernel
def _expm1_f32_portable(x):
    """exp(x) - 1 for float32 without relying on a fused multiply-add; this is
    :func:`expm1_f32` on JIT targets without FMA (and about 1.5x slower than
    :func:`_expm1_f32_fma`).

    Method: the reduction of :func:`exp_f32`, x = n*ln2 + rh + rl where
    rh = x - n*LN2_HI is exact and rl = -n*LN2_LO is a small correction;
    exp(r) - 1 = r + r**2 * Q(r) with a degree-5 minimax Q on |r| <= ln2/2
    (relative error < 2**-27.9).  The reconstruction

        expm1(x) = (2**n - 1) + 2**n * rh + 2**n * (rl + r**2 Q(r))

    adds the two large, exactly known terms with Fast2Sum (|2**n - 1| >=
    |2**n rh| always holds) and carries the rounding errors of both
    2**n - 1 and that sum into the small term, so the cancellation between
    -1 and 2**n for small n (and the lost -1 for large n) costs no accuracy.
    Everything is computed at half scale (2**(n-1)) and doubled at the end
    so that n = 128 does not overflow early.

    Accuracy: < 0.9 ulp over the whole float32 range (with FMA).  Specials:
    NaN -> NaN, +inf -> +inf, -inf -> -1, +-0 -> +-0 (tiny |x| returns x),
    overflow to +inf above 88.72283 like exp.
    """
    xc = _EXPM1_LO_F32 if x < _EXPM1_LO_F32 else x
    xc = _EXP_HI_F32 if xc > _EXP_HI_F32 else xc
    t = _fma(xc, _LOG2E_F32, _ROUND_MAGIC_F32)
    n = t - _ROUND_MAGIC_F32
    rh = _fma(n, -_LN2_HI_F32, xc)
    rl = n * -_LN2_LO_F32
    r = rh + rl
    q = _fma(_fma(_fma(_fma(_fma(_EXPM1_Q5_F32, r, _EXPM1_Q4_F32), r, _EXPM1_Q3_F32), r,
                       _EXPM1_Q2_F32), r, _EXPM1_Q1_F32), r, _EXPM1_Q0_F32)
    # r**2 = rh**2 + rl*(2rh + rl), from rh and rl rather than from the
    # rounded r, whose error would otherwise be amplified by 2r.
    z = _fma(rh, rh, rl * (rh + r))
    w = _fma(z, q, rl)                       # exp(r) - 1 - rh
    s = _pow2i_f32(_bits(t) - _ROUND_MAGIC_BITS_F32 - 1)    # 2**(n-1)
    a = s - _HALF_F32                        # (2**n - 1) / 2, rounded when |n| > 24
    # its rounding error, exactly (Fast2Sum with the bigger operand first)
    ea = (s - (a + _HALF_F32)) if s < _ONE_F32 else (-_HALF_F32 - (a - s))
    b = s * rh                               # exact
    hi = a + b
    lo = b - (hi - a)                        # rounding error of hi (Fast2Sum, |a| >= |b|)
    res = _TWO_F32 * (hi + _fma(s, w, lo + ea))
    return x if abs(x) < _EXPM1_TINY_F32 else res


expm1_f32 = _expm1_f32_fma if _HAS_FMA else _expm1_f32_portable
"""exp(x) - 1 for float32: :func:`_expm1_f32_fma` where numba's JIT target has
FMA (its docstring describes the method), :func:`_expm1_f32_portable`
elsewhere."""


# ---------------------------------------------------------------------------
# log and log1p
# ---------------------------------------------------------------------------

# log(1 + f) = f - f**2/2 + f**3 * L(f) on sqrt(1/2) - 1 <= f <= sqrt(2) - 1:
# minimax degree-7 L, relative error of log(1 + f) below 2**-27.3.
_LOG_L0_F32 = _F(0.3333333134651184)
_LOG_L1_F32 = _F(-0.2500082850456238)
_LOG_L2_F32 = _F(0.200012668967247)
_LOG_L3_F32 = _F(-0.166231170296669)
_LOG_L4_F32 = _F(0.1420067697763443)
_LOG_L5_F32 = _F(-0.13161523640155792)
_LOG_L6_F32 = _F(0.12769848108291626)
_LOG_L7_F32 = _F(-0.07641098648309708)


@_kernel
def _log_parts_f32(f, k):
    """k*ln2 + log(1 + f) as an unevaluated sum hi + lo, for
    sqrt(1/2) - 1 <= f <= sqrt(2) - 1 and integral k.

    log(1 + f) = f - f**2/2 + f**3 L(f) with a degree-7 minimax L.  The
    three big terms k*LN2_HI (exact), f and -f**2/2 are combined with two
    Fast2Sums that keep their rounding errors, and the exact low half of
    f**2 (from an FMA) is kept too, so hi + lo is accurate to ~2**-30
    relative and only the caller's final addition rounds noticeably.
    """
    z = f * f
    zlo = _fma(f, f, -z)                     # f*f - z exactly (0 without FMA)
    hfsq = _HALF_F32 * z
    lp = _fma(_fma(_fma(_fma(_fma(_fma(_fma(_LOG_L7_F32, f, _LOG_L6_F32), f, _LOG_L5_F32), f,
                                      _LOG_L4_F32), f, _LOG_L3_F32), f, _LOG_L2_F32), f,
                    _LOG_L1_F32), f, _LOG_L0_F32)
    a = k * _LN2_HI_F32                      # exact; |a| > |f| unless k == 0
    hi = a + f
    lo = f - (hi - a)
    s1 = hi - hfsq                           # |hi| >= hfsq always
    e1 = (hi - s1) - hfsq
    tail = _fma(z * f, lp, _fma(-_HALF_F32, zlo, k * _LN2_LO_F32))
    return s1, tail + (lo + e1)


@_kernel
def _int_to_f32(e):
    """float32(e) for a small integer e, by the rounding-magic trick (keeps
    the conversion in 32-bit lanes)."""
    return _f32_from_bits(e + _ROUND_MAGIC_BITS_F32) - _ROUND_MAGIC_F32


@_kernel
def log_f32(x):
    """Natural logarithm for float32.

    Method: subnormal x is first scaled by 2**23 (exactly).  Then
    x = 2**k * m with sqrt(1/2) <= m < sqrt(2) is read off the bit pattern
    (integer subtraction of the bits of sqrt(1/2) puts the boundary there),
    f = m - 1 is exact, and log(x) = k*ln2 + log(1 + f) with a degree-7
    minimax polynomial (relative error < 2**-27.3) and compensated sums,
    see :func:`_log_parts_f32`.

    Accuracy: < 0.7 ulp.  Specials: log(+-0) = -inf, log(x < 0) = NaN
    (including -inf), log(+inf) = +inf, NaN -> NaN; subnormals are exact
    inputs like any other.
    """
    sub = x < _FLT_MIN
    xs = x * _TWO23_F32 if sub else x
    kadj = _F(-23.0) if sub else _ZERO_F32
    ix = _bits(xs)
    e = (ix - _SQRT_HALF_BITS_F32) >> 23
    m = _f32_from_bits(ix - (e << 23))
    hi, lo = _log_parts_f32(m - _ONE_F32, _int_to_f32(e) + kadj)
    res = hi + lo
    res = res if x < _INF_F32 else x          # +inf -> +inf, NaN -> NaN
    res = -_INF_F32 if x == _ZERO_F32 else res
    return _NAN_F32 if x < _ZERO_F32 else res


@_kernel
def _log1p_parts_f32(x, xl):
    """log(1 + x + xl) as hi + lo, for x > -1 finite and a tiny correction
    xl (|xl| <= ulp(x)); special values are the caller's business.

    Method: u = 1 + x (rounded) only serves to choose the scaling: its bits
    give k with 2**-k * u in [sqrt(1/2), sqrt(2)).  The reduced argument is
    computed from x itself,

        f = (1 + x) * 2**-k - 1 = (x * 2**(2-k) + (2**(2-k) - 4)) / 4,

    where the product is exact and the sum is kept as an unevaluated pair
    fh + fl (2Sum), so neither the rounding of u (the classic log1p pitfall)
    nor that of f reaches the result: log(1 + f) = log(1 + fh) + fl/(1 + fh).
    Scaling by 2**(2-k) instead of 2**-k keeps the factor a normal float32
    for k up to 128.
    """
    u = x + _ONE_F32
    e = (_bits(u) - _SQRT_HALF_BITS_F32) >> 23
    s4 = _f32_from_bits((129 - e) << 23)     # 2**(2 - e)
    a = x * s4
    b = s4 - _FOUR_F32
    fh = a + b                               # 2Sum: either term may be larger
    bv = fh - a
    fl = (a - (fh - bv)) + (b - bv)
    fl = _fma(xl, s4, fl) * _QUARTER_F32
    fh = fh * _QUARTER_F32
    hi, lo = _log_parts_f32(fh, _int_to_f32(e))
    # fl / (1 + fh) ~ fl * (1 - fh + fh**2): plenty for a term below 2**-25.
    return hi, lo + fl * _fma(fh, fh - _ONE_F32, _ONE_F32)


@_kernel
def log1p_f32(x):
    """log(1 + x) for float32, accurate also for small |x|.

    Method: see :func:`_log1p_parts_f32` -- the scaling 2**-k is chosen
    from the rounded 1 + x, but the reduced argument f = (1 + x)*2**-k - 1
    is formed from x without error, then log1p(x) = k*ln2 + log(1 + f) as
    in :func:`log_f32`.

    Accuracy: < 0.7 ulp.  Specials: log1p(-1) = -inf, log1p(x < -1) = NaN,
    log1p(+inf) = +inf, NaN -> NaN, log1p(+-0) = +-0.
    """
    hi, lo = _log1p_parts_f32(x, _ZERO_F32)
    res = hi + lo
    res = x if x == _ZERO_F32 else res        # keep the sign of zero
    res = res if x < _INF_F32 else x          # +inf -> +inf, NaN -> NaN
    res = -_INF_F32 if x == -_ONE_F32 else res
    return _NAN_F32 if x < -_ONE_F32 else res


# ---------------------------------------------------------------------------
# tanh
# ---------------------------------------------------------------------------

# Below this |x| the odd polynomial is used, above it the exp formula.
_TANH_SPLIT_F32 = _F(0.625)
_TANH_CLAMP_F32 = _F(10.0)           # tanh(x) rounds to 1 for x > 9.01

# tanh(x) = x + x**3 * T(x**2) on |x| <= 0.625: minimax degree-4 T,
# relative error of tanh below 2**-27.7.
_TANH_T0_F32 = _F(-0.3333328068256378)
_TANH_T1_F32 = _F(0.13331405818462372)
_TANH_T2_F32 = _F(-0.05373651534318924)
_TANH_T3_F32 = _F(0.02062816731631756)
_TANH_T4_F32 = _F(-0.005692296661436558)


_TWO_BIAS_BITS = 128 << 23
_HALF_BIAS_BITS = 126 << 23


@_kernel
def _tanh_f32_fma(x):
    """Hyperbolic tangent for float32; needs a hardware FMA.

    Method, on a = |x| (the sign is copied back at the end, so tanh(-0) = -0):

    * a < 0.625: tanh(a) = a + a**3 * T(a**2), degree-4 minimax T
      (relative error < 2**-27.7);
    * otherwise tanh(a) = 1 - 2 / (exp(2a) + 1).  exp(2a) = 2**n (1 + v)
      comes from the reduction of :func:`_expm1_f32_fma` (n >= 2, v in
      [-1/4, 1/2)), so 2 / (exp(2a) + 1) = 2**(1-n) / d with d =
      1 + 2**-n + v formed as dh + dl (Fast2Sum); the quotient q0 gets one
      correction from its FMA residual, with 1/d ~ q0 * 2**(n-1), and the
      final subtraction 1 - q is compensated (Fast2Sum), so that the rounding
      of v is the only other error.  a is clamped to 10, beyond which tanh
      rounds to 1.

    Both branches are computed and one is selected (no branches in the
    vectorized loop).  Accuracy: < 0.78 ulp over all 2**32 inputs (checked
    exhaustively; the largest error is in the polynomial branch, 0.66 ulp in
    the other).  Specials: NaN -> NaN, +-inf -> +-1, +-0 -> +-0.  About 30% faster than :func:`_tanh_f32_portable`
    (no double-float exp, no two-factor scaling).
    """
    ax = abs(x)
    z = ax * ax
    p = _fma(_fma(_fma(_fma(_TANH_T4_F32, z, _TANH_T3_F32), z, _TANH_T2_F32), z, _TANH_T1_F32), z,
             _TANH_T0_F32)
    small = _fma(ax * z, p, ax)
    a2 = _TANH_CLAMP_F32 if ax > _TANH_CLAMP_F32 else ax    # NaN passes through
    a2 = a2 + a2
    y = _fma(a2, _LOG2E_F32, _EXPM1_SHIFT_F32)
    n = _rint(y)
    t = y + _ROUND_MAGIC_F32                 # n in the low mantissa bits
    rh = _fma(n, -_LN2_F32, a2)              # exact
    r = _fma(n, _LN2_ERR_F32, rh)
    q = _fma(_fma(_fma(_fma(_EXPM1_P5_F32, rh, _EXPM1_P4_F32), rh, _EXPM1_P3_F32), rh,
                  _EXPM1_P2_F32), rh, _EXPM1_P1_F32)
    v = _fma(r * r, _fma(r, q, _EXPM1_P0_F32), rh)     # exp(r) - 1 - rl, rl = n*(LN2_F32 - ln2)
    nb = _bits(t) << 23                      # n << 23
    b = _ONE_F32 + _f32_from_bits(_EXP_BIAS_BITS - nb)       # 1 + 2**-n
    dh = b + v
    dl = _fma(n, _LN2_ERR_F32, (b - dh) + v)                 # Fast2Sum error, plus rl
    two_inv = _f32_from_bits(_TWO_BIAS_BITS - nb)            # 2**(1-n)
    q0 = _div(two_inv, dh)
    resid = _fma(-q0, dl, _fma(-q0, dh, two_inv))            # two_inv - q0*(dh + dl)
    big = _ONE_F32 - q0
    err = (_ONE_F32 - big) - q0              # Fast2Sum: 1 >= q0
    big = big + _fma(-resid, q0 * _f32_from_bits(nb + _HALF_BIAS_BITS), err)
    res = small if ax < _TANH_SPLIT_F32 else big
    return _copysign(res, x)


@_kernel
def _tanh_f32_portable(x):
    """Hyperbolic tangent for float32 without relying on a fused multiply-add;
    this is :func:`tanh_f32` on JIT targets without FMA.

    Method, on |x| (the sign is copied back at the end, so tanh(-0) = -0):

    * |x| < 0.625: tanh(x) = x + x**3 * T(x**2), degree-4 minimax T
      (relative error < 2**-27.7);
    * otherwise tanh(x) = 1 - 2 / (exp(2|x|) + 1), with exp kept unrounded
      (pair from :func:`_exp_parts_f32`), the denominator formed with its
      rounding error (Fast2Sum), the quotient corrected by its FMA residual
      and the final subtraction compensated, so that essentially one
      rounding remains.  |x| is clamped to 10, beyond which tanh rounds
      to 1.

    Both branches are computed and one is selected (no branches in the
    vectorized loop).  Accuracy: < 0.75 ulp.  Specials: NaN -> NaN,
    +-inf -> +-1, +-0 -> +-0.
    """
    ax = abs(x)
    z = ax * ax
    p = _fma(_fma(_fma(_fma(_TANH_T4_F32, z, _TANH_T3_F32), z, _TANH_T2_F32), z, _TANH_T1_F32), z,
             _TANH_T0_F32)
    small = _fma(ax * z, p, ax)
    xc = _TANH_CLAMP_F32 if ax > _TANH_CLAMP_F32 else ax    # NaN passes through
    hi, lo, s1, s2 = _exp_parts_f32(xc + xc)
    eh = (hi * s1) * s2                      # exp(2|x|) = eh + el, unrounded
    el = (lo * s1) * s2
    dh = eh + _ONE_F32
    dl = (_ONE_F32 - (dh - eh)) + el         # dh + dl = e + 1 (Fast2Sum, eh >= 1)
    q = _div(_TWO_F32, dh)
    # 2/(dh + dl) = q + resid/dh, the residual exact up to q*dl; 1/dh ~ q/2.
    resid = _fma(-q, dh, _TWO_F32) - q * dl
    big = _ONE_F32 - q
    err = (_ONE_F32 - big) - q               # Fast2Sum: 1 >= q
    big = big + _fma(-resid, q * _HALF_F32, err)
    res = small if ax < _TANH_SPLIT_F32 else big
    return _copysign(res, x)


tanh_f32 = _tanh_f32_fma if _HAS_FMA else _tanh_f32_portable
"""tanh(x) for float32: :func:`_tanh_f32_fma` where numba's JIT target has FMA
(its docstring describes the method), :func:`_tanh_f32_portable` elsewhere."""


# ---------------------------------------------------------------------------
# sigmoid and softplus
# ---------------------------------------------------------------------------

@_kernel
def sigmoid_f32(x):
    """Logistic sigmoid 1 / (1 + exp(-x)) for float32, computed stably.

    Method: e = exp(-|x|) in (0, 1] never overflows; sigmoid(x) = 1/(1+e)
    for x >= 0 and e/(1+e) for x < 0.  e is kept as the unrounded pair
    eh + el from :func:`_exp_parts_f32` (a rounded e would cost up to
    1.5 ulp when e and the result straddle a power of two), 1 + eh is
    formed with its exact rounding error (Fast2Sum), and the quotient
    q = num/den of the two pairs gets one correction step,
    q + (num - q*den)/den, with the residual from an FMA.

    Accuracy: < 0.85 ulp.  Specials: NaN -> NaN, +inf -> 1, -inf -> 0, large
    negative x gives the subnormal results exp(x) would.
    """
    hi, lo, s1, s2 = _exp_parts_f32(-abs(x))
    eh = (hi * s1) * s2
    el = (lo * s1) * s2
    dh = _ONE_F32 + eh                       # eh <= 1: Fast2Sum
    dl = (eh - (dh - _ONE_F32)) + el
    pos = x >= _ZERO_F32                     # NaN takes the x < 0 branch -> NaN
    nh = _ONE_F32 if pos else eh
    nl = _ZERO_F32 if pos else el
    q = _div(nh, dh)
    resid = _fma(-q, dh, nh) + _fma(-q, dl, nl)
    return q + _div(resid, dh)


@_kernel
def softplus_f32(x):
    """softplus(x) = log(1 + exp(x)) for float32, computed stably.

    Method: softplus(x) = max(x, 0) + log1p(exp(-|x|)); exp(-|x|) <= 1
    never overflows.  exp is passed on unrounded (pair from
    :func:`_exp_parts_f32`) into log1p (:func:`_log1p_parts_f32`), and
    max(x, 0) is added to the log1p pair with 2Sum, so only the last
    addition rounds.

    Accuracy: < 0.85 ulp.  Specials: NaN -> NaN, +inf -> +inf, -inf -> +0.
    """
    hi, lo, s1, s2 = _exp_parts_f32(-abs(x))
    eh = (hi * s1) * s2
    el = (lo * s1) * s2
    lh, ll = _log1p_parts_f32(eh, el)
    m = x if x > _ZERO_F32 else _ZERO_F32    # NaN gives 0 here, but lh is NaN
    sh = m + lh                              # 2Sum
    bv = sh - m
    err = (m - (sh - bv)) + (lh - bv)
    res = sh + (err + ll)
    return res if x < _INF_F32 else x       # +inf: avoid inf - inf in 2Sum


# ---------------------------------------------------------------------------
# erf
# ---------------------------------------------------------------------------

_ERF_SPLIT_F32 = _F(0.875)
_ERF_CLAMP_F32 = _F(4.0)             # erf(x) rounds to 1 for x > 3.92
# 2/sqrt(pi) = _ERF_C0_HI + _ERF_C0_LO; the split keeps erf(x) ~ x*2/sqrt(pi)
# correctly rounded for tiny x (float32(2/sqrt(pi)) alone is 0.45 ulp off).
_ERF_C0_HI_F32 = _F(1.128379225730896)
_ERF_C0_LO_F32 = _F(-5.8635382771399236e-08)
# erf(x)/x = 2/sqrt(pi) + z * S(z), z = x**2, |x| <= 0.875: minimax degree-5 S,
# relative error of erf below 2**-31.7.
_ERF_S0_F32 = _F(-0.37612637877464294)
_ERF_S1_F32 = _F(0.11283756047487259)
_ERF_S2_F32 = _F(-0.02686270885169506)
_ERF_S3_F32 = _F(0.005209305789321661)
_ERF_S4_F32 = _F(-0.0008238509763032198)
_ERF_S5_F32 = _F(8.787099795881659e-05)
# erfc(x) * exp(x**2) = B(t), t = x - 1.5, on 0.875 <= x <= 4: minimax
# degree-9 B with the weight exp(-x**2)/erf(x), i.e. minimizing the relative
# error of erf = 1 - exp(-x**2) B (below 2**-28.4).  Centering at 1.5 keeps
# the Horner evaluation well conditioned where erfc is largest.
_ERF_B_CENTER_F32 = _F(1.5)
_ERF_B0_F32 = _F(0.32158541679382324)
_ERF_B1_F32 = _F(-0.16362261772155762)
_ERF_B2_F32 = _F(0.07615184783935547)
_ERF_B3_F32 = _F(-0.03293647617101669)
_ERF_B4_F32 = _F(0.013365108519792557)
_ERF_B5_F32 = _F(-0.005119939800351858)
_ERF_B6_F32 = _F(0.001924524549394846)
_ERF_B7_F32 = _F(-0.0007174998172558844)
_ERF_B8_F32 = _F(0.000200287249754183)
_ERF_B9_F32 = _F(-2.3818996851332486e-05)


@_kernel
def erf_f32(x):
    """Error function for float32.

    Method, on |x| (erf is odd; the sign is copied back at the end):

    * |x| < 0.875: erf(x) = x * (2/sqrt(pi) + x**2 S(x**2)), degree-5
      minimax S (relative error < 2**-31.7), with 2/sqrt(pi) split in two
      floats so tiny and subnormal x are rounded correctly;
    * otherwise erf(x) = 1 - exp(-x**2) * B(|x| - 1.5), degree-9 minimax B
      for erfc(x) exp(x**2) on [0.875, 4].  x**2 is split exactly (FMA)
      into z + zlo, exp(-z - zlo) ~ (eh + el) * (1 - zlo) with eh + el the
      unrounded exp from :func:`_exp_parts_f32`, and 1 - eh*B is formed
      with its rounding errors (FMA residual + Fast2Sum) so only the final
      addition rounds.  |x| is clamped to 4, beyond which erf rounds to 1.

    Both branches are computed and one is selected.  Accuracy: < 0.9 ulp.
    Specials: NaN -> NaN, +-inf -> +-1, +-0 -> +-0.
    """
    ax = abs(x)
    z = ax * ax
    s = _fma(_fma(_fma(_fma(_fma(_ERF_S5_F32, z, _ERF_S4_F32), z, _ERF_S3_F32), z, _ERF_S2_F32), z,
                  _ERF_S1_F32), z, _ERF_S0_F32)
    # Scaled by 2**24 (exactly) so the small product ax*C0_LO cannot
    # underflow for ax near the subnormal range.
    # z*s uses the exact low half of x**2 as well.
    axs = ax * _TWO24_F32
    zs = _fma(z, s, _fma(_fma(ax, ax, -z), s, _ERF_C0_LO_F32))
    small = _fma(axs, _ERF_C0_HI_F32, axs * zs) * _TWO_M24_F32
    xc = _ERF_CLAMP_F32 if ax > _ERF_CLAMP_F32 else ax      # NaN passes through
    zc = xc * xc
    zlo = _fma(xc, xc, -zc)
    hi, lo, s1, s2 = _exp_parts_f32(-zc)
    eh = (hi * s1) * s2                      # zc <= 16: no underflow
    el = _fma(-eh, zlo, lo * s1 * s2)        # exp(-zc - zlo) = eh + el
    t = xc - _ERF_B_CENTER_F32
    b = _fma(_fma(_fma(_fma(_fma(_fma(_fma(_fma(_fma(_ERF_B9_F32, t, _ERF_B8_F32), t, _ERF_B7_F32), t,
                                                _ERF_B6_F32), t, _ERF_B5_F32), t, _ERF_B4_F32), t,
                            _ERF_B3_F32), t, _ERF_B2_F32), t, _ERF_B1_F32), t, _ERF_B0_F32)
    ph = eh * b                              # erfc = ph + pl (+ el*b)
    pl = _fma(eh, b, -ph)
    big = _ONE_F32 - ph
    err = (_ONE_F32 - big) - ph              # Fast2Sum: 1 >= ph
    big = big + (err - _fma(el, b, pl))
    res = small if ax < _ERF_SPLIT_F32 else big
    return _copysign(res, x)


# ---------------------------------------------------------------------------
# sqrt
# ---------------------------------------------------------------------------

@_kernel
def sqrt_f32(x):
    """Square root for float32.  math.sqrt already vectorizes: numba emits a
    call to sqrtf, which LLVM knows as a builtin and turns into the
    (correctly rounded) vsqrtps instruction in a loop, so this is a plain
    wrapper kept for the APPROXIMATIONS table.  sqrt(-0) = -0,
    sqrt(x < 0) = NaN, sqrt(+inf) = +inf."""
    return math.sqrt(x)


# ===========================================================================
# float64
# ===========================================================================

_D = np.float64
_ZERO_F64 = _D(0.0)
_HALF_F64 = _D(0.5)
_ONE_F64 = _D(1.0)
_TWO_F64 = _D(2.0)
_FOUR_F64 = _D(4.0)
_QUARTER_F64 = _D(0.25)
_INF_F64 = _D(np.inf)
_NAN_F64 = _D(np.nan)
_DBL_MIN = _D(2.0 ** -1022)
_TWO54_F64 = _D(2.0 ** 54)

_LOG2E_F64 = _D(1.4426950408889634)
# fdlibm's split of ln2: _LN2_HI has 32 significant bits (low 21 bits of the
# mantissa zero), so n * _LN2_HI is exact for |n| < 2**21.
_LN2_HI_F64 = _D(6.93147180369123816490e-01)
_LN2_LO_F64 = _D(1.90821492927058770002e-10)
_ROUND_MAGIC_F64 = _D(6755399441055744.0)       # 1.5 * 2**52
_ROUND_MAGIC_BITS_F64 = 0x4338000000000000
_SQRT_HALF_BITS_F64 = 0x3FE6A09E667F3BCD        # bits of sqrt(0.5)


@_kernel
def _pow2i_f64(k):
    """2.0**k as float64 for an integer -1022 <= k <= 1023."""
    return _f64_from_bits((k + 1023) << 52)


@_kernel
def _int_to_f64(e):
    """float64(e) for an integer |e| < 2**51 by the rounding-magic trick
    (AVX2 has no int64 -> float64 conversion instruction)."""
    return _f64_from_bits(e + _ROUND_MAGIC_BITS_F64) - _ROUND_MAGIC_F64


# exp(r) = 1 + r + r**2 P(r) on |r| <= ln2/2: minimax degree-9 P, relative
# error of exp(r) below 2**-57.9.
_EXP_P0_F64 = _D(0.5000000000000011)
_EXP_P1_F64 = _D(0.16666666666666435)
_EXP_P2_F64 = _D(0.041666666666525805)
_EXP_P3_F64 = _D(0.008333333333475848)
_EXP_P4_F64 = _D(0.0013888888944841903)
_EXP_P5_F64 = _D(0.00019841269554749996)
_EXP_P6_F64 = _D(2.4801491798067028e-05)
_EXP_P7_F64 = _D(2.755753715038254e-06)
_EXP_P8_F64 = _D(2.763072025767464e-07)
_EXP_P9_F64 = _D(2.501729811187346e-08)
# exp(x) overflows above 709.78 and underflows to 0 below -745.13.
_EXP_HI_F64 = _D(710.0)
_EXP_LO_F64 = _D(-750.0)


@_kernel
def _exp_parts_f64(x):
    """exp(x) ~ (hi + lo) * s1 * s2; the float64 twin of
    :func:`_exp_parts_f32` (degree-9 minimax P, 2**n in two halves)."""
    xc = _EXP_LO_F64 if x < _EXP_LO_F64 else x
    xc = _EXP_HI_F64 if xc > _EXP_HI_F64 else xc
    t = _fma(xc, _LOG2E_F64, _ROUND_MAGIC_F64)
    n = t - _ROUND_MAGIC_F64
    rh = _fma(n, -_LN2_HI_F64, xc)            # exact
    rl = n * -_LN2_LO_F64
    r = rh + rl
    p = _fma(_fma(_fma(_fma(_fma(_fma(_fma(_fma(_fma(
        _EXP_P9_F64, r, _EXP_P8_F64), r, _EXP_P7_F64), r, _EXP_P6_F64), r, _EXP_P5_F64), r,
        _EXP_P4_F64), r, _EXP_P3_F64), r, _EXP_P2_F64), r, _EXP_P1_F64), r, _EXP_P0_F64)
    hi = _ONE_F64 + rh
    lo = (rh - (hi - _ONE_F64)) + _fma(r * r, p, rl)
    ph = hi + lo
    pl = lo - (ph - hi)
    ni = _bits(t) - _ROUND_MAGIC_BITS_F64
    n1 = ni >> 1
    return ph, pl, _pow2i_f64(n1), _pow2i_f64(ni - n1)


@_kernel
def exp_f64(x):
    """exp(x) for float64.

    Method: as :func:`exp_f32` -- x = n*ln2 + rh + rl (Cody-Waite with
    fdlibm's 32-bit ln2_hi), exp(r) = 1 + r + r**2 P(r) with a degree-9
    minimax P on |r| <= ln2/2 (relative error < 2**-57.9), 1 + rh added
    without error, times 2**n applied as two normal factors.

    Accuracy: within 1 ulp (random testing).  Specials as C's exp: NaN -> NaN, +inf -> +inf,
    -inf -> +0, overflow above 709.78, subnormal results below -708.4.
    """
    hi, lo, s1, s2 = _exp_parts_f64(x)
    return (hi * s1) * s2


# exp(r) - 1 = r + r**2 Q(r) on |r| <= ln2/2: minimax degree-10 Q,
# relative error of exp(r) - 1 below 2**-61.5.
_EXPM1_Q0_F64 = _D(0.5)
_EXPM1_Q1_F64 = _D(0.16666666666666677)
_EXPM1_Q2_F64 = _D(0.041666666666666685)
_EXPM1_Q3_F64 = _D(0.008333333333321803)
_EXPM1_Q4_F64 = _D(0.0013888888888892996)
_EXPM1_Q5_F64 = _D(0.00019841269885321566)
_EXPM1_Q6_F64 = _D(2.4801587281361053e-05)
_EXPM1_Q7_F64 = _D(2.7557245173307503e-06)
_EXPM1_Q8_F64 = _D(2.755732689126225e-07)
_EXPM1_Q9_F64 = _D(2.5108679817474512e-08)
_EXPM1_Q10_F64 = _D(2.0894866791679006e-09)
_EXPM1_LO_F64 = _D(-45.0)             # expm1(x) rounds to -1 below -37.4
_EXPM1_TINY_F64 = _D(2.0 ** -54)      # below this, expm1(x) rounds to x


@_kernel
def expm1_f64(x):
    """exp(x) - 1 for float64; the float64 twin of :func:`expm1_f32`
    (same reduction and compensated reconstruction, degree-10 minimax Q).

    Accuracy: within 1 ulp (random testing).  Specials: NaN -> NaN, +inf -> +inf, -inf -> -1,
    +-0 -> +-0, overflow above 709.78.
    """
    xc = _EXPM1_LO_F64 if x < _EXPM1_LO_F64 else x
    xc = _EXP_HI_F64 if xc > _EXP_HI_F64 else xc
    t = _fma(xc, _LOG2E_F64, _ROUND_MAGIC_F64)
    n = t - _ROUND_MAGIC_F64
    rh = _fma(n, -_LN2_HI_F64, xc)
    rl = n * -_LN2_LO_F64
    r = rh + rl
    q = _fma(_fma(_fma(_fma(_fma(_fma(_fma(_fma(_fma(_fma(
        _EXPM1_Q10_F64, r, _EXPM1_Q9_F64), r, _EXPM1_Q8_F64), r, _EXPM1_Q7_F64), r,
        _EXPM1_Q6_F64), r, _EXPM1_Q5_F64), r, _EXPM1_Q4_F64), r, _EXPM1_Q3_F64), r,
        _EXPM1_Q2_F64), r, _EXPM1_Q1_F64), r, _EXPM1_Q0_F64)
    z = _fma(rh, rh, rl * (rh + r))
    w = _fma(z, q, rl)
    s = _pow2i_f64(_bits(t) - _ROUND_MAGIC_BITS_F64 - 1)    # 2**(n-1)
    a = s - _HALF_F64
    ea = (s - (a + _HALF_F64)) if s < _ONE_F64 else (-_HALF_F64 - (a - s))
    b = s * rh
    hi = a + b
    lo = b - (hi - a)
    res = _TWO_F64 * (hi + _fma(s, w, lo + ea))
    return x if abs(x) < _EXPM1_TINY_F64 else res


# fdlibm's e_log.c: log(1+f) = f - f**2/2 + s*(f**2/2 + R(s**2)),
# s = f/(2+f), R(z) = Lg1*z + ... + Lg7*z**7 with |error| < 2**-58.45 on
# sqrt(1/2)-1 <= f <= sqrt(2)-1.  (Published coefficients.)
_LG1_F64 = _D(6.666666666666735130e-01)
_LG2_F64 = _D(3.999999999940941908e-01)
_LG3_F64 = _D(2.857142874366239149e-01)
_LG4_F64 = _D(2.222219843214978396e-01)
_LG5_F64 = _D(1.818357216161805012e-01)
_LG6_F64 = _D(1.531383769920937332e-01)
_LG7_F64 = _D(1.479819860511658591e-01)


@_kernel
def _log_parts_f64(f, k):
    """k*ln2 + log(1 + f) as hi + lo, for sqrt(1/2)-1 <= f <= sqrt(2)-1.

    fdlibm's reduction s = f/(2+f) (one division) with its degree-14 odd
    polynomial in s, combined with the same compensated sums as
    :func:`_log_parts_f32`.
    """
    z = f * f
    zlo = _fma(f, f, -z)
    hfsq = _HALF_F64 * z
    s = _div(f, _TWO_F64 + f)
    zs = s * s
    w = zs * zs
    r = _fma(zs, _fma(w, _fma(w, _fma(w, _LG7_F64, _LG5_F64), _LG3_F64), _LG1_F64),
             w * _fma(w, _fma(w, _LG6_F64, _LG4_F64), _LG2_F64))
    a = k * _LN2_HI_F64
    hi = a + f
    lo = f - (hi - a)
    s1 = hi - hfsq
    e1 = (hi - s1) - hfsq
    tail = _fma(s, hfsq + r, _fma(-_HALF_F64, zlo, k * _LN2_LO_F64))
    return s1, tail + (lo + e1)


@_kernel
def log_f64(x):
    """Natural logarithm for float64.

    Method: as :func:`log_f32` (subnormals pre-scaled by 2**54, exponent
    and mantissa from the bits, f = m - 1 exact), with fdlibm's rational
    reduction s = f/(2+f) and published polynomial for log(1 + f).

    Accuracy: within 1 ulp (random testing).  Specials: log(+-0) = -inf, log(x < 0) = NaN,
    log(+inf) = +inf, NaN -> NaN.
    """
    sub = x < _DBL_MIN
    xs = x * _TWO54_F64 if sub else x
    kadj = _D(-54.0) if sub else _ZERO_F64
    ix = _bits(xs)
    e = (ix - _SQRT_HALF_BITS_F64) >> 52
    m = _f64_from_bits(ix - (e << 52))
    hi, lo = _log_parts_f64(m - _ONE_F64, _int_to_f64(e) + kadj)
    res = hi + lo
    res = res if x < _INF_F64 else x
    res = -_INF_F64 if x == _ZERO_F64 else res
    return _NAN_F64 if x < _ZERO_F64 else res


@_kernel
def _log1p_parts_f64(x, xl):
    """log(1 + x + xl) as hi + lo; the float64 twin of :func:`_log1p_parts_f32`."""
    u = x + _ONE_F64
    e = (_bits(u) - _SQRT_HALF_BITS_F64) >> 52
    s4 = _f64_from_bits((1025 - e) << 52)    # 2**(2 - e)
    a = x * s4
    b = s4 - _FOUR_F64
    fh = a + b
    bv = fh - a
    fl = (a - (fh - bv)) + (b - bv)
    fl = _fma(xl, s4, fl) * _QUARTER_F64
    fh = fh * _QUARTER_F64
    hi, lo = _log_parts_f64(fh, _int_to_f64(e))
    return hi, lo + fl * _fma(fh, fh - _ONE_F64, _ONE_F64)


@_kernel
def log1p_f64(x):
    """log(1 + x) for float64; method of :func:`log1p_f32` with the float64
    log kernel.  Accuracy: within 1 ulp (random testing).  Specials: log1p(-1) = -inf,
    log1p(x < -1) = NaN, log1p(+inf) = +inf, NaN -> NaN, +-0 -> +-0."""
    hi, lo = _log1p_parts_f64(x, _ZERO_F64)
    res = hi + lo
    res = x if x == _ZERO_F64 else res
    res = res if x < _INF_F64 else x
    res = -_INF_F64 if x == -_ONE_F64 else res
    return _NAN_F64 if x < -_ONE_F64 else res


_TANH_SPLIT_F64 = _D(1.0)
_TANH_CLAMP_F64 = _D(22.0)            # tanh(x) rounds to 1 above 19.06


@_kernel
def tanh_f64(x):
    """Hyperbolic tangent for float64.

    Method (as fdlibm, with one expm1 instead of two): t = expm1(2|x|),
    tanh|x| = t / (t + 2) for |x| < 1 (no cancellation: expm1 is accurate
    for small arguments) and 1 - 2 / (t + 2) above.  t + 2 is formed with
    its exact rounding error (2Sum) and the quotient gets a first-order
    correction.  |x| is clamped to 22 (tanh rounds to 1 beyond 19.1); the
    sign is copied back at the end.

    Accuracy: within 1 ulp (random testing).  Specials: NaN -> NaN, +-inf -> +-1, +-0 -> +-0.
    """
    ax = abs(x)
    xc = _TANH_CLAMP_F64 if ax > _TANH_CLAMP_F64 else ax
    t = expm1_f64(xc + xc)
    dh = t + _TWO_F64                        # 2Sum: t may exceed 2
    bv = dh - t
    dl = (t - (dh - bv)) + (_TWO_F64 - bv)
    small_arg = ax < _TANH_SPLIT_F64
    num = t if small_arg else _TWO_F64
    q = _div(num, dh)
    q = _fma(-q, _div(dl, dh), q)           # num / (dh + dl)
    res = q if small_arg else _ONE_F64 - q
    res = ax if ax < _EXPM1_TINY_F64 else res   # tiny and +-0: tanh(x) = x
    return _copysign(res, x)


@_kernel
def sigmoid_f64(x):
    """Logistic sigmoid for float64; the method of :func:`sigmoid_f32` with
    the float64 exp kernel.  Accuracy: within 1 ulp (random testing).  Specials: NaN -> NaN,
    +inf -> 1, -inf -> 0."""
    hi, lo, s1, s2 = _exp_parts_f64(-abs(x))
    eh = (hi * s1) * s2
    el = (lo * s1) * s2
    dh = _ONE_F64 + eh
    dl = (eh - (dh - _ONE_F64)) + el
    pos = x >= _ZERO_F64
    nh = _ONE_F64 if pos else eh
    nl = _ZERO_F64 if pos else el
    q = _div(nh, dh)
    resid = _fma(-q, dh, nh) + _fma(-q, dl, nl)
    return q + _div(resid, dh)


@_kernel
def softplus_f64(x):
    """softplus(x) = log(1 + exp(x)) for float64; the method of
    :func:`softplus_f32` with the float64 kernels.  Accuracy: within 1 ulp (random testing).
    Specials: NaN -> NaN, +inf -> +inf, -inf -> +0."""
    hi, lo, s1, s2 = _exp_parts_f64(-abs(x))
    eh = (hi * s1) * s2
    el = (lo * s1) * s2
    lh, ll = _log1p_parts_f64(eh, el)
    m = x if x > _ZERO_F64 else _ZERO_F64
    sh = m + lh
    bv = sh - m
    err = (m - (sh - bv)) + (lh - bv)
    res = sh + (err + ll)
    return res if x < _INF_F64 else x


@_kernel
def erf_f64(x):
    """Error function for float64.

    NOT vectorizable: this is libm's erf (numba lowers math.erf to a scalar
    call).  A float64-accurate erf needs several rational approximations
    (fdlibm uses four intervals); it has not been written yet.  Correctly
    rounded to within libm's accuracy (< 1 ulp).
    """
    return math.erf(x)


@_kernel
def pow_f64(x, y):
    """x**y for float64 with C99 pow semantics.

    NOT vectorizable: this is libm's pow (numba lowers math.pow to a scalar
    call).  A float64-accurate pow needs log(x) to ~2**-64 (a double-double
    log), which has not been written yet.
    """
    return math.pow(x, y)


@_kernel
def sqrt_f64(x):
    """Square root for float64: math.sqrt vectorizes to vsqrtpd (see
    :func:`sqrt_f32`); a wrapper for the table."""
    return math.sqrt(x)


# ---------------------------------------------------------------------------
# pow for float32 (computed in float64)
# ---------------------------------------------------------------------------

@_kernel
def pow_f32(x, y):
    """x**y for float32 with the special cases of C99 powf.

    Method: |x|**y = exp(y * log|x|).  In float32 arithmetic the product
    y*log|x| (up to ~150 in magnitude) would carry an absolute error of
    ~2**-17 and the result hundreds of ulp of error, so this one is done in
    float64 (4 lanes instead of 8): the float32 exponent/mantissa split of x
    (int32 lanes, subnormals pre-scaled), the float64 log kernel
    (:func:`_log_parts_f64`, ~2**-60), the float64 product and the float64
    exp kernel, then one rounding to float32 -- which also produces
    float32 overflow to inf and subnormal results correctly.

    Sign and special cases (all by selects): for x < 0 the result is
    negated when y is an odd integer and is NaN when y is not an integer;
    x**(+-0) = 1 and 1**y = 1 even for NaN; (-1)**(+-inf) = 1;
    (+-0)**y = +-0 / +-inf for odd integer y, else +0 / +inf;
    (+-inf)**y likewise; |x| < 1 or > 1 with y = +-inf gives 0 or inf.

    Accuracy: < 0.51 ulp (one float32 rounding of a ~2**-45-accurate value).
    """
    ax = abs(x)
    sub = ax < _FLT_MIN
    axs = ax * _TWO23_F32 if sub else ax
    kadj = _D(-23.0) if sub else _ZERO_F64
    ix = _bits(axs)
    e = (ix - _SQRT_HALF_BITS_F32) >> 23
    m = _f32_from_bits(ix - (e << 23))
    k = np.float64(_int_to_f32(e)) + kadj
    lh, ll = _log_parts_f64(np.float64(m) - _ONE_F64, k)
    yd = np.float64(y)
    # y * (lh + ll): the low part matters when |y * log|x|| is large.
    z = _fma(yd, lh, yd * ll)
    z = z if z == z else yd * lh             # y = +-inf: inf*lh - inf*|ll| is NaN
    # log|x| for 0, inf and NaN; then exp(+-inf) = inf / 0 below.
    z = z if ax > _ZERO_F32 else -yd * _INF_F64
    z = z if ax < _INF_F32 else yd * np.float64(ax)
    hi, lo, s1, s2 = _exp_parts_f64(z)
    res = np.float32((hi * s1) * s2)
    # Parity of y: floor works on any float; inf counts as an even integer.
    y_int = _floor(y) == y
    half = y * _HALF_F32
    y_odd = y_int & (_floor(half) != half)
    res = -res if (_bits(x) < 0) & y_odd else res
    res = _NAN_F32 if (x < _ZERO_F32) & (x > -_INF_F32) & (not y_int) else res
    one = (y == _ZERO_F32) | (x == _ONE_F32) | ((x == -_ONE_F32) & (abs(y) == _INF_F32))
    return _ONE_F32 if one else res


# ---------------------------------------------------------------------------
# Lookup table for code generators
# ---------------------------------------------------------------------------

APPROXIMATION_NAMES = {
    (op, dtype): f"{op}_{'f32' if dtype == 'float32' else 'f64'}"
    for op in ("exp", "expm1", "log", "log1p", "tanh", "sigmoid", "softplus", "erf", "pow", "sqrt")
    for dtype in ("float32", "float64")
}
"""(op name, dtype name) -> the name under which this module exports the op's approximation
(generated kernels import it by that name)."""

APPROXIMATIONS = {key: globals()[name] for key, name in APPROXIMATION_NAMES.items()}
"""(op name, dtype name) -> numba function of one argument (two for pow).

Every entry is ``njit(inline="always")`` and, except where its docstring
says otherwise (erf_f64, pow_f64), vectorizes when called in a loop."""

VECTORIZABLE = frozenset(key for key in APPROXIMATIONS if key not in {("erf", "float64"), ("pow", "float64")})
"""The keys of APPROXIMATIONS whose functions vectorize."""
