"""A stand-in for tracing: symbolic tensors whose specs come only from the ops' shape rules.

Inside `with tracing() as graph:`, every op call is applied to an `EvalGraph`:
it runs the op on concrete arrays right away, but hands back a symbolic tensor
typed by the op's shape rule, so one test checks both the rule (with unknown
dimensions) and the values. `graph.placeholder(array, shape)` makes an input
whose declared `shape` may be less defined than the array's.
"""
import contextlib

import numpy as np

import tracegraph as tg
from tracegraph.context import state
from tracegraph.tensor import SymbolicTensor


class _Value:
    def __init__(self, spec, array):
        self.spec, self.array, self.name = spec, array, "v"


class EvalGraph:
    """Runs each op on concrete arrays but returns symbolic tensors typed by the op's shape rule."""

    def placeholder(self, array, shape):
        array = np.asarray(array)
        return SymbolicTensor(self, _Value(tg.TensorSpec(shape, tg.as_dtype(array.dtype)), array))

    def apply(self, op, inputs, attrs):
        specs = op.infer(*[t.spec for t in inputs], **attrs)
        arrays = [t.value.array if isinstance(t, SymbolicTensor) else t._value for t in inputs]
        result = op.impl(np, *arrays, **attrs)
        if op.multiple_outputs:
            return tuple(self._wrap(r, s, op) for r, s in zip(result, specs))
        return self._wrap(result, specs, op)

    def _wrap(self, array, spec, op):
        array = np.asarray(array).astype(spec.dtype.numpy_dtype)
        assert spec.shape.is_compatible_with(array.shape), (op.name, spec.shape, array.shape)
        return SymbolicTensor(self, _Value(spec, array))


@contextlib.contextmanager
def tracing():
    """Route op calls to a fresh `EvalGraph` (yielded) for the duration of the block."""
    graph, state.graph = state.graph, EvalGraph()
    try:
        yield state.graph
    finally:
        state.graph = graph


def value(t):
    """The array a tensor holds: a symbolic one's run-time value, or an eager one's."""
    return t.value.array if isinstance(t, SymbolicTensor) else t.numpy()
