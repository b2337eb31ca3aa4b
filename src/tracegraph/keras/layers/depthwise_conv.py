"""`keras.layers.DepthwiseConv1D`, `DepthwiseConv2D`: Keras 3's depthwise convolutions on
`tg.nn.depthwise_conv2d`.

Each input channel is convolved with its own `depth_multiplier` filters: the kernel is
[*kernel_size, in_channels, depth_multiplier] and output channel c * depth_multiplier + m is
channel c under filter m; the bias has in_channels * depth_multiplier entries. The 1-D layer
runs the 2-D op on a height-1 image, as Keras's TensorFlow backend does.
"""
from ... import nn
from ...ops import array_ops
from .. import activations
from .base import Layer
from .convolutional import (add_argument_weight, add_bias_and_activate, check_positive, conv_output_shape,
                            input_channels, set_weight_arguments, standardize_geometry, tf_data_format,
                            weight_arguments_config)

__all__ = ["DepthwiseConv1D", "DepthwiseConv2D"]


def depthwise_convolution(inputs, kernel, rank, strides, padding, data_format, dilation_rate):
    """The depthwise convolution of `inputs` (rank 1 or 2 spatial dimensions, a Keras `data_format`)
    with `kernel` [*kernel_size, in_channels, multiplier], without bias or activation."""
    if rank == 2:
        return nn.depthwise_conv2d(inputs, kernel, (1, *strides, 1), padding.upper(), tf_data_format(data_format, 2),
                                   dilation_rate)
    height_axis = 1 if data_format == "channels_last" else 2  # a height-1 image: [b, 1, w, c] or [b, c, 1, w]
    image = array_ops.expand_dims(inputs, height_axis)
    outputs = nn.depthwise_conv2d(image, array_ops.expand_dims(kernel, 0), (1, 1, strides[0], 1), padding.upper(),
                                  tf_data_format(data_format, 2), (1, dilation_rate[0]))
    return array_ops.squeeze(outputs, [height_axis])


class BaseDepthwiseConv(Layer):
    """A depthwise convolution over `rank` (1 or 2) spatial dimensions; see the module docstring."""

    def __init__(self, rank, depth_multiplier, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        check_positive("depth_multiplier", depth_multiplier)
        self.depth_multiplier = depth_multiplier
        standardize_geometry(self, rank, kernel_size, strides, padding, data_format, dilation_rate)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        set_weight_arguments(self, "depthwise", depthwise_initializer, depthwise_regularizer, depthwise_constraint)
        set_weight_arguments(self, "bias", bias_initializer, bias_regularizer, bias_constraint)

    def build(self, input_shape):
        """Create `kernel` [*kernel_size, in_channels, depth_multiplier] and `bias`
        [in_channels * depth_multiplier]."""
        channels = input_channels(self, input_shape)
        conv_output_shape(self, input_shape, channels)  # rejects a window larger than the input
        self.kernel = add_argument_weight(self, "kernel", self.kernel_size + (channels, self.depth_multiplier),
                                          "depthwise")
        self.bias = add_argument_weight(self, "bias", (channels * self.depth_multiplier,)) if self.use_bias else None

    def call(self, inputs):
        """activation(depthwise_conv(inputs, kernel) + bias)."""
        outputs = depthwise_convolution(inputs, self.kernel, self.rank, self.strides, self.padding, self.data_format,
                                        self.dilation_rate)
        return add_bias_and_activate(self, outputs)

    def compute_output_shape(self, input_shape):
        """[batch, *output lengths, in_channels * depth_multiplier] (channels first: channels at axis 1)."""
        return conv_output_shape(self, input_shape, input_channels(self, input_shape) * self.depth_multiplier)

    def get_config(self):
        """Keras 3's config keys for depthwise convolutions."""
        return {**super().get_config(),
                "depth_multiplier": self.depth_multiplier, "kernel_size": self.kernel_size, "strides": self.strides,
                "padding": self.padding, "data_format": self.data_format, "dilation_rate": self.dilation_rate,
                "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                **weight_arguments_config(self, "depthwise", "bias")}


class DepthwiseConv1D(BaseDepthwiseConv):
    """Depthwise 1-D convolution over [batch, steps, channels]."""

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(1, depth_multiplier, kernel_size, strides, padding, data_format, dilation_rate, activation,
                         use_bias, depthwise_initializer, bias_initializer, depthwise_regularizer, bias_regularizer,
                         activity_regularizer, depthwise_constraint, bias_constraint, **kwargs)


class DepthwiseConv2D(BaseDepthwiseConv):
    """Depthwise 2-D convolution over [batch, height, width, channels]."""

    def __init__(self, kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1, data_format=None,
                 dilation_rate=(1, 1), activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(2, depth_multiplier, kernel_size, strides, padding, data_format, dilation_rate, activation,
                         use_bias, depthwise_initializer, bias_initializer, depthwise_regularizer, bias_regularizer,
                         activity_regularizer, depthwise_constraint, bias_constraint, **kwargs)
