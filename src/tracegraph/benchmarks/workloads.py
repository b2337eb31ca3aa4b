"""The benchmark workloads, in the order the table shows them, and their look-up by name."""
from .cnn import CNN_STEP
from .data_pipeline import DATA_PIPELINE
from .elementwise import CHAIN10, GELU_TANH, MSE, SCALED_ELU
from .fit import FIT_EPOCH
from .loops import ACCUMULATE, COLLATZ_STEPS
from .mlp import MLP_STEP
from .ragged import RAGGED_COLUMN_SUMS, RAGGED_PLUS_ONE, RAGGED_ROW_SUMS
from .sparse import SPARSE_DENSE_MATMUL
from .text import WORD_LENGTHS

__all__ = ["WORKLOADS", "get_workload"]

#: Every workload, in the order the table shows them.
WORKLOADS = (SCALED_ELU, GELU_TANH, CHAIN10, MSE, MLP_STEP, CNN_STEP, FIT_EPOCH, COLLATZ_STEPS, ACCUMULATE,
             WORD_LENGTHS, SPARSE_DENSE_MATMUL, RAGGED_ROW_SUMS, RAGGED_PLUS_ONE,
             RAGGED_COLUMN_SUMS, DATA_PIPELINE)


def get_workload(name):
    """The workload called `name` (ValueError naming the known ones otherwise)."""
    for workload in WORKLOADS:
        if workload.name == name:
            return workload
    raise ValueError(f"unknown workload {name!r}; known: {', '.join(w.name for w in WORKLOADS)}")
