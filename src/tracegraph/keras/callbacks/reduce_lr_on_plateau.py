"""`keras.callbacks.ReduceLROnPlateau`: lower the learning rate when the monitored quantity stalls."""
import warnings

import numpy as np

from ..utils.io_utils import print_msg
from .learning_rates import learning_rate_of, optimizers_of
from .monitor import MonitorCallback

__all__ = ["ReduceLROnPlateau"]


class ReduceLROnPlateau(MonitorCallback):
    """Multiply the optimizer's learning rate by `factor` after `patience` epochs without improvement.

    Args:
        monitor: the logged quantity to watch (default `"val_loss"`).
        factor: `new_lr = lr * factor`; must be below 1.
        patience: epochs without improvement before reducing.
        verbose: 1 prints each reduction.
        mode: "auto", "min" or "max".
        min_delta: an improvement must be larger than this.
        cooldown: epochs after a reduction during which nothing is counted.
        min_lr: the learning rate never goes below this.

    Every epoch's logs get the current `learning_rate`.
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto", min_delta=1e-4,
                 cooldown=0, min_lr=0.0, **kwargs):
        super().__init__(monitor, mode, min_delta=min_delta)
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau does not support a factor >= 1.0. Received factor={factor}")
        self.factor = factor
        self.min_lr = min_lr
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.cooldown_counter = 0
        self.wait = 0

    def _reset(self):
        self.best = None
        self.cooldown_counter = 0
        self.wait = 0

    def on_train_begin(self, logs=None):
        """Start counting afresh."""
        self._reset()

    def on_epoch_end(self, epoch, logs=None):
        """Log the learning rate; reduce it once patience has run out (outside a cooldown)."""
        if self.monitor_op is None:
            self._set_monitor_op()
        logs = logs if logs is not None else {}
        optimizers = optimizers_of(self.model.optimizer)
        for name, optimizer in optimizers:
            logs[f"learning_rate_{name}" if name else "learning_rate"] = learning_rate_of(optimizer)
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Learning rate reduction is conditioned on metric `{self.monitor}` which is not "
                          f"available. Available metrics are: {','.join(list(logs.keys()))}.", stacklevel=2)
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                reduced = [self._reduce(optimizer, epoch, name) for name, optimizer in optimizers]
                if any(reduced):
                    self.cooldown_counter = self.cooldown
                    self.wait = 0

    def _reduce(self, optimizer, epoch, name):
        old_lr = learning_rate_of(optimizer)
        # Compared in float32: an lr stored in float32 never quite reaches a float64 min_lr.
        if old_lr <= np.float32(self.min_lr):
            return False
        new_lr = max(old_lr * self.factor, self.min_lr)
        optimizer.learning_rate = new_lr
        if self.verbose > 0:
            name_part = f" {name}" if name else ""
            print_msg(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing{name_part} learning rate to {new_lr}.")
        return True

    def in_cooldown(self):
        """Whether a reduction happened less than `cooldown` epochs ago."""
        return self.cooldown_counter > 0

