"""`tg.distribute.ReduceOp`: how values from several replicas are combined."""
import enum

from ..variable import VariableAggregation

__all__ = ["ReduceOp"]


class ReduceOp(enum.Enum):
    """`SUM` adds the replicas' values; `MEAN` averages them (TF's `tf.distribute.ReduceOp`)."""

    SUM = "SUM"
    MEAN = "MEAN"

    @staticmethod
    def from_variable_aggregation(aggregation):
        """The ReduceOp of a `VariableAggregation` (SUM or MEAN; others raise ValueError)."""
        if aggregation == VariableAggregation.SUM:
            return ReduceOp.SUM
        if aggregation == VariableAggregation.MEAN:
            return ReduceOp.MEAN
        raise ValueError(f"Could not convert from `VariableAggregation` {aggregation} to `ReduceOp` type")


def as_reduce_op(value):
    """A ReduceOp from a ReduceOp or its name ("SUM", "mean", ...)."""
    if isinstance(value, ReduceOp):
        return value
    try:
        return ReduceOp(str(value).upper())
    except ValueError:
        raise ValueError(f"unknown reduce op {value!r}; expected tg.distribute.ReduceOp.SUM or MEAN") from None
