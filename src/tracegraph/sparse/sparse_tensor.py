"""`tg.SparseTensor` and `tg.SparseTensorSpec`: a tensor stored as its non-default entries.

A SparseTensor is a composite value (see `type_spec.py`) of three tensors, as in TF:

- `indices`, int64 of shape [N, rank]: the coordinates of the N stored entries;
- `values`, of shape [N]: the entries themselves;
- `dense_shape`, int64 of shape [rank]: the shape of the dense tensor it stands for.

Entries not stored are zeros (or `default_value` in `tg.sparse.to_dense`). Ops that need the
canonical row-major order of `indices` check it where TF does (`to_dense`); `tg.sparse.reorder`
puts any SparseTensor in that order. Indices outside `dense_shape` are an error in every op that
reads them.
"""
from .. import dtypes
from ..convert import convert_to_tensor
from ..ops import arithmetic, cast, gather_scatter, shape_args, tiling
from ..shape import TensorShape, as_shape
from ..spec import TensorSpec
from ..type_spec import CompositeTensor, TypeSpec, register

__all__ = ["SparseTensor", "SparseTensorSpec"]


@register("tracegraph.SparseTensorSpec")
class SparseTensorSpec(TypeSpec):
    """The type of a SparseTensor (TF's `tf.SparseTensorSpec`): its dense shape and dtype."""

    __slots__ = ("_shape", "_dtype")

    def __init__(self, shape=None, dtype=dtypes.float32):
        self._shape = as_shape(shape)
        self._dtype = dtypes.as_dtype(dtype)

    @property
    def shape(self):
        """The static shape of the dense tensor (None for unknown dimensions)."""
        return self._shape

    @property
    def dtype(self):
        """The dtype of the values."""
        return self._dtype

    @property
    def value_type(self):
        return SparseTensor

    @property
    def _component_specs(self):
        rank = self._shape.rank
        return (TensorSpec([None, rank], dtypes.int64), TensorSpec([None], self._dtype),
                TensorSpec([rank], dtypes.int64))

    def _to_components(self, value):
        return (value.indices, value.values, value.dense_shape)

    def _from_components(self, components):
        indices, values, dense_shape = components
        return SparseTensor._from_parts(indices, values, dense_shape, self._shape)

    def _serialize(self):
        return (self._shape, self._dtype)

    @classmethod
    def from_value(cls, value):
        """The spec of a SparseTensor value."""
        return cls(value.shape, value.dtype)

    def __repr__(self):
        return f"SparseTensorSpec({self._shape!r}, {self._dtype!r})"


def _component(name, value, dtype, rank):
    """`value` as a tensor of `dtype` (when given) and `rank`; a clear error names the argument."""
    tensor = convert_to_tensor(value, dtype_hint=dtype)
    if dtype is not None and tensor.dtype != dtype:
        if not tensor.dtype.is_integer:
            raise TypeError(f"SparseTensor: `{name}` must be of an integer dtype, got {tensor.dtype.name}")
        tensor = cast.cast(tensor, dtype)
    if tensor.shape.rank not in (rank, None):
        raise ValueError(f"SparseTensor: `{name}` must have rank {rank}, got shape {tensor.shape}")
    return tensor


def _check_component_shapes(indices, values, dense_shape):
    """The static checks TF's constructor makes: N and rank agree across the components."""
    n_indices = indices.shape[0] if indices.shape.rank else None
    n_values = values.shape[0] if values.shape.rank else None
    if n_indices is not None and n_values is not None and n_indices != n_values:
        raise ValueError(f"SparseTensor: `indices` has {n_indices} rows but `values` has {n_values} entries")
    index_rank = indices.shape[1] if indices.shape.rank else None
    rank = dense_shape.shape[0] if dense_shape.shape.rank else None
    if index_rank is not None and rank is not None and index_rank != rank:
        raise ValueError(f"SparseTensor: `indices` has {index_rank} columns but `dense_shape` has {rank} "
                         f"dimensions")


