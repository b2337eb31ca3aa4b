"""`keras.layers`: the layers, with Keras 3's names."""
from .base import Layer  # noqa: F401
