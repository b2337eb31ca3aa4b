"""`tg.IndexedSlices`: a tensor given by some of its slices along axis 0 (TF's `tf.IndexedSlices`).

The gradient of `tg.gather` along axis 0 is an IndexedSlices, as in TF: the gathered rows'
gradients (`values`), the rows they belong to (`indices`, repeats allowed: they add up) and the
shape of the dense gradient (`dense_shape`). It is a composite value (see `type_spec.py`), so it
passes through `tg.function` outputs and `nest`; `tg.convert_to_tensor` turns it into the dense
tensor (the `_as_tensor` method), and `+` sums it with other gradients: with another
IndexedSlices by concatenating slices, with a dense tensor by densifying.
"""
from . import array_ops, cast, gather_scatter, join_split, shape_args
from .. import dtypes
from ..convert import convert_to_tensor
from ..shape import TensorShape, as_shape
from ..spec import TensorSpec
from ..type_spec import CompositeTensor, TypeSpec, register

__all__ = ["IndexedSlices", "IndexedSlicesSpec"]


@register("tracegraph.IndexedSlicesSpec")
class IndexedSlicesSpec(TypeSpec):
    """The type of an IndexedSlices (TF's `tf.IndexedSlicesSpec`): the dense shape, the dtypes of
    values, indices and dense shape, and the shape of the indices."""

    __slots__ = ("_shape", "_dtype", "_indices_dtype", "_dense_shape_dtype", "_indices_shape")

    def __init__(self, shape=None, dtype=dtypes.float32, indices_dtype=dtypes.int64, dense_shape_dtype=None,
                 indices_shape=None):
        self._shape = as_shape(shape)
        self._dtype = dtypes.as_dtype(dtype)
        self._indices_dtype = dtypes.as_dtype(indices_dtype)
        self._dense_shape_dtype = None if dense_shape_dtype is None else dtypes.as_dtype(dense_shape_dtype)
        self._indices_shape = as_shape([None] if indices_shape is None else indices_shape)

    @property
    def value_type(self):
        return IndexedSlices

    @property
    def _component_specs(self):
        rows = self._indices_shape[0] if self._indices_shape.rank else None
        values_shape = TensorShape(None) if self._shape.rank is None else \
            TensorShape([rows]).concatenate(self._shape[1:])
        specs = (TensorSpec(values_shape, self._dtype), TensorSpec(self._indices_shape, self._indices_dtype))
        if self._dense_shape_dtype is None:
            return specs
        return specs + (TensorSpec([self._shape.rank], self._dense_shape_dtype),)

    def _to_components(self, value):
        parts = (value.values, value.indices)
        return parts if self._dense_shape_dtype is None else parts + (value.dense_shape,)

    def _from_components(self, components):
        values, indices, *dense_shape = components
        return IndexedSlices(values, indices, dense_shape[0] if dense_shape else None)

    def _serialize(self):
        return (self._shape, self._dtype, self._indices_dtype, self._dense_shape_dtype, self._indices_shape)

    def __repr__(self):
        return (f"IndexedSlicesSpec(shape={self._shape}, dtype={self._dtype!r}, indices_dtype="
                f"{self._indices_dtype!r}, dense_shape_dtype={self._dense_shape_dtype!r}, "
                f"indices_shape={self._indices_shape})")


class IndexedSlices(CompositeTensor):
    """Slices `values[i]` of a dense tensor of shape `dense_shape`, at rows `indices[i]` of its
    axis 0 (rows not listed are zeros; a repeated row is the sum of its slices)."""

    __slots__ = ("_values", "_indices", "_dense_shape")

    def __init__(self, values, indices, dense_shape=None):
        self._values = convert_to_tensor(values)
        self._indices = convert_to_tensor(indices)
        if not self._indices.dtype.is_integer or self._indices.shape.rank not in (1, None):
            raise TypeError(f"IndexedSlices: `indices` must be a 1-D integer tensor, got {self._indices!r}")
        if self._values.shape.rank == 0:
            raise ValueError("IndexedSlices: `values` must have a leading axis of slices, got a scalar")
        self._dense_shape = None if dense_shape is None else convert_to_tensor(dense_shape,
                                                                               dtype_hint=dtypes.int64)

    @property
    def values(self):
        """The slices, one per index: shape [n, *dense_shape[1:]]."""
        return self._values

    @property
    def indices(self):
        """The row of the dense tensor each slice belongs to, shape [n]."""
        return self._indices

    @property
    def dense_shape(self):
        """The shape of the dense tensor (a 1-D integer tensor), or None if unknown."""
        return self._dense_shape

    @property
    def dtype(self):
        """The dtype of the values."""
        return self._values.dtype

    @property
    def shape(self):
        """The static shape of the dense tensor."""
        rows = TensorShape([None])
        if self._dense_shape is not None:
            known = shape_args.constant_value_as_shape(self._dense_shape)
            if known.rank is not None:
                return known
        return rows.concatenate(self._values.shape[1:]) if self._values.shape.rank is not None else TensorShape(None)

    @property
    def _type_spec(self):
        return IndexedSlicesSpec(self.shape, self.dtype, self._indices.dtype,
                                 None if self._dense_shape is None else self._dense_shape.dtype,
                                 self._indices.shape)

    def _as_tensor(self):
        """The dense tensor: the slices added into zeros of `dense_shape`."""
        if self._dense_shape is None:
            raise ValueError("IndexedSlices: cannot convert to a dense tensor without a `dense_shape`")
        rows = array_ops.expand_dims(self._indices, -1)
        return gather_scatter.scatter_nd(rows, self._values, self._dense_shape)

    def __add__(self, other):
        if isinstance(other, IndexedSlices):
            return IndexedSlices(join_split.concat([self._values, other.values], axis=0),
                                 join_split.concat([self._indices, _same_dtype(other.indices, self._indices)],
                                                   axis=0),
                                 self._dense_shape if self._dense_shape is not None else other.dense_shape)
        return self._as_tensor() + other

    def __radd__(self, other):
        return other + self._as_tensor()

    def __neg__(self):
        return IndexedSlices(-self._values, self._indices, self._dense_shape)

    def __repr__(self):
        return f"IndexedSlices(indices={self._indices}, values={self._values}, dense_shape={self._dense_shape})"

    __str__ = __repr__


def _same_dtype(indices, like):
    return indices if indices.dtype == like.dtype else cast.cast(indices, like.dtype)


def gather_gradient(g, params, indices):
    """The gradient of `gather(params, indices)` along axis 0 for `params`: an IndexedSlices of the
    output gradient's slices at the gathered rows (TF's `_GatherV2Grad`)."""
    if indices.shape.rank != 1:
        indices = array_ops.reshape(indices, [-1])
        slice_shape = params.shape[1:]
        if slice_shape.is_fully_defined():
            g = array_ops.reshape(g, [-1, *slice_shape.as_list()])
        else:
            g = array_ops.reshape(g, join_split.concat([[-1], array_ops.shape(params)[1:]], axis=0))
    return IndexedSlices(g, indices, array_ops.shape(params))
