"""Elementwise ops on ragged tensors: `tg.ragged.map_flat_values`, the operators, broadcasting.

An elementwise op on ragged tensors of one row partition is the op on their flat values,
under that partition. A dense operand broadcasts as in TF: a scalar or a tensor of the inner
(uniform) dimensions combines with every value; a tensor with one entry per row (size 1 in
the ragged dimensions) is spread over that row's values. This module installs the Python
operators (`r + 10`, `r * r`, `-r`, `r < 3`, ...) on `RaggedTensor`.
"""
import numpy as np

from .ragged_tensor import RaggedTensor
from ..convert import convert_to_tensor, operands_to_tensors
from ..errors import InvalidArgumentError
from ..ops import (arithmetic, array_ops, cast, comparison, control_flow, debugging_ops, gather_scatter,
                   reduction, row_partition)
from ..ops.api_dispatch import (dispatch_for_api, dispatch_for_binary_elementwise_apis,
                                dispatch_for_unary_elementwise_apis)
from ..tensor import EagerTensor

__all__ = ["map_flat_values", "elementwise", "check_same_splits"]


def check_same_splits(op_name, mine, theirs):
    """InvalidArgumentError unless two row splits are equal: now for eager ones, when the graph runs
    (an assertion node) for symbolic ones, as TF's `assert_splits_match` does."""
    if mine is theirs:
        return
    if isinstance(mine, EagerTensor) and isinstance(theirs, EagerTensor):
        if not np.array_equal(mine.numpy(), theirs.numpy()):
            raise InvalidArgumentError(f"{op_name}: ragged operands must have the same row partitions, got "
                                       f"row_splits {mine.numpy().tolist()} and {theirs.numpy().tolist()}")
        return
    same = control_flow.cond(comparison.equal(array_ops.size(mine), array_ops.size(theirs)),
                             lambda: reduction.reduce_all(comparison.equal(mine, theirs)),
                             lambda: convert_to_tensor(False))
    debugging_ops.Assert(same, [f"{op_name}: ragged operands must have the same row partitions; row_splits:",
                                mine, theirs])


def _check_same_partition(op_name, first, other):
    """ValueError/InvalidArgumentError unless `other` cuts its values into the rows `first` does."""
    if other.ragged_rank != first.ragged_rank:
        raise ValueError(f"{op_name}: ragged operands must have the same ragged rank, got {first.ragged_rank} "
                         f"and {other.ragged_rank}")
    for mine, theirs in zip(first.nested_row_splits, other.nested_row_splits):
        check_same_splits(op_name, mine, theirs)


def _outer_row_ids(rt):
    """For every flat value, the index of the outermost row that holds it."""
    nested = rt.nested_row_splits
    ids = row_partition.value_rowids(nested[-1])
    for splits in reversed(nested[:-1]):
        ids = gather_scatter.gather(row_partition.value_rowids(splits), ids)
    return ids


def _dense_as_flat(op_name, rt, dense):
    """`dense` laid out to broadcast against `rt.flat_values` as it broadcasts against `rt`."""
    inner_rank = rt.flat_values.shape.rank - 1
    rank = dense.shape.rank
    if rank is None:
        raise ValueError(f"{op_name}: a dense operand with a ragged one needs a known rank")
    if rank <= inner_rank:
        return dense
    full_rank = rt.shape.rank
    if rank > full_rank:
        raise ValueError(f"{op_name}: a dense operand of shape {dense.shape} has more dimensions than the ragged "
                         f"operand of shape {rt.shape}")
    dense = array_ops.reshape(dense, [1] * (full_rank - rank) + [-1 if d is None else d for d in dense.shape])
    ragged_axes = list(range(1, rt.ragged_rank + 1))
    if any(dense.shape[axis] != 1 for axis in ragged_axes):
        raise ValueError(f"{op_name}: a dense operand of shape {dense.shape} must have size 1 in the ragged "
                         f"dimensions {ragged_axes} of the ragged operand of shape {rt.shape}")
    if dense.shape[0] == 1:
        return array_ops.squeeze(dense, [0, *ragged_axes])
    return gather_scatter.gather(array_ops.squeeze(dense, ragged_axes), _outer_row_ids(rt))


