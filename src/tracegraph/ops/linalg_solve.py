"""Inverses, determinants and solvers: inv, det, slogdet, logdet, solve, triangular_solve,
cholesky_solve, lstsq.

The last two axes of a tensor are the matrix; leading batch axes broadcast in
`solve`. LAPACK runs through `xp.linalg`, so one implementation serves NumPy
and CuPy. Gradients follow TensorFlow's formulas.
"""
import collections

import numpy as np

from . import (array_ops, comparison, control_flow, decompositions, join_split, linalg, reduction,
               unary_math)
from .broadcast import unbroadcast
from .linalg_common import batch_shape, check_matrix, lapack_ready, matrix_dims, square_infer
from ..convert import convert_to_tensor, operands_to_tensors
from ..core.dispatch import bind
from ..core.op import Op
from ..core.rules import broadcast_shapes, same_dtype, spec_of

__all__ = ["inv", "det", "slogdet", "logdet", "solve", "triangular_solve", "cholesky_solve", "lstsq"]

LogMatrixDeterminant = collections.namedtuple("LogMatrixDeterminant", ["sign", "log_abs_determinant"])


def _expand_last2(t):
    """A batch of scalars as a batch of 1x1 matrices, to scale a batch of matrices."""
    if t.shape.rank is None:  # expand_dims needs a known rank for a negative axis
        return array_ops.reshape(t, join_split.concat([array_ops.shape(t), [1, 1]], 0))
    return array_ops.expand_dims(array_ops.expand_dims(t, -1), -1)


def _det_infer(op_name):
    def infer(x):
        check_matrix(op_name, x, "input", square=True)
        return spec_of(batch_shape(x.shape), x.dtype)
    return infer


def _inv_grad(ctx, g):
    y = ctx.outputs[0]
    return (-linalg.matmul(linalg.matmul(y, g, adjoint_a=True), y, adjoint_b=True),)


def _det_grad(ctx, g):
    x, d = ctx.inputs[0], ctx.outputs[0]
    return (_expand_last2(g * d) * linalg.adjoint(inv(x)),)


def _slogdet_impl(xp, x):
    sign, logabs = xp.linalg.slogdet(lapack_ready(xp, x))
    return sign, logabs


_inv = Op("matrix_inverse", infer=square_infer("inv"),
          impl=lambda xp, x: xp.linalg.inv(lapack_ready(xp, x)), grad=_inv_grad)
_det = Op("matrix_determinant", infer=_det_infer("det"),
          impl=lambda xp, x: xp.linalg.det(lapack_ready(xp, x)), grad=_det_grad)
_slogdet = Op("log_matrix_determinant", multiple_outputs=True,
              infer=lambda x: (_det_infer("slogdet")(x),) * 2, impl=_slogdet_impl,
              grad=lambda ctx, g_sign, g_logabs: (
                  _expand_last2(g_logabs) * linalg.adjoint(inv(ctx.inputs[0])),))


def inv(input, adjoint=False, name=None):  # noqa: A002 - TF's names
    """The inverse of each square matrix (of its adjoint when `adjoint`)."""
    result = bind(_inv, [convert_to_tensor(input)])
    return linalg.matrix_transpose(result, conjugate=True) if adjoint else result


def det(input, name=None):  # noqa: A002 - TF's name
    """The determinant of each square matrix."""
    return bind(_det, [convert_to_tensor(input)])


def slogdet(input, name=None):  # noqa: A002 - TF's name
    """(sign, log |determinant|) of each square matrix; stable where `det` over/underflows."""
    return LogMatrixDeterminant(*bind(_slogdet, [convert_to_tensor(input)]))


def logdet(matrix, name=None):
    """log(det(matrix)) of Hermitian positive definite matrices, via Cholesky."""
    diagonal = linalg.diag_part(decompositions.cholesky(matrix))
    if diagonal.dtype.is_complex:
        diagonal = unary_math.real(diagonal)  # a Hermitian positive definite factor's diagonal is real
    return 2.0 * reduction.reduce_sum(unary_math.log(diagonal), axis=-1)


def _solve_infer(a, b, adjoint):
    dtype = same_dtype("solve", a, b)
    check_matrix("solve", a, "matrix", square=True)
    check_matrix("solve", b, "rhs")
    if a.shape.rank is None or b.shape.rank is None:
        return spec_of(None, dtype)
    if None not in (a.shape[-1], b.shape[-2]) and a.shape[-1] != b.shape[-2]:
        raise ValueError(f"solve: `matrix` of shape {a.shape} and `rhs` of shape {b.shape} do not fit: "
                         f"{a.shape[-1]} != {b.shape[-2]}")
    batch = broadcast_shapes("solve", batch_shape(a.shape), batch_shape(b.shape))
    return spec_of(batch.concatenate([a.shape[-1], b.shape[-1]]), dtype)


