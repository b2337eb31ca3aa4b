"""Functional models: `keras.Model(inputs, outputs)` replays the layer calls recorded on KerasTensors."""
from ... import nest
from ..keras_tensor import KerasTensor
from ..layers.input_layer import InputLayer
from .model import Model, register_functional

__all__ = ["Functional"]


def _nodes_between(inputs, outputs):
    """The layer calls from `inputs` to `outputs`, each after the calls that feed it."""
    ordered, visited = [], set()
    input_ids = {id(x) for x in inputs}

    def visit(tensor):
        node = tensor.node
        if node is None or id(node) in visited:
            return
        visited.add(id(node))
        if id(tensor) not in input_ids:
            for parent in node.input_tensors:
                visit(parent)
        ordered.append(node)

    for output in outputs:
        visit(output)
    for tensor in inputs:
        if id(tensor.node) not in visited:
            ordered.insert(0, tensor.node)
    return ordered


class Functional(Model):
    """A model defined by its symbolic `inputs` and `outputs` (lists and dicts of them allowed)."""

    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        super().__init__(name=name, trainable=trainable, **kwargs)
        self._input_structure = inputs
        self._output_structure = outputs
        self.inputs = nest.flatten(inputs)
        self.outputs = nest.flatten(outputs)
        for tensor in self.inputs + self.outputs:
            if not isinstance(tensor, KerasTensor):
                raise ValueError(f"A functional model's inputs and outputs must be KerasTensors "
                                 f"(from keras.Input and layer calls), got {tensor!r}")
        self._nodes = _nodes_between(self.inputs, self.outputs)
        self._layers = []
        for node in self._nodes:
            if node.layer not in self._layers:
                self._layers.append(node.layer)
        self.built = True

    @property
    def layers(self):
        """The model's layers in call order, its InputLayers first."""
        return list(self._layers)

    @property
    def input_shape(self):
        """The input's shape (a list of shapes for several inputs)."""
        shapes = [x.shape for x in self.inputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        """The output's shape (a list of shapes for several outputs)."""
        shapes = [x.shape for x in self.outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    def call(self, inputs, training=None):
        values = dict(zip(map(id, self.inputs), self._flat_inputs(inputs)))
        for node in self._nodes:
            if isinstance(node.layer, InputLayer):
                continue
            args, kwargs = nest.map_structure(
                lambda x: values[id(x)] if isinstance(x, KerasTensor) else x, (node.args, node.kwargs))
            outputs = node.layer(*args, **kwargs)
            values.update(zip(map(id, node.output_tensors), nest.flatten(outputs)))
        return nest.pack_sequence_as(self._output_structure, [values[id(x)] for x in self.outputs])

    def _flat_inputs(self, inputs):
        """The call's inputs in the order of `self.inputs` (dicts matched by input name)."""
        if isinstance(inputs, dict) and not isinstance(self._input_structure, dict):
            return [inputs[x.name] for x in self.inputs]
        flat = nest.flatten(inputs)
        if len(flat) != len(self.inputs):
            raise ValueError(f"Model '{self.name}' expects {len(self.inputs)} input(s), "
                             f"but it received {len(flat)} input tensors.")
        return flat

    def _maybe_build(self, inputs):
        self.built = True

    def layer_output_shapes(self):
        """Each layer's output shape(s), for `summary`."""
        shapes = {}
        for node in self._nodes:
            outputs = [t.shape for t in node.output_tensors]
            shapes[id(node.layer)] = outputs[0] if len(outputs) == 1 else outputs
        return shapes

    def get_config(self):
        config = {"name": self.name, "trainable": self.trainable, "layers": [], "input_layers": [],
                  "output_layers": []}
        tensor_ids = {}
        for node in self._nodes:
            for position, tensor in enumerate(node.output_tensors):
                tensor_ids[id(tensor)] = [node.layer.name, position]
        for layer in self._layers:
            nodes = [n for n in self._nodes if n.layer is layer]
            config["layers"].append({
                "class_name": type(layer).__name__, "name": layer.name, "config": layer.get_config(),
                "inbound_nodes": [nest.map_structure(
                    lambda x: {"__keras_tensor__": tensor_ids[id(x)]} if isinstance(x, KerasTensor) else x,
                    [list(n.args), n.kwargs]) for n in nodes if not isinstance(layer, InputLayer)]})
        config["input_layers"] = [tensor_ids[id(x)] for x in self.inputs]
        config["output_layers"] = [tensor_ids[id(x)] for x in self.outputs]
        return config


register_functional(Functional)
