"""Unary elementwise math: exponentials, logarithms, roots, trigonometry, rounding, ...

Each primitive: its shape rule (via the elementwise factory), `xp`
implementation, gradient written with tracegraph ops (so second order works),
and scalar template; then the TF-named public function. Gradients multiply by
the complex conjugate of the derivative, as TF does; `conj` returns real
tensors unchanged, so real gradients pay nothing for it.

Like TF, transcendental functions have no integer kernels: `tg.exp` of an int
tensor is a TypeError (cast first).
"""
import math

import numpy as np

from . import arithmetic, creation, elementwise as ew
from .broadcast import unbroadcast
from .. import dtypes
from ..convert import convert_to_tensor, operands_to_tensors
from ..core.dispatch import bind
from ..core.op import Op
from ..core.rules import broadcast_shapes, check_dtype, same_dtype, spec_of

__all__ = ["exp", "expm1", "log", "log1p", "sqrt", "rsqrt", "square",
           "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh",
           "atanh", "sigmoid", "log_sigmoid", "softplus", "softsign", "erf", "erfc",
           "floor", "ceil", "round", "rint", "real", "imag", "conj", "complex"]

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _x(ctx):
    return ctx.inputs[0]


def _y(ctx):
    return ctx.outputs[0]


def _unary(name, impl, template, grad, kinds="inexact"):
    """An elementwise primitive whose gradient is `grad(ctx, g) -> tensor` (one input)."""
    return ew.unary(name, impl, template, lambda ctx, g: (grad(ctx, g),), kinds=kinds)


def _no_grad(ctx, g):
    return None


def _special(xp, name):
    """`erf`/`erfc` for `xp`: SciPy's (or CuPy's) ufunc when present, else the `math` module's."""
    if xp is np:
        try:
            import scipy.special  # noqa: PLC0415 - optional; only the first call pays for it
            return getattr(scipy.special, name)
        except ImportError:
            return np.vectorize(getattr(math, name), otypes=[np.float64])
    import cupyx.scipy.special  # noqa: PLC0415 - only with CuPy arrays
    return getattr(cupyx.scipy.special, name)


def _stable_sigmoid(xp, x):
    # exp of -|x| never overflows; the where picks 1/(1+e^-x) or e^x/(1+e^x).
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, xp.ones_like(e), e) / (1 + e)


def _stable_softplus(xp, x):
    return xp.maximum(x, 0) + xp.log1p(xp.exp(-xp.abs(x)))


# ----- exponentials and logarithms -----------------------------------------------------------

_exp = _unary("exp", "exp", "exp({0})",
              lambda ctx, g: g * conj(_y(ctx)))
_expm1 = _unary("expm1", "expm1", "expm1({0})",
                lambda ctx, g: g * conj(exp(_x(ctx))))
_log = _unary("log", "log", "log({0})",
              lambda ctx, g: g / conj(_x(ctx)))
_log1p = _unary("log1p", "log1p", "log1p({0})",
                lambda ctx, g: g / conj(1 + _x(ctx)))
_sqrt = _unary("sqrt", "sqrt", "sqrt({0})",
               lambda ctx, g: g / (2 * conj(_y(ctx))))
_rsqrt = _unary("rsqrt", lambda xp, x: 1 / xp.sqrt(x), "(1 / sqrt({0}))",
                lambda ctx, g: g * conj(-0.5 * _y(ctx) * _y(ctx) * _y(ctx)))
_square = _unary("square", "square", "({0} * {0})",
                 lambda ctx, g: g * (2 * conj(_x(ctx))), kinds="numeric")

# ----- trigonometric and hyperbolic ----------------------------------------------------------

_sin = _unary("sin", "sin", "sin({0})", lambda ctx, g: g * conj(cos(_x(ctx))))
_cos = _unary("cos", "cos", "cos({0})",
              lambda ctx, g: -g * conj(sin(_x(ctx))))
_tan = _unary("tan", "tan", "tan({0})",
              lambda ctx, g: g / conj(square(cos(_x(ctx)))))
_asin = _unary("asin", "arcsin", "asin({0})",
               lambda ctx, g: g / conj(sqrt(1 - square(_x(ctx)))))
_acos = _unary("acos", "arccos", "acos({0})",
               lambda ctx, g: -g / conj(sqrt(1 - square(_x(ctx)))))
_atan = _unary("atan", "arctan", "atan({0})",
               lambda ctx, g: g / conj(1 + square(_x(ctx))))
_sinh = _unary("sinh", "sinh", "sinh({0})", lambda ctx, g: g * conj(cosh(_x(ctx))))
_cosh = _unary("cosh", "cosh", "cosh({0})", lambda ctx, g: g * conj(sinh(_x(ctx))))
_tanh = _unary("tanh", "tanh", "tanh({0})",
               lambda ctx, g: g * conj(1 - square(_y(ctx))))
