"""`tg.summary.experimental`: the default step (TF's `tf.summary.experimental`)."""
from .defaults import get_step, set_step

__all__ = ["get_step", "set_step"]
