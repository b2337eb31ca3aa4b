"""The Trainer: compile/fit/evaluate/predict/*_on_batch, on every CPU backend."""
import numpy as np
import pytest

import tracegraph as tg
from tracegraph import keras
from tracegraph.backend import backend_names, get_backend


def _backend_param(name):
    """A backend as a test parameter: GPU ones marked `gpu`, and skipped with the reason where they cannot run."""
    try:
        device_type = get_backend(name).device_type
    except (RuntimeError, ValueError) as error:
        return pytest.param(name, marks=[pytest.mark.gpu, pytest.mark.skip(reason=f"backend {name!r}: {error}")])
    return pytest.param(name, marks=[pytest.mark.gpu] if device_type == "GPU" else [])


@pytest.fixture(params=[_backend_param(name) for name in backend_names()])
def backend(request):
    previous = tg.config.get_backend()
    tg.config.set_backend(request.param)
    yield request.param
    tg.config.set_backend(previous)


def regression_data(n=200, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    y = x @ np.array([1.0, -2.0, 0.5]) + 0.3
    return x, y


def linear_model(weights=(np.array([[0.1], [0.2], [0.3]], np.float32), np.zeros(1, np.float32))):
    model = keras.Sequential([keras.layers.Dense(1, input_shape=(3,))])
    model.set_weights(list(weights))
    return model


def test_fit_learns_a_linear_map_and_reports_history(backend):
    x, y = regression_data()
    model = linear_model()
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse", metrics=["mae"])
    history = model.fit(x, y, epochs=20, batch_size=16, verbose=0)
    assert history.epoch == list(range(20))
    assert set(history.history) == {"loss", "mae"}
    assert history.history["loss"][-1] < 1e-3 < history.history["loss"][0]
    kernel, bias = model.get_weights()
    np.testing.assert_allclose(kernel[:, 0], [1.0, -2.0, 0.5], atol=0.02)
    np.testing.assert_allclose(bias, [0.3], atol=0.02)


def test_fit_under_a_device_scope_trains_there():
    x, y = regression_data(64)
    model = linear_model()
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    with tg.device("/cpu:0"):
        history = model.fit(x, y, epochs=3, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert all(w.device.endswith("CPU:0") for w in model.weights)


def test_one_train_step_is_the_sgd_update_of_the_batch_mean_squared_error(backend):
    x, y = regression_data(8)
    kernel, bias = np.array([[0.1], [0.2], [0.3]]), np.array([0.05])
    model = linear_model((kernel.astype(np.float32), bias.astype(np.float32)))
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.5), loss="mean_squared_error")
    loss = model.train_on_batch(x, y)
    error = x @ kernel + bias - y[:, None]
    np.testing.assert_allclose(loss, np.mean(error ** 2), rtol=1e-5)
    new_kernel = kernel - 0.5 * (2 * x.T @ error / len(x))
    new_bias = bias - 0.5 * (2 * error.mean(axis=0))
    np.testing.assert_allclose(model.get_weights()[0], new_kernel, rtol=1e-5)
    np.testing.assert_allclose(model.get_weights()[1], new_bias, rtol=1e-5)


def test_the_epoch_loss_is_the_sample_weighted_mean_over_batches_of_unequal_size(backend):
    x, y = regression_data(10)
    model = linear_model()
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0), loss="mse")
    loss = model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0).history["loss"][0]
    prediction = x @ np.array([0.1, 0.2, 0.3])
    np.testing.assert_allclose(loss, np.mean((prediction - y) ** 2), rtol=1e-5)


def test_the_last_partial_batch_does_not_retrace_every_epoch():
    x, y = regression_data(50)
    model = linear_model()
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, batch_size=16, epochs=4, verbose=0)
    assert model._step_functions["train"].experimental_get_tracing_count() == 2


def test_validation_data_and_split_add_val_logs():
    x, y = regression_data(100)
    model = linear_model()
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    history = model.fit(x, y, epochs=2, validation_split=0.25, verbose=0)
    assert set(history.history) == {"loss", "mae", "val_loss", "val_mae"}
    evaluated = model.evaluate(x[75:], y[75:], verbose=0)
    np.testing.assert_allclose(evaluated, [history.history["val_loss"][-1], history.history["val_mae"][-1]],
                               rtol=1e-5)
    history = model.fit(x[:75], y[:75], validation_data=(x[75:], y[75:]), epochs=1, verbose=0)
    assert "val_loss" in history.history


