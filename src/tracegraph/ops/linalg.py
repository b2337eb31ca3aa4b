"""Linear algebra (`tg.linalg`): products, einsum, norms, diagonals, solvers, decompositions.

The last two axes of a tensor are the matrix; leading axes are batch axes and
broadcast where TensorFlow broadcasts them (matmul, solve). Decompositions run
through `xp.linalg`, so one implementation serves NumPy and CuPy.

Gradients follow TensorFlow's formulas and conventions. Two conventions matter
when comparing with finite differences: `cholesky` returns a symmetric
gradient, and `eigh` a lower-triangular one (it reads only the lower triangle).
Eigenvector and singular-vector gradients are the standard formulas for real
inputs with distinct eigen/singular values.

Sections: products (matmul, matvec, einsum, tensordot, cross) · diagonals and
bands · inverses, determinants and solvers · decompositions · norms.
"""
import collections
import string

import numpy as np

from . import arithmetic, array_ops, cast as cast_ops, creation, reduction, unary_math
from .broadcast import unbroadcast
from .dispatch import bind
from .op import Op
from .rules import broadcast_shapes, check_dtype, same_dtype, spec_of
from .. import dtypes
from ..convert import convert_to_tensor, operands_to_tensors
from ..shape import TensorShape

__all__ = ["matmul", "matvec", "einsum", "tensordot", "cross", "matrix_transpose", "adjoint",
           "diag", "diag_part", "set_diag", "band_part", "trace",
           "inv", "det", "slogdet", "logdet", "solve", "triangular_solve", "cholesky",
           "cholesky_solve", "lstsq", "eigh", "eigvalsh", "svd", "qr",
           "norm", "normalize", "global_norm"]

Qr = collections.namedtuple("Qr", ["q", "r"])
LogMatrixDeterminant = collections.namedtuple("LogMatrixDeterminant", ["sign", "log_abs_determinant"])


# ----- shared helpers ------------------------------------------------------------------------

def _check_matrix(op_name, spec, arg, kinds="inexact", square=False):
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


def _batch(shape):
    """The batch part of a matrix shape (unknown rank stays unknown)."""
    return TensorShape(None) if shape.rank is None else shape[:-2]


def _matrix_dims(shape):
    """(rows, cols) of a matrix shape; None for what is unknown."""
    if shape.rank is None:
        return None, None
    return shape[-2], shape[-1]


def _lapack_ready(xp, x):
    """LAPACK has no float16: compute those in float32 (dispatch casts the result back)."""
    return x.astype(xp.float32) if x.dtype == xp.float16 else x


def _expand_last2(t):
    """A batch of scalars as a batch of 1x1 matrices, to scale a batch of matrices."""
    return array_ops.expand_dims(array_ops.expand_dims(t, -1), -1)


def _safe_reciprocal(x, epsilon=1e-20):
    """1/x, but 0 where x is 0 (TF's choice for eigen/singular value gaps)."""
    return x * arithmetic.reciprocal(x * x + epsilon)


def _static_int(value, what):
    """A Python int from an int or an eager scalar tensor (attrs must be plain data)."""
    if hasattr(value, "numpy"):
        value = value.numpy()
    try:
        return int(value)
    except TypeError:
        raise TypeError(f"{what} must be a Python int or an eager scalar, got {value!r}") from None


# ----- matmul / matvec -----------------------------------------------------------------------

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


def matrix_transpose(a, name="matrix_transpose", conjugate=False):
    """Swap the last two axes (conjugating too when `conjugate` and `a` is complex)."""
    a = convert_to_tensor(a)
    rank = a.shape.rank
    if rank is None or rank < 2:
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


# ----- einsum --------------------------------------------------------------------------------
#
# An equation is parsed into terms: tuples of labels, with "..." standing for the
# broadcast (ellipsis) axes. The primitive always carries an explicit equation
# ("ij,jk->ik"); implicit outputs are resolved by the public function.

_ELLIPSIS = "..."


