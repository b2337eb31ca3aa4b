"""Keras 3's recurrent cells: one time step of a recurrence, which `keras.layers.RNN` loops over time.

SimpleRNNCell, LSTMCell and GRUCell hold Keras's weights: `kernel` [features, gates * units] (the input
projection), `recurrent_kernel` [units, gates * units] and `bias` [gates * units] (GRU with
`reset_after`: [2, 3 * units], input and recurrent biases), with Keras's gate order (LSTM: i, f, c, o;
GRU: z, r, h), so `set_weights` takes a Keras model's arrays unchanged.

The built-in cells split a step in two: `project(x)`, the input projection x W + b, and
`recurrent_step(projected, states)`, the rest. `RNN` projects the whole sequence with one matmul before
the loop, so the loop body holds only the recurrent matmul and the gates.

The cell protocol, AbstractRNNCell and StackedRNNCells are in `rnn_cell_base`.
"""
from ...ops import arithmetic, join_split, linalg
from .. import activations
from .base import Layer
from .convolutional import add_argument_weight, set_weight_arguments, weight_arguments_config
from .rnn_cell_base import (AbstractRNNCell, DropoutRNNCell, StackedRNNCells, lstm_gates, unit_forget_bias_initializer,
                            zero_states)

__all__ = ["AbstractRNNCell", "SimpleRNNCell", "LSTMCell", "GRUCell", "StackedRNNCells"]


class _GatedCell(DropoutRNNCell, Layer):
    """The weights, dropout and configuration shared by SimpleRNNCell, LSTMCell and GRUCell.

    A subclass sets `gates` (how many blocks of `units` the kernels hold) and `state_count`, and
    writes `gate_step(projected, states, h)`: the new output and states from a step's projected input,
    where `h` is the previous output as the recurrent matmul takes it (recurrent dropout applied).
    """

    gates = 1
    state_count = 1

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None,
                 **kwargs):
        super().__init__(**kwargs)
        if units is None or int(units) <= 0:
            raise ValueError(f"Received an invalid value for argument `units`, expected a positive integer, "
                             f"got {units}.")
        self.units = int(units)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        set_weight_arguments(self, "kernel", kernel_initializer, kernel_regularizer, kernel_constraint)
        set_weight_arguments(self, "recurrent", recurrent_initializer, recurrent_regularizer, recurrent_constraint)
        set_weight_arguments(self, "bias", bias_initializer, bias_regularizer, bias_constraint)
        self._set_dropout_arguments(dropout, recurrent_dropout, seed)

    @property
    def state_size(self):
        """`units`, or [units, units] for LSTM's two states."""
        return self.units if self.state_count == 1 else [self.units] * self.state_count

    @property
    def output_size(self):
        """`units`."""
        return self.units

    def get_initial_state(self, batch_size=None):
        """Zeros [batch_size, units] for each state."""
        return zero_states([self.units] * self.state_count, batch_size, self.compute_dtype)

    def build(self, input_shape):
        """Create `kernel`, `recurrent_kernel` and `bias` for step inputs [batch, features]."""
        if input_shape[-1] is None:
            raise ValueError(f"The last dimension of the inputs of {type(self).__name__} should be defined. "
                             f"Received input shape {tuple(input_shape)}.")
        width = self.gates * self.units
        self.kernel = add_argument_weight(self, "kernel", (input_shape[-1], width))
        self.recurrent_kernel = add_argument_weight(self, "recurrent_kernel", (self.units, width), "recurrent")
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=self.bias_shape(), initializer=self.bias_init(),
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)

    def bias_shape(self):
        """The shape of `bias`."""
        return (self.gates * self.units,)

    def bias_init(self):
        """The initializer of `bias`."""
        return self.bias_initializer

    def input_bias(self):
        """The bias added to the input projection (None without one)."""
        return self.bias

    # ----- a step ----------------------------------------------------------------------------

    def project(self, inputs):
        """x W + b for inputs [..., features] (a step, or a whole sequence at once)."""
        projected = linalg.matmul(inputs, self.kernel)
        if self.input_bias() is not None:
            projected = arithmetic.add(projected, self.input_bias())
        return projected

    def recurrent_step(self, projected, states, training=None):
        """(output, new states) from a step's projected input [batch, gates * units]."""
        states = list(states) if isinstance(states, (list, tuple)) else [states]
        mask = self._recurrent_mask(states[0], training)
        h = states[0] if mask is None else arithmetic.multiply(states[0], mask)
        return self.gate_step(projected, states, h)

    def call(self, inputs, states, training=None):
        """One step: (output, new states)."""
        mask = self._input_mask(inputs, training)
        if mask is not None:
            inputs = arithmetic.multiply(inputs, mask)
        return self.recurrent_step(self.project(inputs), states, training)

    def gate_step(self, projected, states, h):
        """(output, new states) from a step's projected input and the (dropped out) previous output."""
        raise NotImplementedError

    def get_config(self):
        """Keras 3's config keys for the cells."""
        config = super().get_config()
        config.update({
            "units": self.units, "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
            **weight_arguments_config(self, "kernel", "recurrent", "bias", activity=False),
            "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout, "seed": self.seed,
        })
        return config


