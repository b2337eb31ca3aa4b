"""`keras.callbacks.LearningRateScheduler`: set the learning rate from `schedule(epoch, lr)` each epoch."""
import numpy as np

from ...tensor import Tensor
from ..utils.io_utils import print_msg
from .callback import Callback
from .learning_rates import learning_rate_of, optimizers_of

__all__ = ["LearningRateScheduler"]


class LearningRateScheduler(Callback):
    """At each epoch's start, `optimizer.learning_rate = schedule(epoch, current_lr)`.

    `schedule` takes the 0-based epoch and the current rate (a one-argument `schedule(epoch)`, the
    old API, also works) and returns a float (a scalar tensor is accepted, as TF 2's Keras did).
    `verbose=1` prints each new rate. Every epoch's logs get the `learning_rate`.
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def _update_optimizer_lr(self, optimizer, epoch):
        if not hasattr(optimizer, "learning_rate"):
            raise ValueError('Optimizer must have a "learning_rate" attribute.')
        try:
            learning_rate = self.schedule(epoch, learning_rate_of(optimizer))
        except TypeError:  # the old API: schedule(epoch)
            learning_rate = self.schedule(epoch)
        if isinstance(learning_rate, Tensor) and learning_rate.dtype.is_floating and learning_rate.shape.rank == 0:
            learning_rate = float(learning_rate)
        if not isinstance(learning_rate, (float, np.float32, np.float64)):
            raise ValueError(f"The output of the `schedule` function should be a float. Got: {learning_rate}")
        optimizer.learning_rate = learning_rate
        return learning_rate

    def on_epoch_begin(self, epoch, logs=None):
        """Apply the schedule."""
        for name, optimizer in optimizers_of(self.model.optimizer):
            learning_rate = self._update_optimizer_lr(optimizer, epoch)
            if self.verbose > 0:
                which = f"{name} learning rate" if name else "learning rate"
                print_msg(f"\nEpoch {epoch + 1}: LearningRateScheduler setting {which} to {learning_rate}.")

    def on_epoch_end(self, epoch, logs=None):
        """Add the learning rate to the epoch's logs."""
        if logs is None:
            return
        for name, optimizer in optimizers_of(self.model.optimizer):
            logs[f"learning_rate_{name}" if name else "learning_rate"] = learning_rate_of(optimizer)
