"""Rendering a fused node's expression into complete CUDA C source.

One thread handles one element in a grid-stride loop. Inputs are "full"
(read at `k`), "row" (broadcast over leading axes, read at `k % inner`) or
"scalar" (a one-element device array read once). A fused reduction sums its
value per thread in double, then per block in shared memory, then across
blocks with `atomicAdd` into a double accumulator. Every literal is cast to
its dtype, so float code stays float.

Integer division follows TF (and every other backend): a zero divisor is an
error, so a kernel that divides integers sets the flag `divided_by_zero` (its
last parameter) and the caller raises eager mode's error; MIN // -1 wraps to
MIN and MIN % -1 is 0, computed without C's undefined signed overflow.
"""
import re

import numpy as np

from tracegraph.ops.fused import operand_dtype
from tracegraph.core.op import get_op

__all__ = ["render_cuda_kernel", "divides_integers", "UnsupportedExpression", "C_TYPES", "KERNEL_NAME", "BLOCK_SIZE"]

KERNEL_NAME = "tracegraph_fused"
BLOCK_SIZE = 256

C_TYPES = {"float32": "float", "float64": "double", "int8": "signed char", "int16": "short", "int32": "int",
           "int64": "long long", "uint8": "unsigned char", "uint16": "unsigned short",
           "uint32": "unsigned int", "uint64": "unsigned long long", "bool": "bool"}

#: Ops that divide: on integers, a zero divisor is an error the kernel reports.
INTEGER_DIVISIONS = {"floordiv", "floormod", "truncatediv", "truncatemod"}

#: Template function names -> device functions (C++ overloads or our prelude helpers).
FUNCTIONS = {
    "exp": "exp", "expm1": "expm1", "log": "log", "log1p": "log1p", "sqrt": "sqrt", "sin": "sin",
    "cos": "cos", "tan": "tan", "asin": "asin", "acos": "acos", "atan": "atan", "atan2": "atan2",
    "sinh": "sinh", "cosh": "cosh", "tanh": "tanh", "asinh": "asinh", "acosh": "acosh", "atanh": "atanh",
    "erf": "erf", "erfc": "erfc", "floor": "floor", "ceil": "ceil", "rint": "rint", "round": "rint",
    "trunc": "trunc", "pow": "pow", "lgamma": "lgamma",
    "where": "tg_where", "max": "tg_maximum", "min": "tg_minimum", "maximum": "tg_maximum",
    "minimum": "tg_minimum", "abs": "tg_abs", "sign": "tg_sign", "isnan": "tg_isnan", "isinf": "tg_isinf",
    "isfinite": "tg_isfinite", "floordiv": "tg_floordiv", "floormod": "tg_floormod",
    "truncatediv": "tg_truncatediv", "truncatemod": "tg_truncatemod", "logical_and": "tg_and",
    "logical_or": "tg_or", "logical_xor": "tg_xor", "logical_not": "tg_not",
    "sigmoid": "tg_sigmoid", "softplus": "tg_softplus",
}

