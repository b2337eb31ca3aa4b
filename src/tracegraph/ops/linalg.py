"""Linear algebra (`tg.linalg`): products, transposes, diagonals and bands, norms.

The last two axes of a tensor are the matrix; leading axes are batch axes and
broadcast where TensorFlow broadcasts them (matmul). The rest of `tg.linalg`
lives beside this module: `einsum` (einsum, tensordot), `linalg_solve`
(inverses, determinants, solvers) and `decompositions` (cholesky, eigh, svd, qr).

Sections: matmul / matvec · cross · diagonals and bands · norms.
"""
import numpy as np

from . import (arithmetic, array_ops, cast as cast_ops, creation, decompositions, join_split, reduction,
               unary_math)
from .broadcast import unbroadcast
from .linalg_common import batch_shape, conj_if_complex, matrix_dims
from .. import dtypes
from ..convert import convert_to_tensor, operands_to_tensors
from ..core.dispatch import bind
from ..core.op import Op
from ..core.rules import broadcast_shapes, check_dtype, same_dtype, spec_of
from ..errors import InvalidArgumentError
from ..shape import TensorShape

__all__ = ["matmul", "matvec", "cross", "matrix_transpose", "adjoint",
           "diag", "diag_part", "set_diag", "band_part", "trace",
           "norm", "normalize", "global_norm"]


# ----- matmul / matvec ------------------------------------------------------------------------

def _matmul_infer(a, b):
    dtype = same_dtype("matmul", a, b)
    check_dtype("matmul", a, "numeric", arg="a")
    if a.shape.rank is None or b.shape.rank is None:
        return spec_of(None, dtype)
    if a.shape.rank < 2 or b.shape.rank < 2:
        raise ValueError(f"matmul: both inputs must have rank >= 2, got shapes {a.shape} and {b.shape}")
    n, k1 = a.shape[-2], a.shape[-1]
    k2, m = b.shape[-2], b.shape[-1]
    if k1 is not None and k2 is not None and k1 != k2:
        raise ValueError(f"matmul: inner dimensions differ: a has shape {a.shape}, b has shape {b.shape} "
                         f"({k1} != {k2})")
    batch = broadcast_shapes("matmul", a.shape[:-2], b.shape[:-2])
    return spec_of(batch.concatenate(TensorShape([n, m])), dtype)


def _matmul_grad(ctx, g):
    a, b = ctx.inputs
    return unbroadcast(matmul(g, b, adjoint_b=True), a), unbroadcast(matmul(a, g, adjoint_a=True), b)


_matmul = Op("matmul", infer=_matmul_infer, impl=lambda xp, a, b: xp.matmul(a, b), grad=_matmul_grad)


def _swap_last_axes_infer(x):
    if x.shape.rank is None:
        return spec_of(None, x.dtype)
    if x.shape.rank < 2:
        raise ValueError(f"matrix_transpose: needs rank >= 2, got shape {x.shape}")
    return spec_of(x.shape[:-2].concatenate([x.shape[-1], x.shape[-2]]), x.dtype)


def _swap_last_axes_impl(xp, x):
    if x.ndim < 2:
        raise InvalidArgumentError(f"matrix_transpose: needs rank >= 2, got shape {tuple(x.shape)}")
    return xp.swapaxes(x, -1, -2)


# For a tensor whose rank is known only at run time (a known rank uses `transpose` and its perm).
# Swapping the axes is its own adjoint.
_matrix_transpose = Op("matrix_transpose", infer=_swap_last_axes_infer, impl=_swap_last_axes_impl,
                       grad=lambda ctx, g: (bind(_matrix_transpose, [g]),))


def matrix_transpose(a, name="matrix_transpose", conjugate=False):
    """Swap the last two axes (conjugating too when `conjugate` and `a` is complex).

    The rank may be unknown while tracing; it must then be at least 2 at run time.
    """
    a = convert_to_tensor(a)
    rank = a.shape.rank
    if rank is None:
        result = bind(_matrix_transpose, [a])
        return conj_if_complex(result) if conjugate else result
    if rank < 2:
        raise ValueError(f"matrix_transpose: needs rank >= 2, got shape {a.shape}")
    perm = tuple(range(rank - 2)) + (rank - 1, rank - 2)
    return array_ops.transpose(a, perm, conjugate=conjugate)


