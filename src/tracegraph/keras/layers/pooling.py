"""Keras 3's pooling layers: MaxPooling1D/2D/3D, AveragePooling1D/2D/3D and the global poolings,
with Keras's aliases (MaxPool2D, AvgPool2D, GlobalAvgPool2D, ...).

Windowed pools run `tg.nn.max_pool` / `tg.nn.avg_pool` ("same" padding averages only the input
elements a window covers, as Keras on TensorFlow does); `strides` defaults to `pool_size`. Global
pools reduce every spatial axis; GlobalAveragePooling1D averages only the unmasked steps when given
a mask.
"""
from ... import nn
from ...ops import array_ops, cast, comparison, creation, reduction
from .base import Layer
from .convolutional import (output_length, spatial_axes, standardize_data_format, standardize_padding,
                            standardize_tuple, tf_data_format)

__all__ = ["MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D",
           "AveragePooling3D", "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
           "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
           "MaxPool1D", "MaxPool2D", "MaxPool3D", "AvgPool1D", "AvgPool2D", "AvgPool3D",
           "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalAvgPool3D", "GlobalMaxPool1D", "GlobalMaxPool2D",
           "GlobalMaxPool3D"]


class BasePooling(Layer):
    """A windowed pool over `pool_dimensions` spatial axes; `pool_mode` "max" or "average"."""

    def __init__(self, pool_size, strides, pool_dimensions, pool_mode="max", padding="valid", data_format=None,
                 name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.pool_size = standardize_tuple(pool_size, pool_dimensions, "pool_size")
        self.strides = standardize_tuple(pool_size if strides is None else strides, pool_dimensions, "strides")
        self.pool_dimensions = pool_dimensions
        self.pool_mode = pool_mode
        self.padding = standardize_padding(padding)
        self.data_format = standardize_data_format(data_format)

    def build(self, input_shape):
        """Check the input's rank (a pool has no weights)."""
        _check_rank(self, input_shape, self.pool_dimensions + 2)
        self.built = True

    def call(self, inputs):
        """The pooled `inputs`."""
        pool = nn.max_pool if self.pool_mode == "max" else nn.avg_pool
        return pool(inputs, self.pool_size, self.strides, self.padding.upper(),
                    tf_data_format(self.data_format, self.pool_dimensions))

    def compute_output_shape(self, input_shape):
        """The input shape with each spatial length pooled."""
        shape = list(input_shape)
        for axis, window, stride in zip(spatial_axes(self.data_format, self.pool_dimensions), self.pool_size,
                                        self.strides):
            shape[axis] = output_length(shape[axis], window, stride, self.padding)
        return tuple(shape)

    def get_config(self):
        """Keras 3's config keys for pooling layers."""
        config = super().get_config()
        config.update({"pool_size": self.pool_size, "padding": self.padding, "strides": self.strides,
                       "data_format": self.data_format})
        return config


def _check_rank(layer, input_shape, ndim):
    if len(input_shape) != ndim:
        raise ValueError(f"Input 0 of layer '{layer.name}' is incompatible with the layer: expected ndim={ndim}, "
                         f"found ndim={len(input_shape)}. Full shape received: {tuple(input_shape)}")


class MaxPooling1D(BasePooling):
    """Maximum over windows of `pool_size` steps of [batch, steps, features]."""

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, name=None, **kwargs):
        super().__init__(pool_size, strides, 1, "max", padding, data_format, name=name, **kwargs)


class MaxPooling2D(BasePooling):
    """Maximum over windows of `pool_size` of [batch, height, width, channels]."""

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, name=None, **kwargs):
        super().__init__(pool_size, strides, 2, "max", padding, data_format, name=name, **kwargs)


class MaxPooling3D(BasePooling):
    """Maximum over windows of `pool_size` of [batch, depth, height, width, channels]."""

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None, name=None, **kwargs):
        super().__init__(pool_size, strides, 3, "max", padding, data_format, name=name, **kwargs)


