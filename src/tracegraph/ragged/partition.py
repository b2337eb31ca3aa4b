"""`tg.experimental.RowPartition`: how a run of values is cut into rows (TF's `tf.experimental.RowPartition`),
and its `RowPartitionSpec`.

A partition is its row splits (see `ops/row_partition.py`), and, when every row has one length by
construction, that length. It is a composite value, so it passes through `tg.function` and
`nest`; its spec records the number of rows and values and the uniform length when they are
known. A RaggedTensor is values under one partition per ragged dimension
(`RaggedTensor._from_row_partition`, `RaggedTensor._row_partition`).
"""
import numpy as np

from .. import dtypes
from ..convert import convert_to_tensor
from ..errors import InvalidArgumentError
from ..ops import (arithmetic, array_ops, cast, creation, join_split, reduction, row_partition,
                   shape_args)
from ..shape import TensorShape
from ..spec import TensorSpec
from ..tensor import EagerTensor
from ..type_spec import CompositeTensor, TypeSpec, register

__all__ = ["RowPartition", "RowPartitionSpec"]

SPLITS_DTYPES = (dtypes.int32, dtypes.int64)


def eager_value(tensor):
    """The NumPy value of an eager tensor; None for a symbolic one."""
    return tensor.numpy() if isinstance(tensor, EagerTensor) else None


def partition_tensor(method, name, value, dtype):
    """`value` as a 1-D int32/int64 tensor: of `dtype` if given, else of its own dtype (int64 for lists)."""
    has_dtype = hasattr(value, "dtype")  # tensors and NumPy arrays keep theirs; Python lists become int64
    tensor = convert_to_tensor(value, dtype_hint=None if has_dtype else (dtype or dtypes.int64))
    if tensor.dtype not in SPLITS_DTYPES or tensor.shape.rank not in (1, None):
        raise TypeError(f"RaggedTensor.{method}: `{name}` must be a 1-D int32 or int64 tensor, got "
                        f"{tensor.dtype.name} of shape {tensor.shape}")
    if dtype is not None and tensor.dtype != dtype:
        tensor = cast.cast(tensor, dtype)
    return tensor


def partition_scalar(method, name, value, dtype):
    """`value` as a scalar int32/int64 tensor (of `dtype` if given, else int64 for Python ints)."""
    has_dtype = hasattr(value, "dtype")
    tensor = convert_to_tensor(value, dtype_hint=None if has_dtype else (dtype or dtypes.int64))
    if tensor.dtype not in SPLITS_DTYPES or tensor.shape.rank not in (0, None):
        raise TypeError(f"RaggedTensor.{method}: `{name}` must be a scalar int32 or int64, got {tensor.dtype.name} "
                        f"of shape {tensor.shape}")
    return tensor if dtype is None or tensor.dtype == dtype else cast.cast(tensor, dtype)


def check_splits(splits, nvalues):
    """InvalidArgumentError unless the eager `splits` partition `nvalues` values (eager check, as TF's)."""
    if splits is None:
        return
    if splits.size == 0 or splits[0] != 0:
        raise InvalidArgumentError(f"RaggedTensor: `row_splits` must start with 0, got {splits.tolist()}")
    if (np.diff(splits) < 0).any():
        raise InvalidArgumentError(f"RaggedTensor: `row_splits` must be non-decreasing, got {splits.tolist()}")
    if nvalues is not None and splits[-1] != nvalues:
        raise InvalidArgumentError(f"RaggedTensor: the last row split {int(splits[-1])} must equal the number "
                                   f"of values {nvalues}")


def _dtype_for(value, dtype, dtype_hint):
    """The splits dtype: `dtype` if given, else the value's own, else `dtype_hint` (int64 by default)."""
    if dtype is not None:
        return dtypes.as_dtype(dtype)
    return None if hasattr(value, "dtype") else dtypes.as_dtype(dtype_hint or dtypes.int64)


def _static_int(value):
    known = shape_args.static_value(value)
    return known if isinstance(known, int) else None


