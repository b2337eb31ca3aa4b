"""Matrix decompositions: cholesky, eigh/eigvalsh, svd, qr, with TensorFlow's gradients.

Decompositions run through `xp.linalg`, so one implementation serves NumPy and
CuPy. Two gradient conventions matter when comparing with finite differences:
`cholesky` returns a symmetric gradient, and `eigh` a lower-triangular one (it
reads only the lower triangle). Eigenvector and singular-vector gradients are
the standard formulas for real inputs with distinct eigen/singular values.
"""
import collections

from . import arithmetic, array_ops, creation, join_split, linalg, linalg_solve, unary_math
from .linalg_common import batch_shape, check_matrix, lapack_ready, matrix_dims, square_infer
from ..convert import convert_to_tensor
from ..core.dispatch import bind
from ..core.op import Op
from ..core.rules import spec_of

__all__ = ["cholesky", "eigh", "eigvalsh", "svd", "qr"]

Qr = collections.namedtuple("Qr", ["q", "r"])


def _safe_reciprocal(x, epsilon=1e-20):
    """1/x, but 0 where x is 0 (TF's choice for eigen/singular value gaps)."""
    return x * arithmetic.reciprocal(x * x + epsilon)


def _cholesky_grad(ctx, g):
    chol = ctx.outputs[0]
    chol_inv = linalg_solve.inv(chol)
    middle = linalg.matmul(chol, g, adjoint_a=True)
    middle = linalg.band_part(linalg.set_diag(middle, 0.5 * linalg.diag_part(middle)), -1, 0)
    grad = linalg.matmul(linalg.matmul(chol_inv, middle, adjoint_a=True), chol_inv)
    return (0.5 * (grad + linalg.adjoint(grad)),)


_cholesky = Op("cholesky", infer=square_infer("cholesky"),
               impl=lambda xp, x: xp.linalg.cholesky(lapack_ready(xp, x)), grad=_cholesky_grad)


def cholesky(input, name=None):  # noqa: A002 - TF's name
    """The lower Cholesky factor L (A = L @ adjoint(L)) of each Hermitian positive definite matrix."""
    return bind(_cholesky, [convert_to_tensor(input)])


def _eigh_infer(x):
    check_matrix("eigh", x, "tensor", square=True)
    if x.shape.rank is None:
        return spec_of(None, x.dtype), spec_of(None, x.dtype)
    return spec_of(x.shape[:-1], x.dtype), spec_of(x.shape, x.dtype)


def _eigh_grad(ctx, grad_e, grad_v):
    e, v = ctx.outputs
    gaps = _safe_reciprocal(array_ops.expand_dims(e, -2) - array_ops.expand_dims(e, -1))
    f = linalg.set_diag(gaps, creation.zeros_like(e))
    inner = linalg.diag(grad_e) + f * linalg.matmul(v, grad_v, adjoint_a=True)
    grad = linalg.matmul(v, linalg.matmul(inner, v, adjoint_b=True))
    # The op reads the lower triangle only: fold the gradient onto it, as TF does.
    grad = linalg.band_part(grad + linalg.adjoint(grad), -1, 0)
    return (linalg.set_diag(grad, 0.5 * linalg.diag_part(grad)),)


_eigh = Op("self_adjoint_eig", infer=_eigh_infer, multiple_outputs=True,
           impl=lambda xp, x: tuple(xp.linalg.eigh(lapack_ready(xp, x))), grad=_eigh_grad)


def eigh(tensor, name=None):
    """(eigenvalues ascending, eigenvectors as columns) of each self-adjoint matrix (lower triangle)."""
    return bind(_eigh, [convert_to_tensor(tensor)])


def eigvalsh(tensor, name=None):
    """The eigenvalues (ascending) of each self-adjoint matrix."""
    return eigh(tensor)[0]


def _svd_shapes(x, full_matrices):
    rows, cols = matrix_dims(x.shape)
    k = None if rows is None or cols is None else min(rows, cols)
    batch = batch_shape(x.shape)
    s = batch.concatenate([k])
    u = batch.concatenate([rows, rows if full_matrices else k])
    v = batch.concatenate([cols, cols if full_matrices else k])
    return s, u, v


def _svd_infer(x, full_matrices):
    check_matrix("svd", x, "tensor")
    if x.shape.rank is None:
        return (spec_of(None, x.dtype),) * 3
    return tuple(spec_of(shape, x.dtype) for shape in _svd_shapes(x, full_matrices))


def _svd_impl(xp, x, full_matrices):
    u, s, vh = xp.linalg.svd(lapack_ready(xp, x), full_matrices=full_matrices)
    v = xp.swapaxes(vh, -1, -2)
    return s, u, (xp.conj(v) if xp.iscomplexobj(v) else v)


def _singular_values_infer(x):
    check_matrix("svd", x, "tensor")
    if x.shape.rank is None:
        return spec_of(None, x.dtype)
    return spec_of(_svd_shapes(x, False)[0], x.dtype)


def _singular_values_grad(ctx, grad_s):
    _, u, v = svd(ctx.inputs[0])
    return (linalg.matmul(u * array_ops.expand_dims(grad_s, -2), v, adjoint_b=True),)


