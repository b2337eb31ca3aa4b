"""The `tg.sparse` functions (TF's names and arguments): conversions, reordering and reshaping,
sums and elementwise maxima, reductions, the sparse-dense product, concatenation.

Index work runs in the primitive ops of `index_ops.py`; values then move through ordinary
differentiable ops (`gather`, `segment_sum`, `scatter_nd`), so gradients reach the values.
"""
from .. import dtypes
from ..convert import convert_to_tensor
from ..ops import (arithmetic, array_ops, cast, comparison, creation, gather_scatter, join_split, linalg,
                   linalg_common, masking, reduction)
from ..core.rules import normalize_axis
from ..shape import as_shape
from . import index_ops
from .matmul import coo_matmul, swapped_columns
from .sparse_tensor import SparseTensor

__all__ = ["from_dense", "to_dense", "reorder", "reshape", "transpose", "slice", "retain", "add", "maximum",
           "minimum", "reduce_sum", "reduce_max", "sparse_dense_matmul", "to_indicator", "concat"]


def _sparse_argument(function, name, value):
    if not isinstance(value, SparseTensor):
        raise TypeError(f"tg.sparse.{function}: `{name}` must be a SparseTensor, got {type(value).__name__}")
    return value


def _int64(value):
    tensor = convert_to_tensor(value, dtype_hint=dtypes.int64)
    return tensor if tensor.dtype == dtypes.int64 else cast.cast(tensor, dtypes.int64)


def _rank(function, sp_input):
    rank = sp_input.shape.rank
    if rank is None:
        raise ValueError(f"tg.sparse.{function}: the SparseTensor's rank must be known")
    return rank


def _normalized_axes(function, axis, rank):
    """`axis` (None for all, an int or a list) as a sorted list of non-negative axes."""
    if axis is None:
        return list(range(rank))
    axes = normalize_axis(function, list(axis) if isinstance(axis, (list, tuple)) else [axis], rank)
    return sorted(set(axes))


def _with_static_shape(tensor, shape):
    """`tensor` with the static `shape` known besides (a traced op cannot read `dense_shape`'s values)."""
    shape = as_shape(shape)
    if shape.is_fully_defined() and not tensor.shape.is_fully_defined():
        return array_ops.reshape(tensor, shape.as_list())
    return tensor


# ----- conversions -------------------------------------------------------------------------------

def from_dense(tensor, name=None):
    """The SparseTensor of the non-zero entries of a dense `tensor`, in row-major order."""
    tensor = convert_to_tensor(tensor)
    stored = comparison.not_equal(tensor, creation.zeros_like(tensor))
    indices = masking.nonzero_coordinates(stored)
    # The flat mask lists the entries in the same row-major order as the coordinates.
    values = masking.boolean_mask(array_ops.reshape(tensor, [-1]), array_ops.reshape(stored, [-1]))
    return SparseTensor._from_parts(indices, values, array_ops.shape(tensor, out_type=dtypes.int64),
                                    tensor.shape)


def to_dense(sp_input, default_value=None, validate_indices=True, name=None):
    """The dense tensor of `sp_input`, with `default_value` (default 0) where no entry is stored.

    With `validate_indices` (the default) the indices must be in canonical row-major order
    without repeats, as in TF; `tg.sparse.reorder` gives that order.
    """
    sp_input = _sparse_argument("to_dense", "sp_input", sp_input)
    default = creation.zeros([], sp_input.dtype) if default_value is None else \
        convert_to_tensor(default_value, dtype=sp_input.dtype)
    dense = index_ops.to_dense_op(sp_input.indices, sp_input.values, sp_input.dense_shape, default,
                                  validate_indices)
    return _with_static_shape(dense, sp_input.shape)


# ----- order and layout --------------------------------------------------------------------------

def _permuted(sp_input, order):
    return SparseTensor._from_parts(gather_scatter.gather(sp_input.indices, order),
                                    gather_scatter.gather(sp_input.values, order), sp_input.dense_shape,
                                    sp_input.shape)


def reorder(sp_input, name=None):
    """`sp_input` with its entries in canonical row-major order (the dense tensor is the same)."""
    sp_input = _sparse_argument("reorder", "sp_input", sp_input)
    return _permuted(sp_input, index_ops.canonical_order(sp_input.indices, sp_input.dense_shape))


