"""Keras 3's core layers: Dense, Activation, Lambda, Identity, Embedding and Masking."""
import base64
import builtins
import importlib
import inspect
import marshal
import numbers
import types

from ... import linalg, math, nn
from .. import activations, constraints, initializers, regularizers
from .base import Layer, _is_plain_data

__all__ = ["Dense", "Activation", "Lambda", "Identity", "Embedding", "Masking"]


def _positive_int(layer_name, argument, value):
    """`value` as an int, or Keras's ValueError when it is not a positive integer."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{layer_name}: `{argument}` must be a positive integer. Received: {argument}={value!r}")
    return int(value)


class Dense(Layer):
    """`activation(inputs @ kernel + bias)`: a fully connected layer.

    Inputs of rank above 2 are contracted over their last axis, so `(batch, steps, d)` gives
    `(batch, steps, units)`. Weights: `kernel` of shape `(d, units)`, then `bias` of `(units,)`.
    """

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        kwargs.pop("quantization_config", None)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.units = _positive_int("Dense", "units", units)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.supports_masking = True

    def build(self, input_shape):
        if input_shape[-1] is None:
            raise ValueError(f"Dense '{self.name}': the last dimension of the inputs must be known, "
                             f"got input shape {input_shape}")
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(self.units,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)

    def call(self, inputs):
        if not inputs.dtype.is_floating:  # Keras promotes integer inputs to the kernel's dtype
            inputs = math.cast(inputs, self.compute_dtype)
        if inputs.shape.rank == 2:
            outputs = linalg.matmul(inputs, self.kernel)
        else:
            outputs = linalg.tensordot(inputs, self.kernel, [[inputs.shape.rank - 1], [0]])
        if self.bias is not None:
            outputs = outputs + self.bias
        return self.activation(outputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        return {**super().get_config(), "units": self.units,
                "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint)}


class Activation(Layer):
    """Applies `activation` (a name such as 'relu' or a function) to its input."""

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self.supports_masking = True

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


class Identity(Layer):
    """Returns its input unchanged (a placeholder layer)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape


