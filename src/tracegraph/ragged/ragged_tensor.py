"""`tg.RaggedTensor`: a tensor whose rows have different lengths, and its `tg.RaggedTensorSpec`.

A RaggedTensor is `values` cut into rows by `row_splits` (TF's layout): row `i` is
`values[row_splits[i]:row_splits[i + 1]]`. `values` is a dense tensor or itself a
RaggedTensor, so a tensor may be ragged in several dimensions; its `ragged_rank` counts
them, and `flat_values` is the dense tensor at the bottom. `row_splits` are int64 unless
a constructor is given int32 ones.

It is a composite value (see `type_spec.py`): its components are `flat_values` and the
row splits of every ragged dimension, so it passes through `tg.function`, `nest` and
`GradientTape` like a tensor, and gradients flow to `flat_values`. Its spec records the
dtype, the ragged rank, the static dimensions and the splits' dtype, never the row
lengths, so calls with other row lengths reuse a traced function.
"""
import numpy as np

from . import conversion
from .partition import RowPartition, SPLITS_DTYPES, check_splits, eager_value, partition_scalar, partition_tensor
from .. import dtypes
from ..convert import convert_to_tensor
from ..core.rules import normalize_axis
from ..errors import InvalidArgumentError
from ..ops import arithmetic, array_ops, cast, creation, join_split, reduction, row_partition, shape_args
from ..shape import TensorShape, as_shape
from ..spec import TensorSpec
from ..type_spec import CompositeTensor, TypeSpec, register

__all__ = ["RaggedTensor", "RaggedTensorSpec"]


def _as_values(method, values):
    """`values` as a RaggedTensor or a tensor of rank >= 1 (the rows to partition)."""
    if isinstance(values, RaggedTensor):
        return values
    tensor = convert_to_tensor(values)
    if tensor.shape.rank == 0:
        raise ValueError(f"RaggedTensor.{method}: `values` must have rank >= 1, got a scalar {tensor!r}")
    return tensor


def _largest(tensor, floor):
    """The largest element of the 1-D `tensor`, or `floor` when that is larger (or the tensor empty)."""
    return reduction.reduce_max(join_split.concat([tensor, convert_to_tensor([floor], dtype=tensor.dtype)],
                                                  axis=0))


def _static_nrows(values):
    size = values.shape[0] if values.shape.rank else None
    return None if size is None else int(size)


def _merge_value_dims(values, outer, inner):
    """`values` (a RaggedTensor or a tensor) with dimensions `outer`..`inner` merged."""
    if isinstance(values, RaggedTensor):
        return values.merge_dims(outer, inner)
    if outer == inner:
        return values
    dims = array_ops.shape(values, out_type=dtypes.int64)
    merged = join_split.concat([dims[:outer], convert_to_tensor([-1], dtype=dtypes.int64), dims[inner + 1:]], axis=0)
    return array_ops.reshape(values, merged)


