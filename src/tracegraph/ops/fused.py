"""The `fused_elementwise` op: a group of elementwise ops as one node.

Its `expression` attr is a small program in plain data (so graphs with fused
nodes still print, verify and serialize):

    instructions: tuple of (op name, argument refs, op attrs, dtype name)
    outputs:      tuple of instruction indices whose values leave the kernel
    reduction:    None, or ("sum", instruction index) - the kernel also sums that
                  value over all elements (a reduction fused into the kernel)

An argument ref is ("in", i) for the node's i-th input, ("t", j) for the value
of instruction j, or ("lit", python scalar, dtype name) for a scalar constant.
Backends that generate kernels render the instructions with each op's scalar
template; the generic implementation below runs them with the ops' own `xp`
implementations, so every backend can execute a fused graph.
"""
import numpy as np

from .. import dtypes
from ..core.op import Op, get_op

__all__ = ["FUSED", "evaluate_expression", "CompiledExpression", "operand_dtype", "is_row_broadcast"]


def _infer(*input_specs, expression, output_specs, boundaries=()):
    return tuple(output_specs)


def evaluate_expression(xp, expression, arrays):
    """The values of the expression's outputs (and its reduction) for input `arrays`."""
    return CompiledExpression(expression)(xp, arrays)


class CompiledExpression:
    """An expression prepared once for repeated evaluation with the ops' `xp` implementations.

    Temporaries are dropped after their last use, so memory stays as low as
    running the ops one by one.
    """

    _INPUT, _TEMP, _LITERAL = 0, 1, 2

    def __init__(self, expression):
        instructions = expression["instructions"]
        reduction = expression.get("reduction")
        keep = set(expression["outputs"]) | ({reduction[1]} if reduction is not None else set())
        last_use = {ref[1]: j for j, ins in enumerate(instructions) for ref in ins[1] if ref[0] == "t"}
        self.steps = []
        for j, (name, refs, attrs, dtype) in enumerate(instructions):
            operands = [self._operand(ref) for ref in refs]
            frees = tuple(sorted({r[1] for r in refs if r[0] == "t" and last_use[r[1]] == j and r[1] not in keep}))
            self.steps.append((get_op(name).impl, dict(attrs), operands, dtypes.as_dtype(dtype).numpy_dtype, frees))
        self.outputs = tuple(expression["outputs"])
        self.reduction = None
        if reduction is not None:
            target = dtypes.as_dtype(reduction[2])
            self.reduction = (reduction[1], np.float64 if target.is_floating else None, target.numpy_dtype)

    def _operand(self, ref):
        if ref[0] == "in":
            return (self._INPUT, ref[1])
        if ref[0] == "t":
            return (self._TEMP, ref[1])
        return (self._LITERAL, np.asarray(ref[1], dtype=dtypes.as_dtype(ref[2]).numpy_dtype))

    def __call__(self, xp, arrays):
        temps = [None] * len(self.steps)
        on_numpy = xp is np
        for j, (impl, attrs, operands, target, frees) in enumerate(self.steps):
            args = [arrays[v] if kind == 0 else temps[v] if kind == 1 else (v if on_numpy else xp.asarray(v))
                    for kind, v in operands]
            value = impl(xp, *args, **attrs)
            if getattr(value, "dtype", None) != target:
                value = xp.asarray(value).astype(target)
            temps[j] = value
            for f in frees:
                temps[f] = None
        results = [temps[j] for j in self.outputs]
        if self.reduction is not None:
            j, accumulate, target = self.reduction
            results.append(xp.asarray(temps[j].sum(dtype=accumulate)).astype(target))
        return tuple(results)


def _impl(xp, *arrays, expression, output_specs, boundaries=()):
    return evaluate_expression(xp, expression, arrays)


FUSED = Op("fused_elementwise", infer=_infer, impl=_impl, multiple_outputs=True)


# ----- helpers for backends that render expressions ----------------------------------------

def operand_dtype(refs, input_dtypes, expression):
    """The dtype name of an instruction's operands (the first one that has a known dtype)."""
    for ref in refs:
        if ref[0] == "in":
            return input_dtypes[ref[1]]
        if ref[0] == "t":
            return expression["instructions"][ref[1]][3]
        if ref[0] == "lit":
            return ref[2]
    return None


def is_row_broadcast(array_shape, shape):
    """True if an input of `array_shape` is `shape`'s trailing dims, broadcast along the leading ones."""
    dims = tuple(array_shape)
    while dims and dims[0] == 1:
        dims = dims[1:]
    return 0 < len(dims) <= len(shape) and tuple(shape[len(shape) - len(dims):]) == dims
