"""The op library: one module per family, each op defined once with all its facets.

Importing this package imports every family, so every op is registered by name
(graphs serialize ops by name). Families whose public functions TF places at
top level or in `tg.math` / `tg.linalg` are re-exported there by their `__all__`.
"""
from . import (arithmetic, array_ops, bitwise, broadcast, cast, comparison, conv, creation,  # noqa: F401
               decompositions, einsum, gather_scatter, indexing, join_split, linalg, linalg_solve,
               masking, nn_ops, operators, pooling, random_ops, reduction, row_partition, sorting, state_ops,
               tensor_array, tiling, unary_math)
