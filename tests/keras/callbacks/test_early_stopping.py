"""EarlyStopping against Keras 3.15: the expected stops, bests, restored weights and messages were recorded
by driving Keras's own callback (TF 2.21's venv) through the same epochs."""
import warnings

import numpy as np
import pytest

from callback_fakes import fit, val_losses
from tracegraph.keras.callbacks import EarlyStopping

PLATEAU = [1, 0.9, 0.95, 0.91, 0.92, 0.93, 0.5]
SLOW = [1, 0.999, 0.998, 0.997, 0.5, 0.4]

# (val_loss per epoch, arguments, stopped_epoch, best, weights at the end (= their epoch), printed text)
CASES = [
    (PLATEAU, dict(patience=2), 3, 0.9, 3.0, "Epoch 4: early stopping\n"),
    (PLATEAU, dict(patience=2, min_delta=0.01), 3, 0.9, 3.0, "Epoch 4: early stopping\n"),
    (PLATEAU, dict(patience=1, restore_best_weights=True), 2, 0.9, 1.0,
     "Epoch 3: early stopping\nRestoring model weights from the end of the best epoch: 2.\n"),
    (PLATEAU, dict(patience=2, baseline=0.95, restore_best_weights=True), 3, 0.9, 1.0,
     "Epoch 4: early stopping\nRestoring model weights from the end of the best epoch: 2.\n"),
    (PLATEAU, dict(patience=1, start_from_epoch=3), 4, 0.91, 4.0, "Epoch 5: early stopping\n"),
    (SLOW, dict(patience=2), 0, 0.4, 5.0, ""),
    (SLOW, dict(patience=2, min_delta=0.01), 2, 1.0, 2.0, "Epoch 3: early stopping\n"),
    (SLOW, dict(patience=1, restore_best_weights=True), 0, 0.4, 5.0,
     "Restoring model weights from the end of the best epoch: 6.\n"),
    (SLOW, dict(patience=1, start_from_epoch=3), 0, 0.4, 5.0, ""),
]


@pytest.mark.parametrize("values, kwargs, stopped_epoch, best, weights, printed", CASES)
def test_early_stopping_matches_keras(capsys, values, kwargs, stopped_epoch, best, weights, printed):
    callback = EarlyStopping(verbose=1, **kwargs)
    model, history = fit([callback], val_losses(values))
    assert callback.stopped_epoch == stopped_epoch
    assert callback.best == best
    assert model.stop_training == (stopped_epoch > 0)
    assert len(history.epoch) == (stopped_epoch + 1 if stopped_epoch else len(values))
    for variable in model.weights:
        np.testing.assert_array_equal(variable.numpy(), np.full(variable.shape, weights))
    assert capsys.readouterr().out == printed


def test_max_mode_and_the_quiet_default(capsys):
    callback = EarlyStopping(monitor="val_acc", mode="max", patience=1, restore_best_weights=True)
    model, _ = fit([callback], [{"val_acc": a} for a in [1, 0.9, 0.95, 0.91]])
    assert (callback.stopped_epoch, callback.best) == (1, 1)
    np.testing.assert_array_equal(model.weights[1].numpy(), np.zeros(3))
    assert capsys.readouterr().out == ""


def test_auto_mode_reads_the_direction_from_the_name():
    accuracy = EarlyStopping(monitor="val_accuracy", patience=0)
    fit([accuracy], [{"val_accuracy": a} for a in [0.5, 0.6, 0.55]])
    assert (accuracy.stopped_epoch, accuracy.best) == (2, 0.6)
    with pytest.raises(ValueError, match="isn't able to automatically determine"):
        fit([EarlyStopping(monitor="val_weird", patience=0)], [{"val_weird": 1.0}])


def test_a_missing_monitor_warns_and_never_stops():
    callback = EarlyStopping(patience=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _, history = fit([callback], [{"loss": 1.0}, {"loss": 2.0}])
    assert len(history.epoch) == 2
    assert "Early stopping conditioned on metric `val_loss` which is not available. Available metrics are: loss" \
        in str(caught[0].message)
