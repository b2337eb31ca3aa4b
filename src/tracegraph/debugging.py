"""`tg.debugging`: run-time assertions, with TF2's names."""
from .ops.debugging_ops import *  # noqa: F401,F403
