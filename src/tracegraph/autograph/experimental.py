"""`tg.autograph.experimental`: opting a function out of conversion."""
from .calls import do_not_convert

__all__ = ["do_not_convert"]
