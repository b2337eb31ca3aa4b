"""`tg.linalg`: linear algebra, as TF's `tf.linalg`.

Products, einsum, norms, diagonals, solvers and decompositions live in
`ops/linalg.py`; `eye` is a creation op that TF also places here.
"""
from .ops.linalg import *  # noqa: F401,F403
from .ops.creation import eye  # noqa: F401
from .ops.nn_ops import l2_normalize  # noqa: F401
