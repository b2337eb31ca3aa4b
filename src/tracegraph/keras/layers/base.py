"""`keras.layers.Layer`: the base of every layer and model, with Keras 3's contract.

A layer creates its weights in `build(input_shape)` (called once, from the first input's shape)
with `add_weight`, and computes in `call`. `__call__` converts array inputs to tensors of the
layer's dtype, builds, passes `training` down to the layers called inside, passes the input's Keras
mask to a `call` that takes `mask` and attaches `compute_mask`'s result to the outputs (keras/masking.py),
collects `add_loss` values, and, on symbolic `keras.Input` values, records the call for the functional API
instead of computing.
"""
import functools
import inspect
import re
import threading
import warnings

from ... import distribute, dtypes, nest, restoration
from ...convert import convert_to_tensor
from ...module import Module
from ...name_scope import name_scope
from ...ops import arithmetic, array_ops, cast, state_ops
from ...tensor import Tensor
from ...trace import function
from ...variable import Variable
from ...variable_base import is_variable
from .. import backend, initializers, regularizers
from ..keras_tensor import KerasTensor, Node, any_keras_tensor
from ..masking import get_keras_mask, masks_of, set_keras_mask
from ..saving.object_registry import register_class
from ..variables import KerasVariable

__all__ = ["Layer", "call_context"]

# Keyword arguments every layer accepts for Sequential's first layer (Keras 3 keeps them too).
_INPUT_SHAPE_KWARGS = ("input_shape", "input_dim", "batch_input_shape", "batch_size", "input_dtype")


# A layer's bookkeeping attributes, which hold no sub-layers or weights of their own.
_UNTRACKED_ATTRIBUTES = frozenset(("_inbound_nodes", "_init_arguments", "_call_losses", "_weight_regularizers",
                                   "_own_weights", "_build_input_shape", "_warned_mask_dropped"))


class _CallContext(threading.local):
    """The `training` flag of the outermost layer call in progress, passed down to inner calls."""

    def __init__(self):
        super().__init__()
        self.training = None
        self.depth = 0


call_context = _CallContext()


def _call_parameters(layer_class):
    """Which optional arguments `layer_class.call` accepts: (`training`, `mask`, any keyword)."""
    cached = layer_class.__dict__.get("_call_parameters_cache")
    if cached is None:
        parameters = inspect.signature(layer_class.call).parameters
        any_keyword = any(p.kind is p.VAR_KEYWORD for p in parameters.values())
        cached = ("training" in parameters or any_keyword, "mask" in parameters)
        layer_class._call_parameters_cache = cached
    return cached


def _shape_of(value):
    """A tensor's (or KerasTensor's) shape as a tuple with None for unknown sizes."""
    shape = value.shape
    return tuple(shape) if isinstance(shape, tuple) else tuple(shape.as_list())