class AveragePooling1D(BasePooling):
    """Mean over windows of `pool_size` steps of [batch, steps, features]."""

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, name=None, **kwargs):
        super().__init__(pool_size, strides, 1, "average", padding, data_format, name=name, **kwargs)


class AveragePooling2D(BasePooling):
    """Mean over windows of `pool_size` of [batch, height, width, channels]."""

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, name=None, **kwargs):
        super().__init__(pool_size, strides, 2, "average", padding, data_format, name=name, **kwargs)


class AveragePooling3D(BasePooling):
    """Mean over windows of `pool_size` of [batch, depth, height, width, channels]."""

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None, name=None, **kwargs):
        super().__init__(pool_size, strides, 3, "average", padding, data_format, name=name, **kwargs)


class BaseGlobalPooling(Layer):
    """A reduction over every spatial axis; `keepdims` keeps them as size 1."""

    def __init__(self, pool_dimensions, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.pool_dimensions = pool_dimensions
        self.data_format = standardize_data_format(data_format)
        self.keepdims = keepdims

    def build(self, input_shape):
        """Check the input's rank (a pool has no weights)."""
        _check_rank(self, input_shape, self.pool_dimensions + 2)
        self.built = True

    def _axes(self):
        return spatial_axes(self.data_format, self.pool_dimensions)

    def compute_output_shape(self, input_shape):
        """[batch, channels], or with `keepdims` the input shape with spatial lengths 1."""
        axes = self._axes()
        if self.keepdims:
            return tuple(1 if i in axes else d for i, d in enumerate(input_shape))
        return tuple(d for i, d in enumerate(input_shape) if i not in axes)

    def get_config(self):
        """Keras 3's config keys for global pooling layers."""
        config = super().get_config()
        config.update({"data_format": self.data_format, "keepdims": self.keepdims})
        return config


class _GlobalAverage(BaseGlobalPooling):
    def call(self, inputs):
        """The mean over the spatial axes."""
        return reduction.reduce_mean(inputs, axis=self._axes(), keepdims=self.keepdims)


class _GlobalMax(BaseGlobalPooling):
    def call(self, inputs):
        """The maximum over the spatial axes."""
        return reduction.reduce_max(inputs, axis=self._axes(), keepdims=self.keepdims)


class GlobalAveragePooling1D(_GlobalAverage):
    """The mean over the steps of [batch, steps, features]; with a mask [batch, steps], of the unmasked ones."""

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(1, data_format, keepdims, **kwargs)
        self.supports_masking = True

    def compute_mask(self, inputs, mask=None):
        """None: the steps are gone."""
        return None

    def call(self, inputs, mask=None):
        """The (masked) mean over the steps."""
        if mask is None:
            return super().call(inputs)
        steps = self._axes()[0]
        weights = array_ops.expand_dims(cast.cast(mask, inputs.dtype), 2 if steps == 1 else 1)
        masked = comparison.where(comparison.not_equal(weights, 0), inputs, creation.zeros_like(inputs))
        return (reduction.reduce_sum(masked, axis=steps, keepdims=self.keepdims)
                / reduction.reduce_sum(weights, axis=steps, keepdims=self.keepdims))


class GlobalAveragePooling2D(_GlobalAverage):
    """The mean over height and width: [batch, channels] (or [batch, 1, 1, channels] with `keepdims`)."""

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(2, data_format, keepdims, **kwargs)


class GlobalAveragePooling3D(_GlobalAverage):
    """The mean over depth, height and width."""

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(3, data_format, keepdims, **kwargs)


class GlobalMaxPooling1D(_GlobalMax):
    """The maximum over the steps of [batch, steps, features]."""

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(1, data_format, keepdims, **kwargs)


class GlobalMaxPooling2D(_GlobalMax):
    """The maximum over height and width: [batch, channels] (or kept as size 1)."""

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(2, data_format, keepdims, **kwargs)


class GlobalMaxPooling3D(_GlobalMax):
    """The maximum over depth, height and width."""

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(3, data_format, keepdims, **kwargs)


MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D
GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D = GlobalAveragePooling1D, GlobalAveragePooling2D, \
    GlobalAveragePooling3D
GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D = GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D