class RowPartition(CompositeTensor):
    """A partition of `nvals` values into `nrows` rows (TF's `tf.experimental.RowPartition`).

    Build one with a `from_*` factory; read it in any encoding (`row_splits()`, `row_lengths()`,
    `value_rowids()`, `row_starts()`, `row_limits()`).
    """

    __slots__ = ("_row_splits", "_uniform_row_length", "_static_uniform", "_static_nvals")

    def __init__(self, row_splits, uniform_row_length=None, static_uniform=None, static_nvals=None, internal=False):
        if not internal:
            raise ValueError("RowPartition: build one with a factory such as "
                             "tg.experimental.RowPartition.from_row_splits(row_splits)")
        self._row_splits = row_splits
        self._uniform_row_length = uniform_row_length
        self._static_uniform = static_uniform
        self._static_nvals = static_nvals

    # ----- factories --------------------------------------------------------------------------------

    @classmethod
    def from_row_splits(cls, row_splits, validate=True, dtype=None, dtype_hint=None):
        """Row `i` holds values `row_splits[i]` to `row_splits[i + 1]`."""
        splits = partition_tensor("from_row_splits", "row_splits", row_splits,
                                   _dtype_for(row_splits, dtype, dtype_hint))
        if validate:
            check_splits(eager_value(splits), None)
        return cls(splits, internal=True)

    @classmethod
    def from_row_lengths(cls, row_lengths, validate=True, dtype=None, dtype_hint=None):
        """Row `i` holds the next `row_lengths[i]` values."""
        lengths = partition_tensor("from_row_lengths", "row_lengths", row_lengths,
                                    _dtype_for(row_lengths, dtype, dtype_hint))
        splits = join_split.concat([creation.zeros([1], lengths.dtype), reduction.cumsum(lengths)], axis=0)
        return cls.from_row_splits(splits, validate=validate)

    @classmethod
    def from_value_rowids(cls, value_rowids, nrows=None, validate=True, dtype=None, dtype_hint=None):
        """Value `k` lies in row `value_rowids[k]` (sorted); `nrows` rows, by default max + 1."""
        rowids = partition_tensor("from_value_rowids", "value_rowids", value_rowids,
                                   _dtype_for(value_rowids, dtype, dtype_hint))
        if nrows is None:
            nrows = arithmetic.add(reduction.reduce_max(join_split.concat(
                [rowids, convert_to_tensor([-1], dtype=rowids.dtype)], axis=0)), 1)
        splits = row_partition.row_splits_from_value_rowids(rowids, nrows)
        return cls.from_row_splits(splits, validate=validate)

    @classmethod
    def from_row_starts(cls, row_starts, nvals, validate=True, dtype=None, dtype_hint=None):
        """Row `i` starts at value `row_starts[i]`; there are `nvals` values."""
        starts = partition_tensor("from_row_starts", "row_starts", row_starts,
                                   _dtype_for(row_starts, dtype, dtype_hint))
        nvals = partition_scalar("from_row_starts", "nvals", nvals, starts.dtype)
        return cls.from_row_splits(join_split.concat([starts, nvals[None]], axis=0), validate=validate)

    @classmethod
    def from_row_limits(cls, row_limits, validate=True, dtype=None, dtype_hint=None):
        """Row `i` ends before value `row_limits[i]`."""
        limits = partition_tensor("from_row_limits", "row_limits", row_limits,
                                   _dtype_for(row_limits, dtype, dtype_hint))
        return cls.from_row_splits(join_split.concat([creation.zeros([1], limits.dtype), limits], axis=0),
                                   validate=validate)

    @classmethod
    def from_uniform_row_length(cls, uniform_row_length, nvals=None, nrows=None, validate=True, dtype=None,
                                dtype_hint=None):
        """`nrows` rows of `uniform_row_length` values each (by default as many as `nvals` fill)."""
        if nvals is None and nrows is None:
            raise ValueError("RowPartition.from_uniform_row_length: give `nvals` or `nrows`")
        length = partition_scalar("from_uniform_row_length", "uniform_row_length", uniform_row_length,
                                   _dtype_for(uniform_row_length, dtype, dtype_hint))
        if nrows is None:
            nvals_tensor = partition_scalar("from_uniform_row_length", "nvals", nvals, length.dtype)
            nrows = arithmetic.floordiv(nvals_tensor, arithmetic.maximum(length, 1))
        nrows = partition_scalar("from_uniform_row_length", "nrows", nrows, length.dtype)
        splits = arithmetic.multiply(creation.range(arithmetic.add(nrows, 1), dtype=length.dtype), length)
        static_nvals = None if nvals is None else _static_int(nvals)
        if validate:
            check_splits(eager_value(splits), static_nvals)
        return cls(splits, length, _static_int(uniform_row_length), static_nvals, internal=True)

    # ----- encodings ------------------------------------------------------------------------------

    def row_splits(self):
        """The row splits: row `i` is values `row_splits[i]` to `row_splits[i + 1]`."""
        return self._row_splits

    def row_lengths(self):
        """The length of every row."""
        return arithmetic.subtract(self._row_splits[1:], self._row_splits[:-1])

    def value_rowids(self):
        """The row of every value."""
        return row_partition.value_rowids(self._row_splits)

    def row_starts(self):
        """The index of every row's first value."""
        return self._row_splits[:-1]

    def row_limits(self):
        """The index after every row's last value."""
        return self._row_splits[1:]

    def offsets_in_rows(self):
        """The position of every value within its row."""
        return row_partition.offsets_in_rows(self._row_splits)

    def nrows(self):
        """The number of rows, a scalar tensor."""
        return arithmetic.subtract(array_ops.shape(self._row_splits, out_type=self.dtype)[0], 1)

    def nvals(self):
        """The number of values, a scalar tensor."""
        return self._row_splits[-1]

    def uniform_row_length(self):
        """The length of every row when the partition was built uniform; None otherwise."""
        return self._uniform_row_length

    def is_uniform(self):
        """Whether the partition was built with one length for every row."""
        return self._uniform_row_length is not None

    @property
    def static_nrows(self):
        """The number of rows if known while tracing, else None."""
        size = self._row_splits.shape[0]
        return None if size is None else size - 1

    @property
    def static_nvals(self):
        """The number of values if known while tracing, else None."""
        return self._static_nvals

    @property
    def static_uniform_row_length(self):
        """The uniform row length if known while tracing, else None."""
        return self._static_uniform

    @property
    def dtype(self):
        """The dtype of the row splits (int32 or int64)."""
        return self._row_splits.dtype

    def with_dtype(self, dtype):
        """This partition with its encodings of `dtype` (int32 or int64)."""
        dtype = dtypes.as_dtype(dtype)
        if dtype not in (dtypes.int32, dtypes.int64):
            raise ValueError(f"RowPartition.with_dtype: `dtype` must be int32 or int64, got {dtype.name}")
        length = None if self._uniform_row_length is None else cast.cast(self._uniform_row_length, dtype)
        return RowPartition(cast.cast(self._row_splits, dtype), length, self._static_uniform, self._static_nvals,
                            internal=True)

    # ----- the composite protocol ------------------------------------------------------------------

    @property
    def _type_spec(self):
        return RowPartitionSpec(self.static_nrows, self._static_nvals, self._static_uniform, self.dtype)

    def __repr__(self):
        if self._uniform_row_length is not None:
            nrows = eager_value(self.nrows())
            length = eager_value(self._uniform_row_length)
            if nrows is not None and length is not None:
                return f"tg.RowPartition(nrows={int(nrows)}, uniform_row_length={int(length)})"
        splits = eager_value(self._row_splits)
        return f"tg.RowPartition(row_splits={splits if splits is not None else repr(self._row_splits)})"


