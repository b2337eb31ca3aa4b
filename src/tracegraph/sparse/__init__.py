"""`tg.sparse`: sparse tensors (TF's `tf.sparse`) — `SparseTensor`, its spec, and the functions on it."""
from . import elementwise  # noqa: F401 - registers the unary elementwise ops on SparseTensors
from .construction import expand_dims, eye, map_values  # noqa: F401
from .operations import (add, concat, from_dense, maximum, minimum, reduce_max, reduce_sum, reorder,  # noqa: F401
                         reshape, retain, slice, sparse_dense_matmul, to_dense, to_indicator, transpose)
from .row_ops import fill_empty_rows, segment_mean, segment_sqrt_n, segment_sum, softmax, split  # noqa: F401
from .sparse_tensor import SparseTensor, SparseTensorSpec  # noqa: F401

__all__ = ["SparseTensor", "SparseTensorSpec", "add", "concat", "expand_dims", "eye", "fill_empty_rows", "from_dense",
           "map_values", "maximum", "minimum", "reduce_max", "reduce_sum", "reorder", "reshape", "retain",
           "segment_mean", "segment_sqrt_n", "segment_sum", "slice", "softmax", "sparse_dense_matmul", "split",
           "to_dense", "to_indicator", "transpose"]
