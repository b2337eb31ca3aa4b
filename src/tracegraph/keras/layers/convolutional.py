"""`keras.layers.Conv1D`, `Conv2D`, `Conv3D`: Keras 3's convolution layers on `tg.nn.convolution`.

The kernel is [*kernel_size, in_channels // groups, filters] and the bias [filters], as in Keras.
`padding` is "valid", "same" (TF's split: the odd padding after) or, for Conv1D, "causal" (all
padding before, so no output sees a later step). With `groups`, the kernel's in_channels are a
fraction of the input's, which `tg.nn.convolution` takes as a grouped convolution (as TF's does).

The helpers for argument forms and output lengths are shared with the pooling layers, the other
convolution layers (depthwise, separable, transposed, locally connected) and ConvLSTM.
"""
from ... import nn
from .. import activations, constraints, initializers, regularizers
from .base import Layer

__all__ = ["Conv1D", "Conv2D", "Conv3D", "Convolution1D", "Convolution2D", "Convolution3D"]


# ----- arguments shared with the pooling layers -------------------------------------------------

def standardize_tuple(value, n, name, allow_zero=False):
    """`value` (an int or n ints) as a tuple of n ints (Keras's `standardize_tuple`)."""
    if isinstance(value, int):
        values = (value,) * n
    else:
        try:
            values = tuple(int(v) for v in value)
        except TypeError:
            raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. Received {name}={value}") \
                from None
        if len(values) != n:
            raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. Received {name}={value}")
    if any(v < 0 or (v == 0 and not allow_zero) for v in values):
        raise ValueError(f"The `{name}` argument must be a tuple of {n} positive integers. "
                         f"Received {name}={value}")
    return values


def standardize_padding(padding, allow_causal=False):
    """"valid", "same" (or "causal" where allowed), whatever the case."""
    value = str(padding).lower()
    allowed = ("valid", "same", "causal") if allow_causal else ("valid", "same")
    if value not in allowed:
        raise ValueError(f"The `padding` argument must be one of {allowed}. Received: {padding}")
    return value


def standardize_data_format(data_format):
    """"channels_last" (the default) or "channels_first"."""
    value = "channels_last" if data_format is None else str(data_format).lower()
    if value not in ("channels_last", "channels_first"):
        raise ValueError(f"The `data_format` argument must be one of {{'channels_first', 'channels_last'}}. "
                         f"Received: data_format={data_format}")
    return value


def standardize_geometry(layer, rank, kernel_size, strides, padding, data_format, dilation_rate=1,
                         allow_causal=False):
    """Set `layer.rank`, `kernel_size`, `strides`, `dilation_rate`, `padding` and `data_format` in
    their standard forms (the window arguments every convolution layer takes)."""
    layer.rank = rank
    layer.kernel_size = standardize_tuple(kernel_size, rank, "kernel_size")
    layer.strides = standardize_tuple(strides, rank, "strides")
    layer.dilation_rate = standardize_tuple(dilation_rate, rank, "dilation_rate")
    layer.padding = standardize_padding(padding, allow_causal)
    layer.data_format = standardize_data_format(data_format)


def tf_data_format(data_format, rank):
    """The `tg.nn` name of a Keras data format for `rank` spatial dimensions ("NHWC", "NCHW", ...)."""
    spatial = ("W", "HW", "DHW")[rank - 1]
    return f"N{spatial}C" if data_format == "channels_last" else f"NC{spatial}"


def output_length(length, window, stride, padding, dilation=1):
    """The output length of one spatial dimension (None stays None), as Keras computes it."""
    if length is None:
        return None
    if padding in ("same", "causal"):
        return (length + stride - 1) // stride
    return (length - (window - 1) * dilation - 1) // stride + 1


def spatial_axes(data_format, rank):
    """The spatial axes of an input with `rank` spatial dimensions."""
    return list(range(1, rank + 1)) if data_format == "channels_last" else list(range(2, rank + 2))


