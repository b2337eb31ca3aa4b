"""One served signature: JSON values in, checked arrays, one call of the concrete function, arrays out.

The converters are built once per signature when a version loads, so a request does no lookup beyond
its input names: each input is one `np.asarray` plus a kind and shape check, and the call goes straight
to the ConcreteFunction's `call_flat` (the spec checks a `SignatureFunction` call would repeat are done
here, once, with messages that name the input and the expected spec).
"""
import base64
import binascii

import numpy as np

from .errors import InvalidArgument
from ..io.tensors import DATA_TYPE_NAMES
from ..saved_model.describe import flatten_outputs
from ..spec import TensorSpec
from ..tensor import EagerTensor

__all__ = ["ServedSignature", "InputConverter", "to_json_value", "shape_text"]

#: The JSON value kinds (numpy's inference) each target kind accepts without losing information.
_ACCEPTED_KINDS = {"f": "fiu", "c": "fiuc", "i": "iu", "u": "iu", "b": "b"}
#: Arrays orjson writes natively (others go through `tolist`).
_NATIVE_JSON = frozenset(np.dtype(t) for t in ("float64", "float32", "int64", "int32", "int16", "int8",
                                                 "uint64", "uint32", "uint16", "uint8", "bool"))


def shape_text(dims):
    """A spec's shape as TF Serving prints it: -1 for an unknown size."""
    if dims is None:
        return "<unknown rank>"
    return "(" + ", ".join("-1" if d is None else str(d) for d in dims) + ("," if len(dims) == 1 else "") + ")"


class InputConverter:
    """Turns the JSON value of one input into an array of its spec's dtype and shape, or says why not."""

    def __init__(self, name, spec, signature_name):
        self.name = name
        self.dims = spec.shape.dims if spec.shape.rank is not None else None
        self.dtype_name = spec.dtype.name
        self.is_string = spec.dtype.name == "string"
        self.numpy_dtype = None if self.is_string else np.dtype(spec.dtype.numpy_dtype)
        self._accepted = _ACCEPTED_KINDS.get(self.numpy_dtype.kind, "") if self.numpy_dtype is not None else ""
        self._where = f"input '{name}' of signature '{signature_name}'"
        self.spec_text = f"{self.dtype_name} values of shape {shape_text(self.dims)}"
        self.expected = f"expected {self.spec_text}"

    def convert(self, value):
        """The checked array for `value` (nested lists of numbers, strings or {"b64": ...})."""
        array = self._strings(value) if self.is_string else self._numbers(value)
        dims = self.dims
        if dims is not None and (array.ndim != len(dims) or
                                 any(d is not None and d != s for d, s in zip(dims, array.shape))):
            raise InvalidArgument(f"{self._where}: {self.expected}, got shape {shape_text(array.shape)}")
        return array

    def _numbers(self, value):
        try:
            array = np.asarray(value)
        except (ValueError, TypeError) as error:
            raise InvalidArgument(f"{self._where}: {self.expected}, got a ragged or malformed value "
                                  f"({error})") from None
        if array.dtype.kind not in self._accepted:
            raise InvalidArgument(f"{self._where}: {self.expected}, got {_kind_text(array)}")
        if array.dtype == self.numpy_dtype:
            return array
        converted = array.astype(self.numpy_dtype)
        if self.numpy_dtype.kind in "iu" and not np.array_equal(converted, array):
            raise InvalidArgument(f"{self._where}: {self.expected}, got integers out of the {self.dtype_name} "
                                  f"range")
        return converted

    def _strings(self, value):
        try:
            array = np.array(_bytes_leaves(value), dtype=object)
        except ValueError as error:
            raise InvalidArgument(f"{self._where}: {self.expected}, got a ragged value ({error})") from None
        except TypeError as error:
            raise InvalidArgument(f"{self._where}: {self.expected}, got {error}") from None
        if array.dtype != object or any(type(b) is not bytes for b in array.flat):
            raise InvalidArgument(f"{self._where}: {self.expected}, got a ragged value")
        return array


def _bytes_leaves(value):
    """Nested lists with every string (text, or base64 in {"b64": ...}) turned into bytes."""
    if isinstance(value, list):
        return [_bytes_leaves(v) for v in value]
    if isinstance(value, str):
        return value.encode("utf8")
    if isinstance(value, dict) and len(value) == 1 and isinstance(value.get("b64"), str):
        try:
            return base64.b64decode(value["b64"], validate=True)
        except (binascii.Error, ValueError):
            raise TypeError(f"invalid base64 in {{'b64': {value['b64'][:40]!r}}}") from None
    raise TypeError(f"a {_json_type(value)} where a string was expected")


def _kind_text(array):
    kinds = {"U": "strings", "S": "strings", "b": "booleans", "f": "floating-point numbers", "i": "integers",
             "u": "integers", "O": "mixed or non-numeric values"}
    return kinds.get(array.dtype.kind, str(array.dtype))


def _json_type(value):
    return {dict: "JSON object", list: "list", bool: "boolean", int: "number", float: "number",
            type(None): "null"}.get(type(value), type(value).__name__)