class Layer(Module):
    """A callable block of computation with weights (Keras 3's `keras.layers.Layer`).

    Subclasses override `build(input_shape)` to create weights with `add_weight`, and
    `call(inputs, training=None)` to compute; `get_config` returns what rebuilds the layer.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        register_class(cls)
        if "build" in cls.__dict__:
            cls.build = _marking_built(cls.__dict__["build"])

    def __new__(cls, *args, **kwargs):
        layer = super().__new__(cls)
        layer._init_arguments = _constructor_arguments(cls, args, kwargs)
        return layer

    def __init__(self, trainable=True, name=None, dtype=None, activity_regularizer=None, **kwargs):
        input_kwargs = {key: kwargs.pop(key) for key in _INPUT_SHAPE_KWARGS if key in kwargs}
        kwargs.pop("autocast", None)
        if kwargs:
            raise TypeError(f"Unrecognized keyword arguments passed to {type(self).__name__}: {kwargs}")
        name = name or backend.unique_object_name(keras_snake_case(type(self).__name__))
        super().__init__(name=None)
        self._name = name
        self._scope_name = name + "/"
        self._dtype = dtypes.as_dtype(dtype or backend.floatx())
        self._trainable = bool(trainable)
        self.built = False
        self._own_weights = []
        self._weight_regularizers = []
        self._call_losses = []
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.supports_masking = False
        self._batch_input_shape = _batch_input_shape(**input_kwargs)
        self._inbound_nodes = []

    # ----- properties --------------------------------------------------------------------------

    @property
    def dtype(self):
        """The dtype of the layer's weights and computation, as a string ('float32')."""
        return self._dtype.name

    @property
    def compute_dtype(self):
        """The dtype floating inputs are cast to."""
        return self._dtype.name

    @property
    def variable_dtype(self):
        """The dtype of the layer's weights."""
        return self._dtype.name

    @property
    def trainable(self):
        """Whether the optimizer updates this layer's weights (setting it applies to sub-layers too)."""
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)
        for layer in self._flatten_layers(include_self=False):
            layer._trainable = bool(value)

    @property
    def input(self):
        """The symbolic input of this layer's first call on `keras.Input` values (functional API)."""
        node = self._first_node("input")
        return node.args[0] if node.args else node.outputs

    @property
    def output(self):
        """The symbolic output of this layer's first call on `keras.Input` values (functional API)."""
        return self._first_node("output").outputs

    def _first_node(self, what):
        if not self._inbound_nodes:
            raise AttributeError(f"Layer {self.name} has no defined {what}: it was never called on a "
                                 "symbolic input (keras.Input).")
        return self._inbound_nodes[0]

    @property
    def layers(self):
        """The layers directly held in this layer's attributes, in assignment order."""
        return list(self._flatten_layers(include_self=False, recursive=False))

    @property
    def weights(self):
        """Every weight of this layer, then of each sub-layer, each once."""
        found, seen = [], set()
        for layer in self._flatten_layers():
            for weight in layer._own_variables():
                if id(weight) not in seen:
                    seen.add(id(weight))
                    found.append(weight)
        return found

    @property
    def trainable_weights(self):
        """The weights the optimizer updates: trainable variables of trainable layers."""
        trainable = set()
        for layer in self._flatten_layers():
            if layer._trainable:
                trainable.update(id(w) for w in layer._own_variables() if w.trainable)
        return [w for w in self.weights if id(w) in trainable]

    @property
    def non_trainable_weights(self):
        """The weights the optimizer leaves alone."""
        trainable = {id(w) for w in self.trainable_weights}
        return [w for w in self.weights if id(w) not in trainable]

    variables = weights
    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    @property
    def losses(self):
        """The `add_loss` values of the latest call and the weight regularization penalties."""
        collected = []
        for layer in self._flatten_layers():
            collected.extend(layer._call_losses)
            collected.extend(regularizer(weight) for weight, regularizer in layer._weight_regularizers)
        return collected

    # ----- weights -----------------------------------------------------------------------------

    def add_weight(self, shape=None, initializer=None, dtype=None, trainable=True, regularizer=None,
                   constraint=None, name=None, **kwargs):
        """Create a Variable of `shape` owned by this layer (Keras 3's argument names and defaults:
        glorot_uniform for floats, zeros otherwise)."""
        if isinstance(shape, str) and name is None:  # tf.keras 2's positional order: add_weight(name, shape)
            name, shape = shape, initializer if not callable(initializer) else None
        dtype = dtypes.as_dtype(dtype or self._dtype)
        shape = () if shape is None else tuple(int(d) for d in shape)
        if initializer is None:
            initializer = "glorot_uniform" if dtype.is_floating else "zeros"
        initializer = initializers.get(initializer)
        name = name or "variable"
        with state_ops.init_scope(), name_scope("/"):
            initial = initializer(shape, dtype=dtype)
            variable = distribute.create_variable(  # mirrored in a strategy's scope
                KerasVariable, cast.cast(initial, dtype), name=name, path=f"{self.name}/{name}",
                trainable=trainable, constraint=constraint, dtype=dtype)
        self._own_weights.append(variable)
        if regularizer is not None:
            self._weight_regularizers.append((variable, regularizers.get(regularizer)))
        restoration.variables_created(self)  # a restored checkpoint may hold its value (tg.train)
        return variable

    def get_weights(self):
        """The values of `weights`, as a list of NumPy arrays."""
        return [w.numpy() for w in self.weights]

    def set_weights(self, weights):
        """Assign NumPy arrays to `weights`, in order; counts and shapes must match."""
        own = self.weights
        if len(own) != len(weights):
            raise ValueError(f"You called `set_weights(weights)` on layer '{self.name}' with a weight list "
                             f"of length {len(weights)}, but the layer was expecting {len(own)} weights.")
        for variable, value in zip(own, weights):
            value_shape = tuple(getattr(value, "shape", ()))
            if tuple(variable.shape.as_list()) != value_shape:
                raise ValueError(f"Layer {self.name} weight shape {tuple(variable.shape.as_list())} is not "
                                 f"compatible with provided weight shape {value_shape}.")
        for variable, value in zip(own, weights):
            variable.assign(value)

    def count_params(self):
        """The number of scalars in `weights`."""
        if not self.built:
            raise ValueError(f"You tried to call `count_params` on layer '{self.name}', but the layer "
                             "isn't built. You can build it manually via: `layer.build(input_shape)`.")
        total = 0
        for weight in self.weights:
            size = 1
            for dim in weight.shape.as_list():
                size *= dim
            total += size
        return total

    def add_loss(self, loss):
        """Record a scalar `loss` computed in `call`; it appears in `losses` and in training's loss."""
        self._call_losses.append(loss)

    # ----- building and calling ----------------------------------------------------------------

    def build(self, input_shape):
        """Create the weights for inputs of `input_shape`; the default creates none."""
        self.built = True

    def call(self, inputs, *args, **kwargs):
        """The computation; the default returns `inputs` unchanged."""
        return inputs

    def __call__(self, *args, **kwargs):
        if not args:
            raise ValueError(f"Layer '{self.name}' was called without inputs")
        if any_keras_tensor((args, kwargs)):
            return self._symbolic_call(args, kwargs)
        args = (self._convert_inputs(args[0]),) + args[1:]
        accepts_training, accepts_mask = _call_parameters(type(self))
        previous_mask = kwargs.get("mask") if accepts_mask else None
        if previous_mask is None:
            previous_mask = masks_of(args[0])
            if accepts_mask and previous_mask is not None:
                kwargs["mask"] = previous_mask
        training = kwargs.pop("training", None)
        outer_training = call_context.training
        if training is None:
            training = outer_training
        if accepts_training and training is not None:
            kwargs["training"] = training
        self._maybe_build(args[0])
        self._call_losses = []
        call_context.training, call_context.depth = training, call_context.depth + 1
        try:
            outputs = self.call(*args, **kwargs)
        finally:
            call_context.training, call_context.depth = outer_training, call_context.depth - 1
        if self.activity_regularizer is not None:
            for output in nest.flatten(outputs):
                self.add_loss(self._activity_loss(output))
        if self.supports_masking:
            self._attach_output_masks(args[0], outputs, previous_mask)
        elif previous_mask is not None:
            self._warn_mask_dropped()
        return outputs

    def compute_mask(self, inputs, mask=None):
        """The mask of this layer's output given its input's `mask` (Keras 3's default: the same mask)."""
        return mask

    def _attach_output_masks(self, inputs, outputs, previous_mask):
        """Attach `compute_mask`'s masks to the outputs that have none yet (Keras 3's rule)."""
        flat_outputs = nest.flatten(outputs)
        if all(get_keras_mask(x) is not None for x in flat_outputs):
            return
        masks = self.compute_mask(inputs, previous_mask)
        if masks is None:
            return
        for output, mask in zip(flat_outputs, nest.flatten(masks)):
            if get_keras_mask(output) is None and mask is not None:
                set_keras_mask(output, mask)

    def _warn_mask_dropped(self):
        if not getattr(self, "_warned_mask_dropped", False):
            self._warned_mask_dropped = True
            warnings.warn(f"Layer '{self.name}' (of type {type(self).__name__}) was passed an input with a mask "
                          "attached to it. However, this layer does not support masking and will therefore "
                          "destroy the mask information. Downstream layers will not see the mask.", stacklevel=3)

    def _activity_loss(self, output):
        """The activity regularizer's penalty on `output`, divided by the batch size as in Keras 3
        (so the strength does not depend on the batch size)."""
        loss = convert_to_tensor(self.activity_regularizer(output))
        if output.shape.rank:
            batch_size = cast.cast(array_ops.shape(output)[0], loss.dtype)
            loss = arithmetic.divide_no_nan(loss, batch_size)
        return loss

    def _convert_inputs(self, inputs):
        """Arrays and lists become tensors; floating inputs take the layer's dtype (Keras's autocast)."""
        def convert(value):
            if value is None or is_variable(value):
                return value
            if not isinstance(value, Tensor):
                if not _is_array_like(value):
                    return value
                value = convert_to_tensor(value)
            if value.dtype.is_floating and value.dtype != self._dtype:
                value = cast.cast(value, self._dtype)
            return value
        return nest.map_structure(convert, inputs)

    def _maybe_build(self, inputs):
        """Build from the shapes of `inputs` on the first call."""
        if self.built:
            return
        shapes = nest.map_structure(_shape_of, inputs) if nest.is_nested(inputs) else _shape_of(inputs)
        self._build_input_shape = shapes
        with name_scope(self._scope_name):
            self.build(shapes)
        self.built = True

    def _symbolic_call(self, args, kwargs):
        """Record `self(*args, **kwargs)` on KerasTensors: trace the call to learn the output specs."""
        flat = nest.flatten((args, kwargs))
        placeholders = [x for x in flat if isinstance(x, KerasTensor)]

        def call_on_tensors(*tensors):
            values = iter(tensors)
            real = [next(values) if isinstance(x, KerasTensor) else x for x in flat]
            call_args, call_kwargs = nest.pack_sequence_as((args, kwargs), real)
            return self(*call_args, **call_kwargs)

        self._maybe_build(args[0])
        traced = function(call_on_tensors).get_concrete_function(*[p.spec() for p in placeholders])
        self._call_losses = []
        outputs = nest.map_structure(lambda t: KerasTensor(t.shape, t.dtype), traced.structured_outputs)
        node = Node(self, args, kwargs, outputs)
        for output in nest.flatten(outputs):
            output.node = node
        self._inbound_nodes.append(node)
        return outputs

    def compute_output_shape(self, input_shape):
        """The output shape for an input of `input_shape`, found by tracing `call` symbolically."""
        if nest.is_nested(input_shape) and not all(isinstance(d, (int, type(None))) for d in input_shape):
            placeholder = nest.map_structure(lambda s: KerasTensor(s, self._dtype), input_shape,)
        else:
            placeholder = KerasTensor(input_shape, self._dtype)
        output = self._symbolic_call((placeholder,), {})
        self._inbound_nodes.pop()
        return nest.map_structure(lambda k: k.shape, output)

    # ----- structure -------------------------------------------------------------------------

    def _own_variables(self):
        """This layer's own weights: those from `add_weight`, then Variables set as attributes; the
        trainable ones first, as Keras 3 orders them (so `get_weights` lists match Keras's)."""
        own = list(self._own_weights)
        known = {id(w) for w in own}
        for value in self._attribute_values():
            if is_variable(value) and id(value) not in known:
                known.add(id(value))
                own.append(value)
        return [w for w in own if w.trainable] + [w for w in own if not w.trainable]

    def _attribute_values(self):
        """The leaves of this layer's attributes in assignment order (lists, tuples, dicts opened)."""
        for key, value in vars(self).items():
            if key in _UNTRACKED_ATTRIBUTES:
                continue
            if isinstance(value, (Module, Variable)) or not nest.is_nested(value):
                yield value
            else:
                yield from nest.flatten(value)

    def _flatten_layers(self, include_self=True, recursive=True):
        """This layer (optionally) and its sub-layers, depth first in assignment order, each once."""
        seen = set()
        stack = [self]
        first = True
        while stack:
            layer = stack.pop(0)
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            if include_self or not first:
                yield layer
            children = [v for v in layer._attribute_values() if isinstance(v, Layer)]
            if recursive or first:
                stack[0:0] = children
            first = False

    # ----- configuration ---------------------------------------------------------------------

    def get_config(self):
        """What `from_config` needs to rebuild the layer (without its weights)."""
        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
        if self._batch_input_shape is not None:
            config["batch_input_shape"] = self._batch_input_shape
        if self.activity_regularizer is not None:
            config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        config.update(self._init_arguments)
        return config

    @classmethod
    def from_config(cls, config):
        """A layer made from `get_config()`'s dict."""
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


