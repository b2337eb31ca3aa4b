"""tracegraph's Keras weights file (`*.weights.tgw`): `model.save_weights` / `model.load_weights`.

The file is a ZIP archive that is also a valid NumPy `.npz` (`np.load` opens it): a JSON header as
the first member, then one `.npy` member per model weight, in `model.weights` order, then (as Keras 3's
`.weights.h5` does) one per optimizer variable. The layout, the header's fields and the version rule
are in docs/formats/keras_weights.md.

Writing is atomic (`atomic.write_atomically`). Loading checks everything (format, version, integrity,
count and shapes) before changing any weight, so a failed load leaves the model as it was.
"""
import importlib.metadata
import io
import json
import os
import warnings
import zipfile

import numpy as np

from ...atomic_files import write_atomically

__all__ = ["save_weights", "load_weights", "read_weights", "FORMAT_NAME", "FORMAT_VERSION", "WEIGHTS_SUFFIX",
           "HEADER_MEMBER"]

FORMAT_NAME = "tracegraph.keras.weights"
#: The version this code writes; files of a higher version are refused (they may mean something else).
FORMAT_VERSION = 1
WEIGHTS_SUFFIX = ".weights.tgw"
HEADER_MEMBER = "tracegraph_weights.json"
_ZIP_MAGIC = b"PK\x03\x04"


def save_weights(model, filepath):
    """Write `model.weights` (and its optimizer's variables, if any) to `filepath`, atomically.

    `filepath` must end in `.weights.tgw`.
    """
    filepath = os.fspath(filepath)
    if not filepath.endswith(WEIGHTS_SUFFIX):
        hint = " tracegraph does not write HDF5." if filepath.endswith(".h5") else ""
        raise ValueError(f"The filename must end in `{WEIGHTS_SUFFIX}`.{hint} Received: filepath={filepath}")
    entries, arrays = _describe(model.weights, "weight")
    header = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION, "tracegraph_version": _version(),
              "model_name": getattr(model, "name", None), "weights": entries, "optimizer": None}
    optimizer = getattr(model, "optimizer", None)
    optimizer_variables = _optimizer_variables(optimizer)
    if optimizer_variables:
        optimizer_entries, optimizer_arrays = _describe(optimizer_variables, "optimizer")
        header["optimizer"] = {"name": getattr(optimizer, "name", None), "variables": optimizer_entries}
        entries, arrays = entries + optimizer_entries, arrays + optimizer_arrays
    write_atomically(filepath, lambda f: _write_archive(f, header, entries, arrays))


def load_weights(model, filepath):
    """Set `model.weights` from a file `save_weights` wrote; every mismatch is a ValueError naming the file.

    Weights are matched by position in `model.weights` (names may differ between processes); the
    count and every shape must agree. Values are cast to each variable's dtype. The optimizer's
    variables are restored when the model's optimizer has the same ones (same count and shapes);
    otherwise (for instance an optimizer not built yet) they are skipped with a warning, as Keras does.
    """
    filepath = os.fspath(filepath)
    header, arrays, optimizer_arrays = read_weights(filepath)
    weights = list(model.weights)
    if len(weights) != len(arrays):
        raise ValueError(f"{filepath}: the file holds {len(arrays)} weights but the model has {len(weights)} "
                         f"(model weights: {[w.name for w in weights][:10]}).")
    for index, (variable, array, entry) in enumerate(zip(weights, arrays, header["weights"])):
        if tuple(variable.shape) != array.shape:
            raise ValueError(f"{filepath}: weight {index} has shape {array.shape} in the file ('{entry['name']}') "
                             f"but {tuple(variable.shape)} in the model ('{variable.name}').")
    pairs = list(zip(weights, arrays)) + _optimizer_pairs(model, optimizer_arrays)
    for variable, array in pairs:
        variable.assign(array)


def read_weights(filepath):
    """`(header, weight arrays, optimizer arrays)` of a weights file, checked for format, version and
    integrity (ValueError if not)."""
    filepath = os.fspath(filepath)
    try:
        with open(filepath, "rb") as f:
            starts_like_zip = f.read(4) == _ZIP_MAGIC
        archive = zipfile.ZipFile(filepath)
    except zipfile.BadZipFile:
        if starts_like_zip:
            raise ValueError(f"{filepath}: the weights file is truncated or damaged (its ZIP directory is "
                             "missing or unreadable).") from None
        raise ValueError(f"{filepath}: not a tracegraph weights file (expected a `{WEIGHTS_SUFFIX}` file written "
                         "by `save_weights`).") from None
    with archive:
        header = _read_header(filepath, archive)
        optimizer_entries = (header.get("optimizer") or {}).get("variables", [])
        return (header, [_read_array(filepath, archive, i, e) for i, e in enumerate(header["weights"])],
                [_read_array(filepath, archive, i, e) for i, e in enumerate(optimizer_entries)])


