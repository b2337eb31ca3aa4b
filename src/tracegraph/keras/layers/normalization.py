"""Keras 3's normalization layers: BatchNormalization, LayerNormalization, GroupNormalization,
RMSNormalization and UnitNormalization."""
from ... import distribute, math, nn
from ...ops import array_ops, creation, join_split
from .. import backend, constraints, initializers, regularizers
from .base import Layer

__all__ = ["BatchNormalization", "LayerNormalization", "GroupNormalization", "RMSNormalization", "UnitNormalization"]


def _normalized_axes(layer_name, axis, rank):
    """`axis` (an int or a list) as sorted non-negative axes of a rank-`rank` input."""
    axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
    for a in axes:
        if not -rank <= a < rank:
            raise ValueError(f"{layer_name}: axis {a} is out of bounds for an input of rank {rank}")
    return sorted(a % rank for a in axes)


def _checked_axis(layer_name, axis):
    """An int or a list of ints, or Keras's TypeError."""
    if isinstance(axis, (list, tuple)):
        return [int(a) for a in axis]
    if isinstance(axis, int):
        return axis
    raise TypeError(f"{layer_name}: expected an int or a list/tuple of ints for the argument 'axis', but "
                    f"received: {axis!r}")


def _shape_with_dynamic_sizes(inputs, sizes):
    """`sizes` (ints, -1 for the batch, or ("dim", i) for input axis i's size) as a reshape target."""
    if all(isinstance(size, int) for size in sizes):
        return sizes
    dynamic = array_ops.shape(inputs)
    return join_split.stack([dynamic[size[1]] if isinstance(size, tuple) else size for size in sizes])


def _broadcastable(value, rank, axes, input_shape):
    """A per-feature vector (or block) reshaped so it broadcasts along `axes` of a rank-`rank` input."""
    if value is None or list(axes) == [rank - 1]:
        return value
    shape = [1] * rank
    for axis in axes:
        shape[axis] = input_shape[axis]
    return array_ops.reshape(value, shape)



def _moments_over_replicas(inputs, axes):
    """The mean and variance per feature over every replica's batch (`synchronized=True`, as Keras 3 computes
    them): each replica's sums, sums of squares and counts, all-reduced in one bucket; the variance is
    E[x^2] - E[x]^2, at least 0. With one replica (or none), the local moments."""
    context = distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return nn.moments(inputs, axes=axes)
    total, squares, count = context.all_reduce(distribute.ReduceOp.SUM, [
        math.reduce_sum(inputs, axes), math.reduce_sum(math.square(inputs), axes),
        math.reduce_sum(creation.ones_like(inputs), axes)])
    mean = math.divide_no_nan(total, count)
    return mean, math.maximum(math.divide_no_nan(squares, count) - math.square(mean), 0.0)


def _scale_and_offset_config(layer):
    """The config entries of a normalization layer's `gamma` (scale) and `beta` (offset) weights."""
    return {f"{weight}_{kind}": module.serialize(getattr(layer, f"{weight}_{kind}"))
            for weight in ("beta", "gamma")
            for kind, module in (("initializer", initializers), ("regularizer", regularizers),
                                 ("constraint", constraints))}

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
            if self.synchronized:
                return _moments_over_replicas(inputs, self._reduction_axes)
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
                "center": self.center, "scale": self.scale, **_scale_and_offset_config(self),
                "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
                "moving_variance_initializer": initializers.serialize(self.moving_variance_initializer),
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
                **_scale_and_offset_config(self)}


