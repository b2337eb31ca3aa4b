"""The cell protocol of `keras.layers.RNN`: a cell is any layer with `call(inputs, states, training=None)
-> (output, new_states)` and a `state_size` (an int, or one per state); `output_size` and
`get_initial_state(batch_size)` are optional. Here: the helpers that call any cell, `AbstractRNNCell` (the
base of a user's cell), `StackedRNNCells`, and `DropoutRNNCell`, the per-sequence dropout masks of a cell
(`RNN` asks for them before the loop and resets them after it, so every step drops the same units and the
loop holds no random op).
"""
from ... import random
from ...ops import comparison, creation, join_split
from .. import backend
from .base import Layer, _call_parameters
from .nested_config import deserialize_layer, serialize_layer

__all__ = ["AbstractRNNCell", "StackedRNNCells"]


def unit_forget_bias_initializer(rest, units):
    """An LSTM bias initializer [4 * units]: the forget gate's block ones, the others from `rest`."""
    def initializer(shape, dtype=None):
        return join_split.concat([rest((units,), dtype=dtype), creation.ones((units,), dtype=dtype),
                                  rest((2 * units,), dtype=dtype)], axis=0)
    return initializer


def lstm_gates(z, c, activation, recurrent_activation, axis=-1):
    """(h, [h, c]) from the summed projections `z` (gates i, f, c, o along `axis`) and the previous c."""
    i, f, g, o = join_split.split(z, 4, axis=axis)
    c = recurrent_activation(f) * c + recurrent_activation(i) * activation(g)
    h = recurrent_activation(o) * activation(c)
    return h, [h, c]


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

    def _set_dropout_arguments(self, dropout, recurrent_dropout, seed):
        """Set `dropout`, `recurrent_dropout` (clipped to [0, 1]), `seed` and the seeded generator."""
        self.dropout = min(1.0, max(0.0, dropout))
        self.recurrent_dropout = min(1.0, max(0.0, recurrent_dropout))
        self.seed = seed
        self._generator = None if seed is None else random.Generator.from_seed(seed)

    def _create_dropout_mask(self, step_input, rate):
        if rate >= 1.0:
            return creation.zeros_like(step_input)
        generator = getattr(self, "_generator", None)
        source = random if generator is None else generator
        uniform = source.uniform(join_split.stack(backend.sizes_of(step_input)), dtype=step_input.dtype)
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
        return self._step_mask(self._dropout_mask, x, self.dropout, training)

    def _recurrent_mask(self, h, training):
        """The mask of the previous output, as `_input_mask`."""
        return self._step_mask(self._recurrent_dropout_mask, h, self.recurrent_dropout, training)

    def _step_mask(self, cached, x, rate, training):
        if not training or not 0.0 < rate < 1.0:
            return None
        return cached if cached is not None else self._create_dropout_mask(x, rate)


class AbstractRNNCell(Layer):
    """The base of a user's own cell (tf.keras's `AbstractRNNCell`): define `state_size`, `output_size`
    and `call(inputs, states) -> (output, new_states)`; `keras.layers.RNN(cell)` loops it over time."""

    @property
    def state_size(self):
        """An int, or a list of ints (one per state)."""
        raise NotImplementedError(f"{type(self).__name__} must define `state_size`")

    @property
    def output_size(self):
        """The size of the output of a step (by default the first state's size)."""
        size = self.state_size
        return size[0] if isinstance(size, (list, tuple)) else size

    def call(self, inputs, states):
        """(output, new_states) of one step."""
        raise NotImplementedError(f"{type(self).__name__} must define `call(inputs, states)`")

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        """Zeros [batch_size, size] for each state."""
        if batch_size is None:
            batch_size = _batch_size(inputs)
        return zero_states(self.state_size, batch_size, dtype or self.compute_dtype)


def _batch_size(inputs):
    return backend.sizes_of(inputs)[0]


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
    kwargs = {"training": training} if training is not None and _call_parameters(type(cell))[0] else {}
    output, new_states = cell(inputs, states, **kwargs) if callable(cell) else cell.call(inputs, states, **kwargs)
    return output, list(new_states) if isinstance(new_states, (list, tuple)) else [new_states]