def input_channels(layer, input_shape):
    """The channel size of `input_shape` in `layer.data_format`; a clear error if it is unknown."""
    if len(input_shape) != layer.rank + 2:
        raise ValueError(f"Input 0 of layer '{layer.name}' is incompatible with the layer: expected "
                         f"ndim={layer.rank + 2}, found ndim={len(input_shape)}. Full shape received: "
                         f"{tuple(input_shape)}")
    channels = input_shape[-1] if layer.data_format == "channels_last" else input_shape[1]
    if channels is None:
        raise ValueError(f"The channel dimension of the inputs of {type(layer).__name__} should be defined. "
                         f"Received input shape {tuple(input_shape)}.")
    return channels


def conv_output_shape(layer, input_shape, channels):
    """[batch, *output lengths, channels] (channels first: [batch, channels, *lengths])."""
    input_shape = tuple(input_shape)
    lengths = [output_length(input_shape[a], k, s, layer.padding, d) for a, k, s, d in zip(
        spatial_axes(layer.data_format, layer.rank), layer.kernel_size, layer.strides, layer.dilation_rate)]
    if any(n is not None and n <= 0 for n in lengths):
        raise ValueError(f"Computed output size would be negative. Received `inputs shape={input_shape}`, "
                         f"`kernel shape={layer.kernel_size}`, `dilation_rate={layer.dilation_rate}`.")
    return batch_shape(layer.data_format, input_shape[0], lengths, channels)


def batch_shape(data_format, batch, lengths, channels):
    """[batch, *lengths, channels], or [batch, channels, *lengths] for "channels_first"."""
    if data_format == "channels_last":
        return (batch, *lengths, channels)
    return (batch, channels, *lengths)


def check_strides_and_dilation(layer):
    """ValueError if both `layer.strides` and `layer.dilation_rate` exceed 1 somewhere (Keras's message)."""
    if max(layer.strides) > 1 and max(layer.dilation_rate) > 1:
        raise ValueError(f"`strides > 1` not supported in conjunction with `dilation_rate > 1`. "
                         f"Received: strides={layer.strides} and dilation_rate={layer.dilation_rate}")


def add_bias_and_activate(layer, outputs):
    """`layer.activation(outputs + layer.bias)` (the bias along the channel axis, where the layer uses one)."""
    if layer.use_bias:
        outputs = nn.bias_add(outputs, layer.bias, data_format=tf_data_format(layer.data_format, layer.rank))
    return layer.activation(outputs)


def check_positive(name, value):
    """ValueError unless `value` is a positive number (Keras's message)."""
    if value is None or value <= 0:
        raise ValueError(f"Invalid value for argument `{name}`. Expected a strictly positive value. "
                         f"Received {name}={value}.")


def serialize(module, value):
    """`module.serialize(value)`, with None for None (Keras's configs hold None there)."""
    if value is None:
        return None
    return module.serialize(value)


def set_weight_arguments(layer, weight, initializer, regularizer, constraint):
    """Set `layer.<weight>_initializer`, `<weight>_regularizer` and `<weight>_constraint` from their
    argument forms."""
    setattr(layer, f"{weight}_initializer", initializers.get(initializer))
    setattr(layer, f"{weight}_regularizer", regularizers.get(regularizer))
    setattr(layer, f"{weight}_constraint", constraints.get(constraint))


def add_argument_weight(layer, name, shape, weight=None):
    """`layer.add_weight(name, shape)` with the initializer, regularizer and constraint
    `set_weight_arguments` set for `weight` (`name` by default)."""
    weight = weight or name
    return layer.add_weight(name=name, shape=shape, initializer=getattr(layer, f"{weight}_initializer"),
                            regularizer=getattr(layer, f"{weight}_regularizer"),
                            constraint=getattr(layer, f"{weight}_constraint"))


def weight_arguments_config(layer, *weights, activity=True):
    """The config entries `set_weight_arguments` set for `weights`, in Keras's order: initializers,
    regularizers (then, with `activity`, the activity regularizer), constraints."""
    config = {f"{w}_initializer": serialize(initializers, getattr(layer, f"{w}_initializer")) for w in weights}
    config.update({f"{w}_regularizer": serialize(regularizers, getattr(layer, f"{w}_regularizer")) for w in weights})
    if activity:
        config["activity_regularizer"] = serialize(regularizers, layer.activity_regularizer)
    config.update({f"{w}_constraint": constraints.serialize(getattr(layer, f"{w}_constraint")) for w in weights})
    return config


