"""`keras.callbacks.ModelCheckpoint`: save the model or its weights every epoch (or every n batches)."""
import os
import warnings

from ..saving.model_file import MODEL_SUFFIX
from ..saving.weights_file import WEIGHTS_SUFFIX
from ..utils.io_utils import print_msg
from .monitor import MonitorCallback

__all__ = ["ModelCheckpoint"]


class ModelCheckpoint(MonitorCallback):
    """Save the model (`model.save`) or its weights (`model.save_weights`) during training.

    Args:
        filepath: where to save; may hold `str.format` fields filled from the epoch (1-based), the
            batch (with an integer `save_freq`) and the logs: `"ckpt-{epoch:02d}-{val_loss:.2f}.keras"`.
            Weights-only paths must end in `.weights.tgw` (tracegraph's weights file,
            docs/formats/keras_weights.md), whole-model paths in `.keras`.
        monitor: the logged quantity that decides "best" (default `"val_loss"`).
        verbose: 1 prints a line for each save (or skipped save).
        save_best_only: save only when `monitor` improved on the best so far.
        save_weights_only: save the weights only.
        mode: "auto", "min" or "max".
        save_freq: "epoch", or an integer: save every that many batches.
        initial_value_threshold: the best value to beat at the start.
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False, save_weights_only=False,
                 mode="auto", save_freq="epoch", initial_value_threshold=None):
        super().__init__(monitor, mode, initial_value_threshold)
        self.verbose = verbose
        self.filepath = os.fspath(filepath)
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = None
        self._current_epoch = 0
        if save_freq != "epoch" and not isinstance(save_freq, int):
            raise ValueError(f"Unrecognized save_freq: {save_freq}. Expected save_freq are 'epoch' or integer values")
        if save_freq != "epoch":
            # Only then a batch hook: saving by epoch leaves the per-batch path of `fit` untouched.
            self.on_train_batch_end = self._save_on_batch_end
        if save_weights_only and not self.filepath.endswith(WEIGHTS_SUFFIX):
            raise ValueError(
                f"When using `save_weights_only=True` in `ModelCheckpoint`, the filepath provided must end in "
                f"`{WEIGHTS_SUFFIX}` (tracegraph's weights format; HDF5 `.weights.h5` is not written). "
                f"Received: filepath={self.filepath}")
        if not save_weights_only and not self.filepath.endswith(MODEL_SUFFIX):
            raise ValueError(f"The filepath provided must end in `{MODEL_SUFFIX}` (Keras model format). "
                             f"Received: filepath={self.filepath}")

    def on_epoch_begin(self, epoch, logs=None):
        """Remember the epoch, for saves made by batch."""
        self._current_epoch = epoch

    def _save_on_batch_end(self, batch, logs=None):
        """`on_train_batch_end` when `save_freq` is an integer: save every `save_freq` batches."""
        if self._should_save_on_batch(batch):
            self._save_model(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        """Save at the end of the epoch (when `save_freq="epoch"`)."""
        if self.monitor_op is None:
            self._set_monitor_op()
        if self.save_freq == "epoch":
            self._save_model(epoch, None, logs)

    def _should_save_on_batch(self, batch):
        if self._last_batch_seen is None or batch <= self._last_batch_seen:
            added = batch + 1  # a new epoch started
        else:
            added = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += added
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def _should_save_model(self, epoch, logs, filepath):
        if not self.save_best_only:
            if self.verbose > 0:
                print_msg(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            return True
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available.", stacklevel=2)
            return True
        if self.monitor_op is None:
            self._set_monitor_op()
        best_text = "None" if self.best is None else f"{self.best:.5f}"
        if self._is_improvement(current, self.best):
            if self.verbose > 0:
                print_msg(f"\nEpoch {epoch + 1}: {self.monitor} improved from {best_text} to {current:.5f}, "
                          f"saving model to {filepath}")
            self.best = current
            return True
        if self.verbose > 0:
            print_msg(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best_text}")
        return False

    def _save_model(self, epoch, batch, logs):
        logs = logs or {}
        filepath = self._get_file_path(epoch, batch, logs)
        if not self._should_save_model(epoch, logs, filepath):
            return
        if os.path.isdir(filepath):
            raise OSError("Please specify a non-directory filepath for ModelCheckpoint. Filepath used is an "
                          f"existing directory: {filepath}")
        directory = os.path.dirname(filepath)
        if directory:
            os.makedirs(directory, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(filepath)
        else:
            self.model.save(filepath)
        if self.verbose > 0:
            print_msg(f"\nEpoch {epoch + 1}: finished saving model to {filepath}")

    def _get_file_path(self, epoch, batch, logs):
        """The file path for this save: `filepath` with its fields filled."""
        try:
            if batch is None or "batch" in logs:
                return self.filepath.format(epoch=epoch + 1, **logs)
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1, **logs)
        except KeyError as e:
            raise KeyError(f'Failed to format this callback filepath: "{self.filepath}". Reason: {e}') from e