PRELUDE = r"""
template <typename T> __device__ __forceinline__ T tg_where(bool c, T a, T b) { return c ? a : b; }
template <typename T> __device__ __forceinline__ T tg_maximum(T a, T b) { return (a >= b || a != a) ? a : b; }
template <typename T> __device__ __forceinline__ T tg_minimum(T a, T b) { return (a <= b || a != a) ? a : b; }
template <typename T> __device__ __forceinline__ T tg_abs(T a) { return a < T(0) ? -a : a; }
template <typename T> __device__ __forceinline__ T tg_sign(T a) {
    return a != a ? a : (a > T(0) ? T(1) : (a < T(0) ? T(-1) : T(0))); }
template <typename T> __device__ __forceinline__ bool tg_isnan(T a) { return a != a; }
template <typename T> __device__ __forceinline__ bool tg_isinf(T a) { return isinf(a); }
template <typename T> __device__ __forceinline__ bool tg_isfinite(T a) { return isfinite(a); }
__device__ __forceinline__ float tg_floordiv(float a, float b) { return floorf(a / b); }
__device__ __forceinline__ double tg_floordiv(double a, double b) { return floor(a / b); }
template <typename T> __device__ __forceinline__ bool tg_divides_by_minus_one(T b) {
    return T(-1) < T(0) && b == T(-1); }
template <typename T> __device__ __forceinline__ T tg_negate_wrapping(T a) {
    return (T)(0ULL - (unsigned long long)a); }
template <typename T> __device__ __forceinline__ T tg_floordiv(T a, T b) {
    if (b == T(0)) return T(0);
    if (tg_divides_by_minus_one(b)) return tg_negate_wrapping(a);
    T q = a / b; return (q * b != a && ((a < T(0)) != (b < T(0)))) ? q - T(1) : q; }
__device__ __forceinline__ float tg_floormod(float a, float b) { float r = fmodf(a, b); return (r != 0.0f && ((r < 0.0f) != (b < 0.0f))) ? r + b : r; }
__device__ __forceinline__ double tg_floormod(double a, double b) { double r = fmod(a, b); return (r != 0.0 && ((r < 0.0) != (b < 0.0))) ? r + b : r; }
template <typename T> __device__ __forceinline__ T tg_floormod(T a, T b) {
    if (b == T(0) || tg_divides_by_minus_one(b)) return T(0);
    T r = a % b; return (r != T(0) && ((r < T(0)) != (b < T(0)))) ? r + b : r; }
template <typename T> __device__ __forceinline__ T tg_truncatediv(T a, T b) {
    return b == T(0) ? T(0) : tg_divides_by_minus_one(b) ? tg_negate_wrapping(a) : a / b; }
template <typename T> __device__ __forceinline__ T tg_truncatemod(T a, T b) {
    return (b == T(0) || tg_divides_by_minus_one(b)) ? T(0) : a % b; }
__device__ __forceinline__ float tg_truncatemod(float a, float b) { return fmodf(a, b); }
__device__ __forceinline__ double tg_truncatemod(double a, double b) { return fmod(a, b); }
__device__ __forceinline__ bool tg_and(bool a, bool b) { return a && b; }
__device__ __forceinline__ bool tg_or(bool a, bool b) { return a || b; }
__device__ __forceinline__ bool tg_xor(bool a, bool b) { return a != b; }
__device__ __forceinline__ bool tg_not(bool a) { return !a; }
template <typename T> __device__ __forceinline__ T tg_sigmoid(T x) {
    T e = exp(-tg_abs(x)); return x >= T(0) ? T(1) / (T(1) + e) : e / (T(1) + e); }
template <typename T> __device__ __forceinline__ T tg_softplus(T x) {
    return log1p(exp(-tg_abs(x))) + tg_maximum(x, T(0)); }
"""

_CALL = re.compile(r"\b([A-Za-z_][A-Za-z_0-9]*)\s*\(")
_NUMBER = re.compile(r"(?<![\w.}])(\d+\.\d*(?:[eE][-+]?\d+)?|\d+(?:[eE][-+]?\d+)?|\.\d+)(?![\w.])")


class UnsupportedExpression(Exception):
    """The expression uses a dtype or function the CUDA renderer cannot express."""


def c_type(dtype_name):
    try:
        return C_TYPES[dtype_name]
    except KeyError:
        raise UnsupportedExpression(f"no CUDA C type for {dtype_name}") from None