class GroupNormalization(Layer):
    """Normalize each example over groups of channels: the `axis` channels are split into `groups`
    groups, each normalized over its channels and all non-batch axes (`groups=-1`: one channel per
    group, instance normalization), then scaled by `gamma` and shifted by `beta` per channel."""

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        if isinstance(groups, bool) or not isinstance(groups, int) or (groups <= 0 and groups != -1):
            raise ValueError("Received an invalid value for argument `groups`, expected a positive integer (or `-1` "
                             f"for instance normalization). Received: groups={groups}")
        super().__init__(**kwargs)
        self.groups, self.axis, self.epsilon = groups, int(axis), epsilon
        self.center, self.scale = bool(center), bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True
        self.gamma = self.beta = None

    def build(self, input_shape):
        self._axis = _normalized_axes("GroupNormalization", self.axis, len(input_shape))[0]
        channels = input_shape[self._axis]
        if channels is None:
            raise ValueError(f"Axis {self.axis} of input tensor should have a defined dimension but the layer "
                             f"received an input with shape {input_shape}.")
        if self.groups == -1:
            self.groups = channels
        if channels < self.groups or channels % self.groups:
            raise ValueError(f"GroupNormalization: the number of channels ({channels}) must be a multiple of the "
                             f"number of groups ({self.groups})")
        if self.scale:
            self.gamma = self.add_weight(name="gamma", shape=(channels,), initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer, constraint=self.gamma_constraint)
        if self.center:
            self.beta = self.add_weight(name="beta", shape=(channels,), initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer, constraint=self.beta_constraint)

    def call(self, inputs):
        shape, axis = inputs.shape.as_list(), self._axis
        per_group = shape[axis] // self.groups
        sizes = [-1] + [size if size is not None else ("dim", i) for i, size in enumerate(shape)][1:]
        grouped_sizes = sizes[:axis] + [self.groups, per_group] + sizes[axis + 1:]
        grouped = array_ops.reshape(inputs, _shape_with_dynamic_sizes(inputs, grouped_sizes))
        reduce_axes = [a for a in range(1, len(shape) + 1) if a != axis]
        mean, variance = nn.moments(grouped, axes=reduce_axes, keepdims=True)
        inverse = math.rsqrt(variance + self.epsilon)
        broadcast = [1] * (len(shape) + 1)
        broadcast[axis], broadcast[axis + 1] = self.groups, per_group
        if self.gamma is not None:
            inverse = inverse * array_ops.reshape(self.gamma, broadcast)
        offset = -mean * inverse
        if self.beta is not None:
            offset = offset + array_ops.reshape(self.beta, broadcast)
        return array_ops.reshape(grouped * inverse + offset, _shape_with_dynamic_sizes(inputs, sizes))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "groups": self.groups, "axis": self.axis, "epsilon": self.epsilon,
                "center": self.center, "scale": self.scale,
                **_scale_and_offset_config(self)}


class RMSNormalization(Layer):
    """`x * rsqrt(mean(x**2 over axis) + epsilon) * scale`: normalization by the root mean square, without
    centering (weight: `scale`, of the normalized axes' shape)."""

    def __init__(self, axis=-1, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        self.axis = _checked_axis("RMSNormalization", axis)
        self.epsilon = epsilon

    def build(self, input_shape):
        self._axes = _normalized_axes("RMSNormalization", self.axis, len(input_shape))
        self.scale = self.add_weight(name="scale", shape=tuple(input_shape[a] for a in self._axes),
                                     initializer="ones")

    def call(self, inputs):
        scale = _broadcastable(self.scale, inputs.shape.rank, self._axes, inputs.shape.as_list())
        mean_square = math.reduce_mean(math.square(inputs), axis=self._axes, keepdims=True)
        return inputs * math.rsqrt(mean_square + self.epsilon) * scale

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon}


class UnitNormalization(Layer):
    """Scale each example to unit L2 norm over `axis` (an int or a list): `x / max(norm(x), 1e-12)`."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = _checked_axis("UnitNormalization", axis)
        self.supports_masking = True

    def call(self, inputs):
        axes = _normalized_axes("UnitNormalization", self.axis, inputs.shape.rank)
        norm = math.sqrt(math.reduce_sum(math.square(inputs), axis=axes, keepdims=True))
        return inputs / math.maximum(norm, 1e-12)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
