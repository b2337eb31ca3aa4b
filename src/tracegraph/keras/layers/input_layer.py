"""`keras.Input` and `InputLayer`: where a functional model's data enters."""
from .. import backend
from ..keras_tensor import KerasTensor, Node
from .base import Layer

__all__ = ["Input", "InputLayer"]


class InputLayer(Layer):
    """The layer that stands for a model input of `batch_shape` (its call is the identity)."""

    def __init__(self, shape=None, batch_size=None, dtype=None, batch_shape=None, name=None, **kwargs):
        kwargs.pop("input_shape", None)
        super().__init__(name=name or backend.unique_object_name("input_layer"), dtype=dtype, **kwargs)
        if batch_shape is None:
            if shape is None:
                raise ValueError("You must pass a `shape` argument to keras.Input (without the batch size)")
            batch_shape = (batch_size,) + tuple(shape)
        self.batch_shape = tuple(batch_shape)
        self.built = True
        tensor = KerasTensor(self.batch_shape, dtype or backend.floatx(), name=self.name)
        tensor.node = Node(self, (), {}, tensor)
        self._inbound_nodes.append(tensor.node)

    def get_config(self):
        return {"batch_shape": self.batch_shape, "dtype": self.dtype, "name": self.name}


def Input(shape=None, batch_size=None, dtype=None, name=None, batch_shape=None, **kwargs):  # noqa: N802
    """A symbolic input of `shape` (without the batch dimension) for the functional API."""
    return InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, batch_shape=batch_shape,
                      name=name, **kwargs).output
