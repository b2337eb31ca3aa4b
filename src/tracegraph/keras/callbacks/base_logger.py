"""`keras.callbacks.BaseLogger`: epoch averages of what the batches logged (Keras 2's callback)."""
from .callback import Callback

__all__ = ["BaseLogger"]


class BaseLogger(Callback):
    """Puts each epoch's average of the batches' logged values into the epoch's logs.

    A value in `stateful_metrics` is not averaged: its last batch value is already the epoch's
    (a running mean). The compiled loss and metrics are such stateful metrics here, as in TF 2, so
    by default only other values a batch logs (a custom `train_step`'s extras) are averaged,
    weighted by the batch's `size` when it logs one. Keras 2 added this callback to every `fit`;
    TF 2's `fit` logs epoch means already, and the callback is kept for code that names it.
    """

    def __init__(self, stateful_metrics=None):
        super().__init__()
        self.stateful_metrics = set(stateful_metrics or ())
        self._stateful = set(self.stateful_metrics)
        self.seen, self.totals = 0, {}

    def on_train_begin(self, logs=None):
        """The model's compiled loss and metrics count as stateful."""
        names = getattr(self.model, "metrics_names", None) or ()
        self._stateful = self.stateful_metrics | set(names)

    def on_epoch_begin(self, epoch, logs=None):
        """Start the epoch's sums afresh."""
        self.seen, self.totals = 0, {}

    def on_train_batch_end(self, batch, logs=None):
        """Add the batch's values (weighted by its `size`, 1 without one); keep stateful ones' last values."""
        logs = logs or {}
        weight = logs.get("size", 1)
        self.seen += weight
        for key, value in logs.items():
            if key in self._stateful:
                self.totals[key] = value
            else:
                self.totals[key] = self.totals.get(key, 0.0) + value * weight

    def on_epoch_end(self, epoch, logs=None):
        """Write the averages (and the stateful values) into the epoch's logs."""
        if logs is None or not self.seen:
            return
        for key, total in self.totals.items():
            logs[key] = total if key in self._stateful else total / self.seen
