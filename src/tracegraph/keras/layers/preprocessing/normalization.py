"""`Normalization`: features shifted and scaled to zero mean and unit variance, per position of `axis`."""
import math as _math

import numpy as np

from ....convert import constant
from ....ops import cast as cast_ops
from ....ops.arithmetic import maximum
from ....ops.array_ops import reshape
from ....ops.tiling import broadcast_to
from ....ops.unary_math import sqrt
from ..base import Layer
from .base import as_tensor, batches_of

__all__ = ["Normalization"]

_EPSILON = 1e-7  # keras.backend.epsilon()


class Normalization(Layer):
    """`(x - mean) / sqrt(variance)` per index of `axis` (Keras 3's `Normalization`).

    Give `mean` and `variance`, or call `adapt(data)` (an array, or the batches of a `tg.data`
    dataset or iterable) to compute them; they are kept as the non-trainable weights "mean" and
    "variance". `axis=None` uses one mean and variance for everything; `invert=True` maps normalized
    values back. `Normalization(mean=3., variance=2.)([[1.], [3.]])` gives `[[-1.414], [0.]]`.
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        elif isinstance(axis, int):
            axis = (axis,)
        else:
            axis = tuple(axis)
        self.axis = axis
        if (mean is not None) != (variance is not None):
            raise ValueError(f"When setting values directly, both `mean` and `variance` must be set. "
                             f"Received: mean={mean} and variance={variance}")
        self.input_mean, self.input_variance, self.invert = mean, variance, invert
        self._mean = self._variance = None

    def build(self, input_shape):
        if input_shape is None:
            return
        ndim = len(input_shape)
        self._build_input_shape = tuple(input_shape)
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError(f"All `axis` values must be in the range [-ndim, ndim). Received inputs with "
                             f"ndim={ndim}, while axis={self.axis}")
        self._keep_axis = tuple(sorted(d if d >= 0 else d + ndim for d in self.axis))
        for d in self._keep_axis:
            if input_shape[d] is None:
                raise ValueError(f"All `axis` values to be kept must have a known shape. Received axis="
                                 f"{self.axis}, inputs.shape={input_shape}, with unknown axis at index {d}")
        self._reduce_axis = tuple(d for d in range(ndim) if d not in self._keep_axis)
        self._broadcast_shape = [input_shape[d] if d in self._keep_axis else 1 for d in range(ndim)]
        self._mean_and_var_shape = tuple(input_shape[d] for d in self._keep_axis)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(name="mean", shape=self._mean_and_var_shape, initializer="zeros",
                                              trainable=False)
            self.adapt_variance = self.add_weight(name="variance", shape=self._mean_and_var_shape,
                                                  initializer="ones", trainable=False)
            self.count = self.add_weight(name="count", shape=(), dtype="int64", initializer="zeros", trainable=False)
        else:
            self._mean = self._given(self.input_mean)
            self._variance = self._given(self.input_variance)

    def _given(self, values):
        """A given mean or variance, placed along the kept axes and broadcast to the input's rank."""
        values = np.asarray(values, dtype=self._dtype.numpy_dtype)
        if values.ndim:
            expanded = [1] * len(self._broadcast_shape)
            for i in range(1, values.ndim + 1):
                expanded[self._keep_axis[-i]] = values.shape[-i]
            values = values.reshape(expanded)
        return broadcast_to(constant(values), self._broadcast_shape)

    @property
    def mean(self):
        """The mean, shaped to broadcast against the inputs (read from the weight when adapted)."""
        return self._mean if self.input_mean is not None else reshape(self.adapt_mean, self._broadcast_shape)

    @property
    def variance(self):
        """The variance, shaped to broadcast against the inputs."""
        if self.input_mean is not None:
            return self._variance
        return reshape(self.adapt_variance, self._broadcast_shape)

    def adapt(self, data):
        """Compute the mean and variance of `data` over every axis not in `axis`."""
        arrays = batches_of(data)
        first = next(arrays, None)
        if first is None:
            raise ValueError("adapt() received an empty iterable (no batches).")
        whole = isinstance(data, (np.ndarray, list, tuple)) or hasattr(data, "numpy")
        if not self.built:
            self.build(tuple(first.shape))
        if whole:
            values = first.astype(self._dtype.numpy_dtype)
            mean, variance = np.mean(values, axis=self._reduce_axis), np.var(values, axis=self._reduce_axis)
        else:
            mean, variance = self._running_moments([first], arrays)
        self.adapt_mean.assign(np.asarray(mean, dtype=self._dtype.numpy_dtype).reshape(self._mean_and_var_shape))
        self.adapt_variance.assign(np.asarray(variance, dtype=self._dtype.numpy_dtype)
                                   .reshape(self._mean_and_var_shape))

    def _running_moments(self, head, rest):
        """Keras's batch-by-batch combination of means and variances (in the layer's dtype)."""
        float_type = self._dtype.numpy_dtype
        total_mean = np.zeros(self._mean_and_var_shape, dtype=float_type)
        total_var = np.zeros(self._mean_and_var_shape, dtype=float_type)
        total_count = 0
        for batch in (*head, *rest):
            batch = batch.astype(float_type)
            batch_mean, batch_var = np.mean(batch, axis=self._reduce_axis), np.var(batch, axis=self._reduce_axis)
            batch_count = _math.prod(batch.shape[d] for d in self._reduce_axis) if self._reduce_axis else 1
            total_count += batch_count
            batch_weight = float(batch_count) / total_count
            existing_weight = 1.0 - batch_weight
            new_mean = total_mean * existing_weight + batch_mean * batch_weight
            total_var = ((total_var + (total_mean - new_mean) ** 2) * existing_weight
                         + (batch_var + (batch_mean - new_mean) ** 2) * batch_weight)
            total_mean = new_mean
        return total_mean, total_var

    def _convert_inputs(self, inputs):
        inputs = as_tensor(inputs)  # whole: a nested list is one array, not a structure of inputs
        return inputs if inputs.dtype == self._dtype else cast_ops.cast(inputs, self._dtype)

    def call(self, inputs):
        scale = maximum(sqrt(self.variance), _EPSILON)
        if self.invert:
            return self.mean + inputs * scale
        return (inputs - self.mean) / scale

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"axis": list(self.axis), "invert": self.invert,
                       "mean": _plain(self.input_mean), "variance": _plain(self.input_variance)})
        return config


def _plain(values):
    return np.asarray(values).tolist() if values is not None else None