def to_json_value(array, as_base64=False):
    """What orjson writes for an output array: the array itself where orjson writes it natively, else
    lists (strings as text, or {"b64": ...} where they are not UTF-8 or the output's name asks for it)."""
    if array.dtype in _NATIVE_JSON and array.ndim:
        return array if array.flags.c_contiguous else np.ascontiguousarray(array)
    if array.dtype == object:
        return _strings_json(array.tolist(), as_base64)
    if array.dtype.kind not in "biufc":  # bfloat16 and other extension floats: their float32 values
        array = array.astype(np.float32)
    elif array.dtype.kind == "f" and array.dtype.itemsize < 4:
        array = array.astype(np.float32)
    if array.dtype.kind == "c":
        raise TypeError(f"a {array.dtype} output has no JSON form (TF Serving's REST API has none either)")
    return to_json_value(array) if array.ndim and array.dtype in _NATIVE_JSON else array.tolist()


def _strings_json(value, as_base64):
    if isinstance(value, list):
        return [_strings_json(v, as_base64) for v in value]
    if isinstance(value, bytes):
        if not as_base64:
            try:
                return value.decode("utf8")
            except UnicodeDecodeError:
                pass
        return {"b64": base64.b64encode(value).decode("ascii")}
    return value


class ServedSignature:
    """A saved model's signature as the server runs it: named inputs and outputs with their specs."""

    def __init__(self, name, signature_function):
        self.name = name
        self._concrete = signature_function.concrete_function
        inputs, outputs = signature_function._inputs, signature_function._outputs
        composite = [key for key, spec in inputs + outputs if not isinstance(spec, TensorSpec)]
        if composite:
            raise ValueError(f"signature {name!r}: the REST API serves plain tensors only; {composite} are "
                             f"composite (ragged or sparse)")
        self.input_specs = dict(inputs)
        self.output_specs = dict(outputs)
        self.converters = [InputConverter(key, spec, name) for key, spec in inputs]
        self.input_names = [c.name for c in self.converters]
        self.output_names = list(self.output_specs)
        self.base64_outputs = {key for key in self.output_names if key.endswith("_bytes")}
        self.batchable = False  # set by check_batchable when the version loads
        self._structure = self._concrete._result
        # A function returning one tensor answers with it alone: no structure to flatten on the hot path.
        self._single_output = self.output_names[0] if isinstance(self._structure, TensorSpec) \
            and len(self.output_names) == 1 else None

    def run(self, arrays):
        """{output name: array} for the checked input arrays (in `input_names` order)."""
        result = self._concrete.call_flat([EagerTensor(a) for a in arrays])
        if self._single_output is not None:
            return {self._single_output: _array(result)}
        return {key: _array(value) for key, value in flatten_outputs(self._structure, result).items()}

    def example_inputs(self, rows=1, seed=None):
        """Arrays fitting the inputs, `rows` along unknown sizes: zeros (or empty strings), or with `seed`
        varied values (distinct rows)."""
        rng = np.random.default_rng(seed) if seed is not None else None
        arrays = []
        for converter in self.converters:
            dims = converter.dims if converter.dims is not None else (rows,)
            shape = tuple(rows if d is None else d for d in dims)
            if converter.is_string:
                codes = rng.integers(0, 8, shape) if rng is not None else np.zeros(shape, int)
                array = np.array([b"" if rng is None else b"%d" % c for c in codes.flat], dtype=object).reshape(shape)
            elif rng is None:
                array = np.zeros(shape, converter.numpy_dtype)
            else:
                array = (rng.integers(0, 8, shape) if converter.numpy_dtype.kind in "iub"
                         else rng.standard_normal(shape)).astype(converter.numpy_dtype)
            arrays.append(array)
        return arrays

    def check_batchable(self):
        """Decide whether requests may share a call: every input has an unknown leading size, and two
        different rows run together give each one's result alone (a model that mixes the examples of a
        batch, such as a batch statistic, must run each request on its own)."""
        self.batchable = False
        if any(c.dims is None or not c.dims or c.dims[0] is not None for c in self.converters):
            return False
        pair = self.example_inputs(rows=2, seed=0)
        try:
            together = self.run(pair)
            alone = [self.run([a[k:k + 1] for a in pair]) for k in range(2)]
        except Exception:  # noqa: BLE001 - a signature that fails on varied values is simply not batched
            return False
        for key, value in together.items():
            parts = [one[key] for one in alone]
            if value.ndim == 0 or value.shape[0] != 2 or any(p.shape != (1,) + value.shape[1:] for p in parts):
                return False
            joined = np.concatenate(parts)
            same = np.array_equal(joined, value) if value.dtype == object else \
                np.allclose(joined, value, rtol=1e-4, atol=1e-5, equal_nan=True)
            if not same:
                return False
        self.batchable = True
        return True

    def metadata(self):
        """The signature_def as TF Serving's metadata answer describes it."""
        return {"inputs": {key: _tensor_info(key, spec) for key, spec in self.input_specs.items()},
                "outputs": {key: _tensor_info(key, spec) for key, spec in self.output_specs.items()},
                "method_name": "tensorflow/serving/predict"}


def _array(tensor):
    """A result's NumPy array as the backend holds it (the server only serializes it: no read-only view)."""
    value = tensor._value
    return value if type(value) is np.ndarray else np.asarray(tensor)


def _tensor_info(key, spec):
    dims = spec.shape.dims if spec.shape.rank is not None else None
    shape = {"dim": [], "unknown_rank": True} if dims is None else \
        {"dim": [{"size": str(-1 if d is None else d), "name": ""} for d in dims], "unknown_rank": False}
    return {"dtype": DATA_TYPE_NAMES.get(spec.dtype.name, spec.dtype.name), "tensor_shape": shape,
            "name": f"{key}:0"}
