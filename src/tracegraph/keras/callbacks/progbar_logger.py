"""`keras.callbacks.ProgbarLogger`: the progress bar `fit`, `evaluate` and `predict` print."""
from ..utils.io_utils import print_msg
from ..utils.progbar import Progbar
from .callback import Callback

__all__ = ["ProgbarLogger"]


class ProgbarLogger(Callback):
    """Prints `Epoch i/n` and a `Progbar` per epoch (and per `evaluate`/`predict` call).

    Inside `fit` the validation pass is silent: its results appear on the epoch's final line.
    Reads the `verbose`, `epochs` and `steps` params (`steps=None`: an unknown number of steps).
    """

    #: Batch logs come unconverted: the bar reads them only when it redraws.
    reads_raw_batch_logs = True

    def __init__(self):
        super().__init__()
        self.seen = 0
        self.progbar = None
        self.target = None
        self.verbose = 1
        self.epochs = 1
        self._called_in_fit = False

    def set_params(self, params):
        """Read `verbose` ("auto" means 1), `epochs` and `steps`."""
        super().set_params(params)
        verbose = params.get("verbose", 1)
        self.verbose = 1 if verbose == "auto" else verbose
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps")

    def on_train_begin(self, logs=None):
        """`fit` starts: validation inside it stays silent."""
        self._called_in_fit = True

    def on_test_begin(self, logs=None):
        """A fresh bar for `evaluate`."""
        if not self._called_in_fit:
            self._reset_progbar()

    def on_predict_begin(self, logs=None):
        """A fresh bar for `predict`."""
        self._reset_progbar()

    def on_epoch_begin(self, epoch, logs=None):
        """A fresh bar, after `Epoch i/n` when there are several epochs."""
        self._reset_progbar()
        if self.verbose and self.epochs > 1:
            print_msg(f"Epoch {epoch + 1}/{self.epochs}")

    def on_train_batch_end(self, batch, logs=None):
        """Advance the bar."""
        self.seen = batch + 1
        if self.verbose == 1:
            self.progbar.update(self.seen, logs, finalize=False)

    def on_test_batch_end(self, batch, logs=None):
        """Advance the bar of `evaluate`."""
        if not self._called_in_fit:
            self.seen = batch + 1
            if self.verbose == 1:
                self.progbar.update(self.seen, logs, finalize=False)

    def on_predict_batch_end(self, batch, logs=None):
        """Advance the bar of `predict` (its outputs are not shown)."""
        self.seen = batch + 1
        if self.verbose == 1:
            self.progbar.update(self.seen, None, finalize=False)

    def on_epoch_end(self, epoch, logs=None):
        """The epoch's final line, with its results."""
        self._finalize_progbar(logs)

    def on_test_end(self, logs=None):
        """The final line of `evaluate`."""
        if not self._called_in_fit:
            self._finalize_progbar(logs)

    def on_predict_end(self, logs=None):
        """The final line of `predict`."""
        self._finalize_progbar(logs)

    def _reset_progbar(self):
        self.seen = 0
        self.progbar = Progbar(target=self.target, verbose=self.verbose, unit_name="step",
                               stateless_metrics=set())

    def _finalize_progbar(self, logs):
        if self.progbar is None:
            self._reset_progbar()
        if self.target is None:
            self.target = self.seen
            self.progbar.target = self.target
        # In the logs' own order, as Keras: keys a callback added (`learning_rate`) come last.
        self.progbar.update(self.target, list(logs.items()) if logs else None, finalize=True)
