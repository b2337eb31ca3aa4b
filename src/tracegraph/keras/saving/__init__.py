"""`keras.saving`: tracegraph's weights file (`save_weights`, `load_weights`) and model file
(`save_model`, `load_model`), and the registry of classes a saved config can name."""
from .model_file import load_model, save_model  # noqa: F401
from .object_registry import get_registered_class, get_registered_name, register_keras_serializable  # noqa: F401
from .weights_file import WEIGHTS_SUFFIX, load_weights, read_weights, save_weights

__all__ = ["save_weights", "load_weights", "read_weights", "WEIGHTS_SUFFIX", "save_model", "load_model",
           "register_keras_serializable", "get_registered_class", "get_registered_name"]