class RaggedTensor(CompositeTensor):
    """A tensor with rows of different lengths (TF's `tf.RaggedTensor`).

    Build one with `tg.ragged.constant` or a `from_*` factory, never with the constructor.
    Its `shape` has `None` for the ragged dimensions: `[[1, 2], [3]]` has shape `[2, None]`.
    """

    __slots__ = ("_values", "_row_splits", "_uniform_row_length", "_static_row_length")

    def __init__(self, values, row_splits, internal=False, uniform_row_length=None, static_row_length=None):
        if not internal:
            raise ValueError("RaggedTensor: build one with tg.ragged.constant or a factory such as "
                             "tg.RaggedTensor.from_row_splits(values, row_splits), not with the constructor")
        self._values = values
        self._row_splits = row_splits
        # A partition into rows of one length (TF's uniform_row_length): the length as a scalar tensor of
        # the splits' dtype, and as an int when known while tracing (then `shape` shows it).
        self._uniform_row_length = uniform_row_length
        self._static_row_length = static_row_length

    # ----- factories ------------------------------------------------------------------------------

    @classmethod
    def from_row_splits(cls, values, row_splits, name=None, validate=True):
        """The RaggedTensor whose row `i` is `values[row_splits[i]:row_splits[i + 1]]`."""
        values = _as_values("from_row_splits", values)
        splits = partition_tensor("from_row_splits", "row_splits", row_splits,
                                   values.row_splits.dtype if isinstance(values, RaggedTensor) else None)
        if validate:
            check_splits(eager_value(splits), _static_nrows(values))
        return cls(values, splits, internal=True)

    @classmethod
    def from_row_lengths(cls, values, row_lengths, name=None, validate=True):
        """The RaggedTensor whose row `i` holds the next `row_lengths[i]` values."""
        lengths = partition_tensor("from_row_lengths", "row_lengths", row_lengths, None)
        known = eager_value(lengths)
        if validate and known is not None and (known < 0).any():
            raise InvalidArgumentError(f"RaggedTensor.from_row_lengths: `row_lengths` must be non-negative, "
                                       f"got {known.tolist()}")
        zero = creation.zeros([1], lengths.dtype)
        splits = join_split.concat([zero, reduction.cumsum(lengths)], axis=0)
        return cls.from_row_splits(values, splits, validate=validate)

    @classmethod
    def from_value_rowids(cls, values, value_rowids, nrows=None, name=None, validate=True):
        """The RaggedTensor whose value `k` lies in row `value_rowids[k]` (sorted ids; `nrows` rows,
        by default one more than the largest id)."""
        rowids = partition_tensor("from_value_rowids", "value_rowids", value_rowids, None)
        known = eager_value(rowids)
        if validate and known is not None and known.size and (np.diff(known) < 0).any():
            raise InvalidArgumentError(f"RaggedTensor.from_value_rowids: `value_rowids` must be sorted, "
                                       f"got {known.tolist()}")
        if nrows is None:
            nrows = arithmetic.add(_largest(rowids, -1), 1)
        splits = row_partition.row_splits_from_value_rowids(rowids, nrows)
        return cls.from_row_splits(values, splits, validate=validate)

    @classmethod
    def from_uniform_row_length(cls, values, uniform_row_length, nrows=None, validate=True, name=None):
        """The RaggedTensor whose rows all hold `uniform_row_length` values (`nrows` rows; by default
        as many as fit, 0 when the length is 0). Its `shape` shows the length when it is known."""
        values = _as_values("from_uniform_row_length", values)
        dtype = values.row_splits.dtype if isinstance(values, RaggedTensor) else None
        length = partition_scalar("from_uniform_row_length", "uniform_row_length", uniform_row_length, dtype)
        nvalues = values.nrows() if isinstance(values, RaggedTensor) else \
            array_ops.shape(values, out_type=length.dtype)[0]
        nvalues = cast.cast(nvalues, length.dtype)
        if nrows is None:
            nrows = arithmetic.floordiv(nvalues, arithmetic.maximum(length, 1))
        nrows = partition_scalar("from_uniform_row_length", "nrows", nrows, length.dtype)
        splits = arithmetic.multiply(creation.range(arithmetic.add(nrows, 1), dtype=length.dtype), length)
        if validate:
            check_splits(eager_value(splits), _static_nrows(values))
        static = shape_args.static_value(uniform_row_length)
        return cls(values, splits, internal=True, uniform_row_length=length,
                   static_row_length=static if isinstance(static, int) else None)

    @classmethod
    def _from_row_partition(cls, values, row_partition, validate=True):
        """`values` cut into rows by the RowPartition `row_partition` (TF's private factory of the same name)."""
        if not isinstance(row_partition, RowPartition):
            raise TypeError(f"RaggedTensor._from_row_partition: `row_partition` must be a RowPartition, got "
                            f"{type(row_partition).__name__}")
        values = _as_values("_from_row_partition", values)
        if validate:
            check_splits(eager_value(row_partition.row_splits()), _static_nrows(values))
        return cls(values, row_partition.row_splits(), internal=True,
                   uniform_row_length=row_partition.uniform_row_length(),
                   static_row_length=row_partition.static_uniform_row_length)

    @classmethod
    def from_nested_row_splits(cls, flat_values, nested_row_splits, name=None, validate=True):
        """The RaggedTensor of ragged rank `len(nested_row_splits)` (outermost splits first)."""
        result = flat_values
        for splits in reversed(list(nested_row_splits)):
            result = cls.from_row_splits(result, splits, validate=validate)
        return result

    @classmethod
    def from_nested_row_lengths(cls, flat_values, nested_row_lengths, name=None, validate=True):
        """The RaggedTensor of ragged rank `len(nested_row_lengths)` (outermost lengths first)."""
        result = flat_values
        for lengths in reversed(list(nested_row_lengths)):
            result = cls.from_row_lengths(result, lengths, validate=validate)
        return result

    # ----- the partition ----------------------------------------------------------------------------

    @property
    def values(self):
        """The concatenated rows: a tensor, or a RaggedTensor when ragged in more than one dimension."""
        return self._values

    @property
    def row_splits(self):
        """Row `i` is `values[row_splits[i]:row_splits[i + 1]]`."""
        return self._row_splits

    @property
    def _row_partition(self):
        """The RowPartition of the outermost ragged dimension."""
        static_nvals = _static_nrows(self._values) if not isinstance(self._values, RaggedTensor) else None
        return RowPartition(self._row_splits, self._uniform_row_length, self._static_row_length,
                            static_nvals if self._uniform_row_length is not None else None, internal=True)

    @property
    def _nested_row_partitions(self):
        """The RowPartition of every ragged dimension, outermost first."""
        partitions, current = [], self
        while isinstance(current, RaggedTensor):
            partitions.append(current._row_partition)
            current = current._values
        return tuple(partitions)

    @property
    def uniform_row_length(self):
        """The length of every row, a scalar tensor, when this partition has rows of one length by
        construction (`from_uniform_row_length`, `from_tensor`); None otherwise."""
        return self._uniform_row_length

    @property
    def flat_values(self):
        """The dense tensor of all values, under every ragged dimension."""
        values = self._values
        while isinstance(values, RaggedTensor):
            values = values.values
        return values

    @property
    def nested_row_splits(self):
        """The row splits of every ragged dimension, outermost first."""
        splits, values = [self._row_splits], self._values
        while isinstance(values, RaggedTensor):
            splits.append(values.row_splits)
            values = values.values
        return tuple(splits)

    @property
    def ragged_rank(self):
        """The number of ragged dimensions."""
        return len(self.nested_row_splits)

    @property
    def dtype(self):
        """The dtype of the values."""
        return self.flat_values.dtype

    @property
    def shape(self):
        """The static shape: the number of rows (if known), `None` per ragged dimension, the inner dims."""
        nrows = self._row_splits.shape[0]
        outer = [None if nrows is None else nrows - 1]
        partition = self
        while isinstance(partition, RaggedTensor):
            outer.append(partition._static_row_length)
            partition = partition._values
        inner = self.flat_values.shape
        return TensorShape(None) if inner.rank is None else TensorShape(outer + inner.as_list()[1:])

    def nrows(self, out_type=None, name=None):
        """The number of rows, a scalar tensor (of the splits' dtype unless `out_type` says)."""
        n = arithmetic.subtract(array_ops.shape(self._row_splits, out_type=self._row_splits.dtype)[0], 1)
        return n if out_type is None else cast.cast(n, out_type)

    def row_lengths(self, axis=1, name=None):
        """The length of every row of dimension `axis` (1: the rows of this tensor)."""
        if axis == 1:
            return arithmetic.subtract(self._row_splits[1:], self._row_splits[:-1])
        if axis < 1 or not isinstance(self._values, RaggedTensor):
            raise ValueError(f"RaggedTensor.row_lengths: `axis` must name a ragged dimension (1 to "
                             f"{self.ragged_rank}), got {axis}")
        return self.with_values(self._values.row_lengths(axis - 1))

    def value_rowids(self, name=None):
        """The row of every value: `values[k]` lies in row `value_rowids()[k]`."""
        return row_partition.value_rowids(self._row_splits)

    def bounding_shape(self, axis=None, name=None, out_type=None):
        """The smallest dense shape that holds this tensor: the longest row per ragged dimension."""
        out_type = dtypes.as_dtype(out_type) if out_type is not None else self._row_splits.dtype
        dims = [self.nrows()]
        current = self
        while isinstance(current, RaggedTensor):
            lengths = current.row_lengths()
            dims.append(_largest(lengths, 0))
            current = current.values
        inner = array_ops.shape(current, out_type=self._row_splits.dtype)[1:]
        shape = cast.cast(join_split.concat([join_split.stack(dims), inner], axis=0), out_type)
        return shape if axis is None else shape[axis]

    # ----- changing the values ----------------------------------------------------------------------

    def with_values(self, new_values):
        """This partition over `new_values` (as many rows as `values` has)."""
        return RaggedTensor(_as_values("with_values", new_values), self._row_splits, internal=True,
                            uniform_row_length=self._uniform_row_length, static_row_length=self._static_row_length)

    def with_flat_values(self, new_values):
        """This tensor's row partitions over `new_values` (as many rows as `flat_values` has)."""
        if isinstance(self._values, RaggedTensor):
            return self.with_values(self._values.with_flat_values(new_values))
        return self.with_values(new_values)

    def with_row_splits_dtype(self, dtype):
        """This tensor with every row split cast to `dtype` (int32 or int64)."""
        dtype = dtypes.as_dtype(dtype)
        if dtype not in SPLITS_DTYPES:
            raise ValueError(f"RaggedTensor.with_row_splits_dtype: `dtype` must be int32 or int64, got {dtype.name}")
        values = self._values.with_row_splits_dtype(dtype) if isinstance(self._values, RaggedTensor) \
            else self._values
        length = None if self._uniform_row_length is None else cast.cast(self._uniform_row_length, dtype)
        return RaggedTensor(values, cast.cast(self._row_splits, dtype), internal=True, uniform_row_length=length,
                            static_row_length=self._static_row_length)

    def merge_dims(self, outer_axis, inner_axis):
        """This tensor with dimensions `outer_axis` to `inner_axis` (inclusive) merged into one:
        `merge_dims(0, 1)` of `[[1, 2], [3]]` is `[1, 2, 3]` (TF's `RaggedTensor.merge_dims`)."""
        rank = self.shape.rank
        outer, inner = (normalize_axis("merge_dims", axis, rank) for axis in (outer_axis, inner_axis))
        if outer > inner:
            raise ValueError(f"RaggedTensor.merge_dims: `outer_axis` ({outer_axis}) must not be after "
                             f"`inner_axis` ({inner_axis})")
        if outer == inner:
            return self
        if outer == 0:
            return _merge_value_dims(self._values, 0, inner - 1)
        if outer > 1:  # the values' rows stay: this partition still cuts them
            return self.with_values(_merge_value_dims(self._values, outer - 1, inner - 1))
        return self._merged_with_next_dim().merge_dims(1, inner - 1)

    def _merged_with_next_dim(self):
        """Dimensions 1 and 2 merged: every row holds its sub-rows' values one after the other."""
        values = self._values
        if isinstance(values, RaggedTensor):
            return RaggedTensor(values.values, values.row_splits[self._row_splits], internal=True)
        dims = array_ops.shape(values, out_type=self._row_splits.dtype)
        merged = array_ops.reshape(values, join_split.concat(
            [convert_to_tensor([-1], dtype=dims.dtype), dims[2:]], axis=0))
        return RaggedTensor(merged, arithmetic.multiply(self._row_splits, dims[1]), internal=True)

    # ----- conversion ------------------------------------------------------------------------------

    def to_list(self):
        """The nested Python list of the values (eager tensors only)."""
        flat = eager_value(self.flat_values)
        splits = [eager_value(s) for s in self.nested_row_splits]
        if flat is None or any(s is None for s in splits):
            raise ValueError("RaggedTensor.to_list: needs an eager RaggedTensor; inside tg.function, "
                             "return the RaggedTensor and call to_list on the result")
        rows = flat.tolist()
        for level in reversed(splits):
            rows = [rows[start:stop] for start, stop in zip(level[:-1].tolist(), level[1:].tolist())]
        return rows

    def numpy(self):
        """The rows as a NumPy object array of arrays (TF's `RaggedTensor.numpy`)."""
        rows = self._values.numpy() if isinstance(self._values, RaggedTensor) else eager_value(self._values)
        splits = eager_value(self._row_splits)
        if rows is None or splits is None:
            raise ValueError("RaggedTensor.numpy: needs an eager RaggedTensor")
        result = np.empty(len(splits) - 1, dtype=object)
        for i, (start, stop) in enumerate(zip(splits[:-1], splits[1:])):
            result[i] = rows[start:stop]
        return result

    def to_tensor(self, default_value=None, name=None, shape=None):
        """The dense tensor that pads every row with `default_value` (0 by default) to the longest
        row, or to `shape` (whose `None` dims keep the longest row), cutting longer rows."""
        return conversion.to_dense(self, default_value, shape)

    @classmethod
    def from_tensor(cls, tensor, lengths=None, padding=None, ragged_rank=1, name=None, row_splits_dtype=dtypes.int64):
        """The RaggedTensor of the rows of `tensor` (TF's `RaggedTensor.from_tensor`).

        Dimensions 1..ragged_rank become ragged: the innermost rows are cut to `lengths` (one per
        row, clipped to the row), or before their trailing `padding` values, or kept whole; the
        outer ones are partitions of uniform length. `lengths` may instead be a list of row-length
        vectors, one per ragged dimension (nested lengths; the ragged rank is their number)."""
        return conversion.from_dense(tensor, lengths, padding, ragged_rank, dtypes.as_dtype(row_splits_dtype))

    # ----- the composite protocol ------------------------------------------------------------------

    @property
    def _type_spec(self):
        return RaggedTensorSpec(self.shape, self.dtype, self.ragged_rank, self._row_splits.dtype)

    def __repr__(self):
        if eager_value(self.flat_values) is not None and all(eager_value(s) is not None
                                                            for s in self.nested_row_splits):
            return f"<tg.RaggedTensor {self.to_list()}>"
        return f"tg.RaggedTensor(values={self._values!r}, row_splits={self._row_splits!r})"

    __str__ = __repr__

    def _as_tensor(self):
        # convert_to_tensor's hook: TF does not convert a RaggedTensor implicitly, and neither do we,
        # but the error should say what to do rather than call the rows non-rectangular.
        raise TypeError(f"a RaggedTensor is not a dense tensor; use its to_tensor() method, or apply the op to "
                        f"its values with tg.ragged.map_flat_values(op, ...) (got {self!r})")

    def __bool__(self):
        raise TypeError("the truth value of a RaggedTensor is ambiguous; use tg.reduce_any or tg.reduce_all")

    def __len__(self):
        nrows = self.shape[0]
        if nrows is None:
            raise TypeError("len of a RaggedTensor with an unknown number of rows")
        return nrows


