"""`sparse_dense_matmul`: a sparse matrix (COO components) times a dense matrix.

On NumPy the product runs through `scipy.sparse` (a CSR matrix-times-dense kernel, much faster
than scattering rows), on CuPy through `cupyx.scipy.sparse`.
The gradient for the dense operand is the adjoint sparse matrix times the output gradient;
for the values, each stored entry (i, j) gets the dot product of row i of the output gradient
with the conjugate of row j of the dense operand.
"""
import numpy as np

from ..core.dispatch import bind
from ..core.op import Op
from ..core.rules import spec_of
from ..ops import gather_scatter, linalg_common, reduction
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
        return np.asarray(_csr_matrix(indices, values, rows, cols) @ b, dtype=values.dtype)
    return _device_product(xp, indices, values, rows, cols, b)


def _device_product(xp, indices, values, rows, cols, b):
    """The product on a GPU array module: cupyx.scipy.sparse's CSR kernel (cuSPARSE)."""
    import cupyx.scipy.sparse  # only a CuPy plan gets here; `import tracegraph` must not import cupy
    matrix = cupyx.scipy.sparse.coo_matrix((values, (indices[:, 0], indices[:, 1])), shape=(rows, cols))
    return xp.asarray(matrix.tocsr() @ b, dtype=values.dtype)


def _csr_matrix(indices, values, rows, cols):
    """The scipy CSR matrix of COO components. Row pointers come from counting the entries per
    row, which skips scipy's COO conversion (a sort and a sum of duplicates: most of the time of
    the product); repeated entries in a row add up in the product all the same."""
    row_of, col_of = indices[:, 0], indices[:, 1]
    if row_of.size and bool((row_of[1:] < row_of[:-1]).any()):
        order = np.argsort(row_of, kind="stable")
        row_of, col_of, values = row_of[order], col_of[order], values[order]
    row_pointers = np.concatenate([[0], np.cumsum(np.bincount(row_of, minlength=rows))])
    import scipy.sparse  # noqa: PLC0415 - ~0.3 s to import: only a sparse product pays for it
    return scipy.sparse.csr_matrix((values, col_of, row_pointers), shape=(rows, cols))


def _grad(ctx, g):
    indices, values, dense_shape, b = ctx.inputs
    rows, cols = indices[:, 0], indices[:, 1]
    b_rows = linalg_common.conj_if_complex(gather_scatter.gather(b, cols))
    grad_values = reduction.reduce_sum(gather_scatter.gather(g, rows) * b_rows, axis=1)
    grad_b = coo_matmul(swapped_columns(indices), linalg_common.conj_if_complex(values),
                        gather_scatter.gather(dense_shape, [1, 0]), g)
    return None, grad_values, None, grad_b


_matmul = Op("sparse_dense_matmul", infer=_infer, impl=_impl, grad=_grad)


def coo_matmul(indices, values, dense_shape, b):
    """The [rows, k] product of the sparse matrix (`indices`, `values`, `dense_shape`) and `b`."""
    return bind(_matmul, [indices, values, dense_shape, b])


def swapped_columns(indices):
    """The indices of the transposed matrix: each (i, j) becomes (j, i)."""
    return gather_scatter.gather(indices, [1, 0], axis=1)
