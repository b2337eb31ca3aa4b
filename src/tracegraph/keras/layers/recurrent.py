"""Keras 3's recurrent layers: SimpleRNN, LSTM and GRU, each a `tg.while_loop` over time.

The weights are Keras's: `kernel` [features, gates * units] (the input projection),
`recurrent_kernel` [units, gates * units] and `bias` [gates * units] (GRU with `reset_after`:
[2, 3 * units], input and recurrent biases), with the gates in Keras's order (LSTM: i, f, c, o;
GRU: z, r, h). So `set_weights` takes the arrays of a Keras model unchanged.

The input projection of every step is one matmul before the loop; the loop body holds only the
recurrent matmul and the gates, reads its step from a TensorArray and writes its output to
another, so a traced call is one loop node whose body the fusion pass compiles like any graph.
`go_backwards` runs the steps last to first and returns the outputs in that (reversed) order, as
Keras does; at a step a mask [batch, steps] masks, the states and the output stay those of the
previous step (Keras 3 on TensorFlow, also for `return_sequences`).
"""
from ... import nn
from ...convert import constant
from ...ops import (arithmetic, array_ops, cast, comparison, control_flow, creation, gather_scatter, join_split,
                    linalg, tensor_array, tiling)
from .. import activations, initializers, regularizers
from .base import Layer
from .convolutional import serialize, serialize_constraint

__all__ = ["SimpleRNN", "LSTM", "GRU"]


class BaseRNN(Layer):
    """The time loop, weights and configuration shared by SimpleRNN, LSTM and GRU.

    A subclass sets `gates` (how many blocks of `units` the kernels hold), `state_count`, and
    writes `step(projected, states, h)`: the new output and states from one step's projected input,
    where `h` is the previous output as the recurrent matmul takes it (recurrent dropout applied).
    """

    gates = 1
    state_count = 1

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 return_sequences=False, return_state=False, go_backwards=False, stateful=False, unroll=False,
                 seed=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if units is None or int(units) <= 0:
            raise ValueError(f"Received an invalid value for argument `units`, expected a positive integer, "
                             f"got {units}.")
        if stateful:
            raise NotImplementedError(f"{type(self).__name__}: `stateful=True` is not supported yet; pass the "
                                      "state between calls with `return_state` and `initial_state`")
        self.units = int(units)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = kernel_constraint
        self.recurrent_constraint = recurrent_constraint
        self.bias_constraint = bias_constraint
        self.dropout = min(1.0, max(0.0, dropout))
        self.recurrent_dropout = min(1.0, max(0.0, recurrent_dropout))
        self.return_sequences = return_sequences
        self.return_state = return_state
        self.go_backwards = go_backwards
        self.stateful = stateful
        self.unroll = unroll
        self.seed = seed
        self.supports_masking = True

    # ----- weights ---------------------------------------------------------------------------

    def build(self, input_shape):
        """Create `kernel`, `recurrent_kernel` and `bias` for inputs [batch, steps, features]."""
        if len(input_shape) != 3:
            raise ValueError(f"Input 0 of layer '{self.name}' is incompatible with the layer: expected ndim=3, "
                             f"found ndim={len(input_shape)}. Full shape received: {tuple(input_shape)}")
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
        self.built = True

    def bias_shape(self):
        """The shape of `bias`."""
        return (self.gates * self.units,)

    def bias_init(self):
        """The initializer of `bias`."""
        return self.bias_initializer

    def input_bias(self):
        """The bias added to the input projection (None without one)."""
        return self.bias

    # ----- the time loop ---------------------------------------------------------------------

    def call(self, sequences, initial_state=None, mask=None, training=None):
        """Run the steps; returns the last output (or all of them) and, with `return_state`, the states."""
        batch = array_ops.shape(sequences)[0]
        if training and 0.0 < self.dropout < 1.0:
            noise_shape = join_split.stack([batch, 1, array_ops.shape(sequences)[2]])
            sequences = nn.dropout(sequences, self.dropout, noise_shape=noise_shape, seed=self.seed)
        projected = linalg.matmul(sequences, self.kernel)
        if self.input_bias() is not None:
            projected = arithmetic.add(projected, self.input_bias())
        steps = array_ops.transpose(projected, [1, 0, 2])  # time major
        masks = None if mask is None else array_ops.expand_dims(
            array_ops.transpose(cast.cast(mask, "bool"), [1, 0]), -1)
        if self.go_backwards:
            steps = tiling.reverse(steps, [0])
            masks = None if masks is None else tiling.reverse(masks, [0])
        states = self._initial_states(initial_state, batch, sequences.dtype)
        recurrent_mask = None
        if training and 0.0 < self.recurrent_dropout < 1.0:
            recurrent_mask = nn.dropout(creation.ones_like(states[0]), self.recurrent_dropout, seed=self.seed)
        last_output, outputs, states = self._loop(steps, masks, states, recurrent_mask)
        output = array_ops.transpose(outputs, [1, 0, 2]) if self.return_sequences else last_output
        if self.return_state:
            return (output, *states)
        return output

    def _initial_states(self, initial_state, batch, dtype):
        if initial_state is None:
            return [creation.zeros(join_split.stack([batch, self.units]), dtype) for _ in range(self.state_count)]
        given = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
        if len(given) != self.state_count:
            raise ValueError(f"An `initial_state` was passed that is not compatible with `{type(self).__name__}`: "
                             f"it needs {self.state_count} state tensor(s), got {len(given)}.")
        return [cast.cast(s, dtype) for s in given]

    def _loop(self, steps, masks, states, recurrent_mask):
        """(last output, outputs [steps, batch, units] when returning sequences, final states).

        The outputs go into a buffer of fixed shape (a loop variable whose shape changed would
        have no gradient inside a traced function), one row per step.
        """
        count = array_ops.shape(steps)[0]
        inputs = tensor_array.TensorArray(steps.dtype, size=count).unstack(steps)
        mask_steps = None if masks is None else tensor_array.TensorArray("bool", size=count).unstack(masks)
        rows = count if self.return_sequences else 0
        outputs = creation.zeros(join_split.stack([rows, array_ops.shape(states[0])[0], self.units]), steps.dtype)

        def body(t, previous, outputs, *states):
            h = states[0] if recurrent_mask is None else arithmetic.multiply(states[0], recurrent_mask)
            output, new_states = self.step(inputs.read(t), list(states), h)
            if mask_steps is not None:
                keep = mask_steps.read(t)
                new_states = [comparison.where(keep, new, old) for new, old in zip(new_states, states)]
                output = comparison.where(keep, output, previous)
            if self.return_sequences:
                outputs = gather_scatter.tensor_scatter_nd_update(outputs, array_ops.reshape(t, [1, 1]),
                                                                   array_ops.expand_dims(output, 0))
            return (t + 1, output, outputs, *new_states)

        loop_vars = (constant(0, "int32"), creation.zeros_like(states[0]), outputs, *states)
        _, last, outputs, *states = control_flow.while_loop(lambda t, *rest: t < count, body, loop_vars)
        return last, outputs if self.return_sequences else None, states

    def step(self, projected, states, h):
        """(output, new states) from one step's projected input [batch, gates * units]."""
        raise NotImplementedError

    # ----- shapes and configuration ----------------------------------------------------------

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        """[batch, steps, units] or [batch, units], then one [batch, units] per state with `return_state`."""
        batch, steps = sequences_shape[0], sequences_shape[1]
        output = (batch, steps, self.units) if self.return_sequences else (batch, self.units)
        if self.return_state:
            return (output, *[(batch, self.units)] * self.state_count)
        return output

    def compute_mask(self, inputs, mask=None):
        """The input's mask for returned sequences (None for a last output and for the states)."""
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * self.state_count
        return output_mask

    def get_config(self):
        """Keras 3's config keys for recurrent layers."""
        config = super().get_config()
        config.update({
            "units": self.units, "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
            "kernel_initializer": serialize(initializers, self.kernel_initializer),
            "recurrent_initializer": serialize(initializers, self.recurrent_initializer),
            "bias_initializer": serialize(initializers, self.bias_initializer),
            "kernel_regularizer": serialize(regularizers, self.kernel_regularizer),
            "recurrent_regularizer": serialize(regularizers, self.recurrent_regularizer),
            "bias_regularizer": serialize(regularizers, self.bias_regularizer),
            "activity_regularizer": serialize(regularizers, self.activity_regularizer),
            "kernel_constraint": serialize_constraint(self.kernel_constraint),
            "recurrent_constraint": serialize_constraint(self.recurrent_constraint),
            "bias_constraint": serialize_constraint(self.bias_constraint),
            "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout, "seed": self.seed,
            "return_sequences": self.return_sequences, "return_state": self.return_state,
            "go_backwards": self.go_backwards, "stateful": self.stateful, "unroll": self.unroll,
        })
        return config

    @classmethod
    def from_config(cls, config):
        """The layer `get_config` described (constraints are not restored)."""
        config = {k: v for k, v in config.items() if not k.endswith("_constraint")}
        return cls(**config)