def _marking_built(build):
    """`build` that also sets `built`, so a layer built by hand is not built again by its first
    call (Keras 3 wraps every `build` the same way)."""
    @functools.wraps(build)
    def build_and_mark(self, *args, **kwargs):
        result = build(self, *args, **kwargs)
        self.built = True
        return result
    return build_and_mark


def keras_snake_case(class_name):
    """Keras's default layer name for a class: `Conv2D` -> `conv2d`, `MaxPooling2D` -> `max_pooling2d`
    (a digit does not start a new word, unlike `tg.Module`'s rule, which gives `conv2_d` as TF's does)."""
    words = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", class_name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", words).lower()


def _batch_input_shape(input_shape=None, input_dim=None, batch_input_shape=None, batch_size=None,
                       input_dtype=None):
    """The full input shape (with the batch dimension) that a first layer was given, or None."""
    if batch_input_shape is not None:
        return tuple(batch_input_shape)
    if input_shape is not None:
        return (batch_size,) + tuple(input_shape)
    if input_dim is not None:
        return (batch_size, int(input_dim))
    return None


def _is_array_like(value):
    """True for NumPy arrays, Python numbers and (nested) lists of them."""
    return hasattr(value, "__array__") or isinstance(value, (int, float, bool, list))


def _constructor_arguments(cls, args, kwargs):
    """The plain-data constructor arguments of a user layer, for its default `get_config`.

    Built-in layers write their own `get_config`; for a user's subclass, Keras 3 records the
    arguments it was made with, so saving and cloning work without a `get_config`.
    """
    if cls.__module__.startswith("tracegraph."):
        return {}
    try:
        bound = inspect.signature(cls.__init__).bind(None, *args, **kwargs)
    except TypeError:
        return {}
    arguments = dict(bound.arguments)
    arguments.pop(next(iter(arguments)))  # self
    extra = arguments.pop("kwargs", {})
    arguments.update({k: v for k, v in extra.items() if k not in _INPUT_SHAPE_KWARGS})
    return {k: v for k, v in arguments.items() if _is_plain_data(v)}


def _is_plain_data(value):
    """True for values a JSON config can hold."""
    if isinstance(value, (str, int, float, bool, type(None))):
        return True
    if isinstance(value, (list, tuple)):
        return all(_is_plain_data(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_plain_data(v) for k, v in value.items())
    return False