_asinh = _unary("asinh", "arcsinh", "asinh({0})",
                lambda ctx, g: g / conj(cosh(_y(ctx))))
_acosh = _unary("acosh", "arccosh", "acosh({0})",
                lambda ctx, g: g / conj(sinh(_y(ctx))))
_atanh = _unary("atanh", "arctanh", "atanh({0})",
                lambda ctx, g: g / conj(1 - square(_x(ctx))))

# ----- activations that need a stable primitive ----------------------------------------------

_sigmoid = _unary("sigmoid", _stable_sigmoid, "(1 / (1 + exp(-{0})))",
                  lambda ctx, g: g * conj(_y(ctx) * (1 - _y(ctx))))
_softplus = _unary("softplus", _stable_softplus, "(max({0}, 0) + log1p(exp(-abs({0}))))",
                   lambda ctx, g: g * sigmoid(_x(ctx)), kinds="float")

# ----- error function ------------------------------------------------------------------------

_erf = _unary("erf", lambda xp, x: _special(xp, "erf")(x), "erf({0})",
              lambda ctx, g: g * (_TWO_OVER_SQRT_PI * exp(-square(_x(ctx)))), kinds="float")
_erfc = _unary("erfc", lambda xp, x: _special(xp, "erfc")(x), "erfc({0})",
               lambda ctx, g: g * (-_TWO_OVER_SQRT_PI * exp(-square(_x(ctx)))), kinds="float")

# ----- rounding (piecewise constant: no gradient, as in TF) ----------------------------------

_floor = _unary("floor", "floor", "floor({0})", _no_grad, kinds="float")
_ceil = _unary("ceil", "ceil", "ceil({0})", _no_grad, kinds="float")
# `rint` is the C function that rounds half to even (C's `round` rounds half away from zero).
_round = _unary("round", "rint", "rint({0})", _no_grad, kinds="float")
_rint = _unary("rint", "rint", "rint({0})", _no_grad, kinds="float")


def exp(x, name=None):
    """e ** x elementwise."""
    return ew.apply_unary(_exp, x)


def expm1(x, name=None):
    """e ** x - 1 elementwise, accurate for small x."""
    return ew.apply_unary(_expm1, x)


def log(x, name=None):
    """Natural logarithm elementwise."""
    return ew.apply_unary(_log, x)


def log1p(x, name=None):
    """log(1 + x) elementwise, accurate for small x."""
    return ew.apply_unary(_log1p, x)


def sqrt(x, name=None):
    """Square root elementwise (its gradient at 0 is inf, as in TF)."""
    return ew.apply_unary(_sqrt, x)


def rsqrt(x, name=None):
    """1 / sqrt(x) elementwise."""
    return ew.apply_unary(_rsqrt, x)


def square(x, name=None):
    """x * x elementwise (integers too)."""
    return ew.apply_unary(_square, x)


def sin(x, name=None):
    """Sine elementwise."""
    return ew.apply_unary(_sin, x)


def cos(x, name=None):
    """Cosine elementwise."""
    return ew.apply_unary(_cos, x)


def tan(x, name=None):
    """Tangent elementwise."""
    return ew.apply_unary(_tan, x)


def asin(x, name=None):
    """Inverse sine elementwise."""
    return ew.apply_unary(_asin, x)


def acos(x, name=None):
    """Inverse cosine elementwise."""
    return ew.apply_unary(_acos, x)


def atan(x, name=None):
    """Inverse tangent elementwise."""
    return ew.apply_unary(_atan, x)


def sinh(x, name=None):
    """Hyperbolic sine elementwise."""
    return ew.apply_unary(_sinh, x)


def cosh(x, name=None):
    """Hyperbolic cosine elementwise."""
    return ew.apply_unary(_cosh, x)


def tanh(x, name=None):
    """Hyperbolic tangent elementwise."""
    return ew.apply_unary(_tanh, x)


def asinh(x, name=None):
    """Inverse hyperbolic sine elementwise."""
    return ew.apply_unary(_asinh, x)


def acosh(x, name=None):
    """Inverse hyperbolic cosine elementwise."""
    return ew.apply_unary(_acosh, x)


def atanh(x, name=None):
    """Inverse hyperbolic tangent elementwise."""
    return ew.apply_unary(_atanh, x)


def sigmoid(x, name=None):
    """1 / (1 + exp(-x)) elementwise, without overflow for large |x|."""
    return ew.apply_unary(_sigmoid, x)


def log_sigmoid(x, name=None):
    """log(sigmoid(x)) = -softplus(-x), stable for large |x|."""
    return arithmetic.negative(softplus(arithmetic.negative(x)))


def softplus(features, name=None):
    """log(1 + exp(features)) elementwise, stable for large |features|."""
    return ew.apply_unary(_softplus, features)