def adjoint(matrix, name=None):
    """The conjugate transpose of the last two axes."""
    return matrix_transpose(matrix, conjugate=True)


def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False,
           a_is_sparse=False, b_is_sparse=False, output_type=None, name=None):
    """Matrix product of the last two axes, batched (and broadcast) over the leading axes.

    `output_type` (TF: int32 results of int8 inputs) computes in that dtype.
    """
    a, b = operands_to_tensors(a, b)
    if transpose_a and adjoint_a or transpose_b and adjoint_b:
        raise ValueError("matmul: only one of transpose and adjoint may be set for each input")
    if output_type is not None and dtypes.as_dtype(output_type) != a.dtype:
        a, b = cast_ops.cast(a, output_type), cast_ops.cast(b, output_type)
    if transpose_a or adjoint_a:
        a = matrix_transpose(a, conjugate=adjoint_a)
    if transpose_b or adjoint_b:
        b = matrix_transpose(b, conjugate=adjoint_b)
    return bind(_matmul, [a, b])


def matvec(a, b, transpose_a=False, adjoint_a=False, a_is_sparse=False, b_is_sparse=False, name=None):
    """Matrix-vector product: the last two axes of `a` times the last axis of `b`, batched."""
    a, b = operands_to_tensors(a, b)
    if b.shape.rank is None or b.shape.rank < 1:
        raise ValueError(f"matvec: `b` must be a vector or a batch of vectors, got shape {b.shape}")
    product = matmul(a, array_ops.expand_dims(b, -1), transpose_a=transpose_a, adjoint_a=adjoint_a)
    return array_ops.squeeze(product, axis=-1)


# ----- cross ----------------------------------------------------------------------------------

def cross(a, b, name=None):
    """The cross product of 3-vectors along the last axis."""
    a, b = operands_to_tensors(a, b)
    for t, which in ((a, "a"), (b, "b")):
        if t.shape.rank is None or t.shape.rank < 1 or t.shape[-1] not in (3, None):
            raise ValueError(f"cross: `{which}` must have last dimension 3, got shape {t.shape}")
    if not a.shape.is_compatible_with(b.shape):
        raise ValueError(f"cross: `a` and `b` must have one shape, got {a.shape} and {b.shape}")
    a0, a1, a2 = a[..., 0], a[..., 1], a[..., 2]
    b0, b1, b2 = b[..., 0], b[..., 1], b[..., 2]
    return join_split.stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis=-1)


# ----- diagonals and bands --------------------------------------------------------------------

def _diagonal_length(rows, cols, k):
    if rows is None or cols is None:
        return None
    return max(0, min(rows, cols - k) if k >= 0 else min(rows + k, cols))


def _check_offset(op_name, shape, k):
    rows, cols = matrix_dims(shape)
    if rows and cols and not -rows < k < cols:
        raise ValueError(f"{op_name}: diagonal k={k} is out of range for matrices of shape {shape}")


def _diagonal_index(xp, length, k):
    """Row and column indices of the first `length` entries of diagonal k."""
    i = xp.arange(length)
    return i + max(-k, 0), i + max(k, 0)


def _diag_part_infer(x, k):
    check_dtype("diag_part", x, "any", arg="input")
    if x.shape.rank is None:
        return spec_of(None, x.dtype)
    if x.shape.rank < 2:
        raise ValueError(f"diag_part: `input` must have rank >= 2, got shape {x.shape}")
    _check_offset("diag_part", x.shape, k)
    length = _diagonal_length(*matrix_dims(x.shape), k)
    return spec_of(batch_shape(x.shape).concatenate([length]), x.dtype)


def _set_diag_infer(x, d, k):
    dtype = same_dtype("set_diag", x, d)
    expected = _diag_part_infer(x, k).shape
    if not expected.is_compatible_with(d.shape):
        raise ValueError(f"set_diag: `diagonal` must have shape {expected} for `input` of shape "
                         f"{x.shape} (k={k}), got {d.shape}")
    return spec_of(x.shape, dtype)