@register("tracegraph.RowPartitionSpec")
class RowPartitionSpec(TypeSpec):
    """The type of a RowPartition (TF's `RowPartitionSpec`): the numbers of rows and values and the
    uniform row length where known (None where not), and the dtype."""

    __slots__ = ("nrows", "nvals", "uniform_row_length", "dtype")

    def __init__(self, nrows=None, nvals=None, uniform_row_length=None, dtype=dtypes.int64):
        self.nrows, self.nvals, self.uniform_row_length = nrows, nvals, uniform_row_length
        self.dtype = dtypes.as_dtype(dtype)

    @property
    def value_type(self):
        return RowPartition

    @property
    def _component_specs(self):
        return (TensorSpec([None if self.nrows is None else self.nrows + 1], self.dtype),)

    def _to_components(self, value):
        return (value.row_splits(),)

    def _from_components(self, components):
        (splits,) = components
        length = self.uniform_row_length
        uniform = None if length is None else convert_to_tensor(length, dtype=splits.dtype)
        return RowPartition(splits, uniform, length, self.nvals, internal=True)

    def _serialize(self):
        # The sizes as a shape: an unknown (None) size then relates to known ones as a shape's dims do.
        return (TensorShape([self.nrows, self.nvals, self.uniform_row_length]), self.dtype)

    @classmethod
    def _deserialize(cls, serialization):
        sizes, dtype = serialization
        return cls(*sizes.as_list(), dtype=dtype)

    def __repr__(self):
        return (f"RowPartitionSpec(nrows={self.nrows}, nvals={self.nvals}, uniform_row_length="
                f"{self.uniform_row_length}, dtype=tg.{self.dtype.name})")
