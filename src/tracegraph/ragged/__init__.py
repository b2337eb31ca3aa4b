"""`tg.ragged`: tensors whose rows have different lengths (TF's `tf.ragged`).

`tg.RaggedTensor` and `tg.RaggedTensorSpec` live in `ragged_tensor.py`, conversions in
`conversion.py`, `RowPartition` (TF's `tf.experimental.RowPartition`) in `partition.py`,
`range`/`boolean_mask`/`stack` and segment ids in `array_ops.py`, elementwise ops and operators
in `elementwise.py`, indexing in `indexing.py`, and the ragged handlers of the public ops
(`tg.concat`, `tg.stack`, `tg.gather`, `tg.where`, the reductions, the unsorted segment
reductions; see `ops/api_dispatch.py`) in `operations.py`. Importing this package installs them all.
"""
from . import indexing, operations  # noqa: F401 - install indexing and the public ops' handlers
from .array_ops import (boolean_mask, range, row_splits_to_segment_ids, segment_ids_to_row_splits,  # noqa: F401,A004
                        stack)
from .conversion import constant  # noqa: F401
from .elementwise import map_flat_values  # noqa: F401
from .partition import RowPartition, RowPartitionSpec  # noqa: F401 - public as tg.experimental.RowPartition
from .ragged_tensor import RaggedTensor, RaggedTensorSpec  # noqa: F401

__all__ = ["boolean_mask", "constant", "map_flat_values", "range", "row_splits_to_segment_ids",
           "segment_ids_to_row_splits", "stack", "RaggedTensor", "RaggedTensorSpec"]