def reshape(sp_input, shape, name=None):
    """`sp_input` as a SparseTensor of `shape` (one dimension may be -1), entries in row-major order."""
    sp_input = _sparse_argument("reshape", "sp_input", sp_input)
    new_indices, new_shape = index_ops.reshape_indices(sp_input.indices, sp_input.dense_shape, _int64(shape))
    return SparseTensor._from_parts(new_indices, sp_input.values, new_shape)


def transpose(sp_input, perm=None, name=None):
    """`sp_input` with its dimensions permuted by `perm` (default: reversed), in canonical order."""
    sp_input = _sparse_argument("transpose", "sp_input", sp_input)
    rank = _rank("transpose", sp_input)
    perm = list(range(rank))[::-1] if perm is None else [int(p) for p in perm]
    if sorted(perm) != list(range(rank)):
        raise ValueError(f"tg.sparse.transpose: `perm` must be a permutation of 0..{rank - 1}, got {perm}")
    static = sp_input.shape
    moved = SparseTensor._from_parts(gather_scatter.gather(sp_input.indices, perm, axis=1), sp_input.values,
                                     gather_scatter.gather(sp_input.dense_shape, perm),
                                     [static[p] for p in perm])
    return reorder(moved)


def slice(sp_input, start, size, name=None):  # noqa: A001 - TF's public name
    """The entries of `sp_input` inside the box [start, start + size), indexed from `start`."""
    sp_input = _sparse_argument("slice", "sp_input", sp_input)
    positions, indices, shape = index_ops.slice_positions(sp_input.indices, sp_input.dense_shape,
                                                          _int64(start), _int64(size))
    return SparseTensor._from_parts(indices, gather_scatter.gather(sp_input.values, positions), shape)


def retain(sp_input, to_retain):
    """The entries of `sp_input` where the boolean vector `to_retain` (one per entry) is True."""
    sp_input = _sparse_argument("retain", "sp_input", sp_input)
    to_retain = convert_to_tensor(to_retain)
    if to_retain.dtype != dtypes.bool or to_retain.shape.rank not in (1, None):
        raise TypeError(f"tg.sparse.retain: `to_retain` must be a 1-D bool tensor, got {to_retain!r}")
    return SparseTensor._from_parts(masking.boolean_mask(sp_input.indices, to_retain),
                                    masking.boolean_mask(sp_input.values, to_retain), sp_input.dense_shape,
                                    sp_input.shape)


# ----- sums and elementwise maxima -----------------------------------------------------------------

def _check_same_shape(function, a, b):
    if not a.shape.is_compatible_with(b.shape):
        raise ValueError(f"tg.sparse.{function}: operands of shapes {a.shape} and {b.shape} differ")
    if a.dtype != b.dtype:
        raise TypeError(f"tg.sparse.{function}: operands of dtypes {a.dtype.name} and {b.dtype.name} differ")


def _union(a, b):
    """The union of the indices of `a` and `b`, and each operand's values placed on it (0 where absent)."""
    indices = join_split.concat([a.indices, b.indices], axis=0)
    union, rows = index_ops.union_positions(indices, a.dense_shape)
    count = array_ops.shape(union, out_type=dtypes.int64)[:1]
    n_a = array_ops.shape(a.values, out_type=dtypes.int64)[0]
    on_union = [gather_scatter.scatter_nd(array_ops.expand_dims(part, -1), values, count)
                for part, values in ((rows[:n_a], a.values), (rows[n_a:], b.values))]
    return union, on_union


def add(a, b, threshold=0):
    """`a + b` for two SparseTensors (a SparseTensor on the union of their indices), or for a
    SparseTensor and a dense tensor (a dense tensor). With two SparseTensors, sums whose
    magnitude is below `threshold` are dropped."""
    if isinstance(a, SparseTensor) and isinstance(b, SparseTensor):
        _check_same_shape("add", a, b)
        union, (on_a, on_b) = _union(a, b)
        total = SparseTensor._from_parts(union, on_a + on_b, a.dense_shape, a.shape.merge_with(b.shape))
        if threshold is not None and float(threshold) > 0:
            keep = comparison.greater_equal(arithmetic.abs(total.values),
                                            cast.cast(threshold, arithmetic.abs(total.values).dtype))
            total = retain(total, keep)
        return total
    sparse, dense = (a, b) if isinstance(a, SparseTensor) else (b, a)
    if not isinstance(sparse, SparseTensor):
        raise TypeError("tg.sparse.add: at least one of `a` and `b` must be a SparseTensor")
    dense = convert_to_tensor(dense, dtype=sparse.dtype)
    if not dense.shape.is_compatible_with(sparse.shape):
        raise ValueError(f"tg.sparse.add: the dense operand's shape {dense.shape} is not the sparse "
                         f"operand's {sparse.shape}")
    return gather_scatter.tensor_scatter_nd_add(dense, sparse.indices, sparse.values)


