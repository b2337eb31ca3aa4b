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
from .op import Op, get_op

__all__ = ["FUSED", "evaluate_expression"]


def _infer(*input_specs, expression, output_specs, boundaries=()):
    return tuple(output_specs)


def evaluate_expression(xp, expression, arrays):
    """The values of the expression's outputs (and its reduction) for input `arrays`.

    Temporaries are dropped after their last use, so memory stays as low as
    running the ops one by one.
    """
    instructions = expression["instructions"]
    keep = set(expression["outputs"])
    reduction = expression.get("reduction")
    if reduction is not None:
        keep.add(reduction[1])
    last_use = _last_uses(instructions)
    temps = [None] * len(instructions)
    for j, (name, refs, attrs, dtype) in enumerate(instructions):
        args = [_operand(xp, ref, arrays, temps) for ref in refs]
        value = get_op(name).impl(xp, *args, **dict(attrs))
        target = dtypes.as_dtype(dtype).numpy_dtype
        if getattr(value, "dtype", None) != target:
            value = xp.asarray(value).astype(target)
        temps[j] = value
        for ref in refs:
            if ref[0] == "t" and last_use[ref[1]] == j and ref[1] not in keep:
                temps[ref[1]] = None
    results = [temps[j] for j in expression["outputs"]]
    if reduction is not None:
        _, j, dtype = reduction
        total = xp.sum(temps[j], dtype=np.float64 if dtypes.as_dtype(dtype).is_floating else None)
        results.append(xp.asarray(total).astype(dtypes.as_dtype(dtype).numpy_dtype))
    return tuple(results)


def _last_uses(instructions):
    last = {}
    for j, (_, refs, _, _) in enumerate(instructions):
        for ref in refs:
            if ref[0] == "t":
                last[ref[1]] = j
    return last


def _operand(xp, ref, arrays, temps):
    kind = ref[0]
    if kind == "in":
        return arrays[ref[1]]
    if kind == "t":
        return temps[ref[1]]
    return xp.asarray(ref[1], dtype=dtypes.as_dtype(ref[2]).numpy_dtype)


def _impl(xp, *arrays, expression, output_specs, boundaries=()):
    return evaluate_expression(xp, expression, arrays)


FUSED = Op("fused_elementwise", infer=_infer, impl=_impl, multiple_outputs=True)