def test_evaluate_returns_a_scalar_a_list_or_a_dict():
    x, y = regression_data(20)
    model = linear_model()
    model.compile(optimizer="sgd", loss="mse")
    loss = model.evaluate(x, y, verbose=0)
    assert isinstance(loss, float)
    np.testing.assert_allclose(loss, np.mean((x @ np.array([0.1, 0.2, 0.3]) - y) ** 2), rtol=1e-5)
    model.compile(optimizer="sgd", loss="mse", metrics=["mae", keras.metrics.MeanSquaredError()])
    assert model.evaluate(x, y, verbose=0, return_dict=True).keys() == {"loss", "mae", "mean_squared_error"}
    assert len(model.evaluate(x, y, verbose=0)) == 3


def test_predict_in_batches_equals_calling_the_model(backend):
    x, _ = regression_data(37)
    model = linear_model()
    predicted = model.predict(x, batch_size=8, verbose=0)
    assert predicted.shape == (37, 1)
    np.testing.assert_allclose(predicted, model(x).numpy(), rtol=1e-6)
    np.testing.assert_allclose(model.predict_on_batch(x[:5]), predicted[:5], rtol=1e-6)


def test_sample_weight_zero_removes_samples_from_the_loss():
    x, y = regression_data(8)
    model = linear_model()
    model.compile(optimizer="sgd", loss="mse")
    weights = np.array([1, 1, 1, 1, 0, 0, 0, 0], np.float32)
    loss = model.evaluate(x, y, sample_weight=weights, verbose=0)
    error = x @ np.array([0.1, 0.2, 0.3]) - y
    np.testing.assert_allclose(loss, np.sum(error[:4] ** 2) / 8, rtol=1e-5)


def test_class_weight_scales_each_class():
    x = np.eye(4, 3)
    y = np.array([0, 1, 0, 1], np.float32)
    model = linear_model()
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    model.fit(x, y, class_weight={0: 0.0, 1: 2.0}, epochs=1, verbose=0, shuffle=False)
    history = model.fit(x, y, class_weight={0: 0.0, 1: 2.0}, epochs=1, verbose=0, shuffle=False).history
    prediction = x @ np.array([0.1, 0.2, 0.3])
    expected = np.mean(np.array([0, 2, 0, 2]) * (prediction - y) ** 2)
    np.testing.assert_allclose(history["loss"][0], expected, rtol=1e-5)


