"""BackupAndRestore: an interrupted run resumes at the epoch after its last backup, with that epoch's weights."""
import json
import os

import numpy as np
import pytest

from callback_fakes import FakeModel, fit
from tracegraph.keras.callbacks import BackupAndRestore, Callback


class Interrupt(Callback):
    """Raises at the end of epoch `at` (after the backup of that epoch, which comes first in the list)."""

    def __init__(self, at):
        super().__init__()
        self.at = at

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.at:
            raise KeyboardInterrupt


class EpochRecorder(Callback):
    def __init__(self):
        super().__init__()
        self.epochs = []
        self.weights_at_start = None

    def on_train_begin(self, logs=None):
        self.weights_at_start = self.model.weights[0].numpy().copy()

    def on_epoch_begin(self, epoch, logs=None):
        self.epochs.append(epoch)


def test_an_interrupted_fit_resumes_after_the_last_backup(tmp_path):
    backup = tmp_path / "backup"
    epochs = [{"loss": 1.0}] * 5
    with pytest.raises(KeyboardInterrupt):
        fit([BackupAndRestore(backup), Interrupt(at=2)], epochs)
    assert json.loads((backup / "training_metadata.json").read_text()) == {"epoch": 3, "batch": 0}
    recorder = EpochRecorder()
    model = FakeModel()
    fit([BackupAndRestore(backup), recorder], epochs, model=model)
    assert recorder.epochs == [3, 4]
    np.testing.assert_array_equal(recorder.weights_at_start, np.full((2, 3), 2.0))  # epoch 2's weights
    assert not backup.exists()  # deleted after a normal end
    assert model._initial_epoch is None


def test_batch_frequency_and_the_previous_backup(tmp_path):
    backup = tmp_path / "backup"
    with pytest.raises(KeyboardInterrupt):
        fit([BackupAndRestore(backup, save_freq=3, double_checkpoint=True), Interrupt(at=1)],
            [{"loss": 1.0}] * 3, steps=4)
    assert sorted(os.listdir(backup)) == ["latest.weights.tgw", "latest.weights.tgw.bkp",
                                          "training_metadata.json", "training_metadata.json.bkp"]
    # Saved at batch 3 of epoch 0 (index 2), then at batch 2 of epoch 1 (index 1; 3 batches since the last save).
    assert json.loads((backup / "training_metadata.json").read_text()) == {"epoch": 1, "batch": 1}
    assert json.loads((backup / "training_metadata.json.bkp").read_text()) == {"epoch": 0, "batch": 2}
    # The latest backup is damaged: the previous one (mid-epoch 0) is used.
    (backup / "latest.weights.tgw").write_bytes(b"PK\x03\x04broken")
    recorder = EpochRecorder()
    fit([BackupAndRestore(backup, delete_checkpoint=False), recorder], [{"loss": 1.0}] * 3, steps=4)
    assert recorder.epochs == [0, 1, 2]
    assert (backup / "latest.weights.tgw").exists()


def test_arguments_are_checked():
    with pytest.raises(ValueError, match="Empty `backup_dir`"):
        BackupAndRestore("")
    with pytest.raises(ValueError, match="Invalid value for argument `save_freq`"):
        BackupAndRestore("dir", save_freq="batch")