@register("tracegraph.RaggedTensorSpec")
class RaggedTensorSpec(TypeSpec):
    """The type of a RaggedTensor (TF's `tf.RaggedTensorSpec`): shape (`None` for ragged and unknown
    dims), dtype, ragged rank and the row splits' dtype. Row lengths are not part of it."""

    __slots__ = ("shape", "dtype", "ragged_rank", "row_splits_dtype")

    def __init__(self, shape=None, dtype=dtypes.float32, ragged_rank=None, row_splits_dtype=dtypes.int64,
                 flat_values_spec=None):
        self.shape = as_shape(shape)
        self.dtype = dtypes.as_dtype(dtype)
        if flat_values_spec is not None and flat_values_spec.dtype != self.dtype:
            raise ValueError(f"RaggedTensorSpec: `flat_values_spec` has dtype {flat_values_spec.dtype.name}, "
                             f"`dtype` is {self.dtype.name}")
        if ragged_rank is None:
            if self.shape.rank is None:
                raise ValueError("RaggedTensorSpec: give `ragged_rank` when the shape's rank is unknown")
            ragged_rank = self.shape.rank - 1
        if ragged_rank < 1 or (self.shape.rank is not None and ragged_rank >= self.shape.rank):
            raise ValueError(f"RaggedTensorSpec: `ragged_rank` must be in [1, rank) = [1, {self.shape.rank}), "
                             f"got {ragged_rank}")
        self.ragged_rank = int(ragged_rank)
        self.row_splits_dtype = dtypes.as_dtype(row_splits_dtype)
        if self.row_splits_dtype not in SPLITS_DTYPES:
            raise ValueError(f"RaggedTensorSpec: `row_splits_dtype` must be int32 or int64, got "
                             f"{self.row_splits_dtype.name}")

    @property
    def value_type(self):
        return RaggedTensor

    @property
    def _component_specs(self):
        inner = None if self.shape.rank is None else [None] + self.shape.as_list()[self.ragged_rank + 1:]
        nrows = self.shape[0] if self.shape.rank else None
        outer_splits = TensorSpec([None if nrows is None else nrows + 1], self.row_splits_dtype)
        inner_splits = [TensorSpec([None], self.row_splits_dtype)] * (self.ragged_rank - 1)
        return (TensorSpec(inner, self.dtype), outer_splits, *inner_splits)

    def _to_components(self, value):
        return (value.flat_values, *value.nested_row_splits)

    def _from_components(self, components):
        flat_values, *nested_splits = components
        result = flat_values
        # A known size at a ragged dimension is a uniform row length (as in TF's spec).
        lengths = [None] * len(nested_splits) if self.shape.rank is None else \
            self.shape.as_list()[1:len(nested_splits) + 1]
        for splits, length in zip(reversed(nested_splits), reversed(lengths)):
            uniform = None if length is None else convert_to_tensor(length, dtype=splits.dtype)
            result = RaggedTensor(result, splits, internal=True, uniform_row_length=uniform, static_row_length=length)
        return result

    def _serialize(self):
        return (self.shape, self.dtype, self.ragged_rank, self.row_splits_dtype)

    def __repr__(self):
        return (f"RaggedTensorSpec(TensorShape({self.shape.as_list() if self.shape.rank is not None else None}), "
                f"tg.{self.dtype.name}, {self.ragged_rank}, tg.{self.row_splits_dtype.name})")
