"""The tutorials' custom layers: a hand-written dense layer (build/call/add_weight) and a Lambda
softplus, trained on the housing regression. Run: `python examples/custom_layer.py`."""
import os
import sys

import tracegraph as tf
from tracegraph import keras

sys.path.insert(0, os.path.dirname(__file__))
from housing_data import load_housing  # noqa: E402

EPOCHS = int(os.environ.get("EXAMPLE_EPOCHS", 20))


class CustomizedDenseLayer(keras.layers.Layer):
    def __init__(self, units, activation=None, **kwargs):
        self.units = units
        self.activation = keras.layers.Activation(activation)
        super(CustomizedDenseLayer, self).__init__(**kwargs)

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[1], self.units),
                                      initializer="uniform", trainable=True)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros", trainable=True)
        super(CustomizedDenseLayer, self).build(input_shape)

    def call(self, x):
        return self.activation(x @ self.kernel + self.bias)


def main():
    (x_train, y_train), (x_valid, y_valid), (x_test, y_test) = load_housing()
    customized_softplus = keras.layers.Lambda(lambda x: tf.nn.softplus(x))
    model = keras.models.Sequential([
        CustomizedDenseLayer(30, activation="relu", input_shape=x_train.shape[1:]),
        CustomizedDenseLayer(1),
        customized_softplus,
    ])
    model.summary()
    model.compile(loss="mean_squared_error", optimizer="sgd")
    callbacks = [keras.callbacks.EarlyStopping(patience=5, min_delta=1e-3)]
    history = model.fit(x_train, y_train, validation_data=(x_valid, y_valid), epochs=EPOCHS,
                        callbacks=callbacks, verbose=2)
    test_loss = model.evaluate(x_test, y_test, verbose=0)
    print(f"test loss: {test_loss:.4f}")
    return history, test_loss


if __name__ == "__main__":
    main()