def _einsum_tokens(term, equation):
    tokens, i = [], 0
    while i < len(term):
        if term.startswith(_ELLIPSIS, i):
            tokens.append(_ELLIPSIS)
            i += 3
        elif term[i] in string.ascii_letters:
            tokens.append(term[i])
            i += 1
        else:
            raise ValueError(f"einsum: invalid character {term[i]!r} in equation {equation!r}")
    if tokens.count(_ELLIPSIS) > 1:
        raise ValueError(f"einsum: a term may hold one ellipsis at most, got {term!r} in {equation!r}")
    return tuple(tokens)


def _parse_einsum(equation, num_inputs):
    """(input terms, output term) of `equation`; the output is resolved if implicit."""
    eq = equation.replace(" ", "")
    if eq.count("->") > 1:
        raise ValueError(f"einsum: the equation {equation!r} has more than one '->'")
    lhs, arrow, rhs = eq.partition("->")
    inputs = [_einsum_tokens(t, equation) for t in lhs.split(",")]
    if len(inputs) != num_inputs:
        raise ValueError(f"einsum: the equation {equation!r} has {len(inputs)} input terms but "
                         f"{num_inputs} tensors were given")
    if arrow:
        output = _einsum_tokens(rhs, equation)
    else:
        counts = collections.Counter(t for term in inputs for t in term if t != _ELLIPSIS)
        ellipsis = (_ELLIPSIS,) if any(_ELLIPSIS in term for term in inputs) else ()
        output = ellipsis + tuple(sorted(t for t, c in counts.items() if c == 1))
    labels = [t for t in output if t != _ELLIPSIS]
    if len(set(labels)) != len(labels):
        raise ValueError(f"einsum: output subscripts of {equation!r} repeat a label")
    known = {t for term in inputs for t in term}
    for t in labels:
        if t not in known:
            raise ValueError(f"einsum: output label {t!r} of {equation!r} is in no input")
    return inputs, output


def _einsum_equation(inputs, output):
    return ",".join("".join(term) for term in inputs) + "->" + "".join(output)


def _split_dims(term, dims):
    """(dims of the named labels, dims of the ellipsis) for a term applied to a known shape."""
    if _ELLIPSIS not in term:
        return list(dims), []
    p = term.index(_ELLIPSIS)
    n_ellipsis = len(dims) - (len(term) - 1)
    return list(dims[:p]) + list(dims[p + n_ellipsis:]), list(dims[p:p + n_ellipsis])


def _merge_label_size(label, a, b, equation):
    """Sizes of one label in two places; size 1 broadcasts (the primitive is lenient)."""
    if a is None or b is None:
        known = a if b is None else b
        return None if known == 1 else known
    if a == b or b == 1:
        return a
    if a == 1:
        return b
    raise ValueError(f"einsum: label {label!r} has sizes {a} and {b} in equation {equation!r}")


def _einsum_infer(*specs, equation):
    dtype = same_dtype("einsum", *specs)
    for i, s in enumerate(specs):
        check_dtype("einsum", s, "numeric", arg=f"inputs[{i}]")
    inputs, output = _parse_einsum(equation, len(specs))
    sizes, ellipsis_shapes, ellipsis_unknown = {}, [], False
    for i, (term, spec) in enumerate(zip(inputs, specs)):
        named = [t for t in term if t != _ELLIPSIS]
        if spec.shape.rank is None:
            ellipsis_unknown |= _ELLIPSIS in term
            named_dims = [None] * len(named)
        else:
            rank = spec.shape.rank
            if (_ELLIPSIS in term and rank < len(named)) or (_ELLIPSIS not in term and rank != len(named)):
                raise ValueError(f"einsum: input {i} has shape {spec.shape} but its subscripts "
                                 f"{''.join(term)!r} in {equation!r} need rank "
                                 f"{'at least ' if _ELLIPSIS in term else ''}{len(named)}")
            named_dims, ellipsis_dims = _split_dims(term, spec.shape.as_tuple())
            ellipsis_shapes.append(TensorShape(ellipsis_dims))
        for label, d in zip(named, named_dims):
            sizes[label] = _merge_label_size(label, sizes[label], d, equation) if label in sizes else d
    if ellipsis_unknown:
        if _ELLIPSIS in output:
            return spec_of(None, dtype)
        ellipsis = TensorShape([])
    else:
        ellipsis = broadcast_shapes("einsum", *ellipsis_shapes) if ellipsis_shapes else TensorShape([])
    if _ELLIPSIS not in output and ellipsis.rank:
        raise ValueError(f"einsum: the inputs have {ellipsis.rank} broadcasting dimension(s) but the "
                         f"output subscripts of {equation!r} have no ellipsis (...)")
    dims = []
    for t in output:
        dims.extend(ellipsis.as_tuple() if t == _ELLIPSIS else [sizes[t]])
    return spec_of(dims, dtype)


