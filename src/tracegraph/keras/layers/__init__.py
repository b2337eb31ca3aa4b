"""`keras.layers`: the layers, with Keras 3's names."""
from .base import Layer  # noqa: F401
from .input_layer import Input, InputLayer  # noqa: F401
