"""`keras.optimizers`: Keras 3's optimizers, their learning rate schedules, and `get`,
`serialize`, `deserialize` by name or config."""
from . import schedules  # noqa: F401
from .adagrad import Adadelta, Adagrad
from .adam import Adam, AdamW
from .adamax import Adamax, Nadam
from .base import Optimizer
from .ftrl import Ftrl
from .rmsprop import RMSprop
from .serialization import deserialize_object, serialize_object
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "Nadam", "Ftrl",
           "schedules", "get", "serialize", "deserialize"]

_OPTIMIZERS = {cls.__name__: cls for cls in (SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, Nadam, Ftrl)}


def serialize(optimizer):
    """The optimizer as Keras 3 serializes it: `{"module", "class_name", "config", "registered_name"}`."""
    return serialize_object(optimizer, "keras.optimizers")


def deserialize(config, custom_objects=None):
    """The optimizer a dict from `serialize` (or `{"class_name", "config"}`) describes."""
    return deserialize_object(config, _OPTIMIZERS, "optimizer", custom_objects)


def get(identifier):
    """An optimizer from an instance (returned as is), a name (`"adam"`, `"SGD"`, ...) or a
    config dict."""
    if identifier is None:
        return None
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    raise ValueError(f"Could not interpret optimizer identifier: {identifier}")