# ----- the layers -----------------------------------------------------------------------------

class BaseConv(Layer):
    """An N-D convolution layer (N = `rank`); see the module docstring."""

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 groups=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        standardize_geometry(self, rank, kernel_size, strides, padding, data_format, dilation_rate,
                             allow_causal=rank == 1)
        self.filters = filters
        self.groups = groups
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        set_weight_arguments(self, "kernel", kernel_initializer, kernel_regularizer, kernel_constraint)
        set_weight_arguments(self, "bias", bias_initializer, bias_regularizer, bias_constraint)
        self._check_arguments()

    def _check_arguments(self):
        check_positive("filters", self.filters)
        if self.groups <= 0:
            raise ValueError(f"The number of groups must be a positive integer. Received: groups={self.groups}.")
        if self.filters % self.groups:
            raise ValueError(f"The number of filters must be evenly divisible by the number of groups. "
                             f"Received: groups={self.groups}, filters={self.filters}.")
        check_strides_and_dilation(self)

    def build(self, input_shape):
        """Create `kernel` [*kernel_size, in_channels // groups, filters] and `bias` [filters]."""
        channels = input_channels(self, input_shape)
        if channels % self.groups:
            raise ValueError(f"The number of input channels must be evenly divisible by the number of groups. "
                             f"Received groups={self.groups}, but the input has {channels} channels (full input "
                             f"shape is {tuple(input_shape)}).")
        self.kernel = add_argument_weight(self, "kernel", self.kernel_size + (channels // self.groups, self.filters))
        self.bias = add_argument_weight(self, "bias", (self.filters,)) if self.use_bias else None
        self.built = True

    def convolution_op(self, inputs, kernel):
        """The convolution of `inputs` with `kernel`, groups included, without bias or activation."""
        data_format = tf_data_format(self.data_format, self.rank)
        padding = self.padding.upper()
        if self.padding == "causal":
            before = [(0, 0), (self.dilation_rate[0] * (self.kernel_size[0] - 1), 0)]
            padding = before + [(0, 0)] if self.data_format == "channels_last" else [(0, 0)] + before
        # with groups the kernel has in_channels // groups inputs: tg.nn's grouped convolution
        return nn.convolution(inputs, kernel, self.strides, padding, data_format, self.dilation_rate)

    def call(self, inputs):
        """activation(conv(inputs, kernel) + bias)."""
        return add_bias_and_activate(self, self.convolution_op(inputs, self.kernel))

    def compute_output_shape(self, input_shape):
        """[batch, *output lengths, filters] (channels first: [batch, filters, *lengths])."""
        return conv_output_shape(self, input_shape, self.filters)

    def get_config(self):
        """Keras 3's config keys for convolution layers."""
        config = super().get_config()
        config.update({
            "filters": self.filters, "kernel_size": self.kernel_size, "strides": self.strides,
            "padding": self.padding, "data_format": self.data_format, "dilation_rate": self.dilation_rate,
            "groups": self.groups, "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
            **weight_arguments_config(self, "kernel", "bias"),
        })
        return config


class Conv1D(BaseConv):
    """1-D convolution over [batch, steps, channels]; `padding` may also be "causal"."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 groups=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(1, filters, kernel_size, strides, padding, data_format, dilation_rate, groups, activation,
                         use_bias, kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
                         activity_regularizer, kernel_constraint, bias_constraint, **kwargs)


class Conv2D(BaseConv):
    """2-D convolution over [batch, height, width, channels]."""

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), groups=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(2, filters, kernel_size, strides, padding, data_format, dilation_rate, groups, activation,
                         use_bias, kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
                         activity_regularizer, kernel_constraint, bias_constraint, **kwargs)


class Conv3D(BaseConv):
    """3-D convolution over [batch, depth, height, width, channels]."""

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1, 1), groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(3, filters, kernel_size, strides, padding, data_format, dilation_rate, groups, activation,
                         use_bias, kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
                         activity_regularizer, kernel_constraint, bias_constraint, **kwargs)


Convolution1D, Convolution2D, Convolution3D = Conv1D, Conv2D, Conv3D
