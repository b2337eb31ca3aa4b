"""Keras 3's recurrent cells: one time step of a recurrence, which `keras.layers.RNN` loops over time.

A cell is any layer with `call(inputs, states, training=None) -> (output, new_states)` and a
`state_size` (an int, or one per state); `output_size` and `get_initial_state(batch_size)` are optional.
SimpleRNNCell, LSTMCell and GRUCell hold Keras's weights: `kernel` [features, gates * units] (the input
projection), `recurrent_kernel` [units, gates * units] and `bias` [gates * units] (GRU with
`reset_after`: [2, 3 * units], input and recurrent biases), with Keras's gate order (LSTM: i, f, c, o;
GRU: z, r, h), so `set_weights` takes a Keras model's arrays unchanged.

The built-in cells split a step in two: `project(x)`, the input projection x W + b, and
`recurrent_step(projected, states)`, the rest. `RNN` projects the whole sequence with one matmul before
the loop, so the loop body holds only the recurrent matmul and the gates.

Dropout draws one mask per sequence (Keras's `DropoutRNNCell`): `RNN` asks the cell for its masks
before the loop (`get_dropout_mask`, `get_recurrent_dropout_mask`) and resets them after it.
"""
import inspect

from ... import random
from ...ops import arithmetic, array_ops, comparison, creation, join_split, linalg
from .. import activations, constraints, initializers, regularizers
from .base import Layer
from .convolutional import serialize
from .nested_config import deserialize_layer, serialize_layer

__all__ = ["AbstractRNNCell", "SimpleRNNCell", "LSTMCell", "GRUCell", "StackedRNNCells"]


def zero_states(state_size, batch_size, dtype):
    """Zeros [batch_size, size] for each size of `state_size` (an int or a list of them)."""
    sizes = state_size if isinstance(state_size, (list, tuple)) else [state_size]
    return [creation.zeros(join_split.stack([batch_size, size]), dtype) for size in sizes]


class DropoutRNNCell:
    """The per-sequence dropout masks of a cell with `dropout` and `recurrent_dropout` (Keras's mixin).

    A mask is cached on the cell until `reset_*` (the RNN layer resets after each call), so every step
    of one sequence drops the same units.
    """

    _dropout_mask = None
    _recurrent_dropout_mask = None

    def _create_dropout_mask(self, step_input, rate):
        if rate >= 1.0:
            return creation.zeros_like(step_input)
        generator = getattr(self, "_generator", None)
        source = random if generator is None else generator
        uniform = source.uniform(join_split.stack(list(_dims(step_input))), dtype=step_input.dtype)
        ones = creation.ones_like(step_input)
        return comparison.where(uniform >= rate, ones * (1.0 / (1.0 - rate)), creation.zeros_like(ones))

    def get_dropout_mask(self, step_input):
        """The input mask, drawn on the first request of a sequence."""
        if self._dropout_mask is None and self.dropout > 0:
            self._dropout_mask = self._create_dropout_mask(step_input, self.dropout)
        return self._dropout_mask

    def get_recurrent_dropout_mask(self, step_input):
        """The mask of the previous output, drawn on the first request of a sequence."""
        if self._recurrent_dropout_mask is None and self.recurrent_dropout > 0:
            self._recurrent_dropout_mask = self._create_dropout_mask(step_input, self.recurrent_dropout)
        return self._recurrent_dropout_mask

    def reset_dropout_mask(self):
        """Forget the input mask (the next sequence draws a new one)."""
        self._dropout_mask = None

    def reset_recurrent_dropout_mask(self):
        """Forget the recurrent mask."""
        self._recurrent_dropout_mask = None

    def _input_mask(self, x, training):
        """The input mask in training with dropout (the cached one, or a new one for a cell called alone)."""
        if not training or not 0.0 < self.dropout < 1.0:
            return None
        return self._dropout_mask if self._dropout_mask is not None else self._create_dropout_mask(x, self.dropout)

    def _recurrent_mask(self, h, training):
        if not training or not 0.0 < self.recurrent_dropout < 1.0:
            return None
        if self._recurrent_dropout_mask is not None:
            return self._recurrent_dropout_mask
        return self._create_dropout_mask(h, self.recurrent_dropout)


def _dims(x):
    """The sizes of `x`, static where known."""
    dynamic = None
    for axis, size in enumerate(x.shape.as_list()):
        if size is None:
            dynamic = array_ops.shape(x) if dynamic is None else dynamic
            size = dynamic[axis]
        yield size


class AbstractRNNCell(Layer):
    """The base of a user's own cell (tf.keras's `AbstractRNNCell`): define `state_size`, `output_size`
    and `call(inputs, states) -> (output, new_states)`; `keras.layers.RNN(cell)` loops it over time."""

    @property
    def state_size(self):
        """An int, or a list of ints (one per state)."""
        raise NotImplementedError(f"{type(self).__name__} must define `state_size`")

    @property
    def output_size(self):
        """The size of the output of a step."""
        raise NotImplementedError(f"{type(self).__name__} must define `output_size`")

    def call(self, inputs, states):
        """(output, new_states) of one step."""
        raise NotImplementedError(f"{type(self).__name__} must define `call(inputs, states)`")

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        """Zeros [batch_size, size] for each state."""
        if batch_size is None:
            batch_size = _batch_size(inputs)
        return zero_states(self.state_size, batch_size, dtype or self.compute_dtype)


