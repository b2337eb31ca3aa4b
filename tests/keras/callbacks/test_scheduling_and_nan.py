"""LearningRateScheduler and TerminateOnNaN; rates and messages recorded from Keras 3.15 (TF 2.21's venv)."""
import math

import pytest

import tracegraph as tg
from callback_fakes import fit
from tracegraph.keras.callbacks import LearningRateScheduler, TerminateOnNaN

LR = 0.009999999776482582  # float32(0.01)


def test_schedule_of_epoch_and_rate(capsys):
    scheduler = LearningRateScheduler(lambda epoch, lr: lr * 0.5 if epoch > 0 else lr, verbose=1)
    model, history = fit([scheduler], [{"loss": 1.0}] * 3)
    assert history.history["learning_rate"] == pytest.approx([LR, 0.004999999888241291, 0.0024999999441206455])
    printed = capsys.readouterr().out
    assert printed.startswith("\nEpoch 1: LearningRateScheduler setting learning rate to 0.0099999997764825")
    assert printed.count("LearningRateScheduler setting learning rate to") == 3


def test_old_one_argument_schedule_and_tensor_results():
    model, _ = fit([LearningRateScheduler(lambda epoch: 0.1 * (epoch + 1))], [{"loss": 1.0}] * 3)
    assert float(model.optimizer.learning_rate.numpy()) == pytest.approx(0.3)
    model, _ = fit([LearningRateScheduler(lambda epoch, lr: lr * tg.exp(-0.1))], [{"loss": 1.0}] * 2)
    assert float(model.optimizer.learning_rate.numpy()) == pytest.approx(0.01 * math.exp(-0.2), rel=1e-6)


def test_a_non_float_schedule_result_is_refused():
    with pytest.raises(ValueError, match="The output of the `schedule` function should be a float. Got: 1"):
        fit([LearningRateScheduler(lambda epoch, lr: 1)], [{"loss": 1.0}])


def test_terminate_on_nan_stops_after_the_bad_batch(capsys):
    losses = {(0, 0): 1.0, (0, 1): 0.5, (1, 0): float("nan"), (1, 1): 0.1}
    model, history = fit([TerminateOnNaN()], [{"loss": 1.0}] * 3, batch_loss=lambda e, s: losses[(e, s)])
    assert model.stop_training
    assert history.epoch == [0, 1]
    assert capsys.readouterr().out == "Batch 0: Invalid loss, terminating training\n"


def test_terminate_on_inf_can_raise():
    with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch 1"):
        fit([TerminateOnNaN(raise_error=True)], [{"loss": 1.0}], batch_loss=lambda e, s: math.inf if s == 1 else 1.0)
