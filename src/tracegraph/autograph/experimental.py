"""`tg.autograph.experimental`: opting a function out of conversion, and options of a converted loop."""
from .calls import do_not_convert
from .loops import set_loop_options

__all__ = ["do_not_convert", "set_loop_options"]