def _set_diag_impl(xp, x, d, k):
    out = x.copy()
    rows, cols = _diagonal_index(xp, d.shape[-1], k)
    out[..., rows, cols] = d
    return out


def _diag_size(n, k, num_rows, num_cols):
    """TF's output size of `diag`: square n+|k| by default, else what the caller asks for."""
    if n is None:
        return (None if num_rows < 0 else num_rows), (None if num_cols < 0 else num_cols)
    min_rows, min_cols = n + max(-k, 0), n + max(k, 0)
    if num_rows < 0 and num_cols < 0:
        return max(min_rows, min_cols), max(min_rows, min_cols)
    rows = min_rows if num_rows < 0 else num_rows
    cols = min_cols if num_cols < 0 else num_cols
    if rows < min_rows or cols < min_cols or (rows != min_rows and cols != min_cols):
        raise ValueError(f"diag: num_rows={rows}, num_cols={cols} do not fit a diagonal of length {n} "
                         f"at k={k}")
    return rows, cols


def _diag_infer(d, k, num_rows, num_cols, padding_value):
    check_dtype("diag", d, "any", arg="diagonal")
    if d.shape.rank is None:
        return spec_of(None, d.dtype)
    if d.shape.rank < 1:
        raise ValueError(f"diag: `diagonal` must have rank >= 1, got shape {d.shape}")
    rows, cols = _diag_size(d.shape[-1], k, num_rows, num_cols)
    return spec_of(d.shape[:-1].concatenate([rows, cols]), d.dtype)


def _diag_impl(xp, d, k, num_rows, num_cols, padding_value):
    rows, cols = _diag_size(d.shape[-1], k, num_rows, num_cols)
    out = xp.full(d.shape[:-1] + (rows, cols), padding_value, dtype=d.dtype)
    r, c = _diagonal_index(xp, d.shape[-1], k)
    out[..., r, c] = d
    return out


def _band_part_impl(xp, x, num_lower, num_upper):
    rows = xp.arange(x.shape[-2]).reshape(-1, 1)
    cols = xp.arange(x.shape[-1]).reshape(1, -1)
    keep = xp.ones((x.shape[-2], x.shape[-1]), dtype=bool)
    if num_lower >= 0:
        keep &= rows - cols <= num_lower
    if num_upper >= 0:
        keep &= cols - rows <= num_upper
    return xp.where(keep, x, xp.zeros((), dtype=x.dtype))


def _band_part_infer(x, num_lower, num_upper):
    check_dtype("band_part", x, "any", arg="input")
    if x.shape.rank is not None and x.shape.rank < 2:
        raise ValueError(f"band_part: `input` must have rank >= 2, got shape {x.shape}")
    rows, cols = matrix_dims(x.shape)
    limits = ((num_lower, rows, "num_lower", "rows"), (num_upper, cols, "num_upper", "columns"))
    for count, size, what, dim in limits:
        if size is not None and count > size:
            raise ValueError(f"band_part: {what} must be negative or at most the number of {dim} "
                             f"({size}), got {count}")
    return spec_of(x.shape, x.dtype)


_diag_part = Op("matrix_diag_part", infer=_diag_part_infer,
                impl=lambda xp, x, k: xp.diagonal(x, offset=k, axis1=-2, axis2=-1).copy(),
                grad=lambda ctx, g: (set_diag(creation.zeros_like(ctx.inputs[0]), g, k=ctx.attrs["k"]),))
_set_diag = Op("matrix_set_diag", infer=_set_diag_infer, impl=_set_diag_impl,
               grad=lambda ctx, g: (set_diag(g, creation.zeros_like(ctx.inputs[1]), k=ctx.attrs["k"]),
                                    diag_part(g, k=ctx.attrs["k"])))
_diag = Op("matrix_diag", infer=_diag_infer, impl=_diag_impl,
           grad=lambda ctx, g: (diag_part(g, k=ctx.attrs["k"]),))
_band_part = Op("matrix_band_part", infer=_band_part_infer, impl=_band_part_impl,
                grad=lambda ctx, g: (bind(_band_part, [g], dict(ctx.attrs)),))