def _svd_grad(ctx, grad_s, grad_u, grad_v):
    """Ā = U[F∘(UᵀŪ−ŪᵀU)S + diag(S̄) + S F∘(VᵀV̄−V̄ᵀV)]Vᵀ + (I−UUᵀ)ŪS⁻¹Vᵀ + US⁻¹V̄ᵀ(I−VVᵀ)."""
    x = ctx.inputs[0]
    s, u, v = ctx.outputs
    if x.dtype.is_complex:
        raise NotImplementedError("svd: the gradient for complex inputs is not implemented")
    rows, cols = matrix_dims(x.shape)
    if ctx.attrs["full_matrices"] and (rows is None or rows != cols):
        raise NotImplementedError("svd: the gradient with full_matrices=True needs square matrices "
                                  f"of known size, got shape {x.shape}")
    s2 = unary_math.square(s)
    f = linalg.set_diag(_safe_reciprocal(array_ops.expand_dims(s2, -2) - array_ops.expand_dims(s2, -1)),
                        creation.zeros_like(s))
    ut_gu = linalg.matmul(u, grad_u, adjoint_a=True)
    vt_gv = linalg.matmul(v, grad_v, adjoint_a=True)
    s_row, s_col = array_ops.expand_dims(s, -2), array_ops.expand_dims(s, -1)
    inner = ((f * (ut_gu - linalg.adjoint(ut_gu))) * s_row + linalg.diag(grad_s)
             + s_col * (f * (vt_gv - linalg.adjoint(vt_gv))))
    grad = linalg.matmul(u, linalg.matmul(inner, v, adjoint_b=True))
    # Components outside the spans of U and V: zero for square matrices.
    if rows is None or rows > cols:
        grad = grad + linalg.matmul((grad_u - linalg.matmul(u, ut_gu)) / s_row, v, adjoint_b=True)
    if cols is None or cols > rows:
        grad = grad + linalg.matmul(u, (grad_v - linalg.matmul(v, vt_gv)) / s_row, adjoint_b=True)
    return (grad,)


_svd = Op("svd", infer=_svd_infer, impl=_svd_impl, multiple_outputs=True, grad=_svd_grad)
_singular_values = Op("singular_values", infer=_singular_values_infer, grad=_singular_values_grad,
                      impl=lambda xp, x: xp.linalg.svd(lapack_ready(xp, x), compute_uv=False))


def svd(tensor, full_matrices=False, compute_uv=True, name=None):
    """Singular values, and with `compute_uv` the tuple (s, u, v), where tensor = u @ diag(s) @ adjoint(v).

    As in TF, `v` is not transposed and `s` comes first; singular values descend.
    """
    x = convert_to_tensor(tensor)
    if not compute_uv:
        return bind(_singular_values, [x])
    return bind(_svd, [x], {"full_matrices": bool(full_matrices)})


def _qr_infer(x, full_matrices):
    check_matrix("qr", x, "input")
    if x.shape.rank is None:
        return spec_of(None, x.dtype), spec_of(None, x.dtype)
    rows, cols = matrix_dims(x.shape)
    k = rows if full_matrices else (None if rows is None or cols is None else min(rows, cols))
    batch = batch_shape(x.shape)
    return spec_of(batch.concatenate([rows, k]), x.dtype), spec_of(batch.concatenate([k, cols]), x.dtype)


def _times_inverse_adjoint(x, r):
    """x @ inv(r)ᴴ for an upper triangular r."""
    return linalg.adjoint(linalg_solve.triangular_solve(r, linalg.adjoint(x), lower=False))


def _qr_grad_tall(q, r, grad_q, grad_r):
    """TF's QR gradient for square and tall (rows >= cols) matrices."""
    qdq = linalg.matmul(q, grad_q, adjoint_a=True)
    rdr = linalg.matmul(r, grad_r, adjoint_b=True)
    tril = linalg.band_part(qdq - linalg.adjoint(qdq) + rdr - linalg.adjoint(rdr), -1, 0)
    grad_a = linalg.matmul(q, grad_r + _times_inverse_adjoint(tril, r))
    return grad_a + _times_inverse_adjoint(grad_q - linalg.matmul(q, qdq), r)


def _qr_grad(ctx, grad_q, grad_r):
    x = ctx.inputs[0]
    q, r = ctx.outputs
    rows, cols = matrix_dims(x.shape)
    if rows is None or cols is None:
        raise NotImplementedError(f"qr: the gradient needs matrices of known size, got shape {x.shape}")
    if rows > cols and ctx.attrs["full_matrices"]:
        raise NotImplementedError("qr: the gradient of tall matrices with full_matrices=True is not "
                                  "implemented (as in TF)")
    if rows >= cols:
        return (_qr_grad_tall(q, r, grad_q, grad_r),)
    # Wide: x = [x1, y] with x1 square; r = [u, w]; x1 = q u and y = q w.
    y, u = x[..., :, rows:], r[..., :, :rows]
    grad_u, grad_w = grad_r[..., :, :rows], grad_r[..., :, rows:]
    grad_y = linalg.matmul(q, grad_w)
    grad_x1 = _qr_grad_tall(q, u, grad_q + linalg.matmul(y, grad_w, adjoint_b=True), grad_u)
    return (join_split.concat([grad_x1, grad_y], axis=-1),)


_qr = Op("qr", infer=_qr_infer, multiple_outputs=True, grad=_qr_grad,
         impl=lambda xp, x, full_matrices: tuple(
             xp.linalg.qr(lapack_ready(xp, x), mode="complete" if full_matrices else "reduced")))


def qr(input, full_matrices=False, name=None):  # noqa: A002 - TF's name
    """The QR decomposition (q, r) of each matrix: q has orthonormal columns, r is upper triangular."""
    return Qr(*bind(_qr, [convert_to_tensor(input)], {"full_matrices": bool(full_matrices)}))
