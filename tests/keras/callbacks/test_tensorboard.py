"""keras.callbacks.TensorBoard in a short `fit`, its files read back with TensorBoard's EventAccumulator.

The tags, steps and layout (train/, validation/) are those Keras 3.15's callback writes (checked
in TF 2.21's venv), except that epoch-level summaries are always recorded (see the callback's docstring).
"""
import json

import numpy as np
import pytest

pytest.importorskip("tensorboard", reason="the callback writes with TensorBoard's libraries (the tensorboard extra)")

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402
from tensorboard.plugins.graph import keras_util  # noqa: E402
from tensorboard.util import tensor_util  # noqa: E402

import tracegraph as tg  # noqa: E402
from tracegraph.keras.callbacks.callback import overrides  # noqa: E402

keras = tg.keras


def read(logdir):
    accumulator = EventAccumulator(str(logdir), size_guidance={"tensors": 0})
    accumulator.Reload()
    return accumulator


def steps(run, tag):
    return [event.step for event in run.Tensors(tag)]


def scalars(run, tag):
    return [float(tensor_util.make_ndarray(event.tensor_proto)) for event in run.Tensors(tag)]


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype("float32")
    return x, (x.sum(axis=1, keepdims=True) > 0).astype("float32")


def model():
    net = keras.Sequential([keras.layers.Input((4,)), keras.layers.Dense(3, activation="relu", name="hidden"),
                            keras.layers.Dense(1, activation="sigmoid", name="out")], name="net")
    net.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    return net


def test_epoch_and_batch_scalars_histograms_images_and_the_graph(tmp_path, data):
    x, y = data
    net = model()
    callback = keras.callbacks.TensorBoard(tmp_path, histogram_freq=2, update_freq=2, write_images=True)
    history = net.fit(x, y, batch_size=16, epochs=3, validation_split=0.25, verbose=0, callbacks=[callback])
    train, validation = read(tmp_path / "train"), read(tmp_path / "validation")
    # 48 training samples in batches of 16: 3 batches an epoch, numbered 1..9 over the run
    assert steps(train, "batch_loss") == [2, 4, 6, 8] and steps(train, "batch_accuracy") == [2, 4, 6, 8]
    assert steps(train, "epoch_loss") == [0, 1, 2]
    np.testing.assert_allclose(scalars(train, "epoch_loss"), history.history["loss"], rtol=1e-6)
    np.testing.assert_allclose(scalars(train, "epoch_accuracy"), history.history["accuracy"], rtol=1e-6)
    np.testing.assert_allclose(scalars(train, "epoch_learning_rate"), [0.001] * 3, rtol=1e-6)
    np.testing.assert_allclose(scalars(validation, "epoch_loss"), history.history["val_loss"], rtol=1e-6)
    assert steps(validation, "evaluation_loss_vs_iterations") == [3, 6, 9]  # the optimizer's iterations
    assert steps(train, "hidden/kernel/histogram") == [0, 2]
    kernel = net.layers[0].kernel.numpy()
    buckets = tensor_util.make_ndarray(train.Tensors("hidden/kernel/histogram")[-1].tensor_proto)
    assert buckets[:, 2].sum() == kernel.size and buckets[0, 0] == kernel.min() and buckets[-1, 1] == kernel.max()
    assert "hidden/bias/image" in train.Tags()["tensors"]
    graph = train.Graph()
    ops = {node.op for node in graph.node}
    assert {"matmul", "assign_variable", "Placeholder", "VarHandleOp"} <= ops
    assert "graph" not in validation.Tags() or not validation.Tags()["graph"]
    # the conceptual graph: the model's JSON, which TensorBoard's own converter reads
    assert train.SummaryMetadata("keras").plugin_data.plugin_name == "graph_keras_model"
    config = json.loads(tensor_util.make_ndarray(train.Tensors("keras")[0].tensor_proto).item())
    conceptual = keras_util.keras_model_to_graph_def(config)
    assert [node.name for node in conceptual.node] == ["net/hidden", "net/out"]


def test_epoch_updates_add_no_batch_hooks_and_no_batch_summaries(tmp_path, data):
    x, y = data
    callback = keras.callbacks.TensorBoard(tmp_path, write_graph=False)
    assert not overrides(callback, "on_train_batch_end") and not overrides(callback, "on_train_batch_begin")
    model().fit(x, y, batch_size=32, epochs=2, verbose=0, callbacks=[callback])
    train = read(tmp_path / "train")
    assert sorted(train.Tags()["tensors"]) == ["epoch_accuracy", "epoch_learning_rate", "epoch_loss"]
    assert not train.Tags()["graph"]
    assert not (tmp_path / "validation").exists()


def test_evaluate_writes_the_results_against_iterations(tmp_path, data):
    x, y = data
    net = model()
    net.fit(x, y, batch_size=32, epochs=1, verbose=0)
    loss, accuracy = net.evaluate(x, y, verbose=0, callbacks=[keras.callbacks.TensorBoard(tmp_path)])
    validation = read(tmp_path / "validation")
    assert steps(validation, "evaluation_loss_vs_iterations") == [2]
    np.testing.assert_allclose(scalars(validation, "evaluation_accuracy_vs_iterations"), [accuracy], rtol=1e-6)


def test_summaries_a_model_writes_go_to_the_train_writer_at_the_batch_step(tmp_path, data):
    x, y = data

    class Logged(keras.layers.Layer):
        def call(self, inputs):
            tg.summary.scalar("mean_input", tg.reduce_mean(inputs))
            return inputs

    net = keras.Sequential([keras.layers.Input((4,)), Logged(), keras.layers.Dense(1)])
    net.compile("sgd", "mse")
    net.fit(x, y, batch_size=32, epochs=2, verbose=0, shuffle=False,
            callbacks=[keras.callbacks.TensorBoard(tmp_path, update_freq="batch", write_graph=False)])
    train = read(tmp_path / "train")
    assert steps(train, "mean_input") == [1, 2, 3, 4]
    np.testing.assert_allclose(scalars(train, "mean_input")[:2], [x[:32].mean(), x[32:].mean()], rtol=1e-5)


def test_unsupported_options_are_errors(tmp_path):
    with pytest.raises(ValueError, match="profil"):
        keras.callbacks.TensorBoard(tmp_path, profile_batch=2)
    with pytest.raises(ValueError, match="update_freq"):
        keras.callbacks.TensorBoard(tmp_path, update_freq="sometimes")