def _static_int(value, what):
    """A Python int from an int or an eager scalar tensor (attrs must be plain data)."""
    if hasattr(value, "numpy"):
        value = value.numpy()
    try:
        return int(value)
    except TypeError:
        raise TypeError(f"{what} must be a Python int or an eager scalar, got {value!r}") from None


def _single_k(op_name, k):
    if isinstance(k, (list, tuple)) or (hasattr(k, "shape") and len(k.shape) > 0):
        raise NotImplementedError(f"{op_name}: only a single diagonal (an int `k`) is supported, got {k!r}")
    return _static_int(k, f"{op_name}: `k`")


def diag(diagonal, name="diag", k=0, num_rows=-1, num_cols=-1, padding_value=0, align="RIGHT_LEFT"):
    """A (batch of) matrix with `diagonal` (last axis) on diagonal `k`, `padding_value` elsewhere."""
    d = convert_to_tensor(diagonal)
    if hasattr(padding_value, "numpy"):
        padding_value = padding_value.numpy().item()
    attrs = {"k": _single_k("diag", k), "num_rows": _static_int(num_rows, "diag: `num_rows`"),
             "num_cols": _static_int(num_cols, "diag: `num_cols`"), "padding_value": padding_value}
    return bind(_diag, [d], attrs)


def diag_part(input, name="diag_part", k=0, padding_value=0, align="RIGHT_LEFT"):  # noqa: A002 - TF's name
    """Diagonal `k` of the last two axes (the main diagonal by default)."""
    return bind(_diag_part, [convert_to_tensor(input)], {"k": _single_k("diag_part", k)})


def set_diag(input, diagonal, name="set_diag", k=0, align="RIGHT_LEFT"):  # noqa: A002 - TF's name
    """`input` with diagonal `k` of its last two axes replaced by `diagonal`."""
    x, d = operands_to_tensors(input, diagonal)
    return bind(_set_diag, [x, d], {"k": _single_k("set_diag", k)})


def band_part(input, num_lower, num_upper, name=None):  # noqa: A002 - TF's name
    """Keep a band of each matrix: `num_lower` subdiagonals, `num_upper` superdiagonals (<0: all)."""
    return bind(_band_part, [convert_to_tensor(input)],
                {"num_lower": _static_int(num_lower, "band_part: `num_lower`"),
                 "num_upper": _static_int(num_upper, "band_part: `num_upper`")})


def trace(x, name=None):
    """Sum of the main diagonal of the last two axes."""
    return reduction.reduce_sum(diag_part(x), axis=-1)


# ----- norms ----------------------------------------------------------------------------------

_VECTOR_NORMS = ("euclidean", 1, 2, np.inf)
_MATRIX_NORMS = ("euclidean", "fro", 1, 2, np.inf)


def _norm_axes(axis, ord, rank):  # noqa: A002 - TF's name
    """Validate `axis` and `ord` as TF does; returns (axes tuple or None, is_matrix_norm)."""
    if isinstance(axis, (tuple, list)) and len(axis) == 2:
        if not all(isinstance(a, (int, np.integer)) for a in axis) or axis[0] == axis[1]:
            raise ValueError(f"norm: 'axis' must be None, an integer, or a tuple of 2 unique integers, "
                             f"got {axis}")
        if isinstance(ord, bool) or ord not in _MATRIX_NORMS:
            raise ValueError(f"norm: 'ord' must be a supported matrix norm in "
                             f"['euclidean', 'fro', 1, 2, inf], got {ord}")
        if rank is None:
            raise ValueError("norm: a matrix norm needs a tensor of known rank")
        axes = tuple(_positive_axis(a, rank) for a in axis)
        if axes[0] == axes[1]:
            raise ValueError(f"norm: 'axis' names one axis twice: {axis}")
        return axes, True
    if not (axis is None or isinstance(axis, (int, np.integer))):
        raise ValueError(f"norm: 'axis' must be None, an integer, or a tuple of 2 unique integers, "
                         f"got {axis}")
    positive_real = isinstance(ord, (int, float, np.integer, np.floating)) and ord > 0
    if isinstance(ord, bool) or not (ord in _VECTOR_NORMS or positive_real):
        raise ValueError(f"norm: 'ord' must be a supported vector norm, got {ord}")
    if axis is None:
        return None, False
    return ((_positive_axis(axis, rank) if rank is not None else int(axis)),), False


