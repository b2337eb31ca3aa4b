"""Keras 3's convolutional LSTM: `ConvLSTM1D`/`2D`/`3D`, an LSTM whose matmuls are convolutions
(Shi et al. 2015), over inputs [batch, steps, *spatial, channels] (channels first: [batch, steps,
channels, *spatial]).

The weights are Keras's: `kernel` [*kernel_size, channels, 4 * filters], `recurrent_kernel`
[*kernel_size, filters, 4 * filters] and `bias` [4 * filters], gates i, f, c, o. The input convolution
of every step is one convolution of the whole sequence (steps folded into the batch) before the loop;
the recurrent convolution ("same" padding, stride 1) runs in the loop.
"""
from .conv_lstm_cell import ConvLSTMCell
from .recurrent import CELL_ARGUMENTS, CellLayer, cell_property

__all__ = ["ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"]


class ConvLSTM(CellLayer):
    """`RNN` over a `ConvLSTMCell` of `rank` spatial dimensions."""

    rank = None
    cell_name = "conv_lstm_cell"

    def __init__(self, filters, kernel_size, **kwargs):
        super().__init__(filters, kernel_size, **kwargs)
        self.input_ndim = self.rank + 3

    def make_cell(self, filters, kernel_size, **kwargs):
        """`ConvLSTMCell(rank, filters, kernel_size, ...)`."""
        return ConvLSTMCell(self.rank, filters, kernel_size, **kwargs)

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        """[batch, steps, *the cell's output shape] (or without steps), then the two states."""
        batch, steps = sequences_shape[0], sequences_shape[1]
        state = self.cell.output_shape((batch,) + tuple(sequences_shape[2:]))[1:]
        output = (batch, steps, *state) if self.return_sequences else (batch, *state)
        if self.return_state:
            return output, (batch, *state), (batch, *state)
        return output


for _name in ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
              "recurrent_activation", "unit_forget_bias") + CELL_ARGUMENTS:
    setattr(ConvLSTM, _name, cell_property(_name))


class ConvLSTM1D(ConvLSTM):
    """A convolutional LSTM over sequences of 1-D inputs [batch, steps, length, channels]."""

    rank = 1


class ConvLSTM2D(ConvLSTM):
    """A convolutional LSTM over sequences of images [batch, steps, rows, cols, channels]."""

    rank = 2


class ConvLSTM3D(ConvLSTM):
    """A convolutional LSTM over sequences of volumes [batch, steps, depth, rows, cols, channels]."""

    rank = 3
