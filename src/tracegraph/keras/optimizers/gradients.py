"""Gradient helpers of the optimizers: sparse rows, deduplication and clipping.

A gradient is a dense tensor or a `tg.IndexedSlices` (the gradient of a gather, e.g. of an
embedding). The optimizers that update rows sparsely write their formulas once with `on_rows`
and `add_rows`, which work on both forms; the slices are deduplicated first (a row gathered
twice has one summed slice), so a sparse update computes exactly what the dense one does.
"""
from ... import dtypes, math
from ...convert import convert_to_tensor
from ...ops import array_ops, creation, gather_scatter, join_split, masking, sorting
from ...ops.indexed_slices import IndexedSlices

__all__ = ["is_sparse", "dense", "cast_to", "deduplicate", "on_rows", "add_rows", "clip_by_norm",
           "clip_by_value", "clip_by_global_norm", "divide"]


def is_sparse(gradient):
    """Whether `gradient` is an IndexedSlices."""
    return isinstance(gradient, IndexedSlices)


def dense(gradient):
    """The gradient as a dense tensor."""
    return convert_to_tensor(gradient)


def cast_to(gradient, dtype):
    """The gradient with values of `dtype`."""
    if is_sparse(gradient):
        if gradient.dtype == dtype:
            return gradient
        return IndexedSlices(math.cast(gradient.values, dtype), gradient.indices, gradient.dense_shape)
    gradient = convert_to_tensor(gradient)
    return gradient if gradient.dtype == dtype else math.cast(gradient, dtype)


def deduplicate(slices):
    """The IndexedSlices with each row once: repeated rows' slices summed, rows ascending."""
    indices = slices.indices
    order = sorting.argsort(indices)
    sorted_indices = gather_scatter.gather(indices, order)
    previous = join_split.concat([sorted_indices[:1] - 1, sorted_indices[:-1]], axis=0)
    starts_row = math.not_equal(sorted_indices, previous)
    segment_ids = math.cumsum(math.cast(starts_row, dtypes.int32)) - 1
    values = math.segment_sum(gather_scatter.gather(slices.values, order), segment_ids)
    return IndexedSlices(values, masking.boolean_mask(sorted_indices, starts_row), slices.dense_shape)


def on_rows(fn, gradient, *state):
    """`fn(gradient, *state)` on the rows the gradient touches.

    For an IndexedSlices, `fn` sees its values and the matching rows of each dense `state`
    tensor, and the result is an IndexedSlices on the same rows; for a dense gradient, `fn`
    sees the whole tensors.
    """
    if not is_sparse(gradient):
        return fn(gradient, *state)
    rows = [gather_scatter.gather(s, gradient.indices) for s in state]
    return IndexedSlices(fn(gradient.values, *rows), gradient.indices, gradient.dense_shape)


def add_rows(tensor, rows):
    """`tensor + rows` for a dense `rows` or an IndexedSlices (added into its rows only)."""
    if not is_sparse(rows):
        return tensor + rows
    coordinates = array_ops.expand_dims(rows.indices, -1)
    return gather_scatter.tensor_scatter_nd_add(convert_to_tensor(tensor), coordinates, rows.values)


def divide(gradient, scale):
    """The gradient divided by a scalar."""
    return on_rows(lambda g: g / math.cast(scale, g.dtype), gradient)


def _values(gradient):
    return gradient.values if is_sparse(gradient) else gradient


def clip_by_norm(gradient, clip_norm):
    """The gradient rescaled so that its L2 norm is at most `clip_norm` (Keras's formula, whose
    two-sided `where` keeps a zero gradient's norm from making NaNs)."""
    def clip(values):
        squares = math.reduce_sum(math.square(values), keepdims=True)
        positive = squares > 0
        safe = math.where(positive, squares, creation.ones_like(squares))
        norm = math.where(positive, math.sqrt(safe), squares)
        return values * clip_norm / math.maximum(norm, math.cast(clip_norm, norm.dtype))
    return on_rows(clip, gradient)


def clip_by_value(gradient, clip_value):
    """The gradient's elements clipped to [-clip_value, clip_value]."""
    return on_rows(lambda g: math.clip_by_value(g, -clip_value, clip_value), gradient)


def global_norm(gradients):
    """The L2 norm of all gradients together (None entries skipped)."""
    squared = [math.reduce_sum(math.square(_values(g))) for g in gradients if g is not None]
    return math.sqrt(math.reduce_sum(join_split.stack(squared)))


def clip_by_global_norm(gradients, clip_norm):
    """The gradients scaled together so that their global norm is at most `clip_norm`; an
    infinite or NaN global norm makes every gradient NaN (Keras's rule)."""
    norm = global_norm(gradients)
    scale = clip_norm * math.minimum(1.0 / norm, 1.0 / clip_norm) + (norm - norm)
    return [None if g is None else on_rows(lambda v: v * math.cast(scale, v.dtype), g) for g in gradients]