def _solve_impl(xp, a, b, adjoint):
    a, b = lapack_ready(xp, a), lapack_ready(xp, b)
    if adjoint:
        a = xp.conj(xp.swapaxes(a, -1, -2))
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = xp.broadcast_to(a, batch + a.shape[-2:])
    b = xp.broadcast_to(b, batch + b.shape[-2:])
    return xp.linalg.solve(a, b)


def _solve_grad(ctx, g):
    a, b = ctx.inputs
    x = ctx.outputs[0]
    adj = ctx.attrs["adjoint"]
    grad_b = bind(_solve, [a, g], {"adjoint": not adj})
    grad_a = -(linalg.matmul(x, grad_b, adjoint_b=True) if adj else linalg.matmul(grad_b, x, adjoint_b=True))
    return unbroadcast(grad_a, a), unbroadcast(grad_b, b)


_solve = Op("matrix_solve", infer=_solve_infer, impl=_solve_impl, grad=_solve_grad)


def solve(matrix, rhs, adjoint=False, name=None):
    """X with matrix @ X = rhs (adjoint(matrix) @ X = rhs when `adjoint`); batch axes broadcast."""
    a, b = operands_to_tensors(matrix, rhs)
    return bind(_solve, [a, b], {"adjoint": bool(adjoint)})


def triangular_solve(matrix, rhs, lower=True, adjoint=False, name=None):
    """`solve` reading only the lower (or upper) triangle of `matrix`."""
    a = convert_to_tensor(matrix)
    triangle = linalg.band_part(a, -1, 0) if lower else linalg.band_part(a, 0, -1)
    return solve(triangle, rhs, adjoint=adjoint)


def cholesky_solve(chol, rhs, name=None):
    """X with A @ X = rhs, given the Cholesky factor `chol` of A."""
    y = triangular_solve(chol, rhs, lower=True)
    return triangular_solve(chol, y, lower=True, adjoint=True)


def _add_to_diagonal(m, value):
    return linalg.set_diag(m, linalg.diag_part(m) + value)


def _normal_equations_of_columns(a, b, l2_regularizer):
    """(A^H A + l2 I)^-1 A^H B: the solution when A has at least as many rows as columns."""
    gram = _add_to_diagonal(linalg.matmul(a, a, adjoint_a=True), l2_regularizer)
    return solve(gram, linalg.matmul(a, b, adjoint_a=True))


def _normal_equations_of_rows(a, b, l2_regularizer):
    """A^H (A A^H + l2 I)^-1 B: the (minimum-norm) solution when A has fewer rows than columns."""
    gram = _add_to_diagonal(linalg.matmul(a, a, adjoint_b=True), l2_regularizer)
    return linalg.matmul(a, solve(gram, b), adjoint_a=True)


def _check_lstsq_operands(a, b):
    check_matrix("lstsq", a.spec, "matrix")
    check_matrix("lstsq", b.spec, "rhs")
    a_rows, b_rows = matrix_dims(a.shape)[0], matrix_dims(b.shape)[0]
    if None not in (a_rows, b_rows) and a_rows != b_rows:
        raise ValueError(f"lstsq: `matrix` of shape {a.shape} and `rhs` of shape {b.shape} do not fit: "
                         f"{a_rows} != {b_rows} rows")


def _is_overdetermined(a):
    """rows >= cols of `a`: a Python bool when both are known now, else a scalar bool tensor."""
    rows, cols = matrix_dims(a.shape)
    if rows is not None and cols is not None:
        return rows >= cols
    dims = array_ops.shape(a)
    return comparison.greater_equal(dims[-2], dims[-1])


def lstsq(matrix, rhs, l2_regularizer=0.0, fast=True, name=None):
    """Least-squares solution of matrix @ X = rhs (with optional L2 regularization).

    Only TF's `fast=True` path (the regularized normal equations) is provided.
    Which normal equations are solved depends on whether `matrix` has at least
    as many rows as columns; where that is known only at run time (a traced
    function with unknown dimensions) both are traced and a `cond` chooses.
    """
    if not fast:
        raise NotImplementedError("lstsq: only fast=True (normal equations) is supported")
    a, b = operands_to_tensors(matrix, rhs)
    _check_lstsq_operands(a, b)
    return control_flow.cond(_is_overdetermined(a),
                             lambda: _normal_equations_of_columns(a, b, l2_regularizer),
                             lambda: _normal_equations_of_rows(a, b, l2_regularizer))
