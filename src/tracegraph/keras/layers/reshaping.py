"""Keras 3's reshaping layers: Flatten, Reshape, Permute, RepeatVector, ZeroPadding1D/2D, Cropping1D/2D,
UpSampling1D/2D.

Shapes exclude the batch axis in every argument (`Reshape((3, 4))` turns `(batch, 12)` into
`(batch, 3, 4)`); the batch size may be unknown, as it is for a `keras.Input`.
"""
import math as _pymath

from ... import math
from ...ops import array_ops, join_split, tiling
from .base import Layer

__all__ = ["Flatten", "Reshape", "Permute", "RepeatVector", "ZeroPadding1D", "ZeroPadding2D", "Cropping1D",
           "Cropping2D", "UpSampling1D", "UpSampling2D"]


def _data_format(value):
    """'channels_last' (the default) or 'channels_first'."""
    value = (value or "channels_last").lower()
    if value not in ("channels_last", "channels_first"):
        raise ValueError(f"`data_format` must be 'channels_last' or 'channels_first', got {value!r}")
    return value


def _reshape_keeping_batch(inputs, shape):
    """`inputs` reshaped to `(batch,) + shape`; `shape` holds known sizes and at most one -1."""
    if -1 not in shape:
        return array_ops.reshape(inputs, (-1,) + tuple(shape))
    batch = array_ops.shape(inputs)[0]
    return array_ops.reshape(inputs, join_split.stack([batch] + list(shape)))


class Flatten(Layer):
    """`(batch, d1, d2, ...)` to `(batch, d1 * d2 * ...)`; a rank-1 input becomes `(batch, 1)`."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = _data_format(data_format)

    def call(self, inputs):
        rank = inputs.shape.rank
        if rank == 1:
            return array_ops.expand_dims(inputs, 1)
        if self.data_format == "channels_first" and rank > 2:
            inputs = array_ops.transpose(inputs, [0] + list(range(2, rank)) + [1])
        rest = inputs.shape.as_list()[1:]
        return _reshape_keeping_batch(inputs, (_pymath.prod(rest),) if None not in rest else (-1,))

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        return (input_shape[0], _pymath.prod(rest) if None not in rest else None)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


class Reshape(Layer):
    """Reshape each example to `target_shape` (one size may be -1, inferred from the rest)."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(int(d) for d in target_shape)
        if sum(d == -1 for d in self.target_shape) > 1 or any(d < -1 or d == 0 for d in self.target_shape):
            raise ValueError(f"Reshape: `target_shape` must hold positive sizes and at most one -1, "
                             f"got {target_shape}")

    def call(self, inputs):
        return _reshape_keeping_batch(inputs, self._resolved_shape(inputs.shape.as_list()))

    def _resolved_shape(self, input_shape):
        """`target_shape` with its -1 replaced by the size it must be, when the input's sizes are known."""
        if -1 not in self.target_shape or None in input_shape[1:]:
            return self.target_shape
        total, known = _pymath.prod(input_shape[1:]), -_pymath.prod(self.target_shape)
        if total % known:
            raise ValueError(f"Reshape: cannot reshape examples of shape {tuple(input_shape[1:])} "
                             f"({total} values) to {self.target_shape}")
        return tuple(total // known if d == -1 else d for d in self.target_shape)

    def compute_output_shape(self, input_shape):
        resolved = self._resolved_shape(list(input_shape))
        return (input_shape[0],) + tuple(None if d == -1 else d for d in resolved)

    def get_config(self):
        return {**super().get_config(), "target_shape": self.target_shape}


class Permute(Layer):
    """Reorder the non-batch axes: `dims` is a permutation of `1..rank-1` (`Permute((2, 1))` swaps two)."""

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(int(d) for d in dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(f"Permute: `dims` must be a permutation of 1..{len(self.dims)} (axis 0 is the "
                             f"batch and stays first), got {dims}")

    def call(self, inputs):
        return array_ops.transpose(inputs, (0,) + self.dims)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def get_config(self):
        return {**super().get_config(), "dims": self.dims}


class RepeatVector(Layer):
    """`(batch, features)` to `(batch, n, features)`: the input repeated `n` times."""

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = int(n)

    def call(self, inputs):
        if inputs.shape.rank != 2:
            raise ValueError(f"RepeatVector: expected inputs of rank 2 (batch, features), got shape {inputs.shape}")
        return tiling.tile(array_ops.expand_dims(inputs, 1), [1, self.n, 1])

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        return {**super().get_config(), "n": self.n}


def _pairs(value, count, argument):
    """An int, `count` ints or `count` pairs as `count` (before, after) pairs of ints."""
    if isinstance(value, int):
        return ((value, value),) * count
    value = tuple(value)
    if count == 1 and len(value) == 2 and all(isinstance(v, int) for v in value):
        return (value,)
    if len(value) != count:
        raise ValueError(f"`{argument}` must be an int, {count} ints or {count} pairs of ints, got {value}")
    return tuple((v, v) if isinstance(v, int) else tuple(int(e) for e in v) for v in value)


def _spatial_axes(data_format, count):
    """The axes of the `count` spatial dimensions."""
    return tuple(range(2, 2 + count)) if data_format == "channels_first" else tuple(range(1, 1 + count))


class _ZeroPadding(Layer):
    """Zeros added before and after each spatial dimension (`_pairs` holds one pair per dimension)."""

    spatial_rank = None

    def __init__(self, padding, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = _data_format(data_format)
        self._pairs = _pairs(padding, self.spatial_rank, "padding")

    def call(self, inputs):
        paddings = [[0, 0] for _ in range(self.spatial_rank + 2)]
        for axis, pair in zip(_spatial_axes(self.data_format, self.spatial_rank), self._pairs):
            paddings[axis] = list(pair)
        return tiling.pad(inputs, paddings)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, (before, after) in zip(_spatial_axes(self.data_format, self.spatial_rank), self._pairs):
            shape[axis] = None if shape[axis] is None else shape[axis] + before + after
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding, "data_format": self.data_format}


class ZeroPadding1D(_ZeroPadding):
    """Zeros before and after the steps of `(batch, steps, channels)`: `padding` is an int or a pair."""

    spatial_rank = 1

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)
        self.padding = self._pairs[0]


class ZeroPadding2D(_ZeroPadding):
    """Zeros around the rows and columns of images: an int, (rows, cols) or ((top, bottom), (left, right))."""

    spatial_rank = 2

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)
        self.padding = self._pairs


