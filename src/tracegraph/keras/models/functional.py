"""Functional models: `keras.Model(inputs, outputs)` replays the layer calls recorded on KerasTensors."""
from ... import nest
from ..keras_tensor import KerasTensor
from ..layers.input_layer import InputLayer
from ..saving.model_file import deserialize_layer, serialize_layer
from .model import Model, register_functional

__all__ = ["Functional"]


def _nodes_between(inputs, outputs):
    """The layer calls from `inputs` to `outputs`: the inputs' own nodes first (in input order, as
    Keras lists InputLayers first), then each call after the calls that feed it."""
    ordered = [tensor.node for tensor in inputs]
    visited = {id(node) for node in ordered}

    def visit(tensor):
        node = tensor.node
        if node is None or id(node) in visited:
            return
        visited.add(id(node))
        for parent in node.input_tensors:
            visit(parent)
        ordered.append(node)

    for output in outputs:
        visit(output)
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
        """The layers' configs and the calls between them, in call order (tracegraph's own layout:
        a tensor is referred to as `[node index, output index]`)."""
        positions = {}
        for node_index, node in enumerate(self._nodes):
            for output_index, tensor in enumerate(node.output_tensors):
                positions[id(tensor)] = [node_index, output_index]

        def reference(value):
            return {"__keras_tensor__": positions[id(value)]} if isinstance(value, KerasTensor) else value
        nodes = [{"layer": self._layers.index(node.layer),
                  "args": nest.map_structure(reference, list(node.args)),
                  "kwargs": nest.map_structure(reference, node.kwargs)} for node in self._nodes]
        return {"name": self.name, "trainable": self.trainable,
                "layers": [serialize_layer(layer) for layer in self._layers], "nodes": nodes,
                "inputs": nest.map_structure(lambda t: positions[id(t)], _as_lists(self._input_structure)),
                "outputs": nest.map_structure(lambda t: positions[id(t)], _as_lists(self._output_structure))}

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=True):
        """The functional model `get_config` described: the layers made again and called again."""
        layers = [deserialize_layer(entry, custom_objects, safe_mode) for entry in config["layers"]]
        outputs_of_nodes = []

        def resolve(value):
            if isinstance(value, dict) and "__keras_tensor__" in value:
                node_index, output_index = value["__keras_tensor__"]
                return outputs_of_nodes[node_index][output_index]
            return value
        for node in config["nodes"]:
            layer = layers[node["layer"]]
            if isinstance(layer, InputLayer):
                outputs_of_nodes.append([layer.output])
                continue
            args = _map_references(resolve, node["args"])
            kwargs = _map_references(resolve, node["kwargs"])
            outputs_of_nodes.append(nest.flatten(layer(*args, **kwargs)))

        def tensor_at(position):
            return outputs_of_nodes[position[0]][position[1]]
        return cls(_map_positions(tensor_at, config["inputs"]), _map_positions(tensor_at, config["outputs"]),
                   name=config.get("name"), trainable=config.get("trainable", True))


def _as_lists(structure):
    """Tuples as lists, so a structure survives JSON."""
    if isinstance(structure, (list, tuple)):
        return [_as_lists(x) for x in structure]
    if isinstance(structure, dict):
        return {k: _as_lists(v) for k, v in structure.items()}
    return structure


def _map_references(resolve, structure):
    """`structure` with each `{"__keras_tensor__": ...}` entry replaced by its tensor."""
    if isinstance(structure, dict) and "__keras_tensor__" not in structure:
        return {k: _map_references(resolve, v) for k, v in structure.items()}
    if isinstance(structure, list):
        return [_map_references(resolve, x) for x in structure]
    return resolve(structure)


def _map_positions(tensor_at, structure):
    """A saved inputs/outputs structure with each `[node, output]` pair replaced by its tensor."""
    if isinstance(structure, list) and len(structure) == 2 and all(isinstance(x, int) for x in structure):
        return tensor_at(structure)
    if isinstance(structure, dict):
        return {k: _map_positions(tensor_at, v) for k, v in structure.items()}
    return [_map_positions(tensor_at, x) for x in structure]


register_functional(Functional)
