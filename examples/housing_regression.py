"""The tutorials' regression: an 8 -> 30 (relu) -> 1 network on California housing, trained with
`fit` and EarlyStopping, with the tutorial's own loss function. Run: `python examples/housing_regression.py`."""
import os
import sys

import tracegraph as tf
from tracegraph import keras

sys.path.insert(0, os.path.dirname(__file__))
from housing_data import load_housing  # noqa: E402

EPOCHS = int(os.environ.get("EXAMPLE_EPOCHS", 30))


def customized_mse(y_true, y_pred):
    return tf.reduce_mean(tf.square(y_pred - y_true))


def main():
    (x_train, y_train), (x_valid, y_valid), (x_test, y_test) = load_housing()
    model = keras.models.Sequential([
        keras.layers.Dense(30, activation="relu", input_shape=x_train.shape[1:]),
        keras.layers.Dense(1),
    ])
    model.summary()
    model.compile(loss=customized_mse, optimizer="sgd", metrics=["mean_squared_error"])
    callbacks = [keras.callbacks.EarlyStopping(patience=5, min_delta=1e-3)]
    history = model.fit(x_train, y_train, validation_data=(x_valid, y_valid), epochs=EPOCHS,
                        callbacks=callbacks, verbose=2)
    test_loss = model.evaluate(x_test, y_test, verbose=0)
    print(f"epochs run: {len(history.epoch)}, final val_loss: {history.history['val_loss'][-1]:.4f}, "
          f"test loss: {test_loss[0]:.4f}")
    return history, test_loss


if __name__ == "__main__":
    main()
