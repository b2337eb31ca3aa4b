"""The tutorials' custom training loop: GradientTape, an optimizer and a stateful metric replace
`fit`, on the housing regression. Run: `python examples/custom_training_loop.py`."""
import os
import sys

import numpy as np

import tracegraph as tf
from tracegraph import keras

sys.path.insert(0, os.path.dirname(__file__))
from housing_data import load_housing  # noqa: E402

EPOCHS = int(os.environ.get("EXAMPLE_EPOCHS", 10))
BATCH_SIZE = 32


def random_batch(x, y, batch_size=BATCH_SIZE):
    index = np.random.randint(0, len(x), size=batch_size)
    return x[index], y[index]


def main():
    (x_train, y_train), (x_valid, y_valid), _ = load_housing()
    steps_per_epoch = len(x_train) // BATCH_SIZE
    optimizer = keras.optimizers.SGD(learning_rate=3e-3)
    metric = keras.metrics.MeanSquaredError()
    model = keras.models.Sequential([
        keras.layers.Dense(30, activation="relu", input_shape=x_train.shape[1:]),
        keras.layers.Dense(1),
    ])

    @tf.function
    def train_step(x_batch, y_batch):
        with tf.GradientTape() as tape:
            y_pred = model(x_batch)
            y_pred = tf.squeeze(y_pred, 1)
            loss = tf.reduce_mean(keras.losses.mean_squared_error(y_batch, y_pred))
            metric(y_batch, y_pred)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))

    for epoch in range(EPOCHS):
        metric.reset_states()
        for _ in range(steps_per_epoch):
            train_step(*random_batch(x_train, y_train))
        y_valid_pred = tf.squeeze(model(x_valid), 1)
        valid_loss = tf.reduce_mean(keras.losses.mean_squared_error(y_valid_pred, y_valid))
        print(f"Epoch {epoch} train mse: {float(metric.result()):.4f}  valid mse: {float(valid_loss):.4f}")
    return float(metric.result()), float(valid_loss)


if __name__ == "__main__":
    main()
