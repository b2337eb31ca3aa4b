"""`tg.nn`: neural-network ops, with TF2's names.

The activations that TF also places in `tf.math` (sigmoid, tanh, softplus,
softsign) are the same functions as there.
"""
from .ops.nn_ops import *  # noqa: F401,F403
from .ops.nn_ops import __all__ as _nn_ops_all
from .ops.unary_math import sigmoid, softplus, softsign, tanh, log_sigmoid  # noqa: F401
from .ops.embedding import embedding_lookup  # noqa: F401
from .ops.conv import *  # noqa: F401,F403
from .ops.conv import __all__ as _conv_all
from .ops.pooling import *  # noqa: F401,F403
from .ops.pooling import __all__ as _pooling_all

__all__ = (list(_nn_ops_all) + ["sigmoid", "softplus", "softsign", "tanh", "log_sigmoid", "embedding_lookup"]
           + list(_conv_all) + list(_pooling_all))
from .ops.sorting import in_top_k, top_k  # noqa: F401
