"""Helpers the linear-algebra op modules share: matrix shape checks, LAPACK-ready inputs, conj.

The last two axes of a tensor are the matrix; leading axes are batch axes.
"""
from . import unary_math
from ..core.rules import check_dtype, spec_of
from ..shape import TensorShape

__all__ = ["check_matrix", "square_infer", "batch_shape", "matrix_dims", "lapack_ready", "conj_if_complex"]


def check_matrix(op_name, spec, arg, kinds="inexact", square=False):
    """Dtype check, rank >= 2, and (optionally) square last two dimensions."""
    check_dtype(op_name, spec, kinds, arg=arg)
    shape = spec.shape
    if shape.rank is None:
        return
    if shape.rank < 2:
        raise ValueError(f"{op_name}: `{arg}` must be a matrix or a batch of matrices (rank >= 2), "
                         f"got shape {shape}")
    if square and None not in (shape[-2], shape[-1]) and shape[-2] != shape[-1]:
        raise ValueError(f"{op_name}: `{arg}` must be square in its last two dimensions, got shape {shape}")


def square_infer(op_name):
    """The shape rule of an op whose result is shaped like its square-matrix input."""
    def infer(x):
        check_matrix(op_name, x, "input", square=True)
        return spec_of(x.shape, x.dtype)
    return infer


def batch_shape(shape):
    """The batch part of a matrix shape (unknown rank stays unknown)."""
    return TensorShape(None) if shape.rank is None else shape[:-2]


def matrix_dims(shape):
    """(rows, cols) of a matrix shape; None for what is unknown."""
    if shape.rank is None:
        return None, None
    return shape[-2], shape[-1]


def lapack_ready(xp, x):
    """LAPACK has no float16: compute those in float32 (dispatch casts the result back)."""
    return x.astype(xp.float32) if x.dtype == xp.float16 else x


def conj_if_complex(x):
    """The complex conjugate of `x`; `x` itself when it is real."""
    return unary_math.conj(x) if x.dtype.is_complex else x
