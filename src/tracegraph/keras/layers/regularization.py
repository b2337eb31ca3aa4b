"""Keras 3's regularization layers: Dropout, SpatialDropout1D/2D/3D, AlphaDropout, GaussianDropout,
GaussianNoise, ActivityRegularization.

The noise layers act only when called with a true `training` (which `fit` passes down); otherwise
they return their input. Without a `seed` they draw from tracegraph's global random stream
(so `keras.utils.set_random_seed` repeats a run); with one, from a generator of their own. Either
way each call draws anew, also when the call runs inside a traced train step.
"""
import math as _pymath

from ... import math, random
from ...ops import creation, join_split
from .. import backend, regularizers
from .base import Layer

__all__ = ["Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "AlphaDropout", "GaussianDropout",
           "GaussianNoise", "ActivityRegularization"]

# SELU's constants: AlphaDropout sets dropped units to SELU's negative saturation value.
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


class _RandomLayer(Layer):
    """A layer that draws random numbers: from its own generator when `seed` is given."""

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self._generator = None if seed is None else random.Generator.from_seed(seed)

    def _uniform(self, shape, dtype):
        source = random if self._generator is None else self._generator
        return source.uniform(shape, dtype=dtype)

    def _normal(self, shape, dtype, stddev):
        source = random if self._generator is None else self._generator
        return source.normal(shape, mean=0.0, stddev=stddev, dtype=dtype)

    def compute_output_shape(self, input_shape):
        return input_shape


def _concrete_shape(inputs, noise_shape=None):
    """`noise_shape` (default: the input's shape) with unknown sizes taken from `inputs` at run time."""
    known = inputs.shape.as_list()
    shape = list(known if noise_shape is None else noise_shape)
    if len(shape) != len(known):
        raise ValueError(f"Dropout: `noise_shape` {tuple(noise_shape)} must have the rank of the inputs, "
                         f"shape {tuple(known)}")
    for axis, size in enumerate(shape):
        if size is None:
            shape[axis] = known[axis]
    if None not in shape:
        return shape
    return join_split.stack(backend.sizes_of(inputs, shape))


def _validated_rate(layer_name, rate):
    if not 0 <= rate <= 1:
        raise ValueError(f"Invalid value received for argument `rate` of {layer_name}. Expected a float value "
                         f"between 0 and 1. Received: rate={rate}")
    return rate


class Dropout(_RandomLayer):
    """In training, zero each element with probability `rate` and scale the rest by `1 / (1 - rate)`.

    `noise_shape` (sizes, None for the input's own) shares one draw along axes of size 1.
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = _validated_rate(type(self).__name__, rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.supports_masking = True

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        if self.rate == 1:
            return creation.zeros_like(inputs)
        uniform = self._uniform(self._noise_shape(inputs), inputs.dtype)
        return math.where(uniform >= self.rate, inputs * (1.0 / (1.0 - self.rate)), creation.zeros_like(inputs))

    def _noise_shape(self, inputs):
        return _concrete_shape(inputs, self.noise_shape)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed, "noise_shape": self.noise_shape}


class _SpatialDropout(Dropout):
    """Dropout of whole channels: one draw per example and channel."""

    spatial_rank = None

    def __init__(self, rate, data_format=None, seed=None, name=None, dtype=None, **kwargs):
        super().__init__(rate, seed=seed, name=name, dtype=dtype, **kwargs)
        self.data_format = (data_format or "channels_last").lower()
        if self.data_format not in ("channels_last", "channels_first"):
            raise ValueError(f"`data_format` must be 'channels_last' or 'channels_first', got {data_format!r}")

    def _noise_shape(self, inputs):
        if inputs.shape.rank != self.spatial_rank + 2:
            raise ValueError(f"{type(self).__name__} expects inputs of rank {self.spatial_rank + 2}, got "
                             f"shape {inputs.shape}")
        ones = [1] * self.spatial_rank
        shape = [None] + ones + [None] if self.data_format == "channels_last" else [None, None] + ones
        return _concrete_shape(inputs, shape)

    def get_config(self):
        config = {**super().get_config(), "data_format": self.data_format}
        config.pop("noise_shape")
        config.pop("trainable")  # Keras 3 writes only rate, seed, name, dtype (and data_format)
        return config


class SpatialDropout1D(_SpatialDropout):
    """Dropout of whole channels of `(batch, steps, channels)`."""

    spatial_rank = 1

    def __init__(self, rate, seed=None, name=None, dtype=None, **kwargs):
        super().__init__(rate, seed=seed, name=name, dtype=dtype, **kwargs)

    def get_config(self):
        config = super().get_config()
        config.pop("data_format")
        return config


class SpatialDropout2D(_SpatialDropout):
    """Dropout of whole feature maps of `(batch, rows, cols, channels)`."""

    spatial_rank = 2


class SpatialDropout3D(_SpatialDropout):
    """Dropout of whole feature volumes of `(batch, d1, d2, d3, channels)`."""

    spatial_rank = 3


class AlphaDropout(Dropout):
    """Dropout for SELU networks: dropped units take SELU's saturation value, then an affine map
    restores the input's mean and variance (Keras's formula)."""

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        kept = math.cast(self._uniform(self._noise_shape(inputs), inputs.dtype) >= self.rate, inputs.dtype)
        saturation = -_SELU_ALPHA * _SELU_SCALE
        scale = ((1 - self.rate) * (1 + self.rate * saturation ** 2)) ** -0.5
        shift = -scale * saturation * self.rate
        return (inputs * kept + saturation * (1.0 - kept)) * scale + shift


class GaussianDropout(_RandomLayer):
    """In training, multiply by noise of mean 1 and standard deviation `sqrt(rate / (1 - rate))`."""

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = _validated_rate("GaussianDropout", rate)
        self.supports_masking = True

    def call(self, inputs, training=False):
        if not training or not 0 < self.rate < 1:
            return inputs
        stddev = _pymath.sqrt(self.rate / (1.0 - self.rate))
        return inputs * (self._normal(_concrete_shape(inputs), inputs.dtype, stddev) + 1.0)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


class GaussianNoise(_RandomLayer):
    """In training, add zero-mean normal noise of standard deviation `stddev`."""

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        if not 0 <= stddev <= 1:
            raise ValueError(f"Invalid value received for argument `stddev` of GaussianNoise. Expected a float "
                             f"value between 0 and 1. Received: stddev={stddev}")
        self.stddev = stddev
        self.supports_masking = True

    def call(self, inputs, training=False):
        if not training or self.stddev == 0:
            return inputs
        return inputs + self._normal(_concrete_shape(inputs), inputs.dtype, self.stddev)

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}


class ActivityRegularization(Layer):
    """Returns its input and adds `l1 * sum(|x|) + l2 * sum(x**2)` (per example) to the layer's losses."""

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.l1, self.l2 = l1, l2
        self.supports_masking = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = {**super().get_config(), "l1": self.l1, "l2": self.l2}
        config.pop("activity_regularizer", None)
        return config
