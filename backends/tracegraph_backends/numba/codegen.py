"""Rendering a fused node's expression into the source of a Numba kernel module.

The kernel walks the iteration space in blocks: `for o in prange(outer)`, and
calls `block` on each: a function of its own whose loop over the contiguous run
LLVM vectorizes (compiled apart, as a flat loop, it keeps its vector constants
in registers). Inputs are
of three kinds, decided per call: "full" (contiguous, the whole iteration
shape, read in the block), "row" (contiguous, broadcast over leading axes: one
block is one row) and "scalar" (one value).

The expression's literals (the scalars of the traced program, such as a Python
float passed to a `tg.function`) are arguments of the kernel, typed by the
NumPy scalars `literal_arguments` gives: traces that differ only in such values
render the same source and share one compiled kernel. A literal's value enters
the source only where it decides the rendering (a small integer power becomes
products; an exp whose result only offsets large constants skips subnormals).
Numbers written in an op's template are typed module constants. Either way,
float32 code never silently becomes float64.
"""
import ast
import functools

from tracegraph import dtypes
from tracegraph.ops.fused import operand_dtype
from tracegraph.core.op import get_op

from .scalar_math import ABSORBING_MAGNITUDE, APPROXIMATION_NAMES

__all__ = ["render_kernel", "render_instruction", "literal_arguments", "divides_integers",
           "is_integer_division", "module_header", "KernelImports", "UnsupportedExpression"]

#: Scalar functions with vectorizable approximations in scalar_math (by op name).
APPROXIMATED = frozenset(op for op, _ in APPROXIMATION_NAMES)

#: Template function names implemented by `support.py`.
SUPPORT = {
    "where": "where", "max": "maximum", "min": "minimum", "maximum": "maximum", "minimum": "minimum",
    "sign": "sign", "isnan": "isnan", "isinf": "isinf", "isfinite": "isfinite", "floormod": "floormod",
    "logical_and": "logical_and", "logical_or": "logical_or", "logical_xor": "logical_xor",
    "logical_not": "logical_not", "truncatediv": "truncatediv", "truncatemod": "truncatemod",
}
#: Template function names numba compiles as they are.
BUILTINS = {"abs"}

#: Integer arithmetic that wraps on overflow (rendered for signed dtypes: see support._wrapping).
WRAPPING = {"add": "wrapping_add", "subtract": "wrapping_subtract", "multiply": "wrapping_multiply"}

#: Ops that divide: on integers, a zero divisor is an error the kernel reports (see render_kernel).
INTEGER_DIVISIONS = {"floordiv", "floormod", "truncatediv", "truncatemod"}

#: Functions numba maps to libm calls through NumPy's ufuncs (correct, but not vectorized).
LIBM = {"sin": "sin", "cos": "cos", "tan": "tan", "asin": "arcsin", "acos": "arccos", "atan": "arctan",
        "atan2": "arctan2", "sinh": "sinh", "cosh": "cosh", "asinh": "arcsinh", "acosh": "arccosh",
        "atanh": "arctanh", "floor": "floor", "ceil": "ceil", "trunc": "trunc", "rint": "rint", "round": "rint"}
#: Functions only `math` has in numba (typed per dtype like the ufuncs).
MATH_ONLY = {"erfc", "lgamma"}

class UnsupportedExpression(Exception):
    """The expression uses something the Numba renderer cannot express (the node runs generically)."""


def render_kernel(expression, input_kinds, input_dtypes, parallel):
    """The Python source of a module defining
    `kernel(n, outer, inner, *inputs, *literals, *outputs[, partials])`, `literals` being
    `literal_arguments(expression)` (it returns the number of blocks with a zero divisor if the
    expression divides integers)."""
    literal_arguments(expression)  # UnsupportedExpression for a literal a kernel cannot take
    constants = {}
    body = []
    imports = KernelImports()
    literal_names = iter(_literal_names(expression))
    for j, (name, refs, _, dtype) in enumerate(expression["instructions"]):
        args = [next(literal_names) if ref[0] == "lit" else _operand(ref, input_kinds) for ref in refs]
        body.append(f"t{j} = {render_instruction(expression, j, args, input_dtypes, constants, imports)}")
        if is_integer_division(name, dtype):
            body.append(f"divided_by_zero |= {args[1]} == 0")
    reduction = expression.get("reduction")
    checks_divisors = divides_integers(expression)
    lines = module_header(constants, imports)
    lines.extend(_block_function(body, input_kinds, expression, reduction, checks_divisors))
    lines.append("")
    lines.extend(_kernel_function(input_kinds, expression, reduction, parallel, checks_divisors))
    return "\n".join(lines) + "\n"


