"""TF Serving's predict request and response bodies: the row format and the columnar format.

Row format: `{"instances": [...]}`, one entry per example (a value for a one-input signature, else an
object of named inputs), answered with `{"predictions": [...]}` (one entry per example; an object of
named outputs when there are several). Columnar format: `{"inputs": value-or-object}`, answered with
`{"outputs": value-or-object}`. Both take `signature_name` (default `serving_default`).
"""
from .errors import InvalidArgument
from .signature import to_json_value
from ..saved_model.export import DEFAULT_SIGNATURE

__all__ = ["PredictRequest", "parse_predict", "format_predict", "DEFAULT_SIGNATURE"]


class PredictRequest:
    """A decoded predict body: the arrays in the signature's input order, and how to answer."""

    __slots__ = ("arrays", "rows", "row_format")

    def __init__(self, arrays, rows, row_format):
        self.arrays = arrays
        self.rows = rows  # the shared leading size of every input, None where they differ
        self.row_format = row_format


def signature_name(document):
    """The requested signature's name (checked to be a string)."""
    if type(document) is not dict:
        raise InvalidArgument(f"the request body must be a JSON object with 'instances' or 'inputs', got a "
                              f"{type(document).__name__}")
    name = document.get("signature_name", DEFAULT_SIGNATURE)
    if type(name) is not str:
        raise InvalidArgument(f"'signature_name' must be a string, got {name!r}")
    return name


def parse_predict(document, signature):
    """The PredictRequest of a decoded JSON body for `signature` (InvalidArgument naming what is wrong)."""
    has_rows, has_columns = "instances" in document, "inputs" in document
    if has_rows == has_columns:
        raise InvalidArgument("the request must have exactly one of 'instances' (row format) or 'inputs' "
                              "(columnar format)" + (", not both" if has_rows else ""))
    converters = signature.converters
    if has_rows:
        arrays = _rows(document["instances"], signature)
        return PredictRequest(arrays, len(arrays[0]), True)
    values = _columns(document["inputs"], signature)
    arrays = [c.convert(v) for c, v in zip(converters, values)]
    leading = {a.shape[0] if a.ndim else None for a in arrays}
    rows = leading.pop() if len(leading) == 1 else None
    return PredictRequest(arrays, rows, False)


def _rows(instances, signature):
    if type(instances) is not list or not instances:
        raise InvalidArgument(f"'instances' must be a non-empty list, one entry per example, got "
                              f"{_short(instances)}")
    converters = signature.converters
    first = instances[0]
    named = type(first) is dict and not (len(converters) == 1 and _is_b64(first))
    if not named:
        if len(converters) != 1:
            raise InvalidArgument(f"signature '{signature.name}' has the inputs {signature.input_names}: each "
                                  f"instance must be an object naming them")
        return [converters[0].convert(instances)]
    arrays = []
    for converter in converters:
        try:
            column = [instance[converter.name] for instance in instances]
        except KeyError:
            raise InvalidArgument(f"missing input '{converter.name}' in an instance ({converter.spec_text}"
                                  f"); signature '{signature.name}' has the inputs {signature.input_names}") from None
        except TypeError:
            raise InvalidArgument("every instance must be an object of named inputs when the first one is") from None
        arrays.append(converter.convert(column))
    # Every instance names every input by now: one with more keys than inputs has an unknown one.
    if any(len(instance) != len(converters) for instance in instances):
        _check_unknown(set().union(*(i.keys() for i in instances)), signature)
    return arrays


def _columns(inputs, signature):
    converters = signature.converters
    if type(inputs) is dict and not (len(converters) == 1 and _is_b64(inputs)) and \
            (len(converters) > 1 or converters[0].name in inputs):
        missing = [c for c in converters if c.name not in inputs]
        if missing:
            c = missing[0]
            raise InvalidArgument(f"missing input '{c.name}' ({c.spec_text}); signature '{signature.name}' "
                                  f"has the inputs {signature.input_names}")
        if len(inputs) != len(converters):
            _check_unknown(inputs.keys(), signature)
        return [inputs[c.name] for c in converters]
    if len(converters) != 1:
        raise InvalidArgument(f"signature '{signature.name}' has the inputs {signature.input_names}: 'inputs' "
                              f"must be an object naming them")
    return [inputs]


def _check_unknown(keys, signature):
    unknown = sorted(set(keys) - set(signature.input_names))
    if unknown:
        raise InvalidArgument(f"unknown input(s) {unknown}: signature '{signature.name}' has the inputs "
                              f"{signature.input_names}")


def _is_b64(value):
    return len(value) == 1 and "b64" in value


def _short(value):
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def format_predict(outputs, signature, row_format):
    """The response document for `outputs` ({name: array}) in the request's format."""
    b64 = signature.base64_outputs
    if not row_format:
        if len(outputs) == 1:
            ((key, array),) = outputs.items()
            return {"outputs": to_json_value(array, key in b64)}
        return {"outputs": {key: to_json_value(array, key in b64) for key, array in outputs.items()}}
    if len(outputs) == 1:
        ((key, array),) = outputs.items()
        if array.ndim == 0:
            raise InvalidArgument(f"output '{key}' is a scalar: the row format needs a batch dimension; "
                                  f"use the columnar format ('inputs')")
        return {"predictions": to_json_value(array, key in b64)}
    sizes = {key: (array.shape[0] if array.ndim else None) for key, array in outputs.items()}
    if len(set(sizes.values())) != 1 or None in sizes.values():
        raise InvalidArgument(f"the outputs' batch sizes differ ({sizes}): the row format needs one per "
                              f"example; use the columnar format ('inputs')")
    columns = {key: to_json_value(array, key in b64) for key, array in outputs.items()}
    lists = {key: (value.tolist() if hasattr(value, "tolist") else value) for key, value in columns.items()}
    count = next(iter(sizes.values()))
    return {"predictions": [{key: column[i] for key, column in lists.items()} for i in range(count)]}
