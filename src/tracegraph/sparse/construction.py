"""More `tg.sparse` functions that build SparseTensors: `eye`, `expand_dims`, and `map_values`
(an op applied to the values of SparseTensors that share their indices)."""
from .. import dtypes, nest
from ..convert import convert_to_tensor
from ..core.rules import normalize_axis
from ..ops import creation, debugging_ops, join_split
from ..tensor import EagerTensor
from .sparse_tensor import SparseTensor

__all__ = ["eye", "expand_dims", "map_values"]


def eye(num_rows, num_columns=None, dtype=dtypes.float32, name=None):
    """The [num_rows, num_columns] identity matrix as a SparseTensor (ones on the diagonal)."""
    rows = int(num_rows)
    columns = rows if num_columns is None else int(num_columns)
    if rows < 0 or columns < 0:
        raise ValueError(f"tg.sparse.eye: the sizes must be non-negative, got {rows} x {columns}")
    diagonal = creation.range(min(rows, columns), dtype=dtypes.int64)
    indices = join_split.stack([diagonal, diagonal], axis=1)
    values = creation.ones([min(rows, columns)], dtype)
    return SparseTensor._from_parts(indices, values, convert_to_tensor([rows, columns], dtype=dtypes.int64),
                                    [rows, columns])


def expand_dims(sp_input, axis=None, name=None):
    """`sp_input` with a dimension of size 1 inserted at `axis` (default -1, the end)."""
    if not isinstance(sp_input, SparseTensor):
        raise TypeError(f"tg.sparse.expand_dims: `sp_input` must be a SparseTensor, got {type(sp_input).__name__}")
    rank = sp_input.shape.rank
    if rank is None:
        raise ValueError("tg.sparse.expand_dims: the SparseTensor's rank must be known")
    axis = normalize_axis("tg.sparse.expand_dims", -1 if axis is None else axis, rank + 1)
    zeros = creation.zeros_like(sp_input.indices[:, :1])
    indices = join_split.concat([sp_input.indices[:, :axis], zeros, sp_input.indices[:, axis:]], axis=1)
    one = convert_to_tensor([1], dtype=dtypes.int64)
    dense_shape = join_split.concat([sp_input.dense_shape[:axis], one, sp_input.dense_shape[axis:]], axis=0)
    static = sp_input.shape.as_list()
    return SparseTensor._from_parts(indices, sp_input.values, dense_shape, static[:axis] + [1] + static[axis:])


def _check_same_indices(first, other):
    """The SparseTensors given to map_values must share their indices (TF asserts it at run time)."""
    message = "tg.sparse.map_values: the SparseTensors must have the same indices"
    if isinstance(first.indices, EagerTensor) and isinstance(other.indices, EagerTensor):
        if first.indices.shape != other.indices.shape:
            raise ValueError(f"{message}; got {first.indices.shape[0]} and {other.indices.shape[0]} entries")
    debugging_ops.assert_equal(first.indices, other.indices, message=message)


def map_values(op, *args, **kwargs):
    """`op(*args, **kwargs)` with every SparseTensor argument replaced by its values, as a SparseTensor
    with their indices (TF's `tf.sparse.map_values`). All SparseTensors must share their indices."""
    sparse = [a for a in nest.flatten([args, kwargs]) if isinstance(a, SparseTensor)]
    if not sparse:
        raise ValueError("tg.sparse.map_values: no SparseTensor among the arguments")
    for other in sparse[1:]:
        _check_same_indices(sparse[0], other)
    values_of = lambda a: a.values if isinstance(a, SparseTensor) else a  # noqa: E731
    result = op(*nest.map_structure(values_of, list(args)), **nest.map_structure(values_of, kwargs))
    return sparse[0].with_values(result)

