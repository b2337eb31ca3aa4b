"""Integer indices to Keras 3's encodings (`keras.src.utils.numerical_utils.encode_categorical_inputs`),
shared by the lookup, hashing, discretization and category-encoding layers.

- "int": the indices, cast to `dtype`.
- "one_hot": a vector per index (a trailing axis of 1 is replaced by the vector).
- "multi_hot" / "count": per sample (axis 1, or the whole input when it is a vector), whether /
  how often each index occurs; "count" sums `count_weights` instead of ones when given.
- "tf_idf": counts times `idf_weights`.
Indices outside `[0, depth)` contribute nothing (a lookup layer's mask token relies on it).
"""
from .... import dtypes
from ....ops import cast as cast_ops
from ....ops.arithmetic import minimum, multiply
from ....ops.array_ops import expand_dims, squeeze
from ....ops.creation import one_hot
from ....ops.reduction import reduce_sum

__all__ = ["encode_categorical", "OUTPUT_MODES"]

OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")


def encode_categorical(indices, output_mode, depth, dtype, count_weights=None, idf_weights=None):
    """`indices` (integers) encoded as `output_mode` with `depth` classes, as Keras 3 encodes them."""
    dtype = dtypes.as_dtype(dtype)
    if output_mode == "int":
        return cast_ops.cast(indices, dtype)
    if indices.shape.rank == 0:
        indices = expand_dims(indices, -1)
    if output_mode == "one_hot":
        if indices.shape.rank > 1 and indices.shape[-1] == 1:
            indices = squeeze(indices, -1)
        return one_hot(indices, depth, dtype=dtype)
    axis = 1 if indices.shape.rank > 1 else 0
    if count_weights is not None:
        dtype = dtypes.as_dtype(count_weights.dtype)
    hot = one_hot(indices, depth, dtype=dtype)
    if count_weights is not None:
        hot = multiply(hot, cast_ops.cast(count_weights, dtype)[..., None])
    counts = reduce_sum(hot, axis=axis)
    if output_mode == "multi_hot":
        return minimum(counts, cast_ops.cast(1, dtype))
    if output_mode == "tf_idf":
        return multiply(counts, cast_ops.cast(idf_weights, dtype))
    return counts