def render_cuda_kernel(expression, input_kinds, input_dtypes, output_dtypes):
    """Complete CUDA C source of `extern "C" __global__ void tracegraph_fused(...)`."""
    body = []
    for j, (name, refs, attrs, dtype) in enumerate(expression["instructions"]):
        args = [_operand(ref) for ref in refs]
        body.append(f"        const {c_type(dtype)} t{j} = {_render(name, args, dtype, refs, input_dtypes, expression)};")
        if _is_integer_division(name, dtype):
            body.append(f"        if ({args[1]} == 0) *divided_by_zero = 1;  /* any thread: the same value */")
    params = ["const long long n", "const long long inner"]
    loads = []
    for i, (kind, dtype) in enumerate(zip(input_kinds, input_dtypes)):
        params.append(f"const {c_type(dtype)}* __restrict__ in{i}")
        if kind == "scalar":
            loads.append(f"    const {c_type(dtype)} a{i} = in{i}[0];")
    n_out = len(expression["outputs"])
    params += [f"{c_type(output_dtypes[i])}* __restrict__ out{i}" for i in range(n_out)]
    reduction = expression.get("reduction")
    if reduction is not None:
        params.append("double* __restrict__ total")
    if divides_integers(expression):
        params.append("int* __restrict__ divided_by_zero")
    lines = [PRELUDE, f'extern "C" __global__ void {KERNEL_NAME}({", ".join(params)}) {{']
    lines += loads
    if reduction is not None:
        lines.append("    double acc = 0.0;")
    lines.append("    const long long stride = (long long)blockDim.x * gridDim.x;")
    lines.append("    for (long long k = (long long)blockIdx.x * blockDim.x + threadIdx.x; k < n; k += stride) {")
    for i, kind in enumerate(input_kinds):
        if kind == "full":
            lines.append(f"        const {c_type(input_dtypes[i])} a{i} = in{i}[k];")
        elif kind == "row":
            lines.append(f"        const {c_type(input_dtypes[i])} a{i} = in{i}[k % inner];")
    lines += body
    lines += [f"        out{i}[k] = t{j};" for i, j in enumerate(expression["outputs"])]
    if reduction is not None:
        lines.append(f"        acc += (double)t{reduction[1]};")
    lines.append("    }")
    if reduction is not None:
        lines += _block_sum()
    lines.append("}")
    return "\n".join(lines) + "\n"


def divides_integers(expression):
    """Whether the expression divides integers: its kernel then takes a last parameter, an int flag
    it sets to 1 if some divisor was zero (the caller raises eager mode's error)."""
    return any(_is_integer_division(name, dtype) for name, _, _, dtype in expression["instructions"])


def _is_integer_division(name, dtype):
    return name in INTEGER_DIVISIONS and np.dtype(dtype).kind in "iu"


def _block_sum():
    return [
        f"    __shared__ double partial[{BLOCK_SIZE}];",
        "    partial[threadIdx.x] = acc;",
        "    __syncthreads();",
        "    for (unsigned int s = blockDim.x / 2; s > 0; s >>= 1) {",
        "        if (threadIdx.x < s) partial[threadIdx.x] += partial[threadIdx.x + s];",
        "        __syncthreads();",
        "    }",
        "    if (threadIdx.x == 0) atomicAdd(total, partial[0]);",
    ]


def _operand(ref):
    kind = ref[0]
    if kind == "in":
        return f"a{ref[1]}"
    if kind == "t":
        return f"t{ref[1]}"
    return _literal(ref[1], ref[2])


def _literal(value, dtype_name):
    ctype = c_type(dtype_name)
    if dtype_name == "bool":
        return "true" if value else "false"
    if isinstance(value, float):
        if not np.isfinite(value):
            return _special_float(value, ctype)
        return f"(({ctype}){value!r})"
    return f"(({ctype}){int(value)})"


def _special_float(value, ctype):
    """NaN and infinities by their bit patterns (no header needed under NVRTC)."""
    bits32 = {"nan": "0x7fc00000", "inf": "0x7f800000", "-inf": "0xff800000"}
    bits64 = {"nan": "0x7ff8000000000000LL", "inf": "0x7ff0000000000000LL", "-inf": "0xfff0000000000000LL"}
    key = "nan" if np.isnan(value) else ("inf" if value > 0 else "-inf")
    if ctype == "float":
        return f"__int_as_float({bits32[key]})"
    return f"__longlong_as_double({bits64[key]})"


def _render(name, args, dtype, refs, input_dtypes, expression):
    if name == "cast":
        return f"(({c_type(dtype)})({args[0]}))"
    template = get_op(name).template
    operands_dtype = operand_dtype(refs, input_dtypes, expression) or dtype
    pieces = re.split(r"(\{\d+\})", template)
    typed = "".join(p if p.startswith("{") else _NUMBER.sub(lambda m: _literal(float(m.group(1)) if
                                                                               "." in m.group(1) or "e" in m.group(1).lower()
                                                                               else int(m.group(1)), operands_dtype), p)
                    for p in pieces)
    rendered = _CALL.sub(lambda m: _function(m.group(1)) + "(", typed)
    return rendered.format(*args)


def _function(name):
    if name in FUNCTIONS.values() or name in C_TYPES.values():
        return name
    try:
        return FUNCTIONS[name]
    except KeyError:
        raise UnsupportedExpression(f"no CUDA rendering for scalar function {name!r}") from None
