"""The primitive ops of sparse tensors: index arithmetic on the components.

Each op works on `indices` ([N, rank] int64) and `dense_shape` ([rank] int64) arrays and is
written against `xp`, so NumPy and CuPy plans share it. Index outputs are integers, so these
ops have no gradient for them; values flow through ordinary, differentiable ops (`gather`,
`segment_sum`, `scatter_nd`) on the positions the index ops return. `sparse_to_dense` is the
one op that reads values, and has a gradient for them and for `default_value`.
"""
import numpy as np

from .. import dtypes
from ..core.dispatch import bind
from ..core.op import Op
from ..core.rules import spec_of
from ..errors import InvalidArgumentError
from ..ops import gather_scatter, reduction

__all__ = ["to_dense_op", "canonical_order", "union_positions", "reshape_indices", "slice_positions",
           "reduce_max_scatter", "check_in_bounds"]


# ----- index arithmetic shared by the ops ------------------------------------------------------

def _row_major_strides(xp, dense_shape):
    """The flat-index stride of each dimension of a row-major array of `dense_shape`."""
    dims = dense_shape.astype(np.int64)
    suffix_products = xp.cumprod(dims[::-1])[::-1]
    return xp.concatenate([suffix_products[1:], xp.ones(1, dtype=np.int64)]) if dims.size else dims


def _linear_positions(xp, indices, dense_shape):
    """Each index's position in the flattened dense tensor (row-major)."""
    return (indices.astype(np.int64) * _row_major_strides(xp, dense_shape)).sum(axis=1)


def _describe_index(indices, k):
    return f"indices[{k}] = [{','.join(str(int(i)) for i in indices[k].tolist())}]"


def check_in_bounds(xp, op_name, indices, dense_shape):
    """InvalidArgumentError naming the first index outside `dense_shape`, as TF words it."""
    if not indices.size:
        return
    # The minimum and each column's maximum decide quickly (one column is a 1-D strided reduction,
    # much faster than NumPy's axis-0 reduction of a narrow array); only a failing call looks for
    # the first bad row.
    limits = dense_shape.tolist()
    if int(indices.min()) >= 0 and all(int(indices[:, k].max()) < limits[k] for k in range(len(limits))):
        return
    outside = ((indices < 0) | (indices >= dense_shape[None, :])).any(axis=1)
    k = int(xp.argmax(outside))
    shape = ",".join(str(int(d)) for d in dense_shape.tolist())
    raise InvalidArgumentError(f"{op_name}: {_describe_index(indices, k)} is out of bounds: "
                               f"need 0 <= index < [{shape}]")


def _check_canonical_order(xp, op_name, indices, dense_shape):
    """InvalidArgumentError at the first index not after its predecessor in row-major order."""
    positions = _linear_positions(xp, indices, dense_shape)
    steps = positions[1:] - positions[:-1]
    if steps.size and bool((steps <= 0).any()):
        k = int(xp.argmax(steps <= 0)) + 1
        if int(steps[k - 1]) == 0:
            raise InvalidArgumentError(f"{op_name}: {_describe_index(indices, k)} is repeated")
        raise InvalidArgumentError(f"{op_name}: {_describe_index(indices, k)} is out of order. Many sparse "
                                   f"ops require sorted indices. Use `tg.sparse.reorder` to create a "
                                   f"correctly ordered copy.")


def _check_indices_spec(op_name, spec, arg="indices"):
    if spec.dtype != dtypes.int64 or spec.shape.rank not in (2, None):
        raise TypeError(f"{op_name}: `{arg}` must be a 2-D int64 tensor, got {spec.short()}")


def _check_shape_spec(op_name, spec, arg="dense_shape"):
    if spec.dtype != dtypes.int64 or spec.shape.rank not in (1, None):
        raise TypeError(f"{op_name}: `{arg}` must be a 1-D int64 tensor, got {spec.short()}")


def _rank_of(indices, dense_shape):
    if dense_shape.shape.rank == 1 and dense_shape.shape[0] is not None:
        return dense_shape.shape[0]
    return indices.shape[1] if indices.shape.rank == 2 else None


# ----- sparse_to_dense -------------------------------------------------------------------------

def _to_dense_infer(indices, values, dense_shape, default_value, validate_indices):
    _check_indices_spec("sparse_to_dense", indices)
    _check_shape_spec("sparse_to_dense", dense_shape)
    if default_value.dtype != values.dtype:
        raise TypeError(f"sparse_to_dense: `default_value` has dtype {default_value.dtype.name}, the values "
                        f"{values.dtype.name}")
    rank = _rank_of(indices, dense_shape)
    return spec_of(None if rank is None else [None] * rank, values.dtype)