def _positive_axis(axis, rank):
    if not -rank <= axis < rank:
        raise ValueError(f"norm: axis {axis} is out of range for a tensor of rank {rank}")
    return int(axis) % rank


def _matrix_two_norm(x, axes):
    """The largest singular value over the two `axes`, keeping them as size 1."""
    rank = x.shape.rank
    perm = [i for i in range(rank) if i not in axes] + list(axes)
    largest = decompositions.svd(array_ops.transpose(x, perm), compute_uv=False)[..., :1]
    kept = array_ops.expand_dims(largest, -1)
    return array_ops.transpose(kept, tuple(np.argsort(perm).tolist()))


def norm(tensor, ord="euclidean", axis=None, keepdims=None, name=None):  # noqa: A002 - TF's name
    """Vector norms (p > 0, inf) over `axis` or the whole tensor, or matrix norms over a pair of axes.

    ord: 'euclidean' (default; Frobenius for matrices), 'fro', 1, 2, np.inf, or
    any p > 0 for vectors. `axis`: None (all elements as one vector), an int, or
    a 2-tuple (matrix norm).
    """
    x = convert_to_tensor(tensor)
    check_dtype("norm", x.spec, "inexact", arg="tensor")
    keepdims = bool(keepdims)
    axes, is_matrix = _norm_axes(axis, ord, x.shape.rank)
    reduce_axes = None if axes is None else list(axes)
    keep = keepdims or is_matrix  # matrix norms reduce in two steps, then squeeze
    if ord in ("euclidean", "fro") or (ord == 2 and not is_matrix):
        squares = x * conj_if_complex(x) if x.dtype.is_complex else unary_math.square(x)
        result = unary_math.sqrt(reduction.reduce_sum(squares, reduce_axes, keepdims=keep))
    elif ord == 2:
        result = _matrix_two_norm(x, axes)
    elif ord == 1 and is_matrix:
        column_sums = reduction.reduce_sum(arithmetic.abs(x), axes[0], keepdims=True)
        result = reduction.reduce_max(column_sums, axes[1], keepdims=True)
    elif ord == np.inf and is_matrix:
        row_sums = reduction.reduce_sum(arithmetic.abs(x), axes[1], keepdims=True)
        result = reduction.reduce_max(row_sums, axes[0], keepdims=True)
    elif ord == np.inf:
        result = reduction.reduce_max(arithmetic.abs(x), reduce_axes, keepdims=keep)
    elif ord == 1:
        result = reduction.reduce_sum(arithmetic.abs(x), reduce_axes, keepdims=keep)
    else:
        powered = arithmetic.pow(arithmetic.abs(x), float(ord))
        result = arithmetic.pow(reduction.reduce_sum(powered, reduce_axes, keepdims=keep), 1.0 / ord)
    if is_matrix and not keepdims:
        result = array_ops.squeeze(result, axis=list(axes))
    return result


def normalize(tensor, ord="euclidean", axis=None, name=None):  # noqa: A002 - TF's name
    """(tensor / norm, norm), the norm kept with size-1 reduced axes."""
    x = convert_to_tensor(tensor)
    magnitude = norm(x, ord=ord, axis=axis, keepdims=True)
    return x / magnitude, magnitude


def global_norm(t_list, name=None):
    """sqrt of the sum of squares of all elements of all tensors in `t_list` (None entries skipped)."""
    if not isinstance(t_list, (list, tuple)):
        raise TypeError(f"global_norm: `t_list` must be a list or tuple of tensors, got {t_list!r}")
    tensors = [convert_to_tensor(t) for t in t_list if t is not None]
    if not tensors:
        raise ValueError("global_norm: `t_list` holds no tensors")
    total = arithmetic.add_n([reduction.reduce_sum(unary_math.square(t)) for t in tensors])
    return unary_math.sqrt(total)
