"""`keras.models`: Model, Sequential and the functional API."""
from .model import Model  # noqa: F401
from .functional import Functional  # noqa: F401
from .sequential import Sequential  # noqa: F401