def render_instruction(expression, j, args, input_dtypes, constants, imports):
    """Instruction `j` of `expression` as one scalar Numba expression over the operand names `args`
    (a literal's operand name included), its value wrapped to its dtype for integers.

    `input_dtypes` are the dtype names of the expression's inputs; the module constants and
    imports the rendering needs are added to `constants` and `imports` (see `module_header`).
    An integer division does not check its divisor: the caller tests `is_integer_division`.
    """
    name, refs, _, dtype = expression["instructions"][j]
    if name == "exp" and dtype == "float32" and _only_offset_by_constants(expression, j):
        return f"{imports.scalar_math('exp_no_subnormal_f32')}({args[0]})"
    rendered = _render(name, args, dtype, refs, input_dtypes, expression, constants, imports)
    if _is_integer(dtype) and name != "cast":
        # numba computes integers narrower than 64 bits in 64 bits; NumPy wraps every
        # result to its dtype, and so must each value before the next instruction uses it.
        rendered = f"np.{dtype}({rendered})"
    return rendered


def literal_arguments(expression):
    """The values of the expression's literals, in the order the kernel takes them, as NumPy
    scalars of their dtypes (so numba types a float32 literal as float32)."""
    return tuple(_literal_scalar(value, dtype_name) for _, value, dtype_name in _literal_refs(expression))


def _literal_refs(expression):
    return [ref for _, refs, _, _ in expression["instructions"] for ref in refs if ref[0] == "lit"]


def _literal_scalar(value, dtype_name):
    dtype = dtypes.as_dtype(dtype_name).numpy_dtype
    if dtype.kind not in "biuf":
        raise UnsupportedExpression(f"literal of dtype {dtype_name}")
    return dtype.type(value)


def _literal_names(expression):
    """The kernel's parameter names for `literal_arguments(expression)`: one per literal, whatever
    its value (two equal literals are two parameters, so equal values do not change the source)."""
    return [f"c{k}" for k in range(len(_literal_refs(expression)))]


def divides_integers(expression):
    """Whether the expression divides integers: its kernel then returns the number of blocks in
    which some divisor was zero (a fault the caller turns into InvalidArgumentError, as eager
    mode raises it), and returns nothing otherwise."""
    return any(is_integer_division(name, dtype) for name, _, _, dtype in expression["instructions"])


def is_integer_division(name, dtype):
    """Whether instruction `name` of result dtype `dtype` divides integers (a zero divisor is an error)."""
    return name in INTEGER_DIVISIONS and _is_integer(dtype)


def _is_integer(dtype_name):
    return dtypes.as_dtype(dtype_name).numpy_dtype.kind in "iu"


def _is_signed_integer(dtype_name):
    return dtypes.as_dtype(dtype_name).numpy_dtype.kind == "i"


def _block_function(body, input_kinds, expression, reduction, checks_divisors):
    """`block(...)`: the element loop over one block. A function of its own (not inlined) so that
    LLVM compiles it as a flat loop: nested in the block loop, it re-materialized the vector
    constants on every iteration (measured 13% slower for scaled_elu). It returns the block's
    sum (with a fused reduction) and whether some integer divisor was zero (with divisions)."""
    n_outs = len(expression["outputs"])
    params = [f"{'b' if kind == 'full' else 'in'}{i}" for i, kind in enumerate(input_kinds)]
    params += _literal_names(expression) + [f"w{i}" for i in range(n_outs)] + ["m"]
    lines = [_decorator(False, reduction, inline_never=True), f"def block({', '.join(params)}):"]
    if reduction is not None:
        lines.append("    acc = np.float64(0.0)")
    if checks_divisors:
        # Or-ed over the loop (a reduction), not tested per element: no branch in the loop.
        lines.append("    divided_by_zero = False")
    # Views of the block and a loop from 0: numba then knows indices are non-negative and
    # drops its wraparound checks, which made the loop twice as slow.
    lines.append("    for j in range(m):")
    for i, kind in enumerate(input_kinds):
        if kind == "full":
            lines.append(f"        a{i} = b{i}[j]")
        elif kind == "row":
            lines.append(f"        a{i} = in{i}[j]")
    lines.extend("        " + line for line in body)
    for i, j in enumerate(expression["outputs"]):
        lines.append(f"        w{i}[j] = t{j}")
    if reduction is not None:
        lines.append(f"        acc += np.float64(t{reduction[1]})")
    results = (["acc"] if reduction is not None else []) + (["divided_by_zero"] if checks_divisors else [])
    if results:
        lines.append(f"    return {', '.join(results)}")
    return lines


