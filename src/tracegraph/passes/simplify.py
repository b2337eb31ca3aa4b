"""Algebraic simplification: identities that remove work without changing results.

x * 1, 1 * x, x + 0, 0 + x, x - 0, x / 1 -> x; -(-x) -> x; identity(x) -> x;
transpose(transpose(x)) -> one transpose (or none); reshape(reshape(x)) -> one
reshape; reshape to the same shape -> x. A rule applies only when the result
has exactly the spec of the value it replaces, so broadcasting by a constant
is never lost. (x * 0 -> 0 is not a rule: it is wrong for inf and NaN.)
"""
import numpy as np

from ..ir.graph import Node
from .rewrite import Rewriter, const_value, is_const

__all__ = ["simplify_algebra"]

_NEUTRAL_RIGHT = {"add": 0, "subtract": 0, "multiply": 1, "divide": 1}
_NEUTRAL_LEFT = {"add": 0, "multiply": 1}


def simplify_algebra(graph):
    """A graph with the identities of the module docstring applied."""
    rw = Rewriter(graph)
    for node in graph.nodes:
        replacement = _simplify(node, rw)
        if replacement is None:
            rw.emit(node)
        elif isinstance(replacement, Node):
            rw.emit(replacement)
        else:
            rw.replace(node.outputs[0], replacement)
    return rw.finish()


def _simplify(node, rw):
    """A value replacing the node's output, a new node replacing the node, or None."""
    name = node.op.name
    out = node.outputs[0] if node.outputs else None
    inputs = [rw.value(v) for v in node.inputs]
    if name in _NEUTRAL_RIGHT and _is_scalar_const(rw.producer(inputs[1]), _NEUTRAL_RIGHT[name]):
        return _same_spec(inputs[0], out)
    if name in _NEUTRAL_LEFT and _is_scalar_const(rw.producer(inputs[0]), _NEUTRAL_LEFT[name]):
        return _same_spec(inputs[1], out)
    if name == "identity":
        return inputs[0]
    if name == "negative":
        inner = rw.producer(inputs[0])
        if inner is not None and inner.op.name == "negative":
            return rw.value(inner.inputs[0])
    if name == "transpose":
        return _merge_transposes(node, inputs, rw)
    if name == "reshape":
        return _merge_reshapes(node, inputs, rw)
    return None


def _is_scalar_const(producer, neutral):
    if not is_const(producer):
        return False
    value = const_value(producer)
    return value.size > 0 and value.dtype != object and bool(np.all(value == neutral))


def _same_spec(value, out):
    spec, target = value.spec, out.spec
    if spec.dtype == target.dtype and spec.shape == target.shape and spec.shape.rank is not None:
        return value
    return None


def _merge_transposes(node, inputs, rw):
    inner = rw.producer(inputs[0])
    if inner is None or inner.op.name != "transpose":
        if tuple(node.attrs["perm"]) == tuple(range(len(node.attrs["perm"]))):
            return inputs[0]
        return None
    outer_perm, inner_perm = node.attrs["perm"], inner.attrs["perm"]
    combined = tuple(inner_perm[p] for p in outer_perm)
    source = rw.value(inner.inputs[0])
    if combined == tuple(range(len(combined))):
        return source
    return Node(node.op, [source], {"perm": combined}, node.outputs)


def _merge_reshapes(node, inputs, rw):
    out = node.outputs[0]
    if inputs[0].spec.shape == out.spec.shape and out.spec.shape.is_fully_defined():
        return inputs[0]
    inner = rw.producer(inputs[0])
    if inner is not None and inner.op.name == "reshape":
        return Node(node.op, [rw.value(inner.inputs[0])], node.attrs, node.outputs)
    return None