def _elementwise(function, combine, sp_a, sp_b):
    sp_a = _sparse_argument(function, "sp_a", sp_a)
    sp_b = _sparse_argument(function, "sp_b", sp_b)
    _check_same_shape(function, sp_a, sp_b)
    union, (on_a, on_b) = _union(sp_a, sp_b)
    return SparseTensor._from_parts(union, combine(on_a, on_b), sp_a.dense_shape, sp_a.shape.merge_with(sp_b.shape))


def maximum(sp_a, sp_b, name=None):
    """The elementwise maximum of two SparseTensors of one shape (absent entries count as 0),
    on the union of their indices."""
    return _elementwise("maximum", arithmetic.maximum, sp_a, sp_b)


def minimum(sp_a, sp_b, name=None):
    """The elementwise minimum of two SparseTensors of one shape (absent entries count as 0),
    on the union of their indices."""
    return _elementwise("minimum", arithmetic.minimum, sp_a, sp_b)


# ----- reductions ----------------------------------------------------------------------------------

def _projection(function, sp_input, axis, keepdims):
    """Where each entry lands after reducing `axis`: its indices with the reduced columns zeroed,
    the kept shape (reduced dims 1), and the reduced axes."""
    rank = _rank(function, sp_input)
    axes = _normalized_axes(f"tg.sparse.{function}", axis, rank)
    kept = [0 if d in axes else 1 for d in range(rank)]
    mask = convert_to_tensor(kept, dtype=dtypes.int64)
    indices = sp_input.indices * mask
    shape = comparison.where(comparison.equal(mask, 1), sp_input.dense_shape,
                             creation.ones_like(sp_input.dense_shape))
    return indices, shape, axes


def _finish_reduction(dense, axes, keepdims, sp_input):
    static = [1 if d in axes else n for d, n in enumerate(sp_input.shape.as_list())]
    dense = _with_static_shape(dense, static)
    return dense if keepdims else array_ops.squeeze(dense, axis=sorted(axes)) if axes else dense


def reduce_sum(sp_input, axis=None, keepdims=None, output_is_sparse=False, name=None):
    """The sum of `sp_input`'s entries over `axis` (all axes by default), as a dense tensor, or as a
    SparseTensor of the non-empty sums when `output_is_sparse`."""
    sp_input = _sparse_argument("reduce_sum", "sp_input", sp_input)
    indices, shape, axes = _projection("reduce_sum", sp_input, axis, keepdims)
    if output_is_sparse:
        return _sparse_reduction(sp_input, indices, shape, axes, bool(keepdims))
    if len(axes) == sp_input.shape.rank and not keepdims:
        return reduction.reduce_sum(sp_input.values)
    dense = gather_scatter.scatter_nd(indices, sp_input.values, shape)
    return _finish_reduction(dense, axes, bool(keepdims), sp_input)


def _sparse_reduction(sp_input, indices, shape, axes, keepdims):
    union, rows = index_ops.union_positions(indices, shape)
    sums = gather_scatter.segment_sum(sp_input.values, rows)
    result = SparseTensor._from_parts(union, sums, shape)
    if keepdims:
        return result
    kept = [d for d in range(sp_input.shape.rank) if d not in axes]
    return SparseTensor._from_parts(gather_scatter.gather(union, kept, axis=1), sums,
                                    gather_scatter.gather(shape, kept))


def reduce_max(sp_input, axis=None, keepdims=None, output_is_sparse=False, name=None):
    """The maximum of `sp_input`'s stored entries over `axis` (all axes by default). As in TF,
    absent entries do not take part, and a reduction over no stored entry gives 0."""
    sp_input = _sparse_argument("reduce_max", "sp_input", sp_input)
    indices, shape, axes = _projection("reduce_max", sp_input, axis, keepdims)
    dense = _finish_reduction(index_ops.reduce_max_scatter(indices, sp_input.values, shape), axes,
                              bool(keepdims), sp_input)
    return from_dense(dense) if output_is_sparse else dense


# ----- products ------------------------------------------------------------------------------------

