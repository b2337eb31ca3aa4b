"""`tg.bitwise`: bitwise ops on integer tensors."""
from .ops.bitwise import *  # noqa: F401,F403