def _einsum_impl(xp, *arrays, equation):
    if len(arrays) == 1:
        return xp.einsum(equation, arrays[0])
    return xp.einsum(equation, *arrays, optimize=True)


def _expanded_terms(inputs, output, tensors, equation):
    """The terms with every ellipsis written as explicit (right-aligned) fresh labels."""
    if not any(_ELLIPSIS in term for term in list(inputs) + [output]):
        return [list(t) for t in inputs], list(output)
    if any(t.shape.rank is None for t in tensors):
        raise ValueError(f"einsum: the gradient of {equation!r} needs inputs of known rank")
    ellipsis_ranks = [t.shape.rank - (len(term) - 1) if _ELLIPSIS in term else 0
                      for term, t in zip(inputs, tensors)]
    fresh = [c for c in string.ascii_letters if c not in equation][:max(ellipsis_ranks, default=0)]

    def expand(term, n):
        letters = fresh[len(fresh) - n:] if n else []
        return [x for t in term for x in (letters if t == _ELLIPSIS else [t])]

    return ([expand(term, n) for term, n in zip(inputs, ellipsis_ranks)], expand(output, len(fresh)))


def _einsum_grad(ctx, g):
    equation = ctx.attrs["equation"]
    xs = ctx.inputs
    inputs, output = _parse_einsum(equation, len(xs))
    terms, out_term = _expanded_terms(inputs, output, xs, equation)
    return tuple(_einsum_operand_grad(g, xs, terms, out_term, k) for k in range(len(xs)))


def _einsum_operand_grad(g, xs, terms, out_term, k):
    """The gradient for operand k: an einsum of the output gradient with the other operands."""
    x, target = xs[k], terms[k]
    if not x.dtype.is_differentiable:
        return None
    others = [_conj(xs[j]) for j in range(len(xs)) if j != k]
    operands, op_terms = [g] + others, [out_term] + [terms[j] for j in range(len(xs)) if j != k]
    unique = list(dict.fromkeys(target))
    present = {t for term in op_terms for t in term}
    if any(t not in present for t in unique):
        # A label only this operand has (summed out): ones carry its size into the result.
        operands.append(creation.ones_like(x))
        op_terms.append(target)
    r = bind(_einsum, operands, {"equation": _einsum_equation(op_terms, unique)})
    if len(unique) == len(target):
        return unbroadcast(r, x)
    # Repeated labels (a diagonal, e.g. "ii->i"): the gradient lives on that diagonal only.
    diagonal = bind(_einsum, [x], {"equation": _einsum_equation([target], unique)})
    r = unbroadcast(r, diagonal)
    return bind(_einsum_inflate, [r, x], {"source": "".join(unique), "target": "".join(target)})


def _conj(x):
    return unary_math.conj(x) if x.dtype.is_complex else x


def _inflate_impl(xp, r, ref, source, target):
    """Zeros shaped like `ref`, with `r` written on the (generalized) diagonal `target`."""
    out = xp.zeros(ref.shape, dtype=r.dtype)
    strides = [sum(out.strides[i] for i, t in enumerate(target) if t == s) for s in source]
    xp.lib.stride_tricks.as_strided(out, shape=r.shape, strides=strides)[...] = r
    return out


_einsum = Op("einsum", infer=_einsum_infer, impl=_einsum_impl, grad=_einsum_grad)
_einsum_inflate = Op(
    "einsum_inflate",
    infer=lambda r, ref, source, target: spec_of(ref.shape, r.dtype),
    impl=_inflate_impl,
    grad=lambda ctx, g: (bind(_einsum, [g], {"equation": f"{ctx.attrs['target']}->{ctx.attrs['source']}"}),
                         None),
)


