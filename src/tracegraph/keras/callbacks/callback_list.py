"""`keras.callbacks.CallbackList`: one object the Trainer calls, passing each hook on to every callback.

Each hook goes only to the callbacks that define it, found once per run, so a batch hook nobody defines
costs one call on an empty tuple. Batch logs are converted to Python floats (`pythonify_logs`) only when
a callback that needs them listens; the progress bar reads raw logs itself, and only when it redraws.
"""
from ..utils.logs import pythonify_logs
from .callback import HOOKS, Callback, overrides
from .history import History
from .progbar_logger import ProgbarLogger

__all__ = ["CallbackList"]

#: Hooks whose base implementation forwards to an old name, so defining either one means listening.
_ALIASES = {"on_train_batch_begin": "on_batch_begin", "on_train_batch_end": "on_batch_end"}


class CallbackList(Callback):
    """Container of callbacks: `callback_list.on_epoch_end(epoch, logs)` calls every callback's hook.

    Args:
        callbacks: a list (or nested structure) of `Callback`s.
        add_history: append a `History` unless the list has one (`fit` does).
        add_progbar: append a `ProgbarLogger` unless the list has one (`fit`/`evaluate`/`predict`
            do when `verbose` is not 0).
        model: the model; every callback gets it through `set_model` (and `model.history` is set).
        **params: the run's parameters (`verbose`, `epochs`, `steps`), passed to `set_params`.
    """

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None, **params):
        super().__init__()
        self.callbacks = _flatten(callbacks)
        self._history = next((c for c in self.callbacks if isinstance(c, History)), None)
        self._progbar = next((c for c in self.callbacks if isinstance(c, ProgbarLogger)), None)
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if self._progbar is None and add_progbar:
            self._progbar = ProgbarLogger()
            self.callbacks.append(self._progbar)
        self._plan()
        self.set_model(model)
        self.set_params(params)

    def append(self, callback):
        """Add a callback at the end of the list."""
        self.callbacks.append(callback)
        self._plan()
        if self._model is not None:
            callback.set_model(self._model)
        if self.params:
            callback.set_params(self.params)

    def set_params(self, params):
        """Pass the run's parameters to every callback."""
        self.params = params
        if params:
            for callback in self.callbacks:
                callback.set_params(params)

    def set_model(self, model):
        """Pass the model to every callback."""
        if model is None:
            return
        super().set_model(model)
        if self._history is not None:
            model.history = self._history
        for callback in self.callbacks:
            callback.set_model(model)

    def _plan(self):
        """For each hook, the callbacks that define it, with whether each takes the batch logs unconverted."""
        self._listeners = {}
        for hook in HOOKS:
            alias = _ALIASES.get(hook)
            batch_hook = "_batch_" in hook
            self._listeners[hook] = tuple(
                (c, batch_hook and getattr(c, "reads_raw_batch_logs", False)) for c in self.callbacks
                if overrides(c, hook) or (alias is not None and overrides(c, alias)))
        self.has_train_batch_hooks = bool(self._listeners["on_train_batch_begin"]
                                          or self._listeners["on_train_batch_end"])
        self.has_test_batch_hooks = bool(self._listeners["on_test_batch_begin"]
                                         or self._listeners["on_test_batch_end"])
        self.has_predict_batch_hooks = bool(self._listeners["on_predict_batch_begin"]
                                            or self._listeners["on_predict_batch_end"])

    def _call(self, hook, logs, *args):
        converted = None
        for callback, raw in self._listeners[hook]:
            if raw:
                getattr(callback, hook)(*args, logs)
                continue
            if converted is None:
                converted = pythonify_logs(logs)
            getattr(callback, hook)(*args, converted)

    def _begin(self, hook, logs):
        self._plan()  # The list may have been changed since it was made.
        self._call(hook, logs)

    def on_train_begin(self, logs=None):
        """Start of `fit`."""
        self._begin("on_train_begin", logs)

    def on_train_end(self, logs=None):
        """End of `fit`."""
        self._call("on_train_end", logs)

    def on_test_begin(self, logs=None):
        """Start of `evaluate` or of `fit`'s validation."""
        self._begin("on_test_begin", logs)

    def on_test_end(self, logs=None):
        """End of `evaluate` or of `fit`'s validation."""
        self._call("on_test_end", logs)

    def on_predict_begin(self, logs=None):
        """Start of `predict`."""
        self._begin("on_predict_begin", logs)

    def on_predict_end(self, logs=None):
        """End of `predict`."""
        self._call("on_predict_end", logs)

    def on_epoch_begin(self, epoch, logs=None):
        """Start of an epoch."""
        self._call("on_epoch_begin", logs, epoch)

    def on_epoch_end(self, epoch, logs=None):
        """End of an epoch: every callback sees the same dict (one may add to it, e.g. `learning_rate`)."""
        self._call("on_epoch_end", logs, epoch)

    def on_batch_begin(self, batch, logs=None):
        """Old name of `on_train_batch_begin`: calls the callbacks' `on_batch_begin`."""
        self._call("on_batch_begin", logs, batch)

    def on_batch_end(self, batch, logs=None):
        """Old name of `on_train_batch_end`: calls the callbacks' `on_batch_end`."""
        self._call("on_batch_end", logs, batch)

    def on_train_batch_begin(self, batch, logs=None):
        """Before a training batch."""
        self._call("on_train_batch_begin", logs, batch)

    def on_train_batch_end(self, batch, logs=None):
        """After a training batch."""
        self._call("on_train_batch_end", logs, batch)

    def on_test_batch_begin(self, batch, logs=None):
        """Before an `evaluate`/validation batch."""
        self._call("on_test_batch_begin", logs, batch)

    def on_test_batch_end(self, batch, logs=None):
        """After an `evaluate`/validation batch."""
        self._call("on_test_batch_end", logs, batch)

    def on_predict_batch_begin(self, batch, logs=None):
        """Before a `predict` batch."""
        self._call("on_predict_batch_begin", logs, batch)

    def on_predict_batch_end(self, batch, logs=None):
        """After a `predict` batch."""
        self._call("on_predict_batch_end", logs, batch)


def _flatten(callbacks):
    if not callbacks:
        return []
    if isinstance(callbacks, (list, tuple)):
        return [c for item in callbacks for c in _flatten(item)]
    return [callbacks]

