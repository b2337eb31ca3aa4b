"""`keras.callbacks.BackupAndRestore`: resume an interrupted `fit` from its last backup."""
import json
import os
import shutil

from ...atomic_files import write_atomically
from ..saving.weights_file import WEIGHTS_SUFFIX
from .callback import Callback

__all__ = ["BackupAndRestore"]


class BackupAndRestore(Callback):
    """Back up the model's weights and optimizer state, and the epoch reached, to `backup_dir`; a later
    `fit` with the same callback starts from there.

    Args:
        backup_dir: the directory of the backup (`latest.weights.tgw`, `training_metadata.json`).
        save_freq: "epoch" (back up at each epoch's end) or an integer: every that many batches.
        double_checkpoint: keep the previous backup as well (`*.bkp`), used when the latest cannot be read.
        delete_checkpoint: remove `backup_dir` when training ends normally.

    On restore the callback sets `model._initial_epoch` (Keras 3's protocol): `fit` starts its epoch
    loop there. The model must be built before `fit`; an optimizer not built yet is built first so its
    state can be restored.
    """

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False, delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise ValueError("Empty `backup_dir` argument passed")
        if save_freq != "epoch" and not isinstance(save_freq, int):
            raise ValueError(f"Invalid value for argument `save_freq`. Received: save_freq={save_freq}. Expected "
                             "either 'epoch' or an integer value.")
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.double_checkpoint = double_checkpoint
        self.delete_checkpoint = delete_checkpoint
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = 0
        self._current_epoch = 0
        self._weights_path = os.path.join(self.backup_dir, "latest" + WEIGHTS_SUFFIX)
        self._training_metadata_path = os.path.join(self.backup_dir, "training_metadata.json")
        self._prev_weights_path = self._weights_path + ".bkp"
        self._prev_training_metadata_path = self._training_metadata_path + ".bkp"
        if save_freq != "epoch":
            self.on_train_batch_end = self._save_on_batch_end

    def on_train_begin(self, logs=None):
        """Restore the latest backup (or, if it cannot be read, the previous one)."""
        try:
            self._load_model()
        except (OSError, ValueError):
            if not os.path.exists(self._prev_weights_path):
                raise
            shutil.copyfile(self._prev_weights_path, self._weights_path)
            if os.path.exists(self._prev_training_metadata_path):
                shutil.copyfile(self._prev_training_metadata_path, self._training_metadata_path)
            elif os.path.exists(self._training_metadata_path):
                os.remove(self._training_metadata_path)
            self._load_model()

    def _load_model(self):
        if not getattr(self.model, "built", True):
            raise ValueError("To use the BackupAndRestore callback, you model must be built before you call `fit()`. "
                             f"Model {self.model} is unbuilt. You can build it beforehand by calling it on a batch "
                             "of data.")
        if os.path.exists(self._weights_path):
            optimizer = getattr(self.model, "optimizer", None)
            if optimizer is not None and getattr(optimizer, "built", True) is False:
                optimizer.build(self.model.trainable_variables)
            self.model.load_weights(self._weights_path)
        if os.path.exists(self._training_metadata_path):
            with open(self._training_metadata_path, encoding="utf8") as f:
                self.model._initial_epoch = json.load(f)["epoch"]

    def on_epoch_end(self, epoch, logs=None):
        """Back up at the end of the epoch (when `save_freq="epoch"`)."""
        self._current_epoch = epoch + 1
        self._last_batch_seen = 0
        if self.save_freq == "epoch":
            self._save_model()

    def _save_on_batch_end(self, batch, logs=None):
        """`on_train_batch_end` when `save_freq` is an integer."""
        if batch <= self._last_batch_seen:
            added = batch + 1  # a new epoch started
        else:
            added = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += added
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            self._save_model()

    def _is_chief(self):
        """Under a multi-worker strategy every worker restores the backup but only the chief writes it."""
        strategy = getattr(self.model, "distribute_strategy", None)
        return strategy is None or strategy.extended.should_checkpoint

    def _save_model(self):
        if not self._is_chief():
            return
        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint:
            for path, previous in ((self._weights_path, self._prev_weights_path),
                                   (self._training_metadata_path, self._prev_training_metadata_path)):
                if os.path.exists(path):
                    shutil.copyfile(path, previous)
        self.model.save_weights(self._weights_path)
        metadata = json.dumps({"epoch": self._current_epoch, "batch": self._last_batch_seen}).encode()
        write_atomically(self._training_metadata_path, lambda f: f.write(metadata))

    def on_train_end(self, logs=None):
        """Training ended normally: the backup is no longer needed."""
        if self.delete_checkpoint and self._is_chief() and os.path.exists(self.backup_dir):
            shutil.rmtree(self.backup_dir)
        # Keras leaves this set, so a second `fit` of the same model would skip epochs.
        if getattr(self.model, "_initial_epoch", None) is not None:
            self.model._initial_epoch = None
