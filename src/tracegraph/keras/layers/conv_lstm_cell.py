"""`ConvLSTMCell`: one step of a convolutional LSTM (the cell of ConvLSTM1D/2D/3D).

Like the dense cells it splits a step into `project` (the input convolution plus bias, which also takes
a whole sequence [batch, steps, ...] by folding the steps into the batch) and `recurrent_step` (the
recurrent convolution and the gates), so `RNN` convolves the inputs of all steps at once.
"""
from ... import nn
from ...ops import array_ops, creation, join_split
from .. import activations
from .base import Layer
from .convolutional import (add_argument_weight, batch_shape, output_length, set_weight_arguments, spatial_axes,
                            standardize_geometry, tf_data_format, weight_arguments_config)
from .rnn_cell_base import DropoutRNNCell, lstm_gates, unit_forget_bias_initializer

__all__ = ["ConvLSTMCell"]


class ConvLSTMCell(DropoutRNNCell, Layer):
    """An LSTM step whose input and recurrent matmuls are convolutions with `filters` output channels;
    states [h, c], each [batch, *output spatial sizes, filters]."""

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 activation="tanh", recurrent_activation="sigmoid", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", unit_forget_bias=True,
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None,
                 **kwargs):
        super().__init__(**kwargs)
        if not 1 <= rank <= 3:
            raise ValueError(f"Rank {rank} convolutions are not currently implemented. Received: rank={rank}")
        self.filters = int(filters)
        standardize_geometry(self, rank, kernel_size, strides, padding, data_format, dilation_rate)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"Specifying `strides > 1` is not compatible with `dilation_rate > 1`. Received: "
                             f"strides={self.strides} and dilation_rate={self.dilation_rate}")
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = use_bias
        self.unit_forget_bias = unit_forget_bias
        set_weight_arguments(self, "kernel", kernel_initializer, kernel_regularizer, kernel_constraint)
        set_weight_arguments(self, "recurrent", recurrent_initializer, recurrent_regularizer, recurrent_constraint)
        set_weight_arguments(self, "bias", bias_initializer, bias_regularizer, bias_constraint)
        self._set_dropout_arguments(dropout, recurrent_dropout, seed)
        self._tf_format = tf_data_format(self.data_format, rank)

    @property
    def state_size(self):
        """Two states (h, c), their sizes given by the input's spatial shape (see `get_initial_state`)."""
        return [self.filters, self.filters]

    @property
    def output_size(self):
        """The channels of the output."""
        return self.filters

    def build(self, input_shape):
        """`kernel`, `recurrent_kernel`, `bias` for step inputs [batch, *spatial, channels]."""
        channel_axis = -1 if self.data_format == "channels_last" else 1
        self.spatial_dims = tuple(input_shape[a] for a in spatial_axes(self.data_format, self.rank))
        if None in self.spatial_dims:
            raise ValueError(f"ConvLSTM layers only support static input shapes for the spatial dimension. "
                             f"Received invalid input shape: input_shape={tuple(input_shape)}")
        self.input_dim = input_shape[channel_axis]
        if self.input_dim is None:
            raise ValueError(f"The channel dimension of the inputs (last axis) should be defined. Found None. "
                             f"Full input shape received: input_shape={tuple(input_shape)}")
        width = 4 * self.filters
        self.kernel = add_argument_weight(self, "kernel", self.kernel_size + (self.input_dim, width))
        self.recurrent_kernel = add_argument_weight(self, "recurrent_kernel", self.kernel_size + (self.filters, width),
                                                    "recurrent")
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(width,), initializer=self._bias_initializer(),
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)

    def _bias_initializer(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        return unit_forget_bias_initializer(self.bias_initializer, self.filters)

    def output_shape(self, input_shape):
        """The shape of h for a step input of `input_shape` [batch, *spatial, channels]."""
        axes = spatial_axes(self.data_format, self.rank)
        lengths = tuple(output_length(input_shape[a], k, s, self.padding, d)
                        for a, k, s, d in zip(axes, self.kernel_size, self.strides, self.dilation_rate))
        return batch_shape(self.data_format, input_shape[0], lengths, self.filters)

    def get_initial_state(self, batch_size=None):
        """Zeros for h and c."""
        shape = self.output_shape((None,) + self._step_input_shape())[1:]
        state = creation.zeros(join_split.stack([batch_size, *shape]), self.compute_dtype)
        return [state, state]

    def _step_input_shape(self):
        if self.data_format == "channels_last":
            return (*self.spatial_dims, self.input_dim)
        return (self.input_dim, *self.spatial_dims)

    # ----- a step ----------------------------------------------------------------------------

    def project(self, inputs):
        """The input convolution plus bias, for a step [batch, ...] or a sequence [batch, steps, ...]."""
        if inputs.shape.rank == self.rank + 2:
            return self._input_conv(inputs)
        sizes = array_ops.shape(inputs)
        folded = array_ops.reshape(inputs, [-1, *inputs.shape.as_list()[2:]])
        convolved = self._input_conv(folded)
        return array_ops.reshape(convolved, join_split.stack([sizes[0], sizes[1], *convolved.shape.as_list()[1:]]))

    def _input_conv(self, x):
        out = nn.convolution(x, self.kernel, self.strides, self.padding.upper(), self._tf_format, self.dilation_rate)
        return out if self.bias is None else nn.bias_add(out, self.bias, data_format=self._tf_format)

    def recurrent_step(self, projected, states, training=None):
        """The gates from projected + conv(h, recurrent_kernel); c = f c + i act(g); h = o act(c)."""
        h, c = states[0], states[1]
        mask = self._recurrent_mask(h, training)
        h_in = h if mask is None else h * mask
        z = projected + nn.convolution(h_in, self.recurrent_kernel, 1, "SAME", self._tf_format)
        return lstm_gates(z, c, self.activation, self.recurrent_activation,
                          -1 if self.data_format == "channels_last" else 1)

    def call(self, inputs, states, training=None):
        """One step: (h, [h, c])."""
        mask = self._input_mask(inputs, training)
        if mask is not None:
            inputs = inputs * mask
        return self.recurrent_step(self.project(inputs), states, training)

    def get_config(self):
        """Keras 3's config keys."""
        config = super().get_config()
        config.update({
            "filters": self.filters, "kernel_size": self.kernel_size, "strides": self.strides,
            "padding": self.padding, "data_format": self.data_format, "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "recurrent_activation": activations.serialize(self.recurrent_activation), "use_bias": self.use_bias,
            "unit_forget_bias": self.unit_forget_bias,
            **weight_arguments_config(self, "kernel", "recurrent", "bias", activity=False),
            "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout, "seed": self.seed,
        })
        return config
