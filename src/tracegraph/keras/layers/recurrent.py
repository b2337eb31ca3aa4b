"""Keras 3's recurrent layers SimpleRNN, LSTM and GRU: `RNN` over SimpleRNNCell, LSTMCell, GRUCell.

The weights live in the cell (`layer.cell.kernel`, also reachable as `layer.kernel`), in Keras's
layout (see `rnn_cells`), so `set_weights` takes the arrays of a Keras model unchanged. The cell's
arguments (units, activations, initializers, dropout...) read through the layer too, as in Keras.
"""
from .. import regularizers
from .convolutional import serialize
from .rnn import RNN
from .rnn_cells import GRUCell, LSTMCell, SimpleRNNCell

__all__ = ["SimpleRNN", "LSTM", "GRU"]

#: The cell arguments a recurrent layer shows as its own.
CELL_ARGUMENTS = ("activation", "use_bias", "kernel_initializer", "recurrent_initializer", "bias_initializer",
                  "kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "kernel_constraint",
                  "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout", "seed", "kernel",
                  "recurrent_kernel", "bias")

#: The RNN arguments a recurrent layer passes on to `RNN` (the rest go to its cell).
_RNN_ARGUMENTS = ("return_sequences", "return_state", "go_backwards", "stateful", "unroll",
                  "zero_output_for_mask", "name", "trainable", "dtype", "activity_regularizer", "input_shape",
                  "input_dim", "batch_input_shape", "batch_size", "input_dtype", "autocast")


def cell_property(name):
    """A read-only property that answers with the cell's attribute `name`."""
    return property(lambda self: getattr(self.cell, name), doc=f"The cell's `{name}`.")


def split_layer_arguments(kwargs):
    """The arguments of `kwargs` that belong to the RNN layer (removed from `kwargs`)."""
    return {key: kwargs.pop(key) for key in _RNN_ARGUMENTS if key in kwargs}


class CellLayer(RNN):
    """An `RNN` over a cell it makes from its own arguments (`make_cell`), which it also shows as its own:
    Keras 3's config of a recurrent layer is the loop options and the cell's arguments, flat."""

    cell_name = None

    def __init__(self, *cell_arguments, **kwargs):
        layer_kwargs = split_layer_arguments(kwargs)
        cell = self.make_cell(*cell_arguments, name=self.cell_name, dtype=layer_kwargs.get("dtype"),
                              trainable=layer_kwargs.get("trainable", True), **kwargs)
        super().__init__(cell, **layer_kwargs)

    def make_cell(self, *arguments, **kwargs):
        """The cell, from the layer's positional cell arguments and the keyword ones."""
        raise NotImplementedError

    def get_config(self):
        """Keras 3's config: the loop options and the cell's arguments, flat."""
        config = super().get_config()
        del config["cell"]
        config.update({k: v for k, v in self.cell.get_config().items() if k not in ("name", "trainable", "dtype")})
        config["activity_regularizer"] = serialize(regularizers, self.activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """The layer `get_config` described."""
        return cls(**config)


class _CellLayer(CellLayer):
    """A recurrent layer made of one built-in cell (`cell_class`)."""

    cell_class = None
    input_ndim = 3

    def __init__(self, units, **kwargs):
        """Only `units` is positional, as in Keras; the other arguments are keywords."""
        super().__init__(units, **kwargs)

    def make_cell(self, units, **kwargs):
        """`cell_class(units, ...)`."""
        return self.cell_class(units, **kwargs)


for _name in ("units",) + CELL_ARGUMENTS:
    setattr(_CellLayer, _name, cell_property(_name))


class SimpleRNN(_CellLayer):
    """A fully connected recurrence: h = activation(x W + h U + b) (`RNN(SimpleRNNCell(units))`)."""

    cell_class = SimpleRNNCell
    cell_name = "simple_rnn_cell"


class LSTM(_CellLayer):
    """Long short-term memory (`RNN(LSTMCell(units))`), Keras's gates i, f, c, o; states [h, c]."""

    cell_class = LSTMCell
    cell_name = "lstm_cell"
    recurrent_activation = cell_property("recurrent_activation")
    unit_forget_bias = cell_property("unit_forget_bias")


class GRU(_CellLayer):
    """Gated recurrent unit (`RNN(GRUCell(units))`), Keras's gates z, r, h; `reset_after` by default."""

    cell_class = GRUCell
    cell_name = "gru_cell"
    recurrent_activation = cell_property("recurrent_activation")
    reset_after = cell_property("reset_after")