def _check_einsum_sizes(inputs, tensors, equation):
    """TF's strict rule: every named label has one size across the inputs (no broadcasting)."""
    first = {}  # label -> (size, input index, shape) where the label was first seen with a known size
    for i, (term, t) in enumerate(zip(inputs, tensors)):
        named = [x for x in term if x != _ELLIPSIS]
        if t.shape.rank is None or t.shape.rank < len(named):
            continue  # unknown rank, or a rank error the shape rule reports
        named_dims, _ = _split_dims(term, t.shape.as_tuple())
        for label, d in zip(named, named_dims):
            if d is None:
                continue
            if label not in first:
                first[label] = (d, i, t.shape)
            elif first[label][0] != d:
                size, j, shape = first[label]
                raise ValueError(f"einsum: label {label!r} has size {size} in input {j} (shape {shape}) "
                                 f"but {d} in input {i} (shape {t.shape}) of {equation!r}")


def einsum(equation, *inputs, **kwargs):
    """Einstein summation, as `numpy.einsum` and `tf.einsum`.

    Supports explicit (`"ij,jk->ik"`) and implicit (`"ij,jk"`) outputs, ellipsis
    broadcasting (`"...ij,...jk->...ik"`), traces and diagonals (`"ii->"`,
    `"ii->i"`), and gradients for all of these. Named labels must have one size
    across the inputs, as in TF (only the ellipsis broadcasts). With an ellipsis,
    the gradient needs inputs of known rank (their dimensions may be unknown).
    """
    unknown = set(kwargs) - {"name", "optimize"}
    if unknown:
        raise TypeError(f"einsum: unexpected keyword arguments {sorted(unknown)}")
    if not isinstance(equation, str):
        raise TypeError(f"einsum: `equation` must be a string, got {equation!r}")
    if not inputs:
        raise ValueError("einsum: needs at least one input tensor")
    tensors = operands_to_tensors(*inputs)
    terms, output = _parse_einsum(equation, len(tensors))
    _check_einsum_sizes(terms, tensors, equation)
    return bind(_einsum, list(tensors), {"equation": _einsum_equation(terms, output)})


# ----- tensordot / cross ---------------------------------------------------------------------

def _tensordot_axes(axes, rank_a, rank_b):
    """(axes of a, axes of b) to contract, non-negative, from TF's forms of `axes`."""
    if hasattr(axes, "numpy"):
        axes = axes.numpy().tolist()
    if isinstance(axes, (int, np.integer)):
        n = int(axes)
        if n < 0:
            raise ValueError(f"tensordot: `axes` must be at least 0, got {n}")
        if n > rank_a or n > rank_b:
            raise ValueError(f"tensordot: `axes` = {n} is larger than the rank of an input "
                             f"(ranks {rank_a} and {rank_b})")
        return list(range(rank_a - n, rank_a)), list(range(n))
    if not isinstance(axes, (list, tuple)) or len(axes) != 2:
        raise ValueError(f"tensordot: `axes` must be an integer or a pair of axis lists, got {axes!r}")
    a_axes, b_axes = ([int(v)] if isinstance(v, (int, np.integer)) else [int(i) for i in v] for v in axes)
    if len(a_axes) != len(b_axes):
        raise ValueError(f"tensordot: different numbers of contraction axes for a and b: "
                         f"{a_axes} and {b_axes}")
    for axes_list, rank, which in ((a_axes, rank_a, "a"), (b_axes, rank_b, "b")):
        for ax in axes_list:
            if not -rank <= ax < rank:
                raise ValueError(f"tensordot: axis {ax} is out of range for `{which}` of rank {rank}")
    return [ax % rank_a for ax in a_axes], [ax % rank_b for ax in b_axes]


