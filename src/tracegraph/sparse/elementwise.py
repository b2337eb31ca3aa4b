"""Unary elementwise ops on SparseTensors (`tg.abs(s)`, `tg.math.sign(s)`, `tg.sqrt(s)`, ...), as
TF's math ops take them: the op applied to the stored values, under the same indices.

That keeps the meaning of the implicit zeros only when the op maps 0 to 0, so an op that does
not (`tg.exp`, `tg.cos`, ...) is a TypeError pointing to `tg.sparse.map_values` and
`tg.sparse.to_dense`. Binary ops take no SparseTensor (TF's do not either): `s * x` and `s / x`
are the SparseTensor's operators, sums are `tg.sparse.add`.
"""
import numpy as np

from ..ops import creation, state_ops
from ..ops.api_dispatch import dispatch_for_unary_elementwise_apis
from .sparse_tensor import SparseTensor

__all__ = []


def _maps_zero_to_zero(op, dtype):
    """Whether `op` sends a zero of `dtype` to zero (evaluated eagerly, also while tracing)."""
    with state_ops.init_scope():
        return bool(np.all(op(creation.zeros([], dtype)).numpy() == 0))


@dispatch_for_unary_elementwise_apis(SparseTensor)
def _unary_on_values(op, x):
    if not _maps_zero_to_zero(op, x.dtype):
        raise TypeError("this elementwise op does not map 0 to 0, so it cannot keep a SparseTensor's "
                        "implicit zeros; apply it with tg.sparse.map_values (stored values only) or to "
                        "tg.sparse.to_dense(s)")
    return x.with_values(op(x.values))
