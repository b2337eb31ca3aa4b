"""Keras's object names: snake case of the class name, made unique per process (`mean`, `mean_1`)."""
import collections
import re

__all__ = ["to_snake_case", "auto_name", "uniquify", "object_name"]

_uids = collections.defaultdict(int)


def to_snake_case(name):
    """`MeanSquaredError` -> `mean_squared_error` (Keras's rule: non-word characters dropped)."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def uniquify(name):
    """`name` the first time, then `name_1`, `name_2`, ... (one counter per name, as Keras)."""
    unique = f"{name}_{_uids[name]}" if name in _uids else name
    _uids[name] += 1
    return unique


def auto_name(prefix):
    """A fresh unique name from a class name."""
    return uniquify(to_snake_case(prefix))


def object_name(obj):
    """The name Keras shows for a loss or metric: its `name`, or a function's snake-cased name."""
    if hasattr(obj, "name"):
        return obj.name
    if hasattr(obj, "__name__"):
        return to_snake_case(obj.__name__)
    return to_snake_case(type(obj).__name__)
