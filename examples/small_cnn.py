"""A small CNN (Conv2D -> MaxPooling2D -> Conv2D -> GlobalAveragePooling2D -> Dense) on synthetic
28x28 images, as the tutorials train on MNIST (which cannot be downloaded here): each class is a
noisy bar at its own angle. Run: `python examples/small_cnn.py`."""
import os

import numpy as np

import tracegraph as tf
from tracegraph import keras

EPOCHS = int(os.environ.get("EXAMPLE_EPOCHS", 5))
SAMPLES = int(os.environ.get("EXAMPLE_SAMPLES", 4096))
N_CLASSES = 10


def synthetic_images(n, seed=0):
    """`n` 28x28x1 images of bars at one of 10 angles (the label), with pixel noise."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, N_CLASSES, n)
    rows, cols = np.mgrid[0:28, 0:28] - 13.5
    angles = labels * np.pi / N_CLASSES
    distance = np.abs(rows[None] * np.cos(angles)[:, None, None] - cols[None] * np.sin(angles)[:, None, None])
    images = (distance < 2.0).astype(np.float32) + rng.normal(0, 0.3, (n, 28, 28)).astype(np.float32)
    return images[..., np.newaxis], labels.astype(np.int64)


def main():
    keras.utils.set_random_seed(42)
    x_train, y_train = synthetic_images(SAMPLES, seed=0)
    x_test, y_test = synthetic_images(SAMPLES // 8, seed=1)
    model = keras.Sequential([
        keras.layers.Conv2D(16, [3, 3], activation="relu", input_shape=(28, 28, 1)),
        keras.layers.MaxPooling2D(),
        keras.layers.Conv2D(16, [3, 3], activation="relu"),
        keras.layers.GlobalAveragePooling2D(),
        keras.layers.Dense(N_CLASSES),
    ])
    model.summary()
    print("Logits: ", model(x_train[0:1]).numpy())
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=3e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    history = model.fit(x_train, y_train, batch_size=64, epochs=EPOCHS, validation_split=0.1, verbose=2)
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"test accuracy: {accuracy:.3f}")
    return history, accuracy


if __name__ == "__main__":
    main()