def elementwise(op_name, fn, *operands, first_of_one_dtype=0):
    """`fn` (an elementwise op of tensors) applied to `operands`, at least one of them ragged, with
    TF's broadcasting of dense operands; the result has the ragged operands' row partition.
    The operands from `first_of_one_dtype` on share one dtype (Python scalars take it)."""
    ragged = [x for x in operands if isinstance(x, RaggedTensor)]
    first = ragged[0]
    for other in ragged[1:]:
        _check_same_partition(op_name, first, other)
    values = [x.flat_values if isinstance(x, RaggedTensor) else x for x in operands]
    flat = [convert_to_tensor(v) for v in values[:first_of_one_dtype]] + \
        operands_to_tensors(*values[first_of_one_dtype:])
    laid_out = [f if isinstance(x, RaggedTensor) else _dense_as_flat(op_name, first, f)
                for x, f in zip(operands, flat)]
    return first.with_flat_values(fn(*laid_out))


def map_flat_values(op, *args, **kwargs):
    """`op` applied to the flat values of the RaggedTensors among `args` and `kwargs` (TF's
    `tf.ragged.map_flat_values`); they must share one row partition, which the result keeps.
    `op` must return one value per flat value."""
    ragged = [x for x in (*args, *kwargs.values()) if isinstance(x, RaggedTensor)]
    if not ragged:
        raise ValueError("ragged.map_flat_values: at least one argument must be a RaggedTensor")
    for other in ragged[1:]:
        _check_same_partition("ragged.map_flat_values", ragged[0], other)

    def flat(x):
        return x.flat_values if isinstance(x, RaggedTensor) else x

    result = op(*(flat(x) for x in args), **{k: flat(v) for k, v in kwargs.items()})
    expected = ragged[0].flat_values.shape[0]
    if result.shape.rank == 0 or (expected is not None and result.shape[0] not in (None, expected)):
        raise ValueError(f"ragged.map_flat_values: `op` must return one value per flat value ({expected}), got "
                         f"shape {result.shape}")
    return ragged[0].with_flat_values(result)


# ----- every elementwise op of tg: tg.exp(r), tg.add(r, 1), tg.math.maximum(r, r), ... ------------

@dispatch_for_unary_elementwise_apis(RaggedTensor)
def _unary_elementwise(op, x):
    return x.with_flat_values(op(x.flat_values))


@dispatch_for_binary_elementwise_apis(RaggedTensor)
def _binary_elementwise(op, x, y):
    return elementwise(getattr(op, "__name__", "elementwise op"), op, x, y)


@dispatch_for_api(cast.cast, RaggedTensor)
def _cast(x, dtype, name=None):
    """`tg.cast` of a RaggedTensor: its values cast, its rows kept."""
    return x.with_flat_values(cast.cast(x.flat_values, dtype))


# ----- the Python operators ---------------------------------------------------------------------

def _binary_operator(op_name, fn, reflected=False):
    def operator(self, other):
        operands = (other, self) if reflected else (self, other)
        return elementwise(op_name, fn, *operands)
    operator.__name__ = op_name
    operator.__doc__ = f"Elementwise `{op_name}` of a RaggedTensor and a ragged tensor, tensor or scalar."
    return operator


def _unary_operator(op_name, fn):
    def operator(self):
        return self.with_flat_values(fn(self.flat_values))
    operator.__name__ = op_name
    operator.__doc__ = f"Elementwise `{op_name}` of a RaggedTensor."
    return operator


_BINARY = {"add": arithmetic.add, "sub": arithmetic.subtract, "mul": arithmetic.multiply,
           "truediv": arithmetic.truediv, "floordiv": arithmetic.floordiv, "mod": arithmetic.floormod,
           "pow": arithmetic.pow, "and": comparison.logical_and, "or": comparison.logical_or,
           "xor": comparison.logical_xor}
_COMPARISONS = {"lt": comparison.less, "le": comparison.less_equal, "gt": comparison.greater,
                "ge": comparison.greater_equal}
_UNARY = {"neg": arithmetic.negative, "abs": arithmetic.abs, "invert": comparison.logical_not}


def _install_operators():
    for name, fn in _BINARY.items():
        setattr(RaggedTensor, f"__{name}__", _binary_operator(f"__{name}__", fn))
        setattr(RaggedTensor, f"__r{name}__", _binary_operator(f"__r{name}__", fn, reflected=True))
    for name, fn in _COMPARISONS.items():
        setattr(RaggedTensor, f"__{name}__", _binary_operator(f"__{name}__", fn))
    for name, fn in _UNARY.items():
        setattr(RaggedTensor, f"__{name}__", _unary_operator(f"__{name}__", fn))


_install_operators()