class Lambda(Layer):
    """Wraps `function(inputs, **arguments)` as a layer without weights.

    `output_shape` (without the batch size, or a function of the input shape) is optional: by
    default the output shape comes from tracing the function. The function receives `mask`
    and `training` when it names them. A Python lambda is saved as Keras saves it (its
    bytecode) when its defaults and closure are plain data, and loads only with
    `safe_mode=False`; a named function is saved by module and name.
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda: `function` must be callable, got {function!r}")
        self.function = function
        self.arguments = dict(arguments or {})
        self.mask = mask
        self.supports_masking = mask is not None
        self._output_shape = output_shape
        try:
            parameters = inspect.signature(function).parameters
        except (TypeError, ValueError):  # some builtins have no signature: they take neither
            parameters = {}
        self._fn_expects_training = "training" in parameters
        self._fn_expects_mask = "mask" in parameters

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if self._fn_expects_mask:
            kwargs["mask"] = mask
        if self._fn_expects_training:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            return super().compute_output_shape(input_shape)
        if callable(self._output_shape):
            return self._output_shape(input_shape)
        return (input_shape[0],) + tuple(self._output_shape)

    def compute_mask(self, inputs, mask=None):
        """The output mask: `mask(inputs, mask)` when `mask` is a function, else `mask` itself."""
        return self.mask(inputs, mask) if callable(self.mask) else self.mask

    def get_config(self):
        config = {**super().get_config(), "function": _function_to_config(self.function, "function")}
        if self._output_shape is not None:
            config["output_shape"] = (_function_to_config(self._output_shape, "output_shape")
                                      if callable(self._output_shape) else self._output_shape)
        if self.mask is not None:
            config["mask"] = _function_to_config(self.mask, "mask") if callable(self.mask) else self.mask
        if not _is_plain_data(self.arguments):
            raise ValueError(f"Lambda '{self.name}' cannot be serialized: its `arguments` {self.arguments!r} "
                             "are not plain data (numbers, strings, lists, dicts)")
        config["arguments"] = dict(self.arguments)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=True):
        """A Lambda from `get_config()`; a saved Python lambda is code, so it loads only with
        `safe_mode=False` (Keras's rule). A named function is looked up in `custom_objects` first."""
        config = dict(config)
        for key in ("function", "output_shape", "mask"):
            if isinstance(config.get(key), dict):
                config[key] = _function_from_config(config[key], custom_objects or {}, safe_mode)
        if isinstance(config.get("output_shape"), list):
            config["output_shape"] = tuple(config["output_shape"])
        return cls(**config)


def _function_to_config(fn, argument):
    """A function as config data: a lambda as base64 bytecode plus its plain-data defaults and
    closure (Keras's `func_dump`); a named function by module and qualified name."""
    if isinstance(fn, types.LambdaType) and fn.__name__ == "<lambda>":
        closure = tuple(cell.cell_contents for cell in fn.__closure__ or ())
        if not (_is_plain_data(list(closure)) and _is_plain_data(list(fn.__defaults__ or ()))):
            raise ValueError(f"Lambda: cannot serialize the Python lambda given as `{argument}`: it refers to "
                             f"values that are not plain data ({closure or fn.__defaults__}). Write it as a "
                             "named module-level function, or a Layer subclass with get_config")
        code = base64.b64encode(marshal.dumps(fn.__code__)).decode("ascii")
        return {"class_name": "__lambda__",
                "config": {"code": code, "defaults": fn.__defaults__, "closure": closure or None}}
    if inspect.isfunction(fn) or inspect.isbuiltin(fn):
        if "<locals>" in fn.__qualname__:
            raise ValueError(f"Lambda: cannot serialize `{argument}`={fn.__qualname__}: it is defined inside "
                             "another function, so loading could not find it. Define it at module level")
        return {"module": fn.__module__, "class_name": "function", "config": fn.__qualname__,
                "registered_name": "function"}
    raise ValueError(f"Lambda: cannot serialize `{argument}`={fn!r}: expected a function")


def _function_from_config(config, custom_objects, safe_mode):
    """The function `_function_to_config` described."""
    if config.get("class_name") == "__lambda__":
        if safe_mode:
            raise ValueError("Requested the deserialization of a `Lambda` layer whose `function` is a Python "
                             "lambda. Loading it runs code from the saved file, so it is disallowed by default; "
                             "if you trust the source, pass `safe_mode=False`")
        inner = config["config"]
        code = marshal.loads(base64.b64decode(inner["code"]))
        closure = tuple(_cell(value) for value in inner.get("closure") or ())
        defaults = tuple(inner["defaults"]) if inner.get("defaults") is not None else None
        return types.FunctionType(code, {"__builtins__": builtins}, code.co_name, defaults, closure or None)
    if config.get("class_name") == "function":
        if config["config"] in custom_objects:
            return custom_objects[config["config"]]
        found = importlib.import_module(config["module"])
        for part in config["config"].split("."):
            found = getattr(found, part)
        return found
    raise ValueError(f"Lambda: could not interpret the function config {config!r}")


def _cell(value):
    """A closure cell holding `value`."""
    return (lambda: value).__closure__[0]


class Embedding(Layer):
    """Looks up rows of an `(input_dim, output_dim)` table: integer ids of shape `s` give `s + (output_dim,)`.

    The table's gradient is an IndexedSlices (only the looked-up rows), which optimizers apply
    as sparse updates. `input_length` (tf.keras 2) gives a first layer its input shape.
    """

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform", embeddings_regularizer=None,
                 embeddings_constraint=None, mask_zero=False, weights=None, input_length=None, **kwargs):
        kwargs.pop("quantization_config", None)
        if input_length is not None and not any(k in kwargs for k in ("input_shape", "batch_input_shape")):
            kwargs["input_shape"] = (input_length,)
        super().__init__(**kwargs)
        self.input_dim = _positive_int("Embedding", "input_dim", input_dim)
        self.output_dim = _positive_int("Embedding", "output_dim", output_dim)
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        if weights is not None:
            self.build()
            self.set_weights(weights if isinstance(weights, list) else [weights])

    def build(self, input_shape=None):
        if self.built:
            return
        self.embeddings = self.add_weight(name="embeddings", shape=(self.input_dim, self.output_dim),
                                          initializer=self.embeddings_initializer,
                                          regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint)
        self.built = True

    def call(self, inputs):
        if inputs.dtype.name not in ("int32", "int64"):
            inputs = math.cast(inputs, "int32")
        return nn.embedding_lookup(self.embeddings, inputs)

    def compute_mask(self, inputs, mask=None):
        """`inputs != 0` when `mask_zero`, else None."""
        return math.not_equal(inputs, 0) if self.mask_zero else None

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self):
        return {**super().get_config(), "input_dim": self.input_dim, "output_dim": self.output_dim,
                "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
                "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
                "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
                "mask_zero": self.mask_zero, "activity_regularizer": regularizers.serialize(self.activity_regularizer)}


class Masking(Layer):
    """Marks timesteps whose features all equal `mask_value` as padding: their outputs become 0,
    and `compute_mask` gives the timesteps to keep (for layers that skip padding)."""

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = mask_value
        self.supports_masking = True

    def call(self, inputs):
        return inputs * math.cast(self._keep(inputs, keepdims=True), inputs.dtype)

    def _keep(self, inputs, keepdims=False):
        return math.reduce_any(math.not_equal(inputs, self.mask_value), axis=-1, keepdims=keepdims)

    def compute_mask(self, inputs, mask=None):
        """True for the timesteps with some feature other than `mask_value`."""
        return self._keep(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "mask_value": self.mask_value}