def softsign(features, name=None):
    """features / (1 + |features|) elementwise."""
    x = convert_to_tensor(features)
    check_dtype("softsign", x.spec, "float", arg="features")
    return x / (1 + arithmetic.abs(x))


def erf(x, name=None):
    """The Gauss error function elementwise."""
    return ew.apply_unary(_erf, x)


def erfc(x, name=None):
    """1 - erf(x) elementwise, accurate where erf(x) is close to 1."""
    return ew.apply_unary(_erfc, x)


def floor(x, name=None):
    """The largest integer not greater than x, elementwise (floats only, as in TF)."""
    return ew.apply_unary(_floor, x)


def ceil(x, name=None):
    """The smallest integer not less than x, elementwise (floats only, as in TF)."""
    return ew.apply_unary(_ceil, x)


def round(x, name=None):  # noqa: A001 - TF's public name
    """Round to the nearest integer, halves to even (banker's rounding); ints pass through."""
    x = convert_to_tensor(x)
    if x.dtype.is_integer:
        return x
    return bind(_round, [x])


def rint(x, name=None):
    """Round to the nearest integer, halves to even (floats only)."""
    return ew.apply_unary(_rint, x)


# ----- complex numbers -----------------------------------------------------------------------

def _part_dtype(dtype):
    return dtypes.float32 if dtype == dtypes.complex64 else dtypes.float64


def _complex_part_infer(op_name):
    def infer(x):
        if not x.dtype.is_complex:
            raise TypeError(f"{op_name}: argument `x` must be a complex tensor, got {x.dtype.name}")
        return spec_of(x.shape, _part_dtype(x.dtype))
    return infer


def _complex_infer(re, im):
    dtype = same_dtype("complex", re, im)
    if dtype not in (dtypes.float32, dtypes.float64):
        raise TypeError(f"complex: `real` and `imag` must be float32 or float64, got {dtype.name}")
    result = dtypes.complex64 if dtype == dtypes.float32 else dtypes.complex128
    return spec_of(broadcast_shapes("complex", re.shape, im.shape), result)


def _complex_impl(xp, re, im):
    # Assigning the parts avoids 1j * inf, which would put a NaN in the real part.
    re, im = xp.broadcast_arrays(re, im)
    out = xp.empty(re.shape, dtype=xp.result_type(re.dtype, xp.complex64))
    out.real = re
    out.imag = im
    return out


def _complex_grad(ctx, g):
    re, im = ctx.inputs
    return unbroadcast(real(g), re), unbroadcast(imag(g), im)


_real = Op("real", infer=_complex_part_infer("real"), impl=lambda xp, x: xp.real(x).copy(),
           grad=lambda ctx, g: (complex(g, creation.zeros_like(g)),), template="real({0})")
_imag = Op("imag", infer=_complex_part_infer("imag"), impl=lambda xp, x: xp.imag(x).copy(),
           grad=lambda ctx, g: (complex(creation.zeros_like(g), g),), template="imag({0})")
_conj = ew.unary("conj", lambda xp, x: xp.conj(x), "conj({0})", lambda ctx, g: (conj(g),),
                 kinds="inexact")
_complex = Op("complex", infer=_complex_infer, impl=_complex_impl, grad=_complex_grad,
              template="complex({0}, {1})")


def real(input, name=None):  # noqa: A002 - TF's argument name
    """The real part of a complex tensor; a real tensor is returned unchanged."""
    x = convert_to_tensor(input)
    if x.dtype.is_complex:
        return bind(_real, [x])
    check_dtype("real", x.spec, "numeric", arg="input")
    return x


def imag(input, name=None):  # noqa: A002 - TF's argument name
    """The imaginary part of a complex tensor; zeros for a real tensor."""
    x = convert_to_tensor(input)
    if x.dtype.is_complex:
        return bind(_imag, [x])
    check_dtype("imag", x.spec, "numeric", arg="input")
    return creation.zeros_like(x)


def conj(x, name=None):
    """The complex conjugate; real tensors are returned unchanged (as in TF)."""
    x = convert_to_tensor(x)
    if x.dtype.is_complex:
        return bind(_conj, [x])
    check_dtype("conj", x.spec, "numeric")
    return x


def complex(real, imag, name=None):  # noqa: A001 - TF's public name
    """The complex tensor real + i * imag (float32 parts give complex64, float64 complex128)."""
    re, im = operands_to_tensors(real, imag)
    return bind(_complex, [re, im])


def _complex_abs_grad(ctx, g):
    x, y = ctx.inputs[0], ctx.outputs[0]
    zeros = creation.zeros_like(g)
    return (arithmetic.divide_no_nan(complex(g, zeros) * x, complex(y, zeros)),)


#: |x| of a complex tensor is real; `arithmetic.abs` dispatches here.
complex_abs_op = Op("complex_abs", infer=_complex_part_infer("abs"), impl=lambda xp, x: xp.abs(x),
                    grad=_complex_abs_grad, template="abs({0})")
