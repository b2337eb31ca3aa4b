"""ReduceLROnPlateau against Keras 3.15: the learning rates per epoch and messages were recorded by driving
Keras's own callback (TF 2.21's venv) through the same epochs (a float32 learning rate of 0.01)."""
import pytest

from callback_fakes import fit, val_losses
from tracegraph.keras.callbacks import ReduceLROnPlateau

PLATEAU = [1, 0.9, 0.95, 0.91, 0.92, 0.93, 0.5]
LR = 0.009999999776482582  # float32(0.01)


def test_patience_one_reduces_every_stalled_epoch(capsys):
    model, history = fit([ReduceLROnPlateau(patience=1, verbose=1)], val_losses(PLATEAU))
    assert history.history["learning_rate"] == pytest.approx(
        [LR, LR, LR, 0.0009999999776482583, 9.999999776482583e-05, 9.999999776482583e-06, 9.999999776482584e-07],
        rel=1e-6)
    assert capsys.readouterr().out.startswith(
        "\nEpoch 3: ReduceLROnPlateau reducing learning rate to 0.000999999")


def test_cooldown_skips_epochs_after_a_reduction(capsys):
    model, history = fit([ReduceLROnPlateau(patience=1, cooldown=2, verbose=1)], val_losses(PLATEAU))
    assert history.history["learning_rate"] == pytest.approx(
        [LR, LR, LR, 0.0009999999776482583, 0.0009999999776482583, 9.999999776482583e-05, 9.999999776482583e-05],
        rel=1e-6)
    printed = capsys.readouterr().out
    assert printed.count("ReduceLROnPlateau reducing learning rate") == 2
    assert "\nEpoch 3: " in printed and "\nEpoch 5: " in printed


def test_min_lr_bounds_the_rate():
    model, history = fit([ReduceLROnPlateau(patience=2, factor=0.5, min_lr=0.004, cooldown=1)],
                         val_losses(PLATEAU))
    assert history.history["learning_rate"] == pytest.approx(
        [LR, LR, LR, LR, 0.004999999888241291, 0.004999999888241291, 0.004], rel=1e-6)
    assert float(model.optimizer.learning_rate.numpy()) == pytest.approx(0.004)


def test_steady_improvement_leaves_the_rate_alone():
    model, history = fit([ReduceLROnPlateau(patience=1)], val_losses([2, 1.5, 1.4, 1.3]))
    assert history.history["learning_rate"] == pytest.approx([LR] * 4)


def test_a_factor_of_one_or_more_is_refused():
    with pytest.raises(ValueError, match="does not support a factor >= 1.0"):
        ReduceLROnPlateau(factor=1.0)