def test_generators_need_steps_per_epoch_and_feed_batches():
    x, y = regression_data(64)

    def batches():
        while True:
            for start in range(0, 64, 16):
                yield x[start:start + 16], y[start:start + 16]
    model = linear_model()
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    history = model.fit(batches(), steps_per_epoch=4, epochs=5, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_callbacks_see_every_hook_in_order_and_can_stop_training():
    seen = []

    class Recorder(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            seen.append("train_begin")

        def on_epoch_begin(self, epoch, logs=None):
            seen.append(f"epoch_begin {epoch}")

        def on_train_batch_end(self, batch, logs=None):
            seen.append(f"batch {batch}")

        def on_epoch_end(self, epoch, logs=None):
            seen.append(f"epoch_end {epoch} {sorted(logs)}")
            self.model.stop_training = epoch == 1

        def on_train_end(self, logs=None):
            seen.append("train_end")
    x, y = regression_data(8)
    model = linear_model()
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(x, y, batch_size=4, epochs=5, callbacks=[Recorder()], verbose=0)
    assert seen == ["train_begin", "epoch_begin 0", "batch 0", "batch 1", "epoch_end 0 ['loss']",
                    "epoch_begin 1", "batch 0", "batch 1", "epoch_end 1 ['loss']", "train_end"]
    assert history.epoch == [0, 1]


def test_early_stopping_in_fit_stops_when_the_loss_stalls():
    x, y = regression_data(32)
    model = linear_model()
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    stopper = keras.callbacks.EarlyStopping(monitor="loss", patience=2, min_delta=1e-3)
    history = model.fit(x, y, epochs=50, callbacks=[stopper], verbose=0)
    assert len(history.epoch) == 3


def test_a_custom_train_step_is_traced_and_used():
    class Counting(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(1)
            self.steps = tg.Variable(0, dtype=tg.int64, trainable=False)

        def call(self, x):
            return self.dense(x)

        def train_step(self, data):
            self.steps.assign_add(1)
            return super().train_step(data)
    x, y = regression_data(40)
    model = Counting()
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, batch_size=10, epochs=3, verbose=0)
    assert int(model.steps.numpy()) == 12


def test_add_loss_and_regularizers_join_the_training_loss():
    x, y = regression_data(16)
    model = keras.Sequential([keras.layers.Dense(1, input_shape=(3,), kernel_regularizer=keras.regularizers.L2(0.5))])
    model.set_weights([np.ones((3, 1), np.float32), np.zeros(1, np.float32)])
    model.compile(optimizer="sgd", loss="mse")
    loss = model.evaluate(x, y, verbose=0, batch_size=16)
    np.testing.assert_allclose(loss, np.mean((x.sum(axis=1) - y) ** 2) + 0.5 * 3, rtol=1e-5)


def test_multi_output_functional_model_sums_weighted_losses_and_names_logs():
    inputs = keras.Input(shape=(3,))
    first = keras.layers.Dense(1, name="first", kernel_initializer="ones")(inputs)
    second = keras.layers.Dense(1, name="second", kernel_initializer="zeros")(inputs)
    model = keras.Model(inputs, [first, second])
    model.compile(optimizer="sgd", loss=["mse", "mae"], loss_weights=[1.0, 0.5], metrics=[["mae"], []])
    x, y = regression_data(8)
    logs = model.evaluate(x, [y, y], verbose=0, return_dict=True)
    assert logs.keys() == {"loss", "first_mae"}
    expected = np.mean((x.sum(axis=1) - y) ** 2) + 0.5 * np.mean(np.abs(y))
    np.testing.assert_allclose(logs["loss"], expected, rtol=1e-5)


def test_fit_before_compile_is_a_clear_error():
    with pytest.raises(RuntimeError, match="compile"):
        linear_model().fit(*regression_data(4), verbose=0)


def test_mismatched_sample_counts_are_a_clear_error():
    model = linear_model()
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="cardinality"):
        model.fit(np.zeros((4, 3)), np.zeros(5), verbose=0)


def test_progress_bar_prints_steps_and_metrics(capsys):
    x, y = regression_data(64)
    model = linear_model()
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    model.fit(x, y, epochs=1, batch_size=32, verbose=1)
    out = capsys.readouterr().out
    assert "Epoch" not in out and "2/2" in out and "loss:" in out and "mae:" in out   # Keras 3: no header for one epoch
    model.fit(x, y, epochs=2, batch_size=32, verbose=2)
    lines = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert lines[0] == "Epoch 1/2" and "loss:" in lines[1]


def test_initial_epoch_steps_per_epoch_and_tensor_inputs():
    x, y = regression_data(64)
    model = linear_model()
    model.compile(optimizer="sgd", loss="mse")
    seen = []
    counter = keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: seen.append(batch))
    history = model.fit(tg.constant(x, tg.float32), tg.constant(y, tg.float32), batch_size=16, epochs=4,
                        initial_epoch=2, steps_per_epoch=3, callbacks=[counter], verbose=0)
    assert history.epoch == [2, 3]
    assert seen == [0, 1, 2, 0, 1, 2]


def test_fit_on_a_dataset_takes_its_length_per_epoch_and_needs_steps_when_endless():
    x, y = regression_data(100)
    dataset = tg.data.Dataset.from_tensor_slices((x.astype(np.float32), y.astype(np.float32))).batch(16)
    model = linear_model()
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    batches = []
    counter = keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: batches.append(batch))
    history = model.fit(dataset, epochs=3, callbacks=[counter], verbose=0)
    assert batches == list(range(7)) * 3 and history.history["loss"][-1] < history.history["loss"][0]
    with pytest.raises(ValueError, match="steps_per_epoch"):
        model.fit(dataset.repeat(), epochs=1, verbose=0)
    assert len(model.fit(dataset.repeat(), epochs=2, steps_per_epoch=3, verbose=0).epoch) == 2


def test_fit_slices_and_shuffles_ragged_inputs():
    class RowSum(keras.layers.Layer):
        def build(self, input_shape):
            self.scale = self.add_weight(shape=(1,), initializer="ones")

        def call(self, x):
            return tg.expand_dims(tg.reduce_sum(x, axis=1), -1) * self.scale
    rows = [[1.0, 2.0], [3.0], [4.0, 5.0, 6.0], [], [0.5], [1.0, 1.0]]
    x = tg.ragged.constant(rows)
    y = np.array([[2 * sum(r)] for r in rows], np.float32)
    model = keras.Sequential([RowSum()])
    model.compile(optimizer=keras.optimizers.SGD(0.005), loss="mse")
    history = model.fit(x, y, batch_size=4, epochs=20, shuffle=True, validation_split=0.34, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    np.testing.assert_allclose(model.predict(x, batch_size=4, verbose=0).ravel(),
                               [sum(r) * float(model.layers[0].scale.numpy()[0]) for r in rows], rtol=1e-5)
