"""Linear algebra: matmul and friends (`tg.linalg`)."""
from .broadcast import unbroadcast
from .dispatch import bind
from .op import Op
from .rules import broadcast_shapes, check_dtype, same_dtype, spec_of
from ..convert import operands_to_tensors, convert_to_tensor
from ..shape import TensorShape

__all__ = ["matmul", "matrix_transpose"]


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
    return unbroadcast(matmul(g, b, transpose_b=True), a), unbroadcast(matmul(a, g, transpose_a=True), b)


_matmul = Op("matmul", infer=_matmul_infer, impl=lambda xp, a, b: xp.matmul(a, b), grad=_matmul_grad)


def matrix_transpose(a, name="matrix_transpose", conjugate=False):
    """Swap the last two axes."""
    from .array_ops import transpose  # noqa: PLC0415 - array_ops is the home of transpose
    a = convert_to_tensor(a)
    rank = a.shape.rank
    if rank is None or rank < 2:
        raise ValueError(f"matrix_transpose: needs rank >= 2, got shape {a.shape}")
    perm = tuple(range(rank - 2)) + (rank - 1, rank - 2)
    return transpose(a, perm, conjugate=conjugate)


def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False,
           a_is_sparse=False, b_is_sparse=False, output_type=None, name=None):
    """Matrix product of the last two axes, batched (and broadcast) over the leading axes."""
    a, b = operands_to_tensors(a, b)
    if transpose_a or adjoint_a:
        a = matrix_transpose(a, conjugate=adjoint_a)
    if transpose_b or adjoint_b:
        b = matrix_transpose(b, conjugate=adjoint_b)
    return bind(_matmul, [a, b])
