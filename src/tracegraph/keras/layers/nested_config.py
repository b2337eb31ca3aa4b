"""The config of a layer held by another (an RNN's cell, a wrapper's layer), as Keras 3 writes it:
`{"module", "class_name", "config", "registered_name"}`, and the layer rebuilt from it."""
import copy
import inspect

from ..saving.object_registry import get_registered_class, get_registered_name

__all__ = ["serialize_layer", "deserialize_layer"]


def serialize_layer(layer):
    """The nested config of `layer`."""
    return {"module": "keras.layers", "class_name": get_registered_name(layer), "config": layer.get_config(),
            "registered_name": None}


def deserialize_layer(entry, custom_objects=None):
    """The layer (unbuilt) a `serialize_layer` entry describes; a layer passes through unchanged."""
    if not isinstance(entry, dict):
        return entry
    cls = get_registered_class(entry["class_name"], custom_objects)
    config = copy.deepcopy(entry["config"])
    if "custom_objects" in inspect.signature(cls.from_config).parameters:
        return cls.from_config(config, custom_objects=custom_objects)
    return cls.from_config(config)