def _kernel_function(input_kinds, expression, reduction, parallel, checks_divisors):
    """`kernel(n, outer, inner, *inputs, *literals, *outputs[, partials])`: the (parallel) loop over
    blocks, returning the number of blocks with a zero integer divisor if the expression divides
    integers."""
    n_outs = len(expression["outputs"])
    literals = _literal_names(expression)
    params = ["n", "outer", "inner"] + [f"in{i}" for i in range(len(input_kinds))] + literals
    params += [f"out{i}" for i in range(n_outs)] + (["partials"] if reduction is not None else [])
    args = [f"in{i}[lo:hi]" if kind == "full" else f"in{i}" for i, kind in enumerate(input_kinds)]
    args += literals + [f"out{i}[lo:hi]" for i in range(n_outs)] + ["hi - lo"]
    call = f"block({', '.join(args)})"
    lines = [_decorator(parallel, reduction), f"def kernel({', '.join(params)}):"]
    if checks_divisors:
        lines.append("    blocks_dividing_by_zero = 0")
    lines += [
        f"    for o in {'prange' if parallel else 'range'}(outer):",
        "        lo = o * inner",
        "        hi = min(lo + inner, n)",
    ]
    if reduction is not None and checks_divisors:
        lines += [f"        block_sum, divided_by_zero = {call}",
                  "        partials[o] = block_sum",
                  "        blocks_dividing_by_zero += divided_by_zero"]
    elif reduction is not None:
        lines.append(f"        partials[o] = {call}")
    elif checks_divisors:
        lines.append(f"        blocks_dividing_by_zero += {call}")
    else:
        lines.append(f"        {call}")
    if checks_divisors:
        lines.append("    return blocks_dividing_by_zero")
    return lines


def _decorator(parallel, reduction, inline_never=False):
    flags = '{"reassoc"}' if reduction is not None else "set()"
    inline = ", inline='never'" if inline_never else ""
    # error_model="numpy": x / 0 gives inf/nan as in NumPy instead of raising.
    return f"@njit(cache=True, parallel={parallel}, error_model='numpy', fastmath={flags}, nogil=True{inline})"


class KernelImports:
    """The names a kernel module imports from scalar_math and support, gathered while rendering."""

    def __init__(self):
        self.from_scalar_math, self.from_support = set(), set()

    def scalar_math(self, name):
        """`name`, an approximation of scalar_math, which the module then imports."""
        self.from_scalar_math.add(name)
        return name

    def support(self, name):
        """`name`, a helper of support.py, which the module then imports."""
        self.from_support.add(name)
        return name


def module_header(constants, imports):
    """The first lines of a kernel module: its imports (`imports`, a KernelImports) and the
    module constants (`constants`: name -> (value, dtype name)) the rendered code refers to."""
    lines = [
        "# Generated by tracegraph's Numba backend. Do not edit: the file name is the hash of this text.",
        "import math",
        "import numpy as np",
        "from numba import njit, prange",
    ]
    if imports.from_scalar_math:
        lines.append(f"from tracegraph_backends.numba.scalar_math import {', '.join(sorted(imports.from_scalar_math))}")
    if imports.from_support:
        lines.append(f"from tracegraph_backends.numba.support import {', '.join(sorted(imports.from_support))}")
    lines.append("")
    lines.extend(f"{name} = np.{dtype}({value!r})" for name, (value, dtype) in constants.items())
    lines.append("")
    return lines


def _operand(ref, input_kinds):
    if ref[0] == "in":
        return f"in{ref[1]}" if input_kinds[ref[1]] == "scalar" else f"a{ref[1]}"
    return f"t{ref[1]}"


def _constant(constants, value, dtype_name):
    """The name of a module constant for a number of an op's template."""
    dtype = dtypes.as_dtype(dtype_name).numpy_dtype
    if dtype.kind not in "biuf":
        raise UnsupportedExpression(f"template number of dtype {dtype_name}")
    for name, existing in constants.items():
        if existing == (value, dtype.name) and type(existing[0]) is type(value):
            return name
    name = f"L{len(constants)}"
    constants[name] = (value, "bool_" if dtype.kind == "b" else dtype.name)
    return name


