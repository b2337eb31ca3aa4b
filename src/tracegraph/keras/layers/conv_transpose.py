"""`keras.layers.Conv1DTranspose`, `Conv2DTranspose`, `Conv3DTranspose`: Keras 3's transposed
convolutions on `tg.nn.conv_transpose` (the gradient of a convolution with respect to its input).

The kernel is [*kernel_size, filters, in_channels] (a forward convolution's kernel from `filters`
channels to the input's) and the bias [filters]. Each output length is Keras's: with "valid"
padding (in - 1) * stride + max(window, stride), with "same" in * stride; an `output_padding`
instead gives (in - 1) * stride + window + output_padding ("valid") or (in - 1) * stride +
window % 2 + output_padding ("same"), the window being the dilated kernel size.
"""
from ... import nn
from .. import activations, backend
from .base import Layer
from .convolutional import (add_argument_weight, add_bias_and_activate, batch_shape, check_positive,
                            check_strides_and_dilation, input_channels, set_weight_arguments, spatial_axes,
                            standardize_geometry, standardize_tuple, tf_data_format, weight_arguments_config)

__all__ = ["Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose", "Convolution1DTranspose",
           "Convolution2DTranspose", "Convolution3DTranspose"]


def transposed_length(length, kernel, stride, padding, output_padding, dilation):
    """The output length of one spatial dimension of a transposed convolution (None stays None)."""
    if length is None:
        return None
    window = (kernel - 1) * dilation + 1
    if padding == "valid":
        extra = max(window, stride) - window if output_padding is None else output_padding
        return (length - 1) * stride + window + extra
    if output_padding is None:
        return length * stride
    return (length - 1) * stride + window % 2 + output_padding


class BaseConvTranspose(Layer):
    """A transposed convolution over `rank` spatial dimensions; see the module docstring."""

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", output_padding=None, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        check_positive("filters", filters)
        standardize_geometry(self, rank, kernel_size, strides, padding, data_format, dilation_rate)
        self.filters = filters
        self.output_padding = None if output_padding is None else standardize_tuple(
            output_padding, rank, "output_padding", allow_zero=True)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        set_weight_arguments(self, "kernel", kernel_initializer, kernel_regularizer, kernel_constraint)
        set_weight_arguments(self, "bias", bias_initializer, bias_regularizer, bias_constraint)
        self._check_arguments()

    def _check_arguments(self):
        for i, (pad, stride) in enumerate(zip(self.output_padding or (), self.strides)):
            if pad >= stride:
                raise ValueError(f"`output_padding` must be strictly less than `strides` for all dimensions. At "
                                 f"dimension {i}, `output_padding` is {pad} but `strides` is {stride}. Received: "
                                 f"output_padding={self.output_padding}, strides={self.strides}")
        check_strides_and_dilation(self)

    def build(self, input_shape):
        """Create `kernel` [*kernel_size, filters, in_channels] and `bias` [filters]."""
        channels = input_channels(self, input_shape)
        self.kernel = add_argument_weight(self, "kernel", self.kernel_size + (self.filters, channels))
        self.bias = add_argument_weight(self, "bias", (self.filters,)) if self.use_bias else None

    def call(self, inputs):
        """activation(conv_transpose(inputs, kernel) + bias)."""
        data_format = tf_data_format(self.data_format, self.rank)
        # sizes unknown while tracing (the batch, or a fully convolutional model's image size) come from
        # the input's run-time shape
        output_shape = self.compute_output_shape(backend.sizes_of(inputs))
        outputs = nn.conv_transpose(inputs, self.kernel, output_shape, self.strides, self.padding.upper(),
                                    data_format, self.dilation_rate)
        return add_bias_and_activate(self, outputs)

    def compute_output_shape(self, input_shape):
        """[batch, *output lengths, filters] (channels first: [batch, filters, *lengths])."""
        input_shape = tuple(input_shape)
        pads = self.output_padding or (None,) * self.rank
        lengths = [transposed_length(input_shape[a], k, s, self.padding, p, d) for a, k, s, p, d in zip(
            spatial_axes(self.data_format, self.rank), self.kernel_size, self.strides, pads, self.dilation_rate)]
        return batch_shape(self.data_format, input_shape[0], lengths, self.filters)

    def get_config(self):
        """Keras 3's config keys for transposed convolutions."""
        return {**super().get_config(),
                "filters": self.filters, "kernel_size": self.kernel_size, "strides": self.strides,
                "padding": self.padding, "output_padding": self.output_padding, "data_format": self.data_format,
                "dilation_rate": self.dilation_rate, "activation": activations.serialize(self.activation),
                "use_bias": self.use_bias,
                **weight_arguments_config(self, "kernel", "bias")}


class Conv1DTranspose(BaseConvTranspose):
    """Transposed 1-D convolution over [batch, steps, channels]."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(1, filters, kernel_size, strides, padding, output_padding, data_format, dilation_rate,
                         activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
                         bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint, **kwargs)


class Conv2DTranspose(BaseConvTranspose):
    """Transposed 2-D convolution over [batch, height, width, channels]."""

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", output_padding=None, data_format=None,
                 dilation_rate=(1, 1), activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(2, filters, kernel_size, strides, padding, output_padding, data_format, dilation_rate,
                         activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
                         bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint, **kwargs)


class Conv3DTranspose(BaseConvTranspose):
    """Transposed 3-D convolution over [batch, depth, height, width, channels] (Keras's argument
    order: `data_format` before `output_padding`)."""

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid", data_format=None,
                 output_padding=None, dilation_rate=(1, 1, 1), activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(3, filters, kernel_size, strides, padding, output_padding, data_format, dilation_rate,
                         activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
                         bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint, **kwargs)


Convolution1DTranspose, Convolution2DTranspose, Convolution3DTranspose = \
    Conv1DTranspose, Conv2DTranspose, Conv3DTranspose
