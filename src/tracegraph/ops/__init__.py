"""The op library: one module per family, each op defined once with all its facets.

`PUBLIC_MATH` lists the families whose public functions appear both at top
level and in `tg.math`, as TF places its math.
"""
from . import (arithmetic, array_ops, bitwise, broadcast, cast, comparison, creation,  # noqa: F401
               indexing, linalg, nn_ops, operators, random_ops, reduction, sorting, state_ops,
               unary_math)
