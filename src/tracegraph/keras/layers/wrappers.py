"""Layers that wrap another layer: `TimeDistributed` (the layer on every step of a sequence) and
`Bidirectional` (a recurrent layer run forwards and backwards, the two results merged).

TimeDistributed folds the time axis into the batch ([batch, steps, ...] -> [batch * steps, ...]),
calls the layer once and unfolds the result, so any number of steps is one call of the layer (as
tf.keras 2 did; Keras 3 calls the layer once per step, which gives the same values for every layer
that treats samples independently).
"""
from ...ops import arithmetic, array_ops, join_split, tiling
from .. import backend
from .base import Layer, _call_parameters
from .nested_config import deserialize_layer, serialize_layer

__all__ = ["Wrapper", "TimeDistributed", "Bidirectional"]

_MERGE_MODES = ("sum", "mul", "ave", "concat", None)


class Wrapper(Layer):
    """The base of layers that hold one layer (`self.layer`) and call it in their own way."""

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"Please initialize `{type(self).__name__}` layer with a `keras.layers.Layer` "
                             f"instance. Received: {layer}")
        super().__init__(**kwargs)
        self.layer = layer

    def get_config(self):
        """The base config and the wrapped layer's config."""
        return {**super().get_config(), "layer": serialize_layer(self.layer)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """The wrapper `get_config` described."""
        config = dict(config)
        layer = deserialize_layer(config.pop("layer"), custom_objects)
        return cls(layer, **config)


class TimeDistributed(Wrapper):
    """Apply `layer` to every step of inputs [batch, steps, ...] with the same weights."""

    def __init__(self, layer, **kwargs):
        super().__init__(layer, **kwargs)
        self.supports_masking = True

    @staticmethod
    def _child_input_shape(input_shape):
        if not isinstance(input_shape, (tuple, list)) or len(input_shape) < 3:
            raise ValueError(f"`TimeDistributed` Layer should be passed an `input_shape` with at least 3 "
                             f"dimensions, received: {input_shape}")
        return (input_shape[0], *input_shape[2:])

    def build(self, input_shape):
        """Build the layer for one step's input [batch, ...]."""
        child_shape = self._child_input_shape(tuple(input_shape))
        if not self.layer.built:
            self.layer.build(child_shape)

    def call(self, inputs, training=None, mask=None):
        """The layer on [batch * steps, ...], reshaped back to [batch, steps, ...]."""
        sizes = backend.sizes_of(inputs)
        batch_and_steps, inner = sizes[:2], sizes[2:]
        folded = array_ops.reshape(inputs, join_split.stack([-1] + inner) if _dynamic(inner) else [-1] + inner)
        kwargs = _call_kwargs(self.layer, training, mask)
        if "mask" in kwargs:
            kwargs["mask"] = array_ops.reshape(mask, [-1] + mask.shape.as_list()[2:])
        outputs = self.layer(folded, **kwargs)
        shape = batch_and_steps + backend.sizes_of(outputs)[1:]
        return array_ops.reshape(outputs, join_split.stack(shape) if _dynamic(shape) else shape)

    def compute_output_shape(self, input_shape):
        """[batch, steps, *the layer's output shape for one step]."""
        child = self.layer.compute_output_shape(self._child_input_shape(tuple(input_shape)))
        return (child[0], input_shape[1], *child[1:])

    def compute_mask(self, inputs, mask=None):
        """The input's mask (each step's output belongs to the same step)."""
        return mask


def _call_kwargs(layer, training, mask):
    """`training` and `mask` as keywords for a call of `layer`, each where given and its `call` takes it."""
    accepts_training, accepts_mask = _call_parameters(type(layer))
    kwargs = {"training": training} if accepts_training and training is not None else {}
    if accepts_mask and mask is not None:
        kwargs["mask"] = mask
    return kwargs


def _dynamic(sizes):
    return any(not isinstance(s, int) for s in sizes)


def _remove_prefix(name, prefix):
    return name[len(prefix):] if name.startswith(prefix) else name


class Bidirectional(Layer):
    """Run a recurrent `layer` over the sequence forwards and a copy of it backwards (or
    `backward_layer`), and merge the two results by `merge_mode`: "concat" (default), "sum", "mul",
    "ave", or None (both, as a list). With `return_sequences` the backward outputs are put back in time
    order before merging; with `return_state` the forward states come first, then the backward ones."""

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"Please initialize `Bidirectional` layer with a `keras.layers.Layer` instance. "
                             f"Received: {layer}")
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError(f"`backward_layer` need to be a `keras.layers.Layer` instance. "
                             f"Received: {backward_layer}")
        if merge_mode not in _MERGE_MODES:
            raise ValueError(f"Invalid merge mode. Received: {merge_mode}. Merge mode should be one of "
                             '{"sum", "mul", "ave", "concat", None}')
        super().__init__(**kwargs)
        self.forward_layer = _copy(layer, name=f"forward_{_remove_prefix(layer.name, 'forward_')}")
        if backward_layer is None:
            backward_layer = _copy(layer, name=f"backward_{_remove_prefix(layer.name, 'backward_')}",
                                   go_backwards=True)
        self.backward_layer = backward_layer
        self._verify_layer_config()
        for inner in (self.forward_layer, self.backward_layer):
            if getattr(inner, "zero_output_for_mask", None) is not None:
                inner.zero_output_for_mask = inner.return_sequences
        self.merge_mode = merge_mode
        self._initial_weights = weights
        self.stateful = layer.stateful
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True

    def _verify_layer_config(self):
        forward, backward = self.forward_layer, self.backward_layer
        if forward.go_backwards == backward.go_backwards:
            raise ValueError(f"Forward layer and backward layer should have different `go_backwards` value. "
                             f"Received: forward_layer.go_backwards {forward.go_backwards}, "
                             f"backward_layer.go_backwards={backward.go_backwards}")
        for attribute in ("stateful", "return_sequences", "return_state"):
            if getattr(forward, attribute) != getattr(backward, attribute):
                raise ValueError(f"Forward layer and backward layer are expected to have the same value for "
                                 f'attribute "{attribute}", got "{getattr(forward, attribute)}" for forward layer '
                                 f'and "{getattr(backward, attribute)}" for backward layer')

    def build(self, sequences_shape, initial_state_shape=None):
        """Build both layers (and assign `weights` if the constructor was given them)."""
        for inner in (self.forward_layer, self.backward_layer):
            if not inner.built:
                inner.build(sequences_shape)
        if self._initial_weights:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    def call(self, sequences, initial_state=None, mask=None, training=None):
        """Both directions, merged."""
        forward_kwargs = _call_kwargs(self.forward_layer, training, mask)
        backward_kwargs = dict(forward_kwargs)
        if initial_state is not None:
            half = len(initial_state) // 2
            forward_kwargs["initial_state"] = list(initial_state[:half])
            backward_kwargs["initial_state"] = list(initial_state[half:])
        y = self.forward_layer(sequences, **forward_kwargs)
        y_rev = self.backward_layer(sequences, **backward_kwargs)
        states = ()
        if self.return_state:
            states = tuple(y[1:]) + tuple(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = tiling.reverse(y_rev, [1])
        output = self._merge(y, y_rev)
        if self.return_state:
            return (*output, *states) if self.merge_mode is None else (output, *states)
        return output

    @property
    def states(self):
        """The forward layer's state Variables, then the backward layer's (stateful layers only)."""
        forward, backward = self.forward_layer.states, self.backward_layer.states
        return tuple(forward) + tuple(backward) if forward and backward else None

    def reset_state(self):
        """Reset both layers' states (stateful layers only)."""
        if not self.stateful:
            raise AttributeError("Layer must be stateful.")
        self.forward_layer.reset_state()
        self.backward_layer.reset_state()

    reset_states = reset_state

    def _merge(self, y, y_rev):
        if self.merge_mode == "concat":
            return join_split.concat([y, y_rev], axis=-1)
        if self.merge_mode == "sum":
            return arithmetic.add(y, y_rev)
        if self.merge_mode == "ave":
            return arithmetic.add(y, y_rev) / 2
        if self.merge_mode == "mul":
            return arithmetic.multiply(y, y_rev)
        return [y, y_rev]

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        """Both layers' output shapes merged (the last axes added by "concat", both kept by None), then
        the forward layer's states and the backward layer's."""
        forward = self.forward_layer.compute_output_shape(sequences_shape)
        backward = self.backward_layer.compute_output_shape(sequences_shape)
        states = ()
        if self.return_state:
            (forward, *forward_states), (backward, *backward_states) = forward, backward
            states = tuple(forward_states) + tuple(backward_states)
        if self.merge_mode == "concat":
            outputs = ((*forward[:-1], forward[-1] + backward[-1]),)
        elif self.merge_mode is None:
            outputs = (forward, backward)
        else:
            outputs = (forward,)
        if self.return_state or self.merge_mode is None:
            return outputs + states
        return outputs[0]

    def compute_mask(self, inputs, mask=None):
        """The input's mask for returned sequences (for both outputs with merge_mode None)."""
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        if not self.merge_mode:
            output_mask = [output_mask, output_mask]
        if self.return_state:
            states = [None] * (2 * len(getattr(self.forward_layer, "state_size", [None])))
            return (output_mask if isinstance(output_mask, list) else [output_mask]) + states
        return output_mask

    def get_config(self):
        """Keras 3's config: `merge_mode` and both layers' configs."""
        return {**super().get_config(), "merge_mode": self.merge_mode,
                "layer": serialize_layer(self.forward_layer), "backward_layer": serialize_layer(self.backward_layer)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """The layer `get_config` described."""
        config = dict(config)
        config["layer"] = deserialize_layer(config["layer"], custom_objects)
        if config.get("backward_layer") is not None:
            config["backward_layer"] = deserialize_layer(config["backward_layer"], custom_objects)
        return cls(**config)


def _copy(layer, name, **changes):
    """A new, unbuilt layer with `layer`'s config, renamed, with `changes` to its config."""
    entry = serialize_layer(layer)
    entry["config"].update(name=name, **changes)
    return deserialize_layer(entry)
