"""Keras's object names: snake case of the class name, made unique per session (`precision`, `precision_1`)."""
import re

from .. import backend

__all__ = ["to_snake_case", "auto_name", "object_name"]


def to_snake_case(name):
    """`MeanSquaredError` -> `mean_squared_error` (Keras's rule: non-word characters dropped)."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def auto_name(prefix):
    """A fresh name from a class name; the counter is the one layer names use (`keras.backend`)."""
    return backend.unique_object_name(to_snake_case(prefix))


def object_name(obj):
    """The name Keras shows for a loss or metric: its `name`, or a function's snake-cased name."""
    if hasattr(obj, "name"):
        return obj.name
    if hasattr(obj, "__name__"):
        return to_snake_case(obj.__name__)
    return to_snake_case(type(obj).__name__)
