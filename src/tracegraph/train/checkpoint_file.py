"""The files of one checkpoint: `<prefix>.index` (JSON) and `<prefix>.data-<token>` (the arrays).

The data file is the arrays' bytes one after another (each at a 64-byte aligned offset), written
straight from the arrays' buffers and read back with `readinto` into preallocated arrays, so
neither direction makes a copy. The index describes the object graph and, for each variable,
where its bytes are. docs/formats/checkpoint.md documents both, and the version rule.

A write is atomic: the data file gets a fresh name, then the index is renamed into place (the
commit point), then older data files of the prefix are removed. A crash at any moment leaves the
prefix's previous version, or the new one, complete.
"""
import glob
import json
import os
import secrets
import sys

import numpy as np

from ..atomic_files import write_atomically

__all__ = ["CheckpointFormatError", "FORMAT_NAME", "FORMAT_VERSION", "write_checkpoint", "read_index",
           "read_arrays", "index_path", "data_files", "remove_checkpoint"]

FORMAT_NAME = "tracegraph.checkpoint"
#: The version this code writes; an index of a higher version is refused.
FORMAT_VERSION = 1
INDEX_SUFFIX = ".index"
_DATA_INFIX = ".data-"
_ALIGNMENT = 64


class CheckpointFormatError(ValueError):
    """A checkpoint that cannot be read: the message names the file and, where one is at fault, the key."""


def index_path(prefix):
    """The index file of the checkpoint at `prefix`."""
    return os.fspath(prefix) + INDEX_SUFFIX


def data_files(prefix):
    """Every data file of `prefix` on disk (the current one and leftovers of interrupted writes)."""
    return glob.glob(glob.escape(os.fspath(prefix)) + _DATA_INFIX + "*")


def write_checkpoint(prefix, index, arrays):
    """Write `arrays` (NumPy, in the order of `index["variables"]`) and the index, atomically.

    Fills each variable entry's `offset` and `nbytes`, and the index's data file name and size.
    """
    prefix = os.fspath(prefix)
    data_name = f"{os.path.basename(prefix)}{_DATA_INFIX}{secrets.token_hex(8)}"
    offset = 0
    for entry, array in zip(index["variables"], arrays):
        offset = -(-offset // _ALIGNMENT) * _ALIGNMENT
        entry["offset"], entry["nbytes"] = offset, int(array.nbytes)
        offset += array.nbytes
    index.update({"format": FORMAT_NAME, "format_version": FORMAT_VERSION, "byte_order": sys.byteorder,
                  "data_file": data_name, "data_size": offset})
    write_atomically(os.path.join(os.path.dirname(prefix), data_name),
                     lambda f: _write_arrays(f, index["variables"], arrays))
    text = json.dumps(index, indent=1).encode("utf8")
    write_atomically(index_path(prefix), lambda f: f.write(text))
    for stale in data_files(prefix):
        if os.path.basename(stale) != data_name:
            _remove(stale)


def _write_arrays(f, entries, arrays):
    position = 0
    for entry, array in zip(entries, arrays):
        if entry["offset"] > position:
            f.write(bytes(entry["offset"] - position))
        f.write(_bytes_view(array))
        position = entry["offset"] + entry["nbytes"]


def _bytes_view(array):
    """The array's memory as bytes, without a copy when it is already contiguous."""
    return memoryview(np.ascontiguousarray(array).reshape(-1)).cast("B")


def read_index(prefix):
    """The checked index of the checkpoint at `prefix`, with `path` and `data_path` added."""
    path = index_path(prefix)
    try:
        with open(path, "rb") as f:
            index = json.loads(f.read().decode("utf8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"No checkpoint at {os.fspath(prefix)!r}: {path!r} does not exist") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise CheckpointFormatError(f"{path}: not a readable checkpoint index (truncated or damaged: "
                                    f"{error})") from None
    if not isinstance(index, dict) or index.get("format") != FORMAT_NAME:
        raise CheckpointFormatError(f"{path}: not a tracegraph checkpoint index (format "
                                    f"{index.get('format') if isinstance(index, dict) else None!r})")
    version = index.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise CheckpointFormatError(f"{path}: checkpoint format version {version!r} is newer than this "
                                    f"tracegraph reads (up to {FORMAT_VERSION}); upgrade tracegraph to read it")
    if index.get("byte_order") != sys.byteorder:
        raise CheckpointFormatError(f"{path}: written on a {index.get('byte_order')}-endian machine; this "
                                    f"one is {sys.byteorder}-endian")
    index["path"] = path
    index["data_path"] = os.path.join(os.path.dirname(os.path.abspath(path)), index["data_file"])
    return index


def read_arrays(index, entries):
    """{key: NumPy array} of `entries` (variable entries of `index`), read in file order."""
    data_path = index["data_path"]
    try:
        f = open(data_path, "rb", buffering=0)
    except FileNotFoundError:
        raise CheckpointFormatError(f"{index['path']}: its data file {data_path!r} is missing") from None
    with f:
        size = os.fstat(f.fileno()).st_size
        if size != index["data_size"]:
            short = [e["key"] for e in entries if e["offset"] + e["nbytes"] > size]
            raise CheckpointFormatError(f"{data_path}: truncated or damaged: {size} bytes, the index says "
                                        f"{index['data_size']}" + (f"; the value of {short[0]!r} is cut off"
                                                                    if short else ""))
        arrays = {}
        for entry in sorted(entries, key=lambda e: e["offset"]):
            array = np.empty(entry["shape"], dtype=np.dtype(entry["numpy_dtype"]))
            if array.nbytes != entry["nbytes"]:
                raise CheckpointFormatError(f"{index['path']}: the entry of {entry['key']!r} is inconsistent "
                                            f"(shape {entry['shape']} of {entry['numpy_dtype']} is not "
                                            f"{entry['nbytes']} bytes)")
            f.seek(entry["offset"])
            if _read_into(f, array) != array.nbytes:
                raise CheckpointFormatError(f"{data_path}: truncated: the value of {entry['key']!r} is cut off")
            arrays[entry["key"]] = array
    return arrays


def _read_into(f, array):
    view, done = _bytes_view(array), 0
    while done < len(view):
        count = f.readinto(view[done:])
        if not count:
            break
        done += count
    return done


def remove_checkpoint(prefix):
    """Delete the checkpoint at `prefix` (its index first, so it never looks complete while half gone),
    and the temporary files of its writes that a crash interrupted."""
    _remove(index_path(prefix))
    directory, base = os.path.split(os.fspath(prefix))
    leftovers = glob.glob(os.path.join(glob.escape(directory), f".{glob.escape(base)}.*.tmp"))
    for path in data_files(prefix) + leftovers:
        _remove(path)


def _remove(path):
    try:
        os.remove(path)
    except FileNotFoundError:
        pass
