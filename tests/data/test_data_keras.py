"""Datasets feed Keras' fit, evaluate and predict (every epoch is a new pass)."""
import numpy as np
import pytest

from tracegraph import data, keras


@pytest.fixture
def regression():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 4)).astype(np.float32)
    return x, x @ np.array([[1.0], [-2.0], [0.5], [3.0]], np.float32)


def model_for(x):
    model = keras.Sequential([keras.Input(shape=(x.shape[1],)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05), loss="mse")
    return model


def test_fit_evaluate_predict_on_datasets(regression):
    x, y = regression
    dataset = data.Dataset.from_tensor_slices((x, y)).shuffle(64, seed=1).batch(16).prefetch(data.AUTOTUNE)
    model = model_for(x)
    losses = model.fit(dataset, epochs=4, verbose=0).history["loss"]
    assert len(losses) == 4 and losses[-1] < losses[0]
    assert np.isclose(model.evaluate(dataset, verbose=0), model.evaluate(x, y, verbose=0), rtol=1e-4)
    predictions = model.predict(dataset.map(lambda features, label: features), verbose=0)
    assert predictions.shape == (64, 1)


def test_an_endless_dataset_with_steps_per_epoch(regression):
    x, y = regression
    endless = data.Dataset.from_tensor_slices((x, y)).repeat().batch(8)
    assert int(endless.cardinality()) == data.INFINITE_CARDINALITY
    history = model_for(x).fit(endless, epochs=2, steps_per_epoch=3, verbose=0)
    assert len(history.history["loss"]) == 2