def _to_dense_impl(xp, indices, values, dense_shape, default_value, validate_indices):
    check_in_bounds(xp, "sparse_to_dense", indices, dense_shape)
    if validate_indices:
        _check_canonical_order(xp, "sparse_to_dense", indices, dense_shape)
    out = xp.full(tuple(int(d) for d in dense_shape.tolist()), default_value, dtype=values.dtype)
    # Flat positions address every rank alike, a scalar's empty coordinates included.
    out.reshape(-1)[_linear_positions(xp, indices, dense_shape)] = values
    return out


def _to_dense_grad(ctx, g):
    indices = ctx.inputs[0]
    picked = gather_scatter.gather_nd(g, indices)
    return None, picked, None, reduction.reduce_sum(g) - reduction.reduce_sum(picked)


_to_dense = Op("sparse_to_dense", infer=_to_dense_infer, impl=_to_dense_impl, grad=_to_dense_grad)


def to_dense_op(indices, values, dense_shape, default_value, validate_indices=True):
    """The dense tensor of `dense_shape` with `values` at `indices` and `default_value` elsewhere."""
    return bind(_to_dense, [indices, values, dense_shape, default_value],
                {"validate_indices": bool(validate_indices)})


# ----- canonical order ---------------------------------------------------------------------------

def _order_infer(indices, dense_shape):
    _check_indices_spec("sparse_canonical_order", indices)
    _check_shape_spec("sparse_canonical_order", dense_shape)
    return spec_of([indices.shape[0] if indices.shape.rank == 2 else None], dtypes.int64)


def _order_impl(xp, indices, dense_shape):
    check_in_bounds(xp, "sparse_reorder", indices, dense_shape)
    return xp.argsort(_linear_positions(xp, indices, dense_shape), kind="stable").astype(np.int64)


_order = Op("sparse_canonical_order", infer=_order_infer, impl=_order_impl, grad=lambda ctx, g: (None, None))


def canonical_order(indices, dense_shape):
    """The permutation that sorts `indices` into row-major order (stable for repeated indices)."""
    return bind(_order, [indices, dense_shape])


# ----- the union of indices (for sums and elementwise maxima) -----------------------------------

def _union_infer(indices, dense_shape):
    _check_indices_spec("sparse_union_positions", indices)
    _check_shape_spec("sparse_union_positions", dense_shape)
    n = indices.shape[0] if indices.shape.rank == 2 else None
    rank = _rank_of(indices, dense_shape)
    return spec_of([None, rank], dtypes.int64), spec_of([n], dtypes.int64)


def _union_impl(xp, indices, dense_shape):
    check_in_bounds(xp, "sparse_union_positions", indices, dense_shape)
    positions = _linear_positions(xp, indices, dense_shape)
    _, first, segment_ids = xp.unique(positions, return_index=True, return_inverse=True)
    return indices[first].astype(np.int64), segment_ids.reshape(-1).astype(np.int64)


_union = Op("sparse_union_positions", infer=_union_infer, impl=_union_impl,
            grad=lambda ctx, *g: (None, None), multiple_outputs=True)


def union_positions(indices, dense_shape):
    """The distinct indices in row-major order, and for each input index the row of its distinct one."""
    return bind(_union, [indices, dense_shape])


# ----- reshape -----------------------------------------------------------------------------------

def _reshape_infer(indices, dense_shape, new_shape):
    _check_indices_spec("sparse_reshape", indices)
    _check_shape_spec("sparse_reshape", dense_shape)
    _check_shape_spec("sparse_reshape", new_shape, arg="shape")
    rank = new_shape.shape[0] if new_shape.shape.rank == 1 else None
    n = indices.shape[0] if indices.shape.rank == 2 else None
    return spec_of([n, rank], dtypes.int64), spec_of([rank], dtypes.int64)


def _resolved_shape(xp, dense_shape, new_shape):
    """`new_shape` with its one -1 (if any) filled in; errors as TF's SparseReshape words them."""
    total = int(np.prod(dense_shape.tolist(), dtype=np.int64))
    dims = [int(d) for d in new_shape.tolist()]
    unknown = [i for i, d in enumerate(dims) if d == -1]
    if len(unknown) > 1 or any(d < -1 for d in dims):
        raise InvalidArgumentError(f"sparse_reshape: at most one dimension of `shape` may be -1 and none "
                                   f"smaller, got {dims}")
    known = int(np.prod([d for d in dims if d != -1], dtype=np.int64))
    if unknown:
        if known == 0 or total % known:
            raise InvalidArgumentError(f"sparse_reshape: cannot reshape {total} elements to {dims}")
        dims[unknown[0]] = total // known
    if int(np.prod(dims, dtype=np.int64)) != total:
        raise InvalidArgumentError(f"sparse_reshape: the input has {total} dense values, the requested "
                                   f"shape {dims} has {int(np.prod(dims, dtype=np.int64))}")
    return xp.asarray(dims, dtype=np.int64)


