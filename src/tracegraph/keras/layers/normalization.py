"""Keras 3's BatchNormalization and LayerNormalization."""
from ... import math, nn
from ...ops import array_ops, creation
from .. import backend, constraints, initializers, regularizers
from .base import Layer

__all__ = ["BatchNormalization", "LayerNormalization"]


def _broadcastable(value, rank, axes, input_shape):
    """A per-feature vector (or block) reshaped so it broadcasts along `axes` of a rank-`rank` input."""
    if value is None or list(axes) == [rank - 1]:
        return value
    shape = [1] * rank
    for axis in axes:
        shape[axis] = input_shape[axis]
    return array_ops.reshape(value, shape)


class BatchNormalization(Layer):
    """Normalize each feature (along `axis`) by the batch's mean and variance in training, by moving
    averages of them in inference, then scale by `gamma` and shift by `beta`.

    In training (`training=True` and the layer trainable) each call also updates
    `moving = moving * momentum + batch_statistic * (1 - momentum)`. A layer with
    `trainable=False` always runs in inference mode, as in Keras 3 (the usual fine-tuning setup).
    Weights: gamma, beta (trainable), moving_mean, moving_variance (not trainable).
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 renorm=False, renorm_clipping=None, renorm_momentum=0.99, synchronized=False, **kwargs):
        kwargs.pop("fused", None)  # tf.keras 2's choice of kernel, with no effect on results
        super().__init__(**kwargs)
        if renorm:
            raise NotImplementedError("BatchNormalization(renorm=True) is not supported by tracegraph")
        self.axis = int(axis)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center, self.scale = bool(center), bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.renorm, self.renorm_clipping, self.renorm_momentum = False, renorm_clipping, renorm_momentum
        self.synchronized = bool(synchronized)
        self.supports_masking = True
        self.gamma = self.beta = self.moving_mean = self.moving_variance = None

    def build(self, input_shape):
        rank = len(input_shape)
        if not -rank <= self.axis < rank:
            raise ValueError(f"BatchNormalization: axis {self.axis} is out of bounds for input shape {input_shape}")
        self._axis = self.axis % rank
        shape = (input_shape[self._axis],)
        if shape[0] is None:
            raise ValueError(f"BatchNormalization: the size of axis {self.axis} must be known, got input shape "
                             f"{input_shape}")
        if self.scale:
            self.gamma = self.add_weight(name="gamma", shape=shape, initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer, constraint=self.gamma_constraint)
        if self.center:
            self.beta = self.add_weight(name="beta", shape=shape, initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer, constraint=self.beta_constraint)
        self.moving_mean = self.add_weight(name="moving_mean", shape=shape, trainable=False,
                                           initializer=self.moving_mean_initializer)
        self.moving_variance = self.add_weight(name="moving_variance", shape=shape, trainable=False,
                                               initializer=self.moving_variance_initializer)
        self._reduction_axes = [a for a in range(rank) if a != self._axis]

    def call(self, inputs, training=None, mask=None):
        if training and self.trainable:
            mean, variance = self._moments(inputs, mask)
            self.moving_mean.assign(self.moving_mean * self.momentum + mean * (1.0 - self.momentum))
            self.moving_variance.assign(self.moving_variance * self.momentum + variance * (1.0 - self.momentum))
        else:
            mean, variance = self.moving_mean, self.moving_variance
        rank, axes, shape = inputs.shape.rank, [self._axis], inputs.shape.as_list()
        mean, variance, beta, gamma = (_broadcastable(v, rank, axes, shape)
                                       for v in (mean, variance, self.beta, self.gamma))
        return nn.batch_normalization(inputs, mean, variance, beta, gamma, self.epsilon)

    def _moments(self, inputs, mask):
        """The batch mean and variance per feature; with a `mask` (one rank less than the inputs),
        over the unmasked positions only."""
        if mask is None:
            return nn.moments(inputs, axes=self._reduction_axes)
        weights = math.cast(array_ops.expand_dims(mask, -1), inputs.dtype) * creation.ones_like(inputs)
        total = math.reduce_sum(weights, self._reduction_axes, keepdims=True) + backend.epsilon()
        mean = math.reduce_sum(inputs * weights, self._reduction_axes, keepdims=True) / total
        variance = math.reduce_sum(math.square(inputs - mean) * weights, self._reduction_axes, keepdims=True) / total
        return array_ops.reshape(mean, [-1]), array_ops.reshape(variance, [-1])

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "momentum": self.momentum, "epsilon": self.epsilon,
                "center": self.center, "scale": self.scale,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
                "moving_variance_initializer": initializers.serialize(self.moving_variance_initializer),
                "beta_regularizer": regularizers.serialize(self.beta_regularizer),
                "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
                "beta_constraint": constraints.serialize(self.beta_constraint),
                "gamma_constraint": constraints.serialize(self.gamma_constraint),
                "synchronized": self.synchronized, "renorm": self.renorm, "renorm_clipping": self.renorm_clipping,
                "renorm_momentum": self.renorm_momentum}


class LayerNormalization(Layer):
    """Normalize each example over `axis` (an int or a list; default the last) to zero mean and unit
    variance, then scale by `gamma` and shift by `beta` (both of the normalized axes' shape).

    `rms_scaling=True` (deprecated in Keras 3) divides by `sqrt(variance + epsilon)` and scales by
    gamma without centering, as Keras does.
    """

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, rms_scaling=False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            self.axis = [int(a) for a in axis]
        elif isinstance(axis, int):
            self.axis = axis
        else:
            raise TypeError(f"Expected an int or a list/tuple of ints for the argument 'axis', but received: "
                            f"{axis!r}")
        self.epsilon = epsilon
        self.center, self.scale, self.rms_scaling = bool(center), bool(scale), bool(rms_scaling)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True
        self.gamma = self.beta = None

    def build(self, input_shape):
        rank = len(input_shape)
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        for axis in axes:
            if not -rank <= axis < rank:
                raise ValueError(f"LayerNormalization: axis {axis} is out of bounds for input shape {input_shape}")
        self._axes = sorted(a % rank for a in axes)
        shape = tuple(input_shape[a] for a in self._axes)
        if self.scale or self.rms_scaling:
            self.gamma = self.add_weight(name="gamma", shape=shape, initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer, constraint=self.gamma_constraint)
        if self.center and not self.rms_scaling:
            self.beta = self.add_weight(name="beta", shape=shape, initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer, constraint=self.beta_constraint)

    def call(self, inputs):
        rank, shape = inputs.shape.rank, inputs.shape.as_list()
        gamma = _broadcastable(self.gamma, rank, self._axes, shape)
        beta = _broadcastable(self.beta, rank, self._axes, shape)
        mean, variance = nn.moments(inputs, axes=self._axes, keepdims=True)
        inverse = math.rsqrt(variance + self.epsilon)
        if self.rms_scaling:
            return inputs * inverse * gamma
        if gamma is not None:
            inverse = inverse * gamma
        offset = -mean * inverse
        if beta is not None:
            offset = offset + beta
        return inputs * inverse + offset

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon, "center": self.center,
                "scale": self.scale, "rms_scaling": self.rms_scaling,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "beta_regularizer": regularizers.serialize(self.beta_regularizer),
                "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
                "beta_constraint": constraints.serialize(self.beta_constraint),
                "gamma_constraint": constraints.serialize(self.gamma_constraint)}
