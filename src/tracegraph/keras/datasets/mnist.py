"""`keras.datasets.mnist`: the MNIST digits, downloaded once (as Keras does) and read from the cache."""
import numpy as np

from ..utils.file_utils import get_file

__all__ = ["load_data", "ORIGIN", "FILE_HASH"]

#: Where Keras downloads MNIST from, and the file's sha256 (Keras's own constants).
ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
FILE_HASH = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"


def load_data(path="mnist.npz"):
    """`(x_train, y_train), (x_test, y_test)`: uint8 images [n, 28, 28] and uint8 labels 0-9.

    The file is cached as `$KERAS_HOME/datasets/<path>` (default `~/.keras/datasets/mnist.npz`,
    shared with Keras) and checked against its sha256 before use.
    """
    path = get_file(fname=path, origin=ORIGIN, file_hash=FILE_HASH)
    with np.load(path, allow_pickle=False) as data:
        return (data["x_train"], data["y_train"]), (data["x_test"], data["y_test"])
