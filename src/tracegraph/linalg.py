"""`tg.linalg`: linear algebra, as TF's `tf.linalg`.

Products, transposes, diagonals and norms live in `ops/linalg.py`, einsum and
tensordot in `ops/einsum.py`, inverses and solvers in `ops/linalg_solve.py`,
decompositions in `ops/decompositions.py`; `eye` is a creation op that TF
also places here.
"""
from .ops.linalg import *  # noqa: F401,F403
from .ops.einsum import *  # noqa: F401,F403
from .ops.linalg_solve import *  # noqa: F401,F403
from .ops.decompositions import *  # noqa: F401,F403
from .ops.creation import eye  # noqa: F401
from .ops.nn_ops import l2_normalize  # noqa: F401