class SimpleRNN(BaseRNN):
    """A fully connected recurrence: h = activation(x W + h U + b)."""

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", **kwargs):
        super().__init__(units, activation, use_bias, kernel_initializer, recurrent_initializer, bias_initializer,
                         **kwargs)

    def step(self, projected, states, h):
        """h = activation(projected + h U)."""
        h = self.activation(arithmetic.add(projected, linalg.matmul(h, self.recurrent_kernel)))
        return h, [h]


class LSTM(BaseRNN):
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

    def step(self, projected, states, h):
        """The gates from projected + h U; c = f c + i activation(g); h = o activation(c)."""
        c = states[1]
        z = arithmetic.add(projected, linalg.matmul(h, self.recurrent_kernel))
        i, f, g, o = join_split.split(z, 4, axis=-1)
        act, gate = self.activation, self.recurrent_activation
        c = gate(f) * c + gate(i) * act(g)
        h = gate(o) * act(c)
        return h, [h, c]

    def get_config(self):
        """The recurrent config plus `recurrent_activation` and `unit_forget_bias`."""
        config = super().get_config()
        config.update({"recurrent_activation": activations.serialize(self.recurrent_activation),
                       "unit_forget_bias": self.unit_forget_bias})
        return config


class GRU(BaseRNN):
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

    def step(self, projected, states, h_in):
        """z, r from the projections; h = z h + (1 - z) activation(x_h + r (h U_h))."""
        (h,) = states
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
        """The recurrent config plus `recurrent_activation` and `reset_after`."""
        config = super().get_config()
        config.update({"recurrent_activation": activations.serialize(self.recurrent_activation),
                       "reset_after": self.reset_after})
        return config

