"""`keras.models.clone_model` and `model_from_json`: a model made again from its architecture."""
import json

from ..saving.model_file import deserialize_layer, serialize_layer

__all__ = ["clone_model", "model_from_json"]


def clone_model(model, input_tensors=None, clone_function=None, custom_objects=None):
    """A new model with `model`'s architecture and fresh weights (layers are not shared).

    Sequential and functional models are rebuilt from their configs, subclassed ones from their
    constructor arguments; `clone_function(layer)` may give the copy of each layer of a Sequential.
    """
    if input_tensors is not None:
        raise NotImplementedError("clone_model(input_tensors=...) is not supported; clone, then call the "
                                  "clone on the tensors")
    entry = serialize_layer(model)
    if clone_function is not None and hasattr(model, "add") and "layers" in entry["config"]:
        clone = deserialize_layer({**entry, "config": {**entry["config"], "layers": []}}, custom_objects)
        for layer in model.layers:
            clone.add(clone_function(layer))
        return clone
    return deserialize_layer(entry, custom_objects)


def model_from_json(json_string, custom_objects=None):
    """The model (without weights) that `model.to_json()` described."""
    return deserialize_layer(json.loads(json_string), custom_objects)
