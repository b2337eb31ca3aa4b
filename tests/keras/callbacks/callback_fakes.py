"""A stand-in for a Keras model with the interface callbacks use, and a loop that drives callbacks as `fit` does."""
import numpy as np

import tracegraph as tg
from tracegraph.keras.callbacks import CallbackList
from tracegraph.keras.saving import load_weights, save_weights


class FakeOptimizer:
    """An optimizer whose `learning_rate` is a float32 Variable, settable with a float."""

    def __init__(self, learning_rate=0.01):
        self._learning_rate = tg.Variable(learning_rate, dtype=tg.float32)

    @property
    def learning_rate(self):
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self._learning_rate.assign(value)


class FakeModel:
    """`weights` as tg.Variables; `save_weights` writes the real weights file; `save` records its paths."""

    def __init__(self, name="fake_model"):
        self.name = name
        self.weights = [tg.Variable(np.zeros((2, 3), np.float32), name="dense/kernel"),
                        tg.Variable(np.zeros(3, np.float32), name="dense/bias")]
        self.stop_training = False
        self.optimizer = FakeOptimizer()
        self.saved = []

    def get_weights(self):
        return [w.numpy() for w in self.weights]

    def set_weights(self, arrays):
        for variable, array in zip(self.weights, arrays):
            variable.assign(array)

    def save_weights(self, filepath):
        save_weights(self, filepath)
        self.saved.append(filepath)

    def load_weights(self, filepath):
        load_weights(self, filepath)

    @property
    def trainable_variables(self):
        return list(self.weights)

    def save(self, filepath):
        with open(filepath, "w") as f:
            f.write(self.name)
        self.saved.append(filepath)


def fit(callbacks, epoch_logs, steps=2, model=None, verbose=0, batch_loss=None):
    """Drive `callbacks` through `len(epoch_logs)` epochs of `steps` batches, as Keras 3's `fit` loop does.

    Before epoch e's batches the weights are set to e, so a restore can be seen. Returns (model, history).
    """
    model = model or FakeModel()
    callback_list = CallbackList(callbacks, add_history=True, add_progbar=verbose != 0, model=model,
                                 verbose=verbose, epochs=len(epoch_logs), steps=steps)
    callback_list.on_train_begin()
    logs = None
    initial_epoch = getattr(model, "_initial_epoch", None) or 0  # Keras 3's BackupAndRestore protocol
    for epoch in range(initial_epoch, len(epoch_logs)):
        logs = epoch_logs[epoch]
        callback_list.on_epoch_begin(epoch)
        model.set_weights([np.full(w.shape, epoch, np.float32) for w in model.weights])
        for step in range(steps):
            callback_list.on_train_batch_begin(step)
            loss = batch_loss(epoch, step) if batch_loss else logs.get("loss", 0.0)
            callback_list.on_train_batch_end(step, {"loss": loss})
            if model.stop_training:
                break
        logs = dict(logs)
        callback_list.on_epoch_end(epoch, logs)
        if model.stop_training:
            break
    callback_list.on_train_end(logs)
    return model, model.history


def val_losses(values):
    """Epoch logs with the given `val_loss` values (and a `loss` one above each)."""
    return [{"loss": v + 1.0, "val_loss": v} for v in values]
