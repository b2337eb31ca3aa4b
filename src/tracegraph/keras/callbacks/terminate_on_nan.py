"""`keras.callbacks.TerminateOnNaN`: stop training at the first NaN or infinite loss."""
import math

from ..utils.io_utils import print_msg
from .callback import Callback

__all__ = ["TerminateOnNaN"]


class TerminateOnNaN(Callback):
    """Stops `fit` when a batch's `loss` is NaN or infinite.

    By default it prints `Batch n: Invalid loss, terminating training` and sets
    `model.stop_training` (the other callbacks' `on_train_end` still run); with `raise_error=True`
    it raises a RuntimeError at once instead.
    """

    def __init__(self, raise_error=False):
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch, logs=None):
        """Check the batch's loss."""
        loss = (logs or {}).get("loss")
        if loss is None or math.isfinite(loss):
            return
        if self.raise_error:
            raise RuntimeError(f"NaN or Inf loss encountered at batch {batch}. Loss value: {loss}. "
                               "Terminating training immediately.")
        print_msg(f"Batch {batch}: Invalid loss, terminating training")
        self.model.stop_training = True
