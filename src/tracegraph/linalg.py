"""`tg.linalg`: linear algebra."""
from .ops.linalg import *  # noqa: F401,F403