def _describe(variables, prefix):
    arrays = [np.asarray(v.numpy()) for v in variables]
    entries = [{"name": v.name, "shape": list(a.shape), "dtype": _dtype_name(v, a), "member": f"{prefix}_{i:05d}.npy"}
               for i, (v, a) in enumerate(zip(variables, arrays))]
    return entries, arrays


def _optimizer_variables(optimizer):
    variables = getattr(optimizer, "variables", None) if optimizer is not None else None
    return list(variables() if callable(variables) else variables or ())


def _optimizer_pairs(model, arrays):
    """The optimizer variables to assign, or none (with Keras's warning) when they do not match the file's."""
    if not arrays or getattr(model, "optimizer", None) is None:
        return []
    variables = _optimizer_variables(model.optimizer)
    if len(variables) != len(arrays) or any(tuple(v.shape) != a.shape for v, a in zip(variables, arrays)):
        warnings.warn(f"Skipping variable loading for optimizer '{getattr(model.optimizer, 'name', None)}', because "
                      f"it has {len(variables)} variables whereas the saved optimizer has {len(arrays)} variables.",
                      stacklevel=3)
        return []
    return list(zip(variables, arrays))


def _write_archive(f, header, entries, arrays):
    with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        archive.writestr(HEADER_MEMBER, json.dumps(header, indent=1))
        for entry, array in zip(entries, arrays):
            with archive.open(entry["member"], "w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.asarray(array, order="C"), allow_pickle=False)


def _read_header(filepath, archive):
    names = archive.namelist()
    if HEADER_MEMBER not in names:
        raise ValueError(f"{filepath}: not a tracegraph weights file (it is a ZIP archive without the "
                         f"'{HEADER_MEMBER}' header).")
    try:
        header = json.loads(_read_member(filepath, archive, HEADER_MEMBER))
    except ValueError as e:
        raise ValueError(f"{filepath}: the weights file's header is not valid JSON ({e}).") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT_NAME:
        found = header.get("format") if isinstance(header, dict) else None
        raise ValueError(f"{filepath}: not a tracegraph weights file (its header's format is {found!r}, "
                         f"expected {FORMAT_NAME!r}).")
    version = header.get("format_version")
    if not isinstance(version, int) or version < 1:
        raise ValueError(f"{filepath}: the weights file's format_version {version!r} is not valid.")
    if version > FORMAT_VERSION:
        raise ValueError(f"{filepath}: the weights file has format version {version}, written by tracegraph "
                         f"{header.get('tracegraph_version')}; this tracegraph ({_version()}) reads versions up to "
                         f"{FORMAT_VERSION}. Upgrade tracegraph to load it.")
    optimizer = header.get("optimizer")
    lists = [header.get("weights")] + ([optimizer.get("variables")] if isinstance(optimizer, dict) else [])
    if (optimizer is not None and not isinstance(optimizer, dict)) or not all(_valid_entries(e) for e in lists):
        raise ValueError(f"{filepath}: the weights file's header has no valid list of weights.")
    missing = [e["member"] for entries in lists for e in entries if e["member"] not in names]
    if missing:
        raise ValueError(f"{filepath}: the weights file is truncated or damaged: member '{missing[0]}' "
                         "is missing.")
    return header


def _valid_entries(entries):
    return isinstance(entries, list) and all(isinstance(e, dict) and "member" in e for e in entries)


def _read_array(filepath, archive, index, entry):
    data = _read_member(filepath, archive, entry["member"])
    try:
        array = np.lib.format.read_array(io.BytesIO(data), allow_pickle=False)
    except ValueError as e:
        raise ValueError(f"{filepath}: weight {index} ('{entry.get('name')}') cannot be read: {e}") from None
    if list(array.shape) != list(entry.get("shape", ())):
        raise ValueError(f"{filepath}: weight {index} ('{entry.get('name')}') has shape {array.shape} but the "
                         f"header says {tuple(entry.get('shape', ()))}: the file is damaged.")
    return array


def _read_member(filepath, archive, name):
    try:
        return archive.read(name)
    except (zipfile.BadZipFile, EOFError, OSError) as e:
        raise ValueError(f"{filepath}: the weights file is truncated or damaged ({name}: {e}).") from None


def _dtype_name(variable, array):
    dtype = getattr(variable, "dtype", None)
    return getattr(dtype, "name", None) or array.dtype.name


def _version():
    try:
        return importlib.metadata.version("tracegraph")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"
