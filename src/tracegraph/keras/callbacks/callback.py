"""`keras.callbacks.Callback`: the hooks `fit`, `evaluate` and `predict` call, all doing nothing here."""

__all__ = ["Callback", "HOOKS", "overrides"]

#: Every hook a callback can define, as the Trainer calls them.
HOOKS = ("on_train_begin", "on_train_end", "on_test_begin", "on_test_end", "on_predict_begin",
         "on_predict_end", "on_epoch_begin", "on_epoch_end", "on_train_batch_begin", "on_train_batch_end",
         "on_test_batch_begin", "on_test_batch_end", "on_predict_batch_begin", "on_predict_batch_end",
         "on_batch_begin", "on_batch_end")


class Callback:
    """Base class of callbacks: override the hooks for the stages you need.

    `params` is the dict `fit`/`evaluate`/`predict` pass (`verbose`, `epochs`, `steps`) and `model`
    the model being trained. Batch hooks get the batch's index within the epoch; `logs` are dicts of
    Python floats (batch hooks: the running metric results; `on_epoch_end`: the epoch's results,
    validation ones prefixed `val_`).

    In a custom training loop, put the callbacks in a `CallbackList` and call its hooks yourself.
    """

    def __init__(self):
        self.params = None
        self._model = None

    def set_params(self, params):
        """Store the run's parameters (`verbose`, `epochs`, `steps`)."""
        self.params = params

    def set_model(self, model):
        """Store the model the callback acts on."""
        self._model = model

    @property
    def model(self):
        """The model being trained, evaluated or run."""
        return self._model

    def on_batch_begin(self, batch, logs=None):
        """Old name of `on_train_batch_begin`, which calls it."""

    def on_batch_end(self, batch, logs=None):
        """Old name of `on_train_batch_end`, which calls it."""

    def on_epoch_begin(self, epoch, logs=None):
        """Called at the start of epoch `epoch` (0-based) of `fit`."""

    def on_epoch_end(self, epoch, logs=None):
        """Called at the end of an epoch of `fit` with the epoch's metric results (and `val_` ones)."""

    def on_train_batch_begin(self, batch, logs=None):
        """Called before a training batch; calls `on_batch_begin`."""
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        """Called after a training batch with the running metric results; calls `on_batch_end`."""
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch, logs=None):
        """Called before a batch of `evaluate` (or of `fit`'s validation)."""

    def on_test_batch_end(self, batch, logs=None):
        """Called after a batch of `evaluate` (or of `fit`'s validation) with the running results."""

    def on_predict_batch_begin(self, batch, logs=None):
        """Called before a batch of `predict`."""

    def on_predict_batch_end(self, batch, logs=None):
        """Called after a batch of `predict` (logs hold `outputs`)."""

    def on_train_begin(self, logs=None):
        """Called when `fit` starts."""

    def on_train_end(self, logs=None):
        """Called when `fit` ends, with the last epoch's logs."""

    def on_test_begin(self, logs=None):
        """Called when `evaluate` (or `fit`'s validation) starts."""

    def on_test_end(self, logs=None):
        """Called when `evaluate` (or `fit`'s validation) ends, with its results."""

    def on_predict_begin(self, logs=None):
        """Called when `predict` starts."""

    def on_predict_end(self, logs=None):
        """Called when `predict` ends."""


def overrides(callback, hook):
    """Whether `callback` does something in `hook` (its class or the instance replaces the base's)."""
    if hook in vars(callback):
        return True
    return getattr(type(callback), hook, None) is not getattr(Callback, hook)
