"""The tutorials' training programs in examples/ run and learn (few epochs, small data)."""
import importlib.util
import pathlib

import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"


def run_example(name, monkeypatch, **environment):
    for key, value in environment.items():
        monkeypatch.setenv(key, str(value))
    monkeypatch.syspath_prepend(str(EXAMPLES))
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main()


def test_housing_regression_learns_below_the_variance_of_the_price(monkeypatch):
    history, (test_loss, test_mse) = run_example("housing_regression", monkeypatch, EXAMPLE_EPOCHS=4)
    losses = history.history["loss"]
    assert losses[-1] < losses[0] and test_loss < 0.3
    assert test_mse == pytest.approx(test_loss, rel=1e-5)   # the tutorial's loss is the mean squared error


def test_custom_training_loop_improves_the_metric(monkeypatch):
    train_mse, valid_mse = run_example("custom_training_loop", monkeypatch, EXAMPLE_EPOCHS=2)
    assert train_mse < 1.0 and valid_mse < 1.0


def test_custom_layer_model_trains(monkeypatch):
    history, test_loss = run_example("custom_layer", monkeypatch, EXAMPLE_EPOCHS=3)
    assert history.history["loss"][-1] < history.history["loss"][0] and test_loss < 1.0


def test_small_cnn_learns_the_synthetic_classes(monkeypatch):
    history, accuracy = run_example("small_cnn", monkeypatch, EXAMPLE_EPOCHS=3, EXAMPLE_SAMPLES=1536)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert accuracy > 0.3   # ten classes: chance is 0.1 (seeded: 0.46 here)