class SimpleRNNCell(_GatedCell):
    """A fully connected recurrence: h = activation(x W + h U + b)."""

    def gate_step(self, projected, states, h):
        """h = activation(projected + h U)."""
        h = self.activation(arithmetic.add(projected, linalg.matmul(h, self.recurrent_kernel)))
        return h, [h]


class LSTMCell(_GatedCell):
    """Long short-term memory (Hochreiter 1997), Keras's gates i, f, c, o; states [h, c]."""

    gates = 4
    state_count = 2

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, **kwargs):
        super().__init__(units, activation, use_bias, kernel_initializer, recurrent_initializer, bias_initializer,
                         **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = unit_forget_bias

    def bias_init(self):
        """With `unit_forget_bias`, the forget gate's bias starts at 1 (the rest as `bias_initializer`)."""
        if not self.unit_forget_bias:
            return self.bias_initializer
        return unit_forget_bias_initializer(self.bias_initializer, self.units)

    def gate_step(self, projected, states, h):
        """The gates from projected + h U; c = f c + i activation(g); h = o activation(c)."""
        z = arithmetic.add(projected, linalg.matmul(h, self.recurrent_kernel))
        return lstm_gates(z, states[1], self.activation, self.recurrent_activation)

    def get_config(self):
        """The cell config plus `recurrent_activation` and `unit_forget_bias`."""
        config = super().get_config()
        config.update({"recurrent_activation": activations.serialize(self.recurrent_activation),
                       "unit_forget_bias": self.unit_forget_bias})
        return config


class GRUCell(_GatedCell):
    """Gated recurrent unit (Cho 2014), Keras's gates z, r, h; `reset_after` (the default, as Keras 3)
    applies the reset gate after the recurrent matmul and keeps a separate recurrent bias."""

    gates = 3

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 reset_after=True, **kwargs):
        super().__init__(units, activation, use_bias, kernel_initializer, recurrent_initializer, bias_initializer,
                         **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.reset_after = reset_after

    def bias_shape(self):
        """[2, 3 * units] (input and recurrent biases) with `reset_after`, else [3 * units]."""
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def input_bias(self):
        """The first row of `bias` with `reset_after`, else all of it."""
        if self.bias is None or not self.reset_after:
            return self.bias
        return self.bias[0]

    def gate_step(self, projected, states, h_in):
        """z, r from the projections; h = z h + (1 - z) activation(x_h + r (h U_h))."""
        h = states[0]
        x_z, x_r, x_h = join_split.split(projected, 3, axis=-1)
        gate = self.recurrent_activation
        if self.reset_after:
            inner = linalg.matmul(h_in, self.recurrent_kernel)
            if self.use_bias:
                inner = arithmetic.add(inner, self.bias[1])
            r_z, r_r, r_h = join_split.split(inner, 3, axis=-1)
            z, r = gate(x_z + r_z), gate(x_r + r_r)
            candidate = self.activation(x_h + r * r_h)
        else:
            r_z, r_r = join_split.split(linalg.matmul(h_in, self.recurrent_kernel[:, :2 * self.units]), 2, axis=-1)
            z, r = gate(x_z + r_z), gate(x_r + r_r)
            candidate = self.activation(x_h + linalg.matmul(r * h_in, self.recurrent_kernel[:, 2 * self.units:]))
        h = z * h + (1.0 - z) * candidate
        return h, [h]

    def get_config(self):
        """The cell config plus `recurrent_activation` and `reset_after`."""
        config = super().get_config()
        config.update({"recurrent_activation": activations.serialize(self.recurrent_activation),
                       "reset_after": self.reset_after})
        return config


