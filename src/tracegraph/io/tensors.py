"""`tg.io.serialize_tensor` and `tg.io.parse_tensor`: a tensor as a serialized TensorFlow `TensorProto`.

Both are host ops (like the string ops) built on the protobuf runtime with TF's `tensor.proto`
(`messages`). Serializing writes what TF writes: the dtype, the shape and the values as raw
little-endian bytes in `tensor_content` (strings in `string_val`). Parsing also reads the typed
`*_val` fields other writers use, where fewer values than the shape holds repeat the last one.
"""
import functools

import numpy as np

from .messages import message_class
from .. import dtypes
from ..convert import convert_to_tensor
from ..core.dispatch import bind
from ..core.op import Op
from ..errors import InvalidArgumentError
from ..ops.string_ops import as_string_tensor, to_backend, to_host
from ..shape import TensorShape
from ..spec import spec_of

__all__ = ["serialize_tensor", "parse_tensor", "DATA_TYPE_NAMES"]

#: TF's DataType enum name (as `proto/types.proto` spells it) of each tracegraph dtype.
DATA_TYPE_NAMES = {"float16": "DT_HALF", "bfloat16": "DT_BFLOAT16", "float32": "DT_FLOAT", "float64": "DT_DOUBLE",
                   "int8": "DT_INT8", "int16": "DT_INT16", "int32": "DT_INT32", "int64": "DT_INT64",
                   "uint8": "DT_UINT8", "uint16": "DT_UINT16", "uint32": "DT_UINT32", "uint64": "DT_UINT64",
                   "bool": "DT_BOOL", "string": "DT_STRING", "complex64": "DT_COMPLEX64",
                   "complex128": "DT_COMPLEX128"}
#: The TensorProto field of typed values, by the name of a dtype a TensorProto carries.
_VALUE_FIELDS = {"float32": "float_val", "float64": "double_val", "int32": "int_val", "uint8": "int_val",
                 "int16": "int_val", "int8": "int_val", "string": "string_val", "complex64": "scomplex_val",
                 "int64": "int64_val", "bool": "bool_val", "uint16": "int_val", "complex128": "dcomplex_val",
                 "float16": "half_val", "uint32": "uint32_val", "uint64": "uint64_val"}


@functools.cache
def _enum_numbers():
    """{dtype name: its DataType enum number} for the dtypes of `_VALUE_FIELDS`, from the schema."""
    enum = message_class("TensorProto").DESCRIPTOR.fields_by_name["dtype"].enum_type
    return {name: enum.values_by_name[DATA_TYPE_NAMES[name]].number for name in _VALUE_FIELDS}


@functools.cache
def _names_of_enum():
    """`_enum_numbers` the other way round."""
    return {number: name for name, number in _enum_numbers().items()}


def _raw_bytes(array):
    return np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<"), copy=False).tobytes()


def _serialize_impl(xp, tensor, dtype):
    array = to_host(tensor)
    proto = message_class("TensorProto")(dtype=_enum_numbers()[dtype])
    proto.tensor_shape.SetInParent()   # TF writes the shape even for a scalar
    for size in array.shape:
        proto.tensor_shape.dim.add(size=size)
    if dtype == "string":
        proto.string_val.extend(array.reshape(-1).tolist())
    elif array.size:
        proto.tensor_content = _raw_bytes(array)
    return np.array(proto.SerializeToString(), dtype=object)


def _serialize_infer(tensor, dtype):
    return spec_of([], dtypes.string)


_serialize_tensor = Op("serialize_tensor", infer=_serialize_infer, impl=_serialize_impl)


def _parse_impl(xp, serialized, out_type):
    record = to_host(serialized).reshape(()).item()
    try:
        proto = message_class("TensorProto").FromString(record)
    except Exception:  # protobuf's DecodeError, whatever the runtime calls it
        raise InvalidArgumentError(f"parse_tensor: Could not parse `serialized` as TensorProto: {record[:40]!r}"
                                   ) from None
    found = _names_of_enum().get(proto.dtype, f"DataType {proto.dtype}")
    if found != out_type:
        raise InvalidArgumentError(f"parse_tensor: Type mismatch between parsed tensor ({found}) and dtype "
                                   f"({out_type})")
    shape = tuple(d.size for d in proto.tensor_shape.dim)
    values = _values(proto, out_type, int(np.prod(shape)))
    return to_backend(xp, values.reshape(shape))


def _values(proto, dtype, count):
    """The flat values of `proto`, from `tensor_content` or the dtype's typed field."""
    numpy_dtype = dtypes.as_dtype(dtype).as_numpy_dtype
    if proto.tensor_content:
        values = np.frombuffer(proto.tensor_content, np.dtype(numpy_dtype).newbyteorder("<"))
        if values.size != count:
            raise InvalidArgumentError(f"parse_tensor: tensor_content holds {values.size} values, the shape "
                                       f"{count}")
        return values.astype(numpy_dtype)
    field = getattr(proto, _VALUE_FIELDS[dtype])
    if dtype == "string":
        typed = np.empty(len(field), object)
        typed[:] = list(field)
    elif dtype == "float16":
        typed = np.array(field, np.uint16).view(np.float16)
    elif dtype.startswith("complex"):
        pairs = np.array(field, np.float32 if dtype == "complex64" else np.float64)
        typed = pairs[0::2] + 1j * pairs[1::2]
    else:
        typed = np.array(field)
    return _filled(typed.astype(numpy_dtype), count, numpy_dtype)


def _filled(typed, count, numpy_dtype):
    """`count` values: `typed`, its last value repeated (zeros when it is empty), as TF's FromProto."""
    if typed.size > count:
        raise InvalidArgumentError(f"parse_tensor: the TensorProto holds {typed.size} values for {count} elements")
    if typed.size == count:
        return typed
    if typed.size == 0:
        return np.full(count, b"" if numpy_dtype is np.object_ else 0, numpy_dtype)
    return np.concatenate([typed, np.full(count - typed.size, typed[-1], numpy_dtype)])


def _parse_infer(serialized, out_type):
    if serialized.dtype != dtypes.string or serialized.shape.rank not in (0, None):
        raise TypeError(f"parse_tensor: `serialized` must be a string scalar, got {serialized}")
    return spec_of(TensorShape(None), dtypes.as_dtype(out_type))


_parse_tensor = Op("parse_tensor", infer=_parse_infer, impl=_parse_impl)


def serialize_tensor(tensor, name=None):
    """`tensor` as a serialized TensorProto (a string scalar), as TF's `tf.io.serialize_tensor` writes it."""
    tensor = convert_to_tensor(tensor)
    if tensor.dtype.name not in _VALUE_FIELDS:
        raise TypeError(f"serialize_tensor: tensors of {tensor.dtype.name} cannot be serialized")
    return bind(_serialize_tensor, [tensor], {"dtype": tensor.dtype.name})


def parse_tensor(serialized, out_type, name=None):
    """The tensor a serialized TensorProto holds; its dtype must be `out_type` (InvalidArgumentError
    otherwise). The result's shape is known only when the op runs."""
    out_type = dtypes.as_dtype(out_type)
    if out_type.name not in _VALUE_FIELDS:
        raise TypeError(f"parse_tensor: out_type {out_type.name} is not a TensorProto dtype")
    serialized = as_string_tensor(serialized, "parse_tensor", "serialized")
    return bind(_parse_tensor, [serialized], {"out_type": out_type.name})