def tensordot(a, b, axes, name=None):
    """Sum over `axes` of `a` and `b`: an int N (last N of a with first N of b) or a pair of lists."""
    a, b = operands_to_tensors(a, b)
    if a.shape.rank is None or b.shape.rank is None:
        raise ValueError(f"tensordot: needs inputs of known rank, got shapes {a.shape} and {b.shape}")
    a_axes, b_axes = _tensordot_axes(axes, a.shape.rank, b.shape.rank)
    if len(set(a_axes)) != len(a_axes) or len(set(b_axes)) != len(b_axes):
        raise ValueError(f"tensordot: repeated contraction axes {a_axes}, {b_axes}")
    for i, j in zip(a_axes, b_axes):
        da, db = a.shape[i], b.shape[j]
        if da is not None and db is not None and da != db:
            raise ValueError(f"tensordot: axis {i} of a (shape {a.shape}) has size {da} but axis {j} "
                             f"of b (shape {b.shape}) has size {db}")
    letters = iter(string.ascii_letters)
    a_term = [next(letters) for _ in range(a.shape.rank)]
    b_term = [None] * b.shape.rank
    for i, j in zip(a_axes, b_axes):
        b_term[j] = a_term[i]
    b_term = [t if t is not None else next(letters) for t in b_term]
    out = [t for i, t in enumerate(a_term) if i not in a_axes] + \
          [t for j, t in enumerate(b_term) if j not in b_axes]
    return bind(_einsum, [a, b], {"equation": _einsum_equation([a_term, b_term], out)})


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
    return array_ops.stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis=-1)


# ----- diagonals and bands -------------------------------------------------------------------

def _diagonal_length(rows, cols, k):
    if rows is None or cols is None:
        return None
    return max(0, min(rows, cols - k) if k >= 0 else min(rows + k, cols))


def _check_offset(op_name, shape, k):
    rows, cols = _matrix_dims(shape)
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
    length = _diagonal_length(*_matrix_dims(x.shape), k)
    return spec_of(_batch(x.shape).concatenate([length]), x.dtype)


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
    rows, cols = _matrix_dims(x.shape)
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


# ----- inverses, determinants, solvers -------------------------------------------------------

def _square_infer(op_name):
    def infer(x):
        _check_matrix(op_name, x, "input", square=True)
        return spec_of(x.shape, x.dtype)
    return infer


def _det_infer(op_name):
    def infer(x):
        _check_matrix(op_name, x, "input", square=True)
        return spec_of(_batch(x.shape), x.dtype)
    return infer


def _inv_grad(ctx, g):
    y = ctx.outputs[0]
    return (-matmul(matmul(y, g, adjoint_a=True), y, adjoint_b=True),)


def _det_grad(ctx, g):
    x, d = ctx.inputs[0], ctx.outputs[0]
    return (_expand_last2(g * d) * adjoint(inv(x)),)


def _slogdet_impl(xp, x):
    sign, logabs = xp.linalg.slogdet(_lapack_ready(xp, x))
    return sign, logabs


_inv = Op("matrix_inverse", infer=_square_infer("inv"),
          impl=lambda xp, x: xp.linalg.inv(_lapack_ready(xp, x)), grad=_inv_grad)
_det = Op("matrix_determinant", infer=_det_infer("det"),
          impl=lambda xp, x: xp.linalg.det(_lapack_ready(xp, x)), grad=_det_grad)
_slogdet = Op("log_matrix_determinant", multiple_outputs=True,
              infer=lambda x: (_det_infer("slogdet")(x),) * 2, impl=_slogdet_impl,
              grad=lambda ctx, g_sign, g_logabs: (_expand_last2(g_logabs) * adjoint(inv(ctx.inputs[0])),))


def inv(input, adjoint=False, name=None):  # noqa: A002 - TF's names
    """The inverse of each square matrix (of its adjoint when `adjoint`)."""
    result = bind(_inv, [convert_to_tensor(input)])
    return matrix_transpose(result, conjugate=True) if adjoint else result


def det(input, name=None):  # noqa: A002 - TF's name
    """The determinant of each square matrix."""
    return bind(_det, [convert_to_tensor(input)])


def slogdet(input, name=None):  # noqa: A002 - TF's name
    """(sign, log |determinant|) of each square matrix; stable where `det` over/underflows."""
    return LogMatrixDeterminant(*bind(_slogdet, [convert_to_tensor(input)]))


