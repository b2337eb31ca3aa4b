"""A column's values (as pandas and Spark hand them over) as the batch array of a signature input.

A numeric column arrives as a 1-D array, stacked feature columns as a 2-D one, and an array column as
an object array holding one flattened array (or list) per row; each becomes `[rows] + row shape`. A
column that cannot is a `SparkInputError` naming the input and its spec.
"""
import numpy as np

__all__ = ["SparkInputError", "row_shapes", "batch_array", "flat_rows", "row_size"]


class SparkInputError(ValueError):
    """Columns that do not fit the model's signature (count, shape or dtype), naming the input and its spec."""


def row_shapes(inputs, input_tensor_shapes=None):
    """Each input's row shape (its shape without the batch dimension, None where unknown), with
    `input_tensor_shapes` (a list, or a dict {input index: shape}) taking precedence where given."""
    shapes = [spec.shape.as_list()[1:] for _, spec in inputs]
    given = input_tensor_shapes or {}
    if not isinstance(given, dict):
        given = dict(enumerate(given))
        if len(given) != len(inputs):
            raise ValueError(f"input_tensor_shapes has {len(given)} shapes for {len(inputs)} input(s)")
    for index, shape in given.items():
        if shape is not None:
            shapes[index] = [int(d) for d in shape]
    return shapes


def batch_array(name, spec, values, row_shape):
    """`values` of input `name` as an array of shape `[rows] + row_shape` (unknown dims left as they come)."""
    values = np.asarray(values)
    if values.dtype == object:
        values = flat_rows(name, spec, values)
    if values.ndim == 0:
        raise SparkInputError(f"input {name!r}: got a single value, expected a batch of {spec!r}")
    per_row = row_size(row_shape)
    rows = len(values)
    if per_row is None or values.size != rows * per_row:
        return values  # as it came: the spec check names what is wrong
    return values.reshape([rows] + list(row_shape))


def flat_rows(name, spec, values):
    """An object array of one array per row -> a 2-D array (rows, values per row)."""
    if not len(values):
        return np.zeros((0, 0), np.float32)
    try:
        lengths = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
        flat = np.concatenate(values)
    except (TypeError, ValueError):
        raise SparkInputError(f"input {name!r}: got null values or values that are not arrays, expected "
                              f"{spec!r}") from None
    if (lengths != lengths[0]).any():
        raise SparkInputError(f"input {name!r}: rows hold arrays of different lengths "
                              f"({sorted(set(lengths.tolist()))[:5]}), expected {spec!r}")
    if flat.dtype == object:
        raise SparkInputError(f"input {name!r}: the arrays hold null or non-numeric values, expected {spec!r}")
    return flat.reshape(len(values), int(lengths[0]))


def row_size(row_shape):
    """How many values a row of this shape holds (None if a dimension is unknown)."""
    if any(d is None for d in row_shape):
        return None
    return int(np.prod(row_shape, dtype=np.int64))
