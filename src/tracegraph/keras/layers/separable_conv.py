"""`keras.layers.SeparableConv1D`, `SeparableConv2D`: Keras 3's depthwise-separable convolutions.

A depthwise convolution (each input channel with its own `depth_multiplier` filters, the
`depthwise_kernel` [*kernel_size, in_channels, depth_multiplier]) followed by a pointwise one
(a 1x1 convolution mixing the channels, the `pointwise_kernel` [*ones, in_channels *
depth_multiplier, filters]), then the bias [filters] and the activation.
"""
from ... import nn
from .. import activations
from .base import Layer
from .convolutional import (add_argument_weight, add_bias_and_activate, check_positive, conv_output_shape,
                            input_channels, set_weight_arguments, standardize_geometry, tf_data_format,
                            weight_arguments_config)
from .depthwise_conv import depthwise_convolution

__all__ = ["SeparableConv1D", "SeparableConv2D", "SeparableConvolution1D", "SeparableConvolution2D"]


class BaseSeparableConv(Layer):
    """A separable convolution over `rank` (1 or 2) spatial dimensions; see the module docstring."""

    def __init__(self, rank, depth_multiplier, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        check_positive("depth_multiplier", depth_multiplier)
        check_positive("filters", filters)
        self.depth_multiplier = depth_multiplier
        self.filters = filters
        standardize_geometry(self, rank, kernel_size, strides, padding, data_format, dilation_rate)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        set_weight_arguments(self, "depthwise", depthwise_initializer, depthwise_regularizer, depthwise_constraint)
        set_weight_arguments(self, "pointwise", pointwise_initializer, pointwise_regularizer, pointwise_constraint)
        set_weight_arguments(self, "bias", bias_initializer, bias_regularizer, bias_constraint)

    def build(self, input_shape):
        """Create `depthwise_kernel`, `pointwise_kernel` and `bias` (in Keras's order)."""
        channels = input_channels(self, input_shape)
        conv_output_shape(self, input_shape, self.filters)  # rejects a window larger than the input
        self.depthwise_kernel = add_argument_weight(
            self, "depthwise_kernel", self.kernel_size + (channels, self.depth_multiplier), "depthwise")
        self.pointwise_kernel = add_argument_weight(
            self, "pointwise_kernel", (1,) * self.rank + (channels * self.depth_multiplier, self.filters), "pointwise")
        self.bias = add_argument_weight(self, "bias", (self.filters,)) if self.use_bias else None

    def call(self, inputs):
        """activation(pointwise(depthwise(inputs)) + bias)."""
        data_format = tf_data_format(self.data_format, self.rank)
        mixed = depthwise_convolution(inputs, self.depthwise_kernel, self.rank, self.strides, self.padding,
                                      self.data_format, self.dilation_rate)
        return add_bias_and_activate(self, nn.convolution(mixed, self.pointwise_kernel, 1, "VALID", data_format))

    def compute_output_shape(self, input_shape):
        """[batch, *output lengths, filters] (channels first: [batch, filters, *lengths])."""
        input_channels(self, input_shape)
        return conv_output_shape(self, input_shape, self.filters)

    def get_config(self):
        """Keras 3's config keys for separable convolutions."""
        return {**super().get_config(),
                "depth_multiplier": self.depth_multiplier, "filters": self.filters, "kernel_size": self.kernel_size,
                "strides": self.strides, "padding": self.padding, "data_format": self.data_format,
                "dilation_rate": self.dilation_rate, "activation": activations.serialize(self.activation),
                "use_bias": self.use_bias,
                **weight_arguments_config(self, "depthwise", "pointwise", "bias")}


class SeparableConv1D(BaseSeparableConv):
    """Depthwise-separable 1-D convolution over [batch, steps, channels]."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 depth_multiplier=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(1, depth_multiplier, filters, kernel_size, strides, padding, data_format, dilation_rate,
                         activation, use_bias, depthwise_initializer, pointwise_initializer, bias_initializer,
                         depthwise_regularizer, pointwise_regularizer, bias_regularizer, activity_regularizer,
                         depthwise_constraint, pointwise_constraint, bias_constraint, **kwargs)


class SeparableConv2D(BaseSeparableConv):
    """Depthwise-separable 2-D convolution over [batch, height, width, channels]."""

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(2, depth_multiplier, filters, kernel_size, strides, padding, data_format, dilation_rate,
                         activation, use_bias, depthwise_initializer, pointwise_initializer, bias_initializer,
                         depthwise_regularizer, pointwise_regularizer, bias_regularizer, activity_regularizer,
                         depthwise_constraint, pointwise_constraint, bias_constraint, **kwargs)


SeparableConvolution1D, SeparableConvolution2D = SeparableConv1D, SeparableConv2D