def _render(name, args, dtype, refs, input_dtypes, expression, constants, imports):
    """One instruction as a scalar expression."""
    if name == "cast":
        target = dtypes.as_dtype(dtype).numpy_dtype
        return f"np.{'bool_' if target.kind == 'b' else target.name}({args[0]})"
    if name in WRAPPING and _is_signed_integer(dtype):
        return f"{imports.support(WRAPPING[name])}({args[0]}, {args[1]})"
    if name == "pow" and _small_integer_literal(refs[1]):
        # x**2, x**3, x**4 as products: exact, and much cheaper than exp(y * log(x)).
        if _is_signed_integer(dtype):
            multiply = imports.support("wrapping_multiply")
            return functools.reduce(lambda product, x: f"{multiply}({product}, {x})", [args[0]] * int(refs[1][1]))
        return "(" + " * ".join([args[0]] * int(refs[1][1])) + ")"
    if (name, dtype) in APPROXIMATION_NAMES:
        return f"{imports.scalar_math(APPROXIMATION_NAMES[name, dtype])}({', '.join(args)})"
    template = get_op(name).template
    if name == "floordiv":
        template = "floordiv_float({0}, {1})" if dtype in ("float32", "float64") else "floordiv_int({0}, {1})"
    operands_dtype = operand_dtype(refs, input_dtypes, expression) or dtype
    return _TemplateRenderer(args, dtype, operands_dtype, constants, imports).render(template)


class _TemplateRenderer(ast.NodeTransformer):
    """An op's scalar template as Numba Python: `{i}` becomes operand i, each function the Numba
    function that computes it for `dtype`, each number a module constant of the operands' dtype."""

    _PLACEHOLDER = "_operand_{}"

    def __init__(self, args, dtype, operands_dtype, constants, imports):
        self.args, self.dtype, self.operands_dtype = args, dtype, operands_dtype
        self.constants, self.imports = constants, imports

    def render(self, template):
        placeholders = [self._PLACEHOLDER.format(i) for i in range(len(self.args))]
        tree = ast.parse(template.format(*placeholders), mode="eval")
        return ast.unparse(ast.fix_missing_locations(self.visit(tree)))

    def visit_Name(self, node):
        prefix = self._PLACEHOLDER.format("")
        if node.id.startswith(prefix):
            return ast.Name(self.args[int(node.id[len(prefix):])], ast.Load())
        return node

    def visit_Constant(self, node):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            return node
        value = int(node.value) if _is_integer(self.operands_dtype) else float(node.value)
        return ast.Name(_constant(self.constants, value, self.operands_dtype), ast.Load())

    def visit_Call(self, node):
        node.args = [self.visit(a) for a in node.args]
        if isinstance(node.func, ast.Name):
            node.func = ast.parse(_function(node.func.id, self.dtype, self.imports), mode="eval").body
        return node


def _only_offset_by_constants(expression, j):
    """Whether value j is used only as an addend of float32 literals c with |c| >= ABSORBING_MAGNITUDE
    (as exp's value in exp(x) - 1): such sums do not depend on how a value below 2**-125 is rounded,
    so exp can skip its exact subnormal results there."""
    reduction = expression["reduction"]
    if j in expression["outputs"] or (reduction is not None and reduction[1] == j):
        return False
    for name, refs, _, dtype in expression["instructions"]:
        uses = [k for k, ref in enumerate(refs) if ref[0] == "t" and ref[1] == j]
        if not uses:
            continue
        if name not in ("add", "subtract") or dtype != "float32" or len(uses) != 1:
            return False
        other = refs[1 - uses[0]]
        if other[0] != "lit" or not abs(float(other[1])) >= ABSORBING_MAGNITUDE:
            return False
    return True


def _small_integer_literal(ref):
    return ref[0] == "lit" and isinstance(ref[1], (int, float)) and float(ref[1]) in (1.0, 2.0, 3.0, 4.0)


#: Kernels of float dtypes use these NaN-propagating extrema (see support.py).
_FLOAT_EXTREMA = {"maximum": "maximum_float", "minimum": "minimum_float"}


def _function(name, dtype, imports):
    """The Numba spelling of a template's scalar function `name` for `dtype` (what it imports noted)."""
    if name in ("floordiv_float", "floordiv_int"):
        return imports.support(name)
    if name in SUPPORT and SUPPORT[name] in _FLOAT_EXTREMA and dtype in ("float32", "float64"):
        return imports.support(_FLOAT_EXTREMA[SUPPORT[name]])
    if name in BUILTINS:
        return name
    if name in SUPPORT:
        return imports.support(SUPPORT[name])
    if name in LIBM:
        return f"np.{LIBM[name]}"
    if name in MATH_ONLY:
        return f"math.{name}"
    if (name, dtype) in APPROXIMATION_NAMES:
        return imports.scalar_math(APPROXIMATION_NAMES[name, dtype])
    if name in APPROXIMATED:
        raise UnsupportedExpression(f"{name} on {dtype}")
    raise UnsupportedExpression(f"no Numba rendering for scalar function {name!r}")