def _cropped(inputs, axes, croppings):
    """`inputs` with `before` and `after` elements removed along each of `axes`."""
    index = [slice(None)] * inputs.shape.rank
    for axis, (before, after) in zip(axes, croppings):
        index[axis] = slice(before, -after if after else None)
    return inputs[tuple(index)]


class Cropping1D(Layer):
    """Remove `cropping = (start, end)` steps from `(batch, steps, channels)`."""

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(**kwargs)
        self.cropping = _pairs(cropping, 1, "cropping")[0]

    def call(self, inputs):
        return _cropped(inputs, (1,), (self.cropping,))

    def compute_output_shape(self, input_shape):
        steps = input_shape[1]
        return (input_shape[0], None if steps is None else steps - sum(self.cropping), input_shape[2])

    def get_config(self):
        return {**super().get_config(), "cropping": self.cropping}


class Cropping2D(Layer):
    """Remove rows and columns at the borders of images: ((top, bottom), (left, right)), (rows, cols) or an int."""

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = _data_format(data_format)
        self.cropping = _pairs(cropping, 2, "cropping")

    def call(self, inputs):
        return _cropped(inputs, _spatial_axes(self.data_format, 2), self.cropping)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, pair in zip(_spatial_axes(self.data_format, 2), self.cropping):
            shape[axis] = None if shape[axis] is None else shape[axis] - sum(pair)
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "cropping": self.cropping, "data_format": self.data_format}


class UpSampling1D(Layer):
    """Repeat each step of `(batch, steps, features)` `size` times."""

    def __init__(self, size=2, **kwargs):
        super().__init__(**kwargs)
        if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
            raise ValueError(f"Argument `size` should be a positive integer. Received: size={size!r}")
        self.size = size

    def call(self, inputs):
        return tiling.repeat(inputs, self.size, axis=1)

    def compute_output_shape(self, input_shape):
        steps = input_shape[1]
        return (input_shape[0], None if steps is None else steps * self.size, input_shape[2])

    def get_config(self):
        return {**super().get_config(), "size": self.size}


class UpSampling2D(Layer):
    """Repeat the rows and columns of images `size = (rows, cols)` times (nearest-neighbour upsampling)."""

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        self.size = (size, size) if isinstance(size, int) else tuple(int(s) for s in size)
        if len(self.size) != 2 or min(self.size) <= 0:
            raise ValueError(f"UpSampling2D: `size` must be a positive int or 2 positive ints, got {size}")
        self.data_format = _data_format(data_format)
        self.interpolation = interpolation.lower()
        if self.interpolation != "nearest":
            raise NotImplementedError(f"UpSampling2D(interpolation={interpolation!r}): tracegraph implements "
                                      "'nearest' only")

    def call(self, inputs):
        for axis, factor in zip(_spatial_axes(self.data_format, 2), self.size):
            inputs = tiling.repeat(inputs, factor, axis=axis)
        return inputs

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, factor in zip(_spatial_axes(self.data_format, 2), self.size):
            shape[axis] = None if shape[axis] is None else shape[axis] * factor
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "size": self.size, "data_format": self.data_format,
                "interpolation": self.interpolation}
