"""Symbolic values of the functional API: `keras.Input` makes one, calling a layer on one makes more.

A KerasTensor holds only a shape and dtype, and the `Node` (layer call) that produced it, so a
functional model can find its layers by walking back from its outputs and replay the calls.
"""
from .. import dtypes, nest
from ..shape import TensorShape
from ..spec import TensorSpec

__all__ = ["KerasTensor", "Node", "any_keras_tensor"]


class Node:
    """One call of `layer` on symbolic arguments: `layer(*args, **kwargs)` gave `outputs`."""

    def __init__(self, layer, args, kwargs, outputs):
        self.layer = layer
        self.args = args
        self.kwargs = kwargs
        self.outputs = outputs

    @property
    def input_tensors(self):
        """The KerasTensors among the call's arguments, in order."""
        return [x for x in nest.flatten((self.args, self.kwargs)) if isinstance(x, KerasTensor)]

    @property
    def output_tensors(self):
        """The call's outputs, flat."""
        return nest.flatten(self.outputs)


class KerasTensor:
    """A placeholder of known `shape` (None for the batch and unknown sizes) and `dtype`."""

    def __init__(self, shape, dtype="float32", name=None, node=None):
        self.shape = tuple(TensorShape(shape).as_list()) if shape is not None else None
        self.dtype = dtypes.as_dtype(dtype)
        self.name = name
        self.node = node

    @property
    def ndim(self):
        """The rank."""
        return len(self.shape)

    def spec(self):
        """The TensorSpec a traced call receives for this placeholder."""
        return TensorSpec(self.shape, self.dtype, name=self.name)

    def __repr__(self):
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype.name}, name={self.name}>"

    def __bool__(self):
        raise TypeError("A symbolic KerasTensor has no truth value: it stands for data that comes "
                        "when the model is called")


def any_keras_tensor(structure):
    """True if some leaf of `structure` is a KerasTensor."""
    return any(isinstance(x, KerasTensor) for x in nest.flatten(structure))
