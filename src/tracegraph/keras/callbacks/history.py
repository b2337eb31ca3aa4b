"""`keras.callbacks.History`: what `fit` returns, the epochs' results as lists."""
from .callback import Callback

__all__ = ["History"]


class History(Callback):
    """Records every epoch's logs: `history.history["loss"]` is the list of epoch losses.

    `fit` adds one to every run and returns it; `history.epoch` lists the epochs run and
    `history.params` the run's parameters.
    """

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        """A new `fit` run: the epoch list starts over (the metric lists keep growing, as in Keras)."""
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        """Append this epoch's results."""
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        self.model.history = self
