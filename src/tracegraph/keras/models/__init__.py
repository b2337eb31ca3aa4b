"""`keras.models`: Model, Sequential, the functional API, and loading saved models."""
from ..saving import load_model, save_model  # noqa: F401
from .cloning import clone_model, model_from_json  # noqa: F401
from .functional import Functional  # noqa: F401
from .model import Model  # noqa: F401
from .sequential import Sequential  # noqa: F401
