"""Keras 3's merging layers (Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot) and
their functional forms (`add([a, b])` is `Add()([a, b])`)."""
import math as _pymath

from ... import linalg, math
from ...ops import array_ops, join_split
from .base import Layer

__all__ = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot",
           "add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate", "dot"]


def _check_list(layer, inputs, count=None):
    """Merge layers take a list of tensors (exactly `count` of them when given)."""
    if not isinstance(inputs, (list, tuple)):
        raise ValueError(f"A merge layer ({type(layer).__name__}) should be called on a list of inputs. "
                         f"Received: inputs={inputs} (not a list of tensors)")
    if count is not None and len(inputs) != count:
        raise ValueError(f"A `{type(layer).__name__}` layer should be called on exactly {count} inputs. "
                         f"Received {len(inputs)} inputs")


class Merge(Layer):
    """Base of the elementwise merge layers: `_merge_function(list of tensors)` combines the inputs.

    Inputs of lower rank get size-1 axes after the batch axis, so they broadcast against the others.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def _merge_function(self, inputs):
        raise NotImplementedError(f"{type(self).__name__} must implement _merge_function(inputs)")

    def call(self, inputs):
        _check_list(self, inputs)
        rank = max(x.shape.rank for x in inputs)
        aligned = []
        for x in inputs:
            for _ in range(rank - x.shape.rank):
                x = array_ops.expand_dims(x, 1)
            aligned.append(x)
        return self._merge_function(aligned)


def _fold(op, inputs):
    """`op(op(inputs[0], inputs[1]), inputs[2])...`."""
    result = inputs[0]
    for x in inputs[1:]:
        result = op(result, x)
    return result


class Add(Merge):
    """The elementwise sum of the inputs."""

    def _merge_function(self, inputs):
        return _fold(math.add, inputs)


class Subtract(Merge):
    """`inputs[0] - inputs[1]` (exactly two inputs)."""

    def _merge_function(self, inputs):
        _check_list(self, inputs, 2)
        return inputs[0] - inputs[1]


class Multiply(Merge):
    """The elementwise product of the inputs."""

    def _merge_function(self, inputs):
        return _fold(math.multiply, inputs)


class Average(Merge):
    """The elementwise mean of the inputs."""

    def _merge_function(self, inputs):
        return _fold(math.add, inputs) / float(len(inputs))


class Maximum(Merge):
    """The elementwise maximum of the inputs."""

    def _merge_function(self, inputs):
        return _fold(math.maximum, inputs)


class Minimum(Merge):
    """The elementwise minimum of the inputs."""

    def _merge_function(self, inputs):
        return _fold(math.minimum, inputs)


class Concatenate(Layer):
    """The inputs joined along `axis` (default the last); the other sizes must agree."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = int(axis)
        self.supports_masking = True

    def call(self, inputs):
        _check_list(self, inputs)
        return join_split.concat(list(inputs), axis=self.axis)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape[0])
        axis = self.axis % len(shape)
        sizes = [s[axis] for s in input_shape]
        shape[axis] = None if None in sizes else sum(sizes)
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class Dot(Layer):
    """Per example, the dot product of two inputs along `axes` (an int for both, or a pair).

    For `(batch, n)` and `(batch, n)` with axes=1 the output is `(batch, 1)`; in general the
    output holds the first input's other axes, then the second's. `normalize=True` makes it the
    cosine similarity (each input L2-normalized along its axis first).
    """

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axes, int):
            if not isinstance(axes, (list, tuple)) or len(axes) != 2 or not all(isinstance(a, int) for a in axes):
                raise ValueError(f"Invalid format for argument `axes`: it should be an int or a list of two ints. "
                                 f"Received: axes={axes}")
        self.axes = axes
        self.normalize = bool(normalize)

    def _positive_axes(self, ranks):
        axes = (self.axes, self.axes) if isinstance(self.axes, int) else self.axes
        return [axis % rank for axis, rank in zip(axes, ranks)]

    def call(self, inputs):
        _check_list(self, inputs, 2)
        x, y = inputs
        x_axis, y_axis = self._positive_axes([x.shape.rank, y.shape.rank])
        if x_axis == 0 or y_axis == 0:
            raise ValueError("Dot: cannot contract the batch axis (axis 0)")
        if self.normalize:
            x, y = linalg.l2_normalize(x, axis=x_axis), linalg.l2_normalize(y, axis=y_axis)
        return _batch_dot(x, y, x_axis, y_axis)

    def get_config(self):
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


def _batch_dot(x, y, x_axis, y_axis):
    """Keras's `batch_dot`: for each example, contract `x`'s `x_axis` with `y`'s `y_axis`."""
    x_rest = [d for a, d in enumerate(x.shape.as_list()) if a not in (0, x_axis)]
    y_rest = [d for a, d in enumerate(y.shape.as_list()) if a not in (0, y_axis)]
    if None in x_rest + y_rest:
        raise ValueError(f"Dot: the non-batch sizes of the inputs must be known, got shapes {x.shape} and {y.shape}")
    x_perm = [0] + [a for a in range(1, x.shape.rank) if a != x_axis] + [x_axis]
    y_perm = [0, y_axis] + [a for a in range(1, y.shape.rank) if a != y_axis]
    size = x.shape[x_axis]
    x = array_ops.reshape(array_ops.transpose(x, x_perm), [-1, _pymath.prod(x_rest), size])
    y = array_ops.reshape(array_ops.transpose(y, y_perm), [-1, size, _pymath.prod(y_rest)])
    return array_ops.reshape(linalg.matmul(x, y), [-1] + (x_rest + y_rest or [1]))


def add(inputs, **kwargs):
    """`Add(**kwargs)(inputs)`."""
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """`Subtract(**kwargs)(inputs)`."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """`Multiply(**kwargs)(inputs)`."""
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    """`Average(**kwargs)(inputs)`."""
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """`Maximum(**kwargs)(inputs)`."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """`Minimum(**kwargs)(inputs)`."""
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    """`Concatenate(axis=axis, **kwargs)(inputs)`."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes=-1, **kwargs):
    """`Dot(axes=axes, **kwargs)(inputs)`."""
    return Dot(axes=axes, **kwargs)(inputs)