class SparseTensor(CompositeTensor):
    """A tensor given by the coordinates and values of its stored entries (TF's `tf.SparseTensor`).

    `indices` are int64 coordinates of shape [N, rank], `values` the N entries, `dense_shape`
    the int64 shape of the dense tensor. `s * x` and `s / x` multiply and divide the stored
    values by a scalar or by a dense tensor broadcast to `dense_shape` (the sparsity stays);
    `s + x` is not defined (use `tg.sparse.add`), as in TF.
    """

    __slots__ = ("_indices", "_values", "_dense_shape", "_shape")

    def __init__(self, indices, values, dense_shape):
        indices = _component("indices", indices, dtypes.int64, 2)
        values = _component("values", values, None, 1)
        dense_shape = _component("dense_shape", dense_shape, dtypes.int64, 1)
        _check_component_shapes(indices, values, dense_shape)
        self._set_parts(indices, values, dense_shape, TensorShape(None))

    def _set_parts(self, indices, values, dense_shape, shape):
        self._indices, self._values, self._dense_shape = indices, values, dense_shape
        known = shape_args.constant_value_as_shape(dense_shape)
        if known.rank is None and dense_shape.shape.rank == 1 and dense_shape.shape[0] is not None:
            known = TensorShape([None] * dense_shape.shape[0])
        self._shape = known.merge_with(shape) if known.is_compatible_with(shape) else known

    @classmethod
    def _from_parts(cls, indices, values, dense_shape, shape=None):
        """A SparseTensor of already converted components (and a static shape known besides)."""
        sparse = cls.__new__(cls)
        sparse._set_parts(indices, values, dense_shape, as_shape(shape))
        return sparse

    @classmethod
    def from_value(cls, sparse_tensor_value):
        """The SparseTensor itself (TF's conversion from a SparseTensorValue)."""
        return sparse_tensor_value

    # ----- properties ---------------------------------------------------------------------------

    @property
    def indices(self):
        """The int64 coordinates of the stored entries, shape [N, rank]."""
        return self._indices

    @property
    def values(self):
        """The stored entries, shape [N]."""
        return self._values

    @property
    def dense_shape(self):
        """The int64 shape of the dense tensor, shape [rank]."""
        return self._dense_shape

    @property
    def dtype(self):
        """The dtype of the values."""
        return self._values.dtype

    @property
    def shape(self):
        """The static shape of the dense tensor (a TensorShape; None where unknown)."""
        return self._shape

    def get_shape(self):
        """The static shape of the dense tensor (same as `shape`)."""
        return self._shape

    @property
    def _type_spec(self):
        return SparseTensorSpec(self._shape, self.dtype)

    def with_values(self, new_values):
        """A SparseTensor with the same indices and dense shape and `new_values`."""
        new_values = convert_to_tensor(new_values)
        if new_values.shape.rank not in (1, None):
            raise ValueError(f"SparseTensor.with_values: `new_values` must be 1-D, got shape {new_values.shape}")
        return SparseTensor._from_parts(self._indices, new_values, self._dense_shape, self._shape)

    def _as_tensor(self):
        raise TypeError("a SparseTensor is not a dense tensor; use tg.sparse.to_dense(s), or a tg.sparse "
                        "function (tg.sparse.add for sums)")

    # ----- operators: same sparsity, values scaled ---------------------------------------------

    def _values_times(self, other, op):
        """`op(values, other)` where `other` is a scalar or a dense tensor broadcast to the dense shape."""
        other = convert_to_tensor(other, dtype_hint=self.dtype)
        if other.shape.rank == 0:
            return self.with_values(op(self._values, other))
        dense = tiling.broadcast_to(other, self._dense_shape)
        return self.with_values(op(self._values, gather_scatter.gather_nd(dense, self._indices)))

    def __mul__(self, other):
        return self._values_times(other, arithmetic.multiply)

    __rmul__ = __mul__

    def __truediv__(self, other):
        return self._values_times(other, arithmetic.truediv)

    def __str__(self):
        return f"SparseTensor(indices={self._indices}, values={self._values}, dense_shape={self._dense_shape})"

    __repr__ = __str__