def logdet(matrix, name=None):
    """log(det(matrix)) of Hermitian positive definite matrices, via Cholesky."""
    diagonal = diag_part(cholesky(matrix))
    if diagonal.dtype.is_complex:
        diagonal = unary_math.real(diagonal)  # a Hermitian positive definite factor's diagonal is real
    return 2.0 * reduction.reduce_sum(unary_math.log(diagonal), axis=-1)


def _solve_infer(a, b, adjoint):
    dtype = same_dtype("solve", a, b)
    _check_matrix("solve", a, "matrix", square=True)
    _check_matrix("solve", b, "rhs")
    if a.shape.rank is None or b.shape.rank is None:
        return spec_of(None, dtype)
    if None not in (a.shape[-1], b.shape[-2]) and a.shape[-1] != b.shape[-2]:
        raise ValueError(f"solve: `matrix` of shape {a.shape} and `rhs` of shape {b.shape} do not fit: "
                         f"{a.shape[-1]} != {b.shape[-2]}")
    batch = broadcast_shapes("solve", _batch(a.shape), _batch(b.shape))
    return spec_of(batch.concatenate([a.shape[-1], b.shape[-1]]), dtype)


def _solve_impl(xp, a, b, adjoint):
    a, b = _lapack_ready(xp, a), _lapack_ready(xp, b)
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
    grad_a = -matmul(x, grad_b, adjoint_b=True) if adj else -matmul(grad_b, x, adjoint_b=True)
    return unbroadcast(grad_a, a), unbroadcast(grad_b, b)


_solve = Op("matrix_solve", infer=_solve_infer, impl=_solve_impl, grad=_solve_grad)


def solve(matrix, rhs, adjoint=False, name=None):
    """X with matrix @ X = rhs (adjoint(matrix) @ X = rhs when `adjoint`); batch axes broadcast."""
    a, b = operands_to_tensors(matrix, rhs)
    return bind(_solve, [a, b], {"adjoint": bool(adjoint)})


def triangular_solve(matrix, rhs, lower=True, adjoint=False, name=None):
    """`solve` reading only the lower (or upper) triangle of `matrix`."""
    a = convert_to_tensor(matrix)
    triangle = band_part(a, -1, 0) if lower else band_part(a, 0, -1)
    return solve(triangle, rhs, adjoint=adjoint)


def cholesky_solve(chol, rhs, name=None):
    """X with A @ X = rhs, given the Cholesky factor `chol` of A."""
    y = triangular_solve(chol, rhs, lower=True)
    return triangular_solve(chol, y, lower=True, adjoint=True)


def _add_to_diagonal(m, value):
    return set_diag(m, diag_part(m) + value)


def lstsq(matrix, rhs, l2_regularizer=0.0, fast=True, name=None):
    """Least-squares solution of matrix @ X = rhs (with optional L2 regularization).

    Only TF's `fast=True` path (the regularized normal equations) is provided.
    """
    if not fast:
        raise NotImplementedError("lstsq: only fast=True (normal equations) is supported")
    a, b = operands_to_tensors(matrix, rhs)
    rows, cols = _matrix_dims(a.shape)
    if rows is None or cols is None:
        raise ValueError(f"lstsq: needs a matrix of known size, got shape {a.shape}")
    if rows >= cols:
        gram = _add_to_diagonal(matmul(a, a, adjoint_a=True), l2_regularizer)
        return solve(gram, matmul(a, b, adjoint_a=True))
    gram = _add_to_diagonal(matmul(a, a, adjoint_b=True), l2_regularizer)
    return matmul(a, solve(gram, b), adjoint_a=True)


# ----- decompositions ------------------------------------------------------------------------

def _cholesky_grad(ctx, g):
    chol = ctx.outputs[0]
    chol_inv = inv(chol)
    middle = matmul(chol, g, adjoint_a=True)
    middle = band_part(set_diag(middle, 0.5 * diag_part(middle)), -1, 0)
    grad = matmul(matmul(chol_inv, middle, adjoint_a=True), chol_inv)
    return (0.5 * (grad + adjoint(grad)),)


_cholesky = Op("cholesky", infer=_square_infer("cholesky"),
               impl=lambda xp, x: xp.linalg.cholesky(_lapack_ready(xp, x)), grad=_cholesky_grad)


