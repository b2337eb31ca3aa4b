"""`keras.layers.LocallyConnected1D`, `LocallyConnected2D`: convolutions whose weights are not shared,
as in Keras 2 (`tf.keras`; Keras 3 dropped them), with Keras 2's `implementation=1` weights.

Every output position has its own filters: the kernel is [output positions, window size *
in_channels, filters] (positions in row-major order, each window flattened in the input's
layout: (row, column, channel) for channels_last, (channel, row, column) for channels_first)
and the bias [*output lengths, filters]. Padding is "valid" only, as in Keras 2's
implementation 1. The windows are gathered from the flattened input with one constant index
table, so a call is one gather and one batched product whatever the number of positions.
"""
import itertools
import math

import numpy as np

from ... import linalg
from ...ops import array_ops, gather_scatter
from .. import activations
from .base import Layer
from .convolutional import (add_argument_weight, batch_shape, check_positive, input_channels, output_length,
                            set_weight_arguments, spatial_axes, standardize_geometry, weight_arguments_config)

__all__ = ["LocallyConnected1D", "LocallyConnected2D"]


def window_indices(in_sizes, channels, kernel_size, strides, out_sizes, channels_first):
    """[positions, window size * channels]: where each window's entries are in the flattened input
    ([*in_sizes, channels], or [channels, *in_sizes] when `channels_first`)."""
    layout = (channels, *in_sizes) if channels_first else (*in_sizes, channels)
    flat = np.arange(int(np.prod(layout))).reshape(layout)
    rows = []
    for position in itertools.product(*(range(n) for n in out_sizes)):
        window = tuple(slice(p * s, p * s + k) for p, s, k in zip(position, strides, kernel_size))
        rows.append(flat[(slice(None),) + window].ravel() if channels_first else flat[window].ravel())
    return np.array(rows, dtype=np.int32).reshape(len(rows), -1)


class BaseLocallyConnected(Layer):
    """A locally connected layer over `rank` (1 or 2) spatial dimensions; see the module docstring."""

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 implementation=1, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        check_positive("filters", filters)
        if str(padding).lower() != "valid":
            raise ValueError(f"Invalid border mode for {type(self).__name__} (only \"valid\" is supported if "
                             f"implementation is 1): {padding}")
        if implementation != 1:
            raise ValueError(f"{type(self).__name__}: only `implementation=1` (Keras 2's default, kernel of shape "
                             f"[positions, window * in_channels, filters]) is supported, got {implementation}")
        standardize_geometry(self, rank, kernel_size, strides, "valid", data_format)
        self.filters = filters
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.implementation = implementation
        set_weight_arguments(self, "kernel", kernel_initializer, kernel_regularizer, kernel_constraint)
        set_weight_arguments(self, "bias", bias_initializer, bias_regularizer, bias_constraint)

    def _in_sizes(self, input_shape):
        sizes = [input_shape[a] for a in spatial_axes(self.data_format, self.rank)]
        if None in sizes:
            raise ValueError(f"The spatial dimensions of the inputs to a {type(self).__name__} layer should be "
                             f"fully-defined, but layer received the inputs shape {tuple(input_shape)}")
        return sizes

    def _out_sizes(self, in_sizes):
        sizes = [output_length(n, k, s, "valid") for n, k, s in zip(in_sizes, self.kernel_size, self.strides)]
        if any(n <= 0 for n in sizes):
            raise ValueError(f"One of the dimensions in the output is <= 0 due to downsampling in {self.name}. "
                             f"Consider increasing the input size. Received input shape {tuple(in_sizes)} (spatial) "
                             f"which would produce output shape with a zero or negative value in a dimension.")
        return sizes

    def build(self, input_shape):
        """Create `kernel` [positions, window * in_channels, filters] and `bias` [*output lengths, filters]."""
        channels = input_channels(self, input_shape)
        in_sizes = self._in_sizes(input_shape)
        self.output_lengths = self._out_sizes(in_sizes)
        self._windows = window_indices(in_sizes, channels, self.kernel_size, self.strides, self.output_lengths,
                                       self.data_format == "channels_first")
        self._built_sizes, self._flat_input_size = in_sizes, math.prod(in_sizes) * channels
        self.kernel = add_argument_weight(self, "kernel", (*self._windows.shape, self.filters))
        self.bias = add_argument_weight(self, "bias", (*self.output_lengths, self.filters)) if self.use_bias else None

    def call(self, inputs):
        """activation(per-position products of the windows with their own kernels + bias)."""
        sizes = [inputs.shape[a] for a in spatial_axes(self.data_format, self.rank)]
        if any(size not in (None, built) for size, built in zip(sizes, self._built_sizes)):
            raise ValueError(f"{type(self).__name__} '{self.name}' was built for inputs of spatial shape "
                             f"{tuple(self._built_sizes)} (a kernel per output position), got inputs of shape "
                             f"{tuple(inputs.shape)}")
        flat = array_ops.reshape(inputs, [-1, self._flat_input_size])
        windows = gather_scatter.gather(flat, self._windows, axis=1)  # [batch, positions, window]
        outputs = linalg.einsum("bpk,pkf->bpf", windows, self.kernel)
        outputs = array_ops.reshape(outputs, [-1, *self.output_lengths, self.filters])
        if self.data_format == "channels_first":
            outputs = array_ops.transpose(outputs, [0, self.rank + 1, *range(1, self.rank + 1)])
        if self.use_bias:
            outputs = outputs + self._bias_for_outputs()
        return self.activation(outputs)

    def _bias_for_outputs(self):
        if self.data_format == "channels_last":
            return self.bias
        # Keras 2 reshapes (not transposes) the [*lengths, filters] bias to [filters, *lengths] here
        return array_ops.reshape(self.bias, [self.filters, *self.output_lengths])

    def compute_output_shape(self, input_shape):
        """[batch, *output lengths, filters] (channels first: [batch, filters, *lengths])."""
        input_shape = tuple(input_shape)
        lengths = self._out_sizes(self._in_sizes(input_shape))
        return batch_shape(self.data_format, input_shape[0], lengths, self.filters)

    def get_config(self):
        """Keras 2's config keys for locally connected layers."""
        return {**super().get_config(),
                "filters": self.filters, "kernel_size": self.kernel_size, "strides": self.strides,
                "padding": self.padding, "data_format": self.data_format,
                "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                **weight_arguments_config(self, "kernel", "bias"),
                "implementation": self.implementation}


class LocallyConnected1D(BaseLocallyConnected):
    """Locally connected 1-D layer over [batch, steps, channels]: kernel [output steps, kernel_size *
    in_channels, filters], bias [output steps, filters]."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 implementation=1, **kwargs):
        super().__init__(1, filters, kernel_size, strides, padding, data_format, activation, use_bias,
                         kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
                         activity_regularizer, kernel_constraint, bias_constraint, implementation, **kwargs)


class LocallyConnected2D(BaseLocallyConnected):
    """Locally connected 2-D layer over [batch, rows, cols, channels]: kernel [output rows * output cols,
    kernel rows * kernel cols * in_channels, filters], bias [output rows, output cols, filters]."""

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 implementation=1, **kwargs):
        super().__init__(2, filters, kernel_size, strides, padding, data_format, activation, use_bias,
                         kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
                         activity_regularizer, kernel_constraint, bias_constraint, implementation, **kwargs)
