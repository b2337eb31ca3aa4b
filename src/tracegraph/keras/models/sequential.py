"""`keras.Sequential`: a model that calls its layers one after another."""
from ..keras_tensor import KerasTensor
from ..layers.base import Layer
from ..layers.input_layer import Input, InputLayer
from ..saving.model_file import deserialize_layer, serialize_layer
from .model import Model

__all__ = ["Sequential"]


class Sequential(Model):
    """A stack of layers, each taking the previous one's output (Keras 3's `keras.Sequential`).

    The input shape comes from `keras.Input(...)` as the first entry, from `input_shape=` on the
    first layer, or from the first call; with it the model is built at once (for `summary`).
    """

    def __init__(self, layers=None, trainable=True, name=None):
        super().__init__(trainable=trainable, name=name)
        self._layers = []
        self._input_batch_shape = None
        self._output_shapes = {}
        for layer in layers or ():
            self.add(layer, rebuild=False)
        self._build_from_known_shape()

    def add(self, layer, rebuild=True):
        """Append `layer` (a `keras.Input` as the first entry gives the input shape)."""
        if isinstance(layer, KerasTensor):
            layer = layer.node.layer
        if isinstance(layer, InputLayer):
            if self._layers:
                raise ValueError("An Input can only be the first entry of a Sequential model")
            self._input_batch_shape = layer.batch_shape
            return
        if not isinstance(layer, Layer):
            raise TypeError(f"Only instances of `keras.Layer` can be added to a Sequential model. "
                            f"Received: {layer!r} (of type {type(layer).__name__})")
        if any(existing.name == layer.name for existing in self._layers):
            raise ValueError(f"All layers added to a Sequential model should have unique names. "
                             f"Name '{layer.name}' is already the name of a layer in this model.")
        if not self._layers and self._input_batch_shape is None:
            self._input_batch_shape = layer._batch_input_shape
        self._layers.append(layer)
        self.built = False
        if rebuild:
            self._build_from_known_shape()

    def pop(self):
        """Remove and return the last layer."""
        layer = self._layers.pop()
        self.built = False
        self._build_from_known_shape()
        return layer

    @property
    def layers(self):
        """The model's layers, in order (without an input layer)."""
        return list(self._layers)

    def _build_from_known_shape(self):
        if self._input_batch_shape is not None and self._layers:
            self.build(self._input_batch_shape)

    def build(self, input_shape=None):
        """Build every layer by calling the stack on a symbolic input of `input_shape`."""
        input_shape = tuple(input_shape if input_shape is not None else self._input_batch_shape)
        self._input_batch_shape = self._build_input_shape = input_shape
        x = Input(batch_shape=input_shape)
        self.inputs = [x]
        for layer in self._layers:
            x = layer(x)
            self._output_shapes[id(layer)] = x.shape
        self.outputs = [x]
        self.built = True

    def _maybe_build(self, inputs):
        """On a first call with data, build for its shape with the batch dimension left unknown."""
        if self.built:
            return
        if isinstance(inputs, dict):  # a dict of features (DenseFeatures first): build by calling on the batch
            x = inputs
            for layer in self._layers:
                x = layer(x)
                self._output_shapes[id(layer)] = (None,) + tuple(x.shape)[1:]
            self.built = True
            return
        shape = tuple(inputs.shape.as_list()) if hasattr(inputs.shape, "as_list") else tuple(inputs.shape)
        self.build((None,) + shape[1:])

    def call(self, inputs, training=None):
        x = inputs
        for layer in self._layers:
            x = layer(x)
        return x

    @property
    def input_shape(self):
        """The input's shape, with None for the batch dimension."""
        if self._input_batch_shape is None:
            raise AttributeError(f"Sequential model '{self.name}' has no defined input shape yet.")
        return self._input_batch_shape

    @property
    def output_shape(self):
        """The last layer's output shape."""
        if not self.built:
            raise AttributeError(f"Sequential model '{self.name}' has no defined output shape yet.")
        return self._output_shapes[id(self._layers[-1])]

    def layer_output_shapes(self):
        """Each layer's output shape, for `summary`."""
        return dict(self._output_shapes)

    def get_config(self):
        config = {"name": self.name, "trainable": self.trainable, "layers": []}
        if self._input_batch_shape is not None:
            config["batch_input_shape"] = self._input_batch_shape
        config["layers"] = [serialize_layer(layer) for layer in self._layers]
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=True):
        """A Sequential model rebuilt from `get_config()` (built if the input shape was known)."""
        model = cls(name=config.get("name"), trainable=config.get("trainable", True),
                    layers=[deserialize_layer(entry, custom_objects, safe_mode) for entry in config["layers"]])
        if config.get("batch_input_shape") is not None and not model.built:
            model.build(tuple(config["batch_input_shape"]))
        return model
