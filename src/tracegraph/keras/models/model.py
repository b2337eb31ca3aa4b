"""`keras.Model`: a layer that trains. `Model(inputs, outputs)` makes a functional model; a subclass
defines its layers in `__init__` and its computation in `call`."""
from ..layers.base import Layer
import json
import os

from ... import saved_model
from ...ops import creation
from ..saving import model_file, weights_file
from ..trainers.trainer import Trainer
from . import summary as summary_module

__all__ = ["Model", "register_functional"]

_functional = []


def register_functional(cls):
    """Record the functional model class that `Model(inputs, outputs)` makes."""
    _functional[:] = [cls]


class Model(Trainer, Layer):
    """A layer with `compile`/`fit`/`evaluate`/`predict`, `summary` and weight files (Keras 3's Model)."""

    def __new__(cls, *args, **kwargs):
        if cls is Model and (args or "inputs" in kwargs or "outputs" in kwargs):
            cls = _functional[0]
        return super().__new__(cls, *args, **kwargs)

    def __init__(self, *args, **kwargs):
        trainable = kwargs.pop("trainable", True)
        name = kwargs.pop("name", None)
        dtype = kwargs.pop("dtype", None)
        Layer.__init__(self, trainable=trainable, name=name, dtype=dtype, **kwargs)
        self._init_trainer()

    def build(self, input_shape):
        """A subclassed model builds its layers on its first call."""
        self.built = True

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
        """Print a table of the layers, their output shapes and parameter counts."""
        if not self.built:
            raise ValueError(f"Model '{self.name}' has not yet been built. Build the model first by calling "
                             "`build()` or by calling the model on a batch of data.")
        summary_module.print_summary(self, print_fn=print_fn or print)

    def get_layer(self, name=None, index=None):
        """The layer with this `name`, or at this `index` of `layers`."""
        if index is not None and name is not None:
            raise ValueError("Provide only a layer name or a layer index. Received: "
                             f"index={index}, name={name}.")
        if index is not None:
            if len(self.layers) <= index:
                raise ValueError(f"Was asked to retrieve layer at index {index} but model only has "
                                 f"{len(self.layers)} layers.")
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name}. Existing layers are: {[layer.name for layer in self.layers]}.")

    def save_weights(self, filepath, overwrite=True):
        """Write `weights` to `filepath` in tracegraph's weights format (docs/formats/keras_weights.md)."""
        weights_file.save_weights(self, filepath)

    def to_json(self, **kwargs):
        """The model's architecture (no weights) as a JSON string; `keras.models.model_from_json` reads it."""
        return json.dumps(model_file.serialize_layer(self), **kwargs)

    def save(self, filepath, overwrite=True, include_optimizer=True, save_format=None, signatures=None):
        """Write the whole model (config, weights, compile settings, optimizer state) to a `.keras`
        file in tracegraph's model format (docs/formats/keras_model.md).

        `save_format="tf"` (TF 2's tf.keras, as the tutorials' deployment chapter uses it) exports
        a SavedModel directory for serving instead: see `export`.
        """
        if save_format == "tf":
            self.export(filepath, signatures=signatures)
            return
        if save_format not in (None, "keras"):
            raise ValueError(f"save: `save_format` must be 'keras' or 'tf' (a SavedModel), got {save_format!r}")
        model_file.save_model(self, filepath, include_optimizer=include_optimizer)

    def export(self, filepath, format="tf_saved_model", signatures=None):  # noqa: A002 - Keras's argument name
        """Write the model's inference function (its call, `training=False`) as a SavedModel directory
        (docs/formats/saved_model.md), which `tg.saved_model.load`, `tracegraph serve` and
        `tracegraph.spark` read; `signatures` as `tg.saved_model.save` takes them."""
        if format != "tf_saved_model":
            raise ValueError(f"export: only format='tf_saved_model' is supported, got {format!r}")
        saved_model.save(self, os.fspath(filepath), signatures=signatures)

    def build_from_shape(self, input_shape):
        """Create the weights by calling the model once on zeros of `input_shape` (batch None -> 1)."""
        shapes = input_shape if isinstance(input_shape, list) else [input_shape]
        inputs = [creation.zeros([1 if d is None else d for d in shape]) for shape in shapes]
        self(inputs if isinstance(input_shape, list) else inputs[0])

    def load_weights(self, filepath, skip_mismatch=False):
        """Assign the weights stored in `filepath` (written by `save_weights`)."""
        weights_file.load_weights(self, filepath)
