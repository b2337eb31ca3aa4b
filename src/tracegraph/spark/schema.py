"""Spark SQL types for a signature's outputs, and its predictions shaped as Spark's pandas UDFs want them.

An output with one value per row (`[None]` or `[None, 1]`) is a scalar column; a wider one
(`[None, 10]`, `[None, 4, 4]`) an array column, flattened row by row; several outputs make a struct
with one field per output name.
"""
import numpy as np
from pyspark.sql import types

from .columns import row_size

__all__ = ["spark_type", "default_return_type", "checked_return_type", "numpy_dtype", "spark_result",
           "values_per_row"]

_SCALAR_TYPES = {"float16": types.FloatType, "float32": types.FloatType, "float64": types.DoubleType,
                 "int8": types.ByteType, "int16": types.ShortType, "int32": types.IntegerType,
                 "int64": types.LongType, "uint8": types.ShortType, "uint16": types.IntegerType,
                 "uint32": types.LongType, "bool": types.BooleanType}
_NUMPY_DTYPES = {types.FloatType: np.float32, types.DoubleType: np.float64, types.ByteType: np.int8,
                 types.ShortType: np.int16, types.IntegerType: np.int32, types.LongType: np.int64,
                 types.BooleanType: np.bool_}


def values_per_row(spec):
    """How many values an output has per row (None if a dimension is unknown)."""
    return row_size(spec.shape.as_list()[1:])


def spark_type(name, spec):
    """The Spark column type of output `name` with TensorSpec `spec`."""
    scalar = _SCALAR_TYPES.get(spec.dtype.name)
    if scalar is None:
        raise TypeError(f"output {name!r} is {spec!r}: no Spark column type for dtype {spec.dtype.name}")
    return scalar() if values_per_row(spec) == 1 else types.ArrayType(scalar(), containsNull=False)


def default_return_type(outputs):
    """The UDF's return type for `[(name, spec)]`: the one output's type, or a struct of them."""
    if len(outputs) == 1:
        return spark_type(*outputs[0])
    return types.StructType([types.StructField(name, spark_type(name, spec)) for name, spec in outputs])


def checked_return_type(outputs, return_type):
    """`return_type` (a DataType, a DDL string, or None for the default) checked against the outputs."""
    if return_type is None:
        return default_return_type(outputs)
    if isinstance(return_type, str):
        return_type = types.DataType.fromDDL(return_type)
    names = [name for name, _ in outputs]
    if isinstance(return_type, types.StructType):
        if sorted(return_type.names) != sorted(names):
            raise ValueError(f"return_type has the fields {return_type.names}, the signature's outputs are {names} "
                             f"(the default return type is {default_return_type(outputs).simpleString()})")
        for field in return_type.fields:
            _check_field(field.name, dict(outputs)[field.name], field.dataType)
        return return_type
    if len(outputs) != 1:
        raise ValueError(f"the signature has the outputs {names}: return_type must be a StructType with those "
                         f"fields (default: {default_return_type(outputs).simpleString()})")
    _check_field(*outputs[0], return_type)
    return return_type


def _check_field(name, spec, data_type):
    element = data_type.elementType if isinstance(data_type, types.ArrayType) else data_type
    if type(element) not in _NUMPY_DTYPES:
        raise ValueError(f"output {name!r}: return type {data_type.simpleString()} is not a numeric or boolean "
                         f"Spark type (or an array of one)")
    if not isinstance(data_type, types.ArrayType) and values_per_row(spec) != 1:
        raise ValueError(f"output {name!r} is {spec!r}, not one value per row: its return type must be an "
                         f"ArrayType, not {data_type.simpleString()}")


def numpy_dtype(data_type):
    """The NumPy dtype of a Spark scalar type, or of an ArrayType's elements."""
    element = data_type.elementType if isinstance(data_type, types.ArrayType) else data_type
    return np.dtype(_NUMPY_DTYPES[type(element)])


def spark_result(outputs, return_type):
    """Predictions {name: array} as `pyspark.ml.functions.predict_batch_udf` takes them for `return_type`:
    a 1-D array (scalar), a 2-D array (array), or a dict of those (struct)."""
    if isinstance(return_type, types.StructType):
        return {field.name: _column(field.name, outputs[field.name], field.dataType) for field in return_type.fields}
    ((name, values),) = outputs.items()
    return _column(name, values, return_type)


def _column(name, values, data_type):
    rows = values.reshape(len(values), -1).astype(numpy_dtype(data_type), copy=False)
    if isinstance(data_type, types.ArrayType):
        return rows
    if rows.shape[1] != 1:
        raise ValueError(f"output {name!r} has {rows.shape[1]} values per row; its return type "
                         f"{data_type.simpleString()} holds one")
    return rows[:, 0]