def cholesky(input, name=None):  # noqa: A002 - TF's name
    """The lower Cholesky factor L (A = L @ adjoint(L)) of each Hermitian positive definite matrix."""
    return bind(_cholesky, [convert_to_tensor(input)])


def _eigh_infer(x):
    _check_matrix("eigh", x, "tensor", square=True)
    if x.shape.rank is None:
        return spec_of(None, x.dtype), spec_of(None, x.dtype)
    return spec_of(x.shape[:-1], x.dtype), spec_of(x.shape, x.dtype)


def _eigh_grad(ctx, grad_e, grad_v):
    e, v = ctx.outputs
    gaps = _safe_reciprocal(array_ops.expand_dims(e, -2) - array_ops.expand_dims(e, -1))
    f = set_diag(gaps, creation.zeros_like(e))
    inner = diag(grad_e) + f * matmul(v, grad_v, adjoint_a=True)
    grad = matmul(v, matmul(inner, v, adjoint_b=True))
    # The op reads the lower triangle only: fold the gradient onto it, as TF does.
    grad = band_part(grad + adjoint(grad), -1, 0)
    return (set_diag(grad, 0.5 * diag_part(grad)),)


_eigh = Op("self_adjoint_eig", infer=_eigh_infer, multiple_outputs=True,
           impl=lambda xp, x: tuple(xp.linalg.eigh(_lapack_ready(xp, x))), grad=_eigh_grad)


def eigh(tensor, name=None):
    """(eigenvalues ascending, eigenvectors as columns) of each self-adjoint matrix (lower triangle)."""
    return bind(_eigh, [convert_to_tensor(tensor)])


def eigvalsh(tensor, name=None):
    """The eigenvalues (ascending) of each self-adjoint matrix."""
    return eigh(tensor)[0]


def _svd_shapes(x, full_matrices):
    rows, cols = _matrix_dims(x.shape)
    k = None if rows is None or cols is None else min(rows, cols)
    batch = _batch(x.shape)
    s = batch.concatenate([k])
    u = batch.concatenate([rows, rows if full_matrices else k])
    v = batch.concatenate([cols, cols if full_matrices else k])
    return s, u, v


def _svd_infer(x, full_matrices):
    _check_matrix("svd", x, "tensor")
    if x.shape.rank is None:
        return (spec_of(None, x.dtype),) * 3
    return tuple(spec_of(shape, x.dtype) for shape in _svd_shapes(x, full_matrices))


def _svd_impl(xp, x, full_matrices):
    u, s, vh = xp.linalg.svd(_lapack_ready(xp, x), full_matrices=full_matrices)
    v = xp.swapaxes(vh, -1, -2)
    return s, u, (xp.conj(v) if xp.iscomplexobj(v) else v)


def _singular_values_infer(x):
    _check_matrix("svd", x, "tensor")
    if x.shape.rank is None:
        return spec_of(None, x.dtype)
    return spec_of(_svd_shapes(x, False)[0], x.dtype)


def _singular_values_grad(ctx, grad_s):
    _, u, v = svd(ctx.inputs[0])
    return (matmul(u * array_ops.expand_dims(grad_s, -2), v, adjoint_b=True),)


def _svd_grad(ctx, grad_s, grad_u, grad_v):
    """Ā = U[F∘(UᵀŪ−ŪᵀU)S + diag(S̄) + S F∘(VᵀV̄−V̄ᵀV)]Vᵀ + (I−UUᵀ)ŪS⁻¹Vᵀ + US⁻¹V̄ᵀ(I−VVᵀ)."""
    x = ctx.inputs[0]
    s, u, v = ctx.outputs
    if x.dtype.is_complex:
        raise NotImplementedError("svd: the gradient for complex inputs is not implemented")
    rows, cols = _matrix_dims(x.shape)
    if ctx.attrs["full_matrices"] and (rows is None or rows != cols):
        raise NotImplementedError("svd: the gradient with full_matrices=True needs square matrices "
                                  f"of known size, got shape {x.shape}")
    s2 = unary_math.square(s)
    f = set_diag(_safe_reciprocal(array_ops.expand_dims(s2, -2) - array_ops.expand_dims(s2, -1)),
                 creation.zeros_like(s))
    ut_gu = matmul(u, grad_u, adjoint_a=True)
    vt_gv = matmul(v, grad_v, adjoint_a=True)
    s_row, s_col = array_ops.expand_dims(s, -2), array_ops.expand_dims(s, -1)
    inner = (f * (ut_gu - adjoint(ut_gu))) * s_row + diag(grad_s) + s_col * (f * (vt_gv - adjoint(vt_gv)))
    grad = matmul(u, matmul(inner, v, adjoint_b=True))
    # Components outside the spans of U and V: zero for square matrices.
    if rows is None or rows > cols:
        grad = grad + matmul((grad_u - matmul(u, ut_gu)) / s_row, v, adjoint_b=True)
    if cols is None or cols > rows:
        grad = grad + matmul(u, (grad_v - matmul(v, vt_gv)) / s_row, adjoint_b=True)
    return (grad,)