def _reshape_impl(xp, indices, dense_shape, new_shape):
    check_in_bounds(xp, "sparse_reshape", indices, dense_shape)
    out_shape = _resolved_shape(xp, dense_shape, new_shape)
    positions = _linear_positions(xp, indices, dense_shape)
    strides = _row_major_strides(xp, out_shape)
    safe = xp.maximum(out_shape, 1)
    new_indices = (positions[:, None] // strides[None, :]) % safe[None, :]
    return new_indices.astype(np.int64), out_shape


_reshape = Op("sparse_reshape", infer=_reshape_infer, impl=_reshape_impl,
              grad=lambda ctx, *g: (None, None, None), multiple_outputs=True)


def reshape_indices(indices, dense_shape, new_shape):
    """The indices of the same entries in a tensor of `new_shape` (one dim may be -1), and that shape."""
    return bind(_reshape, [indices, dense_shape, new_shape])


# ----- slice -------------------------------------------------------------------------------------

def _slice_infer(indices, dense_shape, start, size):
    _check_indices_spec("sparse_slice", indices)
    _check_shape_spec("sparse_slice", dense_shape)
    _check_shape_spec("sparse_slice", start, arg="start")
    _check_shape_spec("sparse_slice", size, arg="size")
    rank = _rank_of(indices, dense_shape)
    return (spec_of([None], dtypes.int64), spec_of([None, rank], dtypes.int64), spec_of([rank], dtypes.int64))


def _slice_impl(xp, indices, dense_shape, start, size):
    check_in_bounds(xp, "sparse_slice", indices, dense_shape)
    if start.shape != dense_shape.shape or size.shape != dense_shape.shape:
        raise InvalidArgumentError(f"sparse_slice: `start` and `size` need one entry per dimension "
                                   f"({dense_shape.shape[0]}), got {start.shape[0]} and {size.shape[0]}")
    if bool((start < 0).any()) or bool((size < 0).any()):
        raise InvalidArgumentError(f"sparse_slice: `start` and `size` must be non-negative, got "
                                   f"{start.tolist()} and {size.tolist()}")
    lower = xp.minimum(start, dense_shape)
    upper = xp.minimum(start + size, dense_shape)
    inside = ((indices >= start[None, :]) & (indices < upper[None, :])).all(axis=1)
    positions = xp.nonzero(inside)[0].astype(np.int64)
    return positions, (indices[positions] - start[None, :]).astype(np.int64), (upper - lower).astype(np.int64)


_slice = Op("sparse_slice", infer=_slice_infer, impl=_slice_impl,
            grad=lambda ctx, *g: (None, None, None, None), multiple_outputs=True)


def slice_positions(indices, dense_shape, start, size):
    """The positions of the entries inside the box [start, start + size), their indices relative
    to `start`, and the box's shape clipped to `dense_shape`."""
    return bind(_slice, [indices, dense_shape, start, size])


# ----- the maximum of the entries that land on each output position ----------------------------

def _reduce_max_infer(indices, values, out_shape):
    _check_indices_spec("sparse_reduce_max", indices)
    _check_shape_spec("sparse_reduce_max", out_shape, arg="output_shape")
    rank = out_shape.shape[0] if out_shape.shape.rank == 1 else None
    return spec_of(None if rank is None else [None] * rank, values.dtype)


def _reduce_max_impl(xp, indices, values, out_shape):
    shape = tuple(int(d) for d in out_shape.tolist())
    out = xp.full(shape, _lowest(values.dtype), dtype=values.dtype)
    positions = _linear_positions(xp, indices, out_shape)
    xp.maximum.at(out.reshape(-1), positions, values)
    touched = xp.zeros(shape, dtype=bool)
    touched.reshape(-1)[positions] = True
    # TF: implicit zeros do not take part, and a position nothing lands on reduces to 0.
    return xp.where(touched, out, xp.zeros((), dtype=values.dtype))


def _lowest(dtype):
    dtype = np.dtype(dtype)
    return -np.inf if dtype.kind in "fc" else (False if dtype.kind == "b" else np.iinfo(dtype).min)


# TF registers no gradient for SparseReduceMax either.
_reduce_max = Op("sparse_reduce_max", infer=_reduce_max_infer, impl=_reduce_max_impl, grad=None)


def reduce_max_scatter(indices, values, out_shape):
    """A dense tensor of `out_shape` holding the maximum of the values at each index; 0 where none."""
    return bind(_reduce_max, [indices, values, out_shape])
