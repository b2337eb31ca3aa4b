"""ModelCheckpoint writing real weights files; the printed messages and file names were recorded from
Keras 3.15's own callback (TF 2.21's venv) on the same epochs."""
import os

import numpy as np
import pytest

from callback_fakes import FakeModel, fit, val_losses
from tracegraph.keras.callbacks import ModelCheckpoint
from tracegraph.keras.saving import load_weights


def test_best_only_writes_the_improving_epochs(tmp_path, capsys):
    pattern = str(tmp_path / "m-{epoch:02d}-{val_loss:.2f}.weights.tgw")
    fit([ModelCheckpoint(pattern, save_best_only=True, save_weights_only=True, verbose=1)],
        val_losses([1.0, 0.5, 0.7, 0.4]))
    assert sorted(os.listdir(tmp_path)) == ["m-01-1.00.weights.tgw", "m-02-0.50.weights.tgw",
                                            "m-04-0.40.weights.tgw"]
    printed = capsys.readouterr().out.replace(str(tmp_path), "D")
    assert printed == (
        "\nEpoch 1: val_loss improved from None to 1.00000, saving model to D/m-01-1.00.weights.tgw\n"
        "\nEpoch 1: finished saving model to D/m-01-1.00.weights.tgw\n"
        "\nEpoch 2: val_loss improved from 1.00000 to 0.50000, saving model to D/m-02-0.50.weights.tgw\n"
        "\nEpoch 2: finished saving model to D/m-02-0.50.weights.tgw\n"
        "\nEpoch 3: val_loss did not improve from 0.50000\n"
        "\nEpoch 4: val_loss improved from 0.50000 to 0.40000, saving model to D/m-04-0.40.weights.tgw\n"
        "\nEpoch 4: finished saving model to D/m-04-0.40.weights.tgw\n")
    # Each file holds the weights of its epoch (the fake loop sets them to the epoch's index).
    restored = FakeModel()
    load_weights(restored, tmp_path / "m-02-0.50.weights.tgw")
    np.testing.assert_array_equal(restored.weights[0].numpy(), np.ones((2, 3)))


def test_one_path_keeps_the_best_epochs_weights(tmp_path):
    path = tmp_path / "best.weights.tgw"
    fit([ModelCheckpoint(path, save_best_only=True, save_weights_only=True)], val_losses([1.0, 0.5, 0.7, 0.9]))
    restored = FakeModel()
    load_weights(restored, path)
    np.testing.assert_array_equal(restored.weights[1].numpy(), np.full(3, 1.0))


def test_max_mode_and_full_model_saves(tmp_path):
    model, _ = fit([ModelCheckpoint(str(tmp_path / "sub" / "m{epoch}.keras"), monitor="val_acc", mode="max",
                                    save_best_only=True)],
                   [{"val_acc": a} for a in [0.1, 0.3, 0.2, 0.4]])
    assert [os.path.basename(p) for p in model.saved] == ["m1.keras", "m2.keras", "m4.keras"]


def test_save_freq_in_batches(tmp_path):
    model, _ = fit([ModelCheckpoint(str(tmp_path / "b-{epoch}-{batch}.keras"), save_freq=3)],
                   [{"loss": 1.0}, {"loss": 1.0}], steps=5)
    assert sorted(os.listdir(tmp_path)) == ["b-1-3.keras", "b-2-1.keras", "b-2-4.keras"]


def test_by_epoch_it_adds_no_batch_hook():
    assert "on_train_batch_end" not in vars(ModelCheckpoint("x.keras"))
    assert "on_train_batch_end" in vars(ModelCheckpoint("x.keras", save_freq=2))


def test_bad_arguments_are_clear(tmp_path):
    with pytest.raises(ValueError, match="Unrecognized save_freq: batch"):
        ModelCheckpoint("x.keras", save_freq="batch")
    with pytest.raises(ValueError, match=r"must end in `\.weights\.tgw`"):
        ModelCheckpoint("x.weights.h5", save_weights_only=True)
    with pytest.raises(ValueError, match=r"must end in `\.keras` \(Keras model format\)"):
        ModelCheckpoint("x.h5")
    with pytest.raises(KeyError, match="Failed to format this callback filepath"):
        fit([ModelCheckpoint(str(tmp_path / "{nope}.keras"))], [{"val_loss": 1.0}])