_svd = Op("svd", infer=_svd_infer, impl=_svd_impl, multiple_outputs=True, grad=_svd_grad)
_singular_values = Op("singular_values", infer=_singular_values_infer, grad=_singular_values_grad,
                      impl=lambda xp, x: xp.linalg.svd(_lapack_ready(xp, x), compute_uv=False))


def svd(tensor, full_matrices=False, compute_uv=True, name=None):
    """Singular values, and with `compute_uv` the tuple (s, u, v), where tensor = u @ diag(s) @ adjoint(v).

    As in TF, `v` is not transposed and `s` comes first; singular values descend.
    """
    x = convert_to_tensor(tensor)
    if not compute_uv:
        return bind(_singular_values, [x])
    return bind(_svd, [x], {"full_matrices": bool(full_matrices)})


def _qr_infer(x, full_matrices):
    _check_matrix("qr", x, "input")
    if x.shape.rank is None:
        return spec_of(None, x.dtype), spec_of(None, x.dtype)
    rows, cols = _matrix_dims(x.shape)
    k = rows if full_matrices else (None if rows is None or cols is None else min(rows, cols))
    batch = _batch(x.shape)
    return spec_of(batch.concatenate([rows, k]), x.dtype), spec_of(batch.concatenate([k, cols]), x.dtype)


def _times_inverse_adjoint(x, r):
    """x @ inv(r)ᴴ for an upper triangular r."""
    return adjoint(triangular_solve(r, adjoint(x), lower=False))


def _qr_grad_tall(q, r, grad_q, grad_r):
    """TF's QR gradient for square and tall (rows >= cols) matrices."""
    qdq = matmul(q, grad_q, adjoint_a=True)
    rdr = matmul(r, grad_r, adjoint_b=True)
    tril = band_part(qdq - adjoint(qdq) + rdr - adjoint(rdr), -1, 0)
    grad_a = matmul(q, grad_r + _times_inverse_adjoint(tril, r))
    return grad_a + _times_inverse_adjoint(grad_q - matmul(q, qdq), r)


def _qr_grad(ctx, grad_q, grad_r):
    x = ctx.inputs[0]
    q, r = ctx.outputs
    rows, cols = _matrix_dims(x.shape)
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
    grad_y = matmul(q, grad_w)
    grad_x1 = _qr_grad_tall(q, u, grad_q + matmul(y, grad_w, adjoint_b=True), grad_u)
    return (array_ops.concat([grad_x1, grad_y], axis=-1),)


_qr = Op("qr", infer=_qr_infer, multiple_outputs=True, grad=_qr_grad,
         impl=lambda xp, x, full_matrices: tuple(
             xp.linalg.qr(_lapack_ready(xp, x), mode="complete" if full_matrices else "reduced")))


def qr(input, full_matrices=False, name=None):  # noqa: A002 - TF's name
    """The QR decomposition (q, r) of each matrix: q has orthonormal columns, r is upper triangular."""
    return Qr(*bind(_qr, [convert_to_tensor(input)], {"full_matrices": bool(full_matrices)}))


# ----- norms ---------------------------------------------------------------------------------

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
    largest = svd(array_ops.transpose(x, perm), compute_uv=False)[..., :1]
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
        squares = x * _conj(x) if x.dtype.is_complex else unary_math.square(x)
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
