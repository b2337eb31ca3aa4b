"""The files of a saved model and their checks (`docs/formats/saved_model.md` describes them).

    saved_model.json     metadata: format name and version, variables, functions, attributes, signatures
    functions/<k>.json   one IR graph (`ir.serialize`) per concrete function, variables by key
    variables.bin        the variables' values, raw little-endian C-order bytes, one after another

Everything a reader finds wrong is a `SavedModelError` (a ValueError) naming the file.
"""
import json
import os
import zlib

import numpy as np

from .. import dtypes

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "METADATA_FILE", "VARIABLES_FILE", "FUNCTIONS_DIR",
           "SavedModelError", "read_metadata", "write_variables", "read_variables"]

FORMAT_NAME = "tracegraph.saved_model"
FORMAT_VERSION = 1
METADATA_FILE = "saved_model.json"
VARIABLES_FILE = "variables.bin"
FUNCTIONS_DIR = "functions"


class SavedModelError(ValueError):
    """A saved model that cannot be read: missing, damaged, or of a newer format version."""


def read_metadata(export_dir):
    """The checked metadata dict of the saved model in `export_dir`."""
    path = os.path.join(export_dir, METADATA_FILE)
    if not os.path.isdir(export_dir):
        raise SavedModelError(f"{export_dir}: no saved model here (not a directory)")
    try:
        with open(path, encoding="utf8") as f:
            data = json.load(f)
    except FileNotFoundError:
        raise SavedModelError(f"{path}: missing; {export_dir} is not a tracegraph saved model") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise SavedModelError(f"{path}: damaged, not valid JSON ({error})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT_NAME:
        raise SavedModelError(f"{path}: not a tracegraph saved model (format is not {FORMAT_NAME!r})")
    version = data.get("version")
    if type(version) is not int:
        raise SavedModelError(f"{path}: 'version' must be an integer, got {version!r}")
    if version > FORMAT_VERSION:
        raise SavedModelError(f"{path}: saved with format version {version}, newer than this tracegraph reads "
                              f"({FORMAT_VERSION}); upgrade tracegraph to load it")
    if version < 1:
        raise SavedModelError(f"{path}: unknown format version {version}")
    for key, kind in (("variables", list), ("functions", list), ("attributes", dict), ("signatures", dict)):
        if not isinstance(data.get(key), kind):
            raise SavedModelError(f"{path}: damaged: {key!r} must be a JSON {kind.__name__}")
    return data


def write_variables(f, variables):
    """Write the values of `variables` to the binary file `f`; returns their metadata entries."""
    entries, offset = [], 0
    for key, variable in variables:
        array = np.asarray(variable.numpy())  # (not ascontiguousarray: it makes a scalar 1-D)
        data = array.astype(array.dtype.newbyteorder("<"), copy=False).tobytes(order="C")
        f.write(data)
        entries.append({"key": key, "name": variable.name, "path": getattr(variable, "path", variable.name),
                        "dtype": dtypes.as_dtype(array.dtype).name, "shape": list(array.shape),
                        "trainable": bool(variable.trainable), "offset": offset, "nbytes": len(data),
                        "crc32": zlib.crc32(data)})
        offset += len(data)
    return entries


def read_variables(export_dir, entries):
    """{key: NumPy array} from the variables file, each checked against its size and checksum."""
    path = os.path.join(export_dir, VARIABLES_FILE)
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        raise SavedModelError(f"{path}: missing (the saved model is incomplete)") from None
    arrays = {}
    for k, entry in enumerate(entries):
        try:
            key, offset, nbytes = entry["key"], int(entry["offset"]), int(entry["nbytes"])
            dtype = np.dtype(dtypes.as_dtype(entry["dtype"]).numpy_dtype).newbyteorder("<")
            shape = tuple(int(d) for d in entry["shape"])
            checksum = entry["crc32"]
        except (KeyError, TypeError, ValueError) as error:
            raise SavedModelError(f"{os.path.join(export_dir, METADATA_FILE)}: damaged entry {k} of "
                                  f"'variables': {type(error).__name__}: {error}") from None
        data = raw[offset:offset + nbytes]
        if len(data) != nbytes or nbytes != dtype.itemsize * int(np.prod(shape, dtype=np.int64)):
            raise SavedModelError(f"{path}: truncated or damaged: variable {key!r} ({entry.get('path')}) needs "
                                  f"bytes {offset}..{offset + nbytes} of {len(raw)}")
        if zlib.crc32(data) != checksum:
            raise SavedModelError(f"{path}: damaged: the checksum of variable {key!r} ({entry.get('path')}) "
                                  f"does not match")
        arrays[key] = np.frombuffer(data, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))
    return arrays
