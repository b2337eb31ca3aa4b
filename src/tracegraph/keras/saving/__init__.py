"""`keras.saving`: tracegraph's weights file (`save_weights`, `load_weights`)."""
from .weights_file import WEIGHTS_SUFFIX, load_weights, read_weights, save_weights

__all__ = ["save_weights", "load_weights", "read_weights", "WEIGHTS_SUFFIX"]