def _sparse_matmul(sp_a, b, adjoint_a, adjoint_b):
    indices, values, dense_shape = sp_a.indices, sp_a.values, sp_a.dense_shape
    if adjoint_a:
        indices, dense_shape = swapped_columns(indices), gather_scatter.gather(dense_shape, [1, 0])
        values = linalg_common.conj_if_complex(values)
    b = convert_to_tensor(b, dtype=sp_a.dtype)
    if adjoint_b:
        b = linalg.adjoint(b)
    rows = sp_a.shape[1] if adjoint_a else sp_a.shape[0]
    product = coo_matmul(indices, values, dense_shape, b)
    return _with_static_shape(product, [rows, b.shape[1] if b.shape.rank == 2 else None])


def sparse_dense_matmul(sp_a, b, adjoint_a=False, adjoint_b=False, name=None):
    """The matrix product of a SparseTensor and a dense matrix, in either order: `sp_a` or `b`
    is the SparseTensor, the other operand is dense. `adjoint_a`/`adjoint_b` take the
    (conjugate) transpose of the first/second operand first."""
    if isinstance(sp_a, SparseTensor):
        if _rank("sparse_dense_matmul", sp_a) != 2:
            raise ValueError(f"tg.sparse.sparse_dense_matmul: `sp_a` must be a matrix, got shape {sp_a.shape}")
        return _sparse_matmul(sp_a, b, adjoint_a, adjoint_b)
    if not isinstance(b, SparseTensor):
        raise TypeError("tg.sparse.sparse_dense_matmul: one of `sp_a` and `b` must be a SparseTensor")
    # op(a) @ op(B) == (op(B)^H @ op(a)^H)^H, and op(B)^H is B or B^H
    a = convert_to_tensor(sp_a, dtype=b.dtype)
    return linalg.adjoint(_sparse_matmul(b, a, not adjoint_b, not adjoint_a))


def to_indicator(sp_input, vocab_size, name=None):
    """A dense bool tensor of shape `dense_shape[:-1] + [vocab_size]`: True at [..., v] for each
    stored entry [..., k] of value v (TF's `tf.sparse.to_indicator`)."""
    sp_input = _sparse_argument("to_indicator", "sp_input", sp_input)
    if not sp_input.dtype.is_integer:
        raise TypeError(f"tg.sparse.to_indicator: the values must be integers, got {sp_input.dtype.name}")
    ids = array_ops.expand_dims(cast.cast(sp_input.values, dtypes.int64), -1)
    indices = join_split.concat([sp_input.indices[:, :-1], ids], axis=1)
    shape = join_split.concat([sp_input.dense_shape[:-1], array_ops.reshape(_int64(vocab_size), [1])], axis=0)
    counts = gather_scatter.scatter_nd(indices, creation.ones_like(sp_input.values, dtype=dtypes.int32), shape)
    return comparison.greater(counts, 0)


def concat(axis, sp_inputs, expand_nonconcat_dims=False, name=None):
    """The SparseTensors `sp_inputs` joined along `axis`, in canonical order. Other dimensions must
    agree, unless `expand_nonconcat_dims`, which takes their maxima."""
    sp_inputs = [_sparse_argument("concat", "sp_inputs", s) for s in sp_inputs]
    if not sp_inputs:
        raise ValueError("tg.sparse.concat: `sp_inputs` must not be empty")
    rank = _rank("concat", sp_inputs[0])
    axis = _normalized_axes("tg.sparse.concat", axis, rank)[0]
    if not expand_nonconcat_dims:
        for s in sp_inputs[1:]:
            other = [d for i, d in enumerate(s.shape.as_list()) if i != axis]
            first = [d for i, d in enumerate(sp_inputs[0].shape.as_list()) if i != axis]
            if not all(x is None or y is None or x == y for x, y in zip(other, first)):
                raise ValueError(f"tg.sparse.concat: shapes {sp_inputs[0].shape} and {s.shape} differ outside "
                                 f"axis {axis}")
    unit = creation.one_hot_flat(axis, rank, dtypes.int64)
    shapes = join_split.stack([s.dense_shape for s in sp_inputs])
    lengths = shapes[:, axis]
    offsets = arithmetic.subtract(reduction.cumsum(lengths), lengths)
    indices = join_split.concat([s.indices + offsets[k] * unit for k, s in enumerate(sp_inputs)], axis=0)
    values = join_split.concat([s.values for s in sp_inputs], axis=0)
    others = reduction.reduce_max(shapes, axis=0)
    dense_shape = others * (1 - unit) + reduction.reduce_sum(lengths) * unit
    return reorder(SparseTensor._from_parts(indices, values, dense_shape))
