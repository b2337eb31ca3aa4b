"""`keras.layers.RNN`: a cell (or a list of cells, stacked) looped over the time axis of a sequence.

The loop is `keras.backend.rnn`: a `tg.while_loop` inside a traced function (one node, whatever the
number of steps), a Python loop eagerly or with `unroll`. For the built-in cells (those with `project`
and `recurrent_step`) the input projection of every step is one matmul before the loop, so the loop body
holds only the recurrent part; any other cell is called step by step as `cell(x_t, states)`.
`go_backwards` runs the steps last to first and returns the outputs in that (reversed) order, as Keras
does; where a mask [batch, steps] is false, the states and the output stay those of the previous step
(the output is zeros with `zero_output_for_mask`). A `stateful` layer keeps its final states in
Variables and starts the next call from them (until `reset_state`).
"""
from ... import nest
from ...convert import convert_to_tensor
from ...ops import arithmetic, array_ops, cast, creation, join_split, state_ops
from ...variable import Variable
from .. import backend
from .base import Layer
from .nested_config import deserialize_layer, serialize_layer
from .rnn_cell_base import DropoutRNNCell, StackedRNNCells, call_cell, initial_state, output_size

__all__ = ["RNN"]


class RNN(Layer):
    """Loop `cell` over the steps of inputs [batch, steps, ...] (Keras 3's `keras.layers.RNN`).

    A cell has `call(inputs, states) -> (output, new_states)` and `state_size`; a list of cells becomes
    `StackedRNNCells`. Returns the last output (all of them with `return_sequences`), then the final
    states with `return_state`.
    """

    #: The input rank the layer requires (None: at least 3).
    input_ndim = None

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False, stateful=False,
                 unroll=False, zero_output_for_mask=False, **kwargs):
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell, dtype=kwargs.get("dtype"))
        if not hasattr(cell, "call"):
            raise ValueError(f"Argument `cell` should have a `call` method. Received: cell={cell}")
        if not hasattr(cell, "state_size"):
            raise ValueError("The RNN cell should have a `state_size` attribute (single integer or list of "
                             f"integers, one integer per RNN state). Received: cell={cell}")
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences = return_sequences
        self.return_state = return_state
        self.go_backwards = go_backwards
        self.stateful = stateful
        self.unroll = unroll
        self.zero_output_for_mask = zero_output_for_mask
        self.supports_masking = True
        self._state_variables = _Untracked(None)

    @property
    def state_size(self):
        """The cell's state sizes, as a list."""
        size = self.cell.state_size
        return list(size) if isinstance(size, (list, tuple)) else [size]

    def build(self, sequences_shape, initial_state_shape=None):
        """Build the cell for one step's input [batch, ...]."""
        rank = len(sequences_shape)
        if (self.input_ndim is not None and rank != self.input_ndim) or rank < 3:
            expected = f"ndim={self.input_ndim}" if self.input_ndim else "min_ndim=3"
            raise ValueError(f"Input 0 of layer '{self.name}' is incompatible with the layer: expected {expected}, "
                             f"found ndim={rank}. Full shape received: {tuple(sequences_shape)}")
        if isinstance(self.cell, Layer) and not self.cell.built:
            self.cell.build((sequences_shape[0],) + tuple(sequences_shape[2:]))
        if self.stateful:
            if sequences_shape[0] is None:
                raise ValueError(f"When using `stateful=True` in a RNN, the batch size must be static. Found "
                                 f"dynamic batch size: sequence.shape={tuple(sequences_shape)}")
            with state_ops.init_scope():
                initial = self.get_initial_state(sequences_shape[0])
                self._state_variables.value = nest.map_structure(
                    lambda s: Variable(s, trainable=False, name=f"{self.name}/rnn_state"), initial)

    # ----- stateful layers -------------------------------------------------------------------

    @property
    def states(self):
        """The state Variables of a stateful layer (not weights: saving leaves them out, as Keras)."""
        return self._state_variables.value

    def reset_state(self, states=None):
        """Set a stateful layer's states to zeros, or to the arrays `states` (one per state)."""
        if self.states is None:
            raise AttributeError("Layer must be stateful and built to reset its states.")
        variables = nest.flatten(self.states)
        values = [None] * len(variables) if states is None else nest.flatten(states)
        if len(values) != len(variables):
            raise ValueError(f"reset_state: {len(values)} state value(s) for the {len(variables)} states of layer "
                             f"'{self.name}'")
        for variable, value in zip(variables, values):
            variable.assign(creation.zeros_like(variable) if value is None else value)

    reset_states = reset_state

    def get_initial_state(self, batch_size):
        """The cell's initial states for `batch_size` sequences (zeros unless the cell says otherwise)."""
        state = initial_state(self.cell, batch_size, self.compute_dtype)
        return list(state) if isinstance(state, (list, tuple)) else [state]

    # ----- the loop --------------------------------------------------------------------------

    def call(self, sequences, initial_state=None, mask=None, training=None):
        """Run the steps; returns the last output (or all of them) and, with `return_state`, the states."""
        if self.unroll and sequences.shape[1] is None:
            raise ValueError("Cannot unroll a RNN if the time dimension is undefined. Give the inputs a known "
                             "number of steps (the `shape` of `keras.Input`).")
        if initial_state is None and self.stateful:
            self._check_batch_size(sequences)
            initial_state = nest.map_structure(lambda v: v.value(), self.states)
        states = self._initial_states(initial_state, array_ops.shape(sequences)[0])
        if training:
            self._prepare_dropout_masks(self.cell, sequences[:, 0], states)
        try:
            inputs, step = self._step_function(sequences, training)
            last, outputs, states = backend.rnn(step, inputs, states, go_backwards=self.go_backwards, mask=mask,
                                                unroll=self.unroll, zero_output_for_mask=self.zero_output_for_mask,
                                                return_all_outputs=self.return_sequences)
        finally:
            _reset_dropout_masks(self.cell)
        if self.stateful:
            for variable, value in zip(nest.flatten(self.states), nest.flatten(states)):
                variable.assign(value)
        output = outputs if self.return_sequences else last
        if self.return_state:
            return (output, *states)
        return output

    def _check_batch_size(self, sequences):
        expected = nest.flatten(self.states)[0].shape[0]
        if sequences.shape[0] is not None and sequences.shape[0] != expected:
            raise ValueError(f"If an RNN is stateful, the batch size of the input sequences must be the same as "
                             f"the batch size of the initial state. Expected batch size: {expected}; received "
                             f"batch size: {sequences.shape[0]}")

    def _step_function(self, sequences, training):
        """(the loop's inputs, the step): the projected inputs and the recurrent part for a built-in cell,
        else the sequences and the whole cell."""
        cell = self.cell
        if hasattr(cell, "project") and hasattr(cell, "recurrent_step"):
            mask = cell._input_mask(sequences[:, 0], training) if training else None
            if mask is not None:
                sequences = arithmetic.multiply(sequences, array_ops.expand_dims(mask, 1))
            return cell.project(sequences), lambda x, states: cell.recurrent_step(x, states, training)
        return sequences, lambda x, states: call_cell(cell, x, list(states), training)

    def _initial_states(self, given, batch):
        if given is None:
            return self.get_initial_state(batch)
        given = list(given) if isinstance(given, (list, tuple)) else [given]
        expected = len(self.state_size)
        if len(given) != expected:
            raise ValueError(f"An `initial_state` was passed that is not compatible with `{type(self).__name__}`: "
                             f"it needs {expected} state tensor(s), got {len(given)}.")
        return nest.map_structure(lambda s: cast.cast(convert_to_tensor(s), self.compute_dtype), given)

    def _prepare_dropout_masks(self, cell, step_input, states):
        """Draw the cells' dropout masks before the loop, so every step uses the same ones (and the loop
        holds no random op, which its gradient could not run twice); in training only."""
        if isinstance(cell, DropoutRNNCell):
            cell.get_dropout_mask(step_input)
            cell.get_recurrent_dropout_mask(nest.flatten(states)[0])
        for inner, inner_states in zip(getattr(cell, "cells", ()), states):
            self._prepare_dropout_masks(inner, step_input, inner_states)
            # the next cell's input: only its shape matters to the masks
            batch = array_ops.shape(step_input)[0]
            step_input = creation.zeros(join_split.stack([batch, output_size(inner)]), step_input.dtype)

    # ----- shapes and configuration ----------------------------------------------------------

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        """[batch, steps, output] or [batch, output], then one [batch, size] per state with `return_state`."""
        batch, steps = sequences_shape[0], sequences_shape[1]
        size = output_size(self.cell)
        output = (batch, steps, size) if self.return_sequences else (batch, size)
        if not self.return_state:
            return output
        states = [[(batch, s) for s in size] if isinstance(size, (list, tuple)) else (batch, size)
                  for size in self.state_size]
        return (output, *states)

    def compute_mask(self, inputs, mask=None):
        """The input's mask for returned sequences (None for a last output and for the states)."""
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * len(self.state_size)
        return output_mask

    def _rnn_config(self):
        return {"return_sequences": self.return_sequences, "return_state": self.return_state,
                "go_backwards": self.go_backwards, "stateful": self.stateful, "unroll": self.unroll,
                "zero_output_for_mask": self.zero_output_for_mask}

    def get_config(self):
        """Keras 3's config: the loop options and the cell's config."""
        return {**super().get_config(), **self._rnn_config(), "cell": serialize_layer(self.cell)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """The layer `get_config` described."""
        config = dict(config)
        cell = deserialize_layer(config.pop("cell"), custom_objects)
        return cls(cell, **config)


class _Untracked:
    """A holder that keeps its value out of the layer's weights (a stateful RNN's states)."""

    def __init__(self, value):
        self.value = value


def _reset_dropout_masks(cell):
    if isinstance(cell, DropoutRNNCell):
        cell.reset_dropout_mask()
        cell.reset_recurrent_dropout_mask()
    for inner in getattr(cell, "cells", ()):
        _reset_dropout_masks(inner)
