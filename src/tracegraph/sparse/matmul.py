"""`sparse_dense_matmul`: a sparse matrix (COO components) times a dense matrix.

On NumPy the product runs through `scipy.sparse` (a CSR matrix-times-dense kernel, much faster
than scattering rows); other array modules add the scaled rows with the generic `xp` scatter.
The gradient for the dense operand is the transposed sparse matrix times the output gradient;
for the values, each stored entry (i, j) gets the dot product of row i of the output gradient
with row j of the dense operand.
"""
import numpy as np
import scipy.sparse

from ..core.dispatch import bind
from ..core.op import Op
from ..core.rules import spec_of
from ..ops import gather_scatter, reduction
from .index_ops import check_in_bounds

__all__ = ["coo_matmul"]


def _infer(indices, values, dense_shape, b):
    if indices.dtype.name != "int64" or indices.shape.rank not in (2, None):
        raise TypeError(f"sparse_dense_matmul: `indices` must be a 2-D int64 tensor, got {indices.short()}")
    if indices.shape.rank == 2 and indices.shape[1] not in (2, None):
        raise ValueError(f"sparse_dense_matmul: the sparse operand must be a matrix, got indices of shape "
                         f"{indices.shape}")
    if b.shape.rank not in (2, None):
        raise ValueError(f"sparse_dense_matmul: `b` must be a matrix, got shape {b.shape}")
    if b.dtype != values.dtype:
        raise TypeError(f"sparse_dense_matmul: the sparse operand has dtype {values.dtype.name}, `b` "
                        f"{b.dtype.name}")
    return spec_of([None, b.shape[1] if b.shape.rank == 2 else None], values.dtype)


def _impl(xp, indices, values, dense_shape, b):
    rows, cols = (int(d) for d in dense_shape.tolist())
    check_in_bounds(xp, "sparse_dense_matmul", indices, dense_shape)
    if cols != b.shape[0]:
        raise ValueError(f"sparse_dense_matmul: the sparse operand has {cols} columns, `b` {b.shape[0]} rows")
    if xp is np:
        matrix = scipy.sparse.csr_matrix((values, (indices[:, 0], indices[:, 1])), shape=(rows, cols))
        return np.asarray(matrix @ b, dtype=values.dtype)
    out = xp.zeros((rows, b.shape[1]), dtype=values.dtype)
    gather_scatter._add_at(xp, out, indices[:, 0], values[:, None] * b[indices[:, 1]])
    return out


def _grad(ctx, g):
    indices, values, dense_shape, b = ctx.inputs
    rows, cols = indices[:, 0], indices[:, 1]
    grad_values = reduction.reduce_sum(gather_scatter.gather(g, rows) * gather_scatter.gather(b, cols), axis=1)
    grad_b = coo_matmul(swapped_columns(indices), values, gather_scatter.gather(dense_shape, [1, 0]), g)
    return None, grad_values, None, grad_b


_matmul = Op("sparse_dense_matmul", infer=_infer, impl=_impl, grad=_grad)


def coo_matmul(indices, values, dense_shape, b):
    """The [rows, k] product of the sparse matrix (`indices`, `values`, `dense_shape`) and `b`."""
    return bind(_matmul, [indices, values, dense_shape, b])


def swapped_columns(indices):
    """The indices of the transposed matrix: each (i, j) becomes (j, i)."""
    return gather_scatter.gather(indices, [1, 0], axis=1)