def _batch_size(inputs):
    return next(iter(_dims(inputs)))


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
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = min(1.0, max(0.0, dropout))
        self.recurrent_dropout = min(1.0, max(0.0, recurrent_dropout))
        self.seed = seed
        self._generator = None if seed is None else random.Generator.from_seed(seed)

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
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], width),
                                      initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(name="recurrent_kernel", shape=(self.units, width),
                                                initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint)
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
            "kernel_initializer": serialize(initializers, self.kernel_initializer),
            "recurrent_initializer": serialize(initializers, self.recurrent_initializer),
            "bias_initializer": serialize(initializers, self.bias_initializer),
            "kernel_regularizer": serialize(regularizers, self.kernel_regularizer),
            "recurrent_regularizer": serialize(regularizers, self.recurrent_regularizer),
            "bias_regularizer": serialize(regularizers, self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
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
        units, rest = self.units, self.bias_initializer

        def initializer(shape, dtype=None):
            return join_split.concat([rest((units,), dtype=dtype), creation.ones((units,), dtype=dtype),
                                      rest((2 * units,), dtype=dtype)], axis=0)
        return initializer

    def gate_step(self, projected, states, h):
        """The gates from projected + h U; c = f c + i activation(g); h = o activation(c)."""
        c = states[1]
        z = arithmetic.add(projected, linalg.matmul(h, self.recurrent_kernel))
        i, f, g, o = join_split.split(z, 4, axis=-1)
        act, gate = self.activation, self.recurrent_activation
        c = gate(f) * c + gate(i) * act(g)
        h = gate(o) * act(c)
        return h, [h, c]

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


class StackedRNNCells(Layer):
    """Several cells as one: each step runs them in order, each cell's output the next one's input
    (what `RNN([cell_1, cell_2])` builds). The states are one entry per cell."""

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        for cell in cells:
            if not hasattr(cell, "call") or not hasattr(cell, "state_size"):
                raise ValueError(f"All cells must have a `call` method and a `state_size` attribute. "
                                 f"Received: {cell}")
        self.cells = list(cells)

    @property
    def state_size(self):
        """The cells' `state_size`s, in order."""
        return [cell.state_size for cell in self.cells]

    @property
    def output_size(self):
        """The last cell's output size."""
        return output_size(self.cells[-1])

    def get_initial_state(self, batch_size=None):
        """Each cell's initial states."""
        return [initial_state(cell, batch_size, self.compute_dtype) for cell in self.cells]

    def build(self, input_shape):
        """Build each cell on the output size of the one before."""
        for cell in self.cells:
            if isinstance(cell, Layer) and not cell.built:
                cell.build(input_shape)
            input_shape = (input_shape[0], output_size(cell))

    def call(self, inputs, states, training=None):
        """Run the cells in order on one step."""
        new_states = []
        for cell, cell_states in zip(self.cells, states):
            listed = isinstance(cell_states, (list, tuple))
            inputs, cell_states = call_cell(cell, inputs, list(cell_states) if listed else [cell_states], training)
            if len(cell_states) == 1 and not listed:
                cell_states = cell_states[0]
            new_states.append(cell_states)
        return inputs, new_states

    def get_config(self):
        """The cells' configs."""
        return {**super().get_config(), "cells": [serialize_layer(cell) for cell in self.cells]}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """The cells from their configs."""
        config = dict(config)
        cells = [deserialize_layer(c, custom_objects) for c in config.pop("cells")]
        return cls(cells, **config)


def output_size(cell):
    """A cell's `output_size`, else its (first) state size."""
    size = getattr(cell, "output_size", None)
    if size is not None:
        return size
    state_size = cell.state_size
    return state_size[0] if isinstance(state_size, (list, tuple)) else state_size


def initial_state(cell, batch_size, dtype):
    """The cell's `get_initial_state(batch_size=...)`, else zeros for each state."""
    method = getattr(cell, "get_initial_state", None)
    if method is not None:
        return method(batch_size=batch_size)
    if isinstance(cell.state_size, int):
        return zero_states(cell.state_size, batch_size, dtype)[0]
    return zero_states(cell.state_size, batch_size, dtype)


def call_cell(cell, inputs, states, training):
    """`cell(inputs, states)` with `training` if its `call` takes it; the new states as a list."""
    kwargs = {"training": training} if training is not None and _takes_training(cell) else {}
    output, new_states = cell(inputs, states, **kwargs) if callable(cell) else cell.call(inputs, states, **kwargs)
    return output, list(new_states) if isinstance(new_states, (list, tuple)) else [new_states]


def _takes_training(cell):
    parameters = inspect.signature(cell.call).parameters
    return "training" in parameters or any(p.kind is p.VAR_KEYWORD for p in parameters.values())
