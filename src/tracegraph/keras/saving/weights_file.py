"""tracegraph's Keras weights file (`*.weights.tgw`): `model.save_weights` / `model.load_weights`.

The file is a ZIP archive that is also a valid NumPy `.npz` (`np.load` opens it): a JSON header as
the first member, then one `.npy` member per weight, in `model.weights` order. The layout, the header's
fields and the version rule are in docs/formats/keras_weights.md.

Writing goes to a temporary file in the target's directory, synced, then renamed over the target:
at every moment the path holds either the previous complete file or the new complete one. Loading
checks everything (format, version, integrity, count and shapes) before changing any weight, so a
failed load leaves the model as it was.
"""
import importlib.metadata
import io
import json
import os
import tempfile
import zipfile

import numpy as np

__all__ = ["save_weights", "load_weights", "read_weights", "FORMAT_NAME", "FORMAT_VERSION", "WEIGHTS_SUFFIX",
           "HEADER_MEMBER"]

FORMAT_NAME = "tracegraph.keras.weights"
#: The version this code writes; files of a higher version are refused (they may mean something else).
FORMAT_VERSION = 1
WEIGHTS_SUFFIX = ".weights.tgw"
HEADER_MEMBER = "tracegraph_weights.json"
_ZIP_MAGIC = b"PK\x03\x04"


def save_weights(model, filepath):
    """Write `model.weights` to `filepath` (which must end in `.weights.tgw`), atomically."""
    filepath = os.fspath(filepath)
    if not filepath.endswith(WEIGHTS_SUFFIX):
        hint = " tracegraph does not write HDF5." if filepath.endswith(".h5") else ""
        raise ValueError(f"The filename must end in `{WEIGHTS_SUFFIX}`.{hint} Received: filepath={filepath}")
    weights = list(model.weights)
    arrays = [np.asarray(w.numpy()) for w in weights]
    entries = [{"name": w.name, "shape": list(a.shape), "dtype": _dtype_name(w, a), "member": _member(i)}
               for i, (w, a) in enumerate(zip(weights, arrays))]
    header = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION, "tracegraph_version": _version(),
              "model_name": getattr(model, "name", None), "weights": entries}
    write_atomically(filepath, lambda f: _write_archive(f, header, arrays))


def load_weights(model, filepath):
    """Set `model.weights` from a file `save_weights` wrote; every mismatch is a ValueError naming the file.

    Weights are matched by position in `model.weights` (names may differ between processes); the
    count and every shape must agree. Values are cast to each variable's dtype.
    """
    filepath = os.fspath(filepath)
    header, arrays = read_weights(filepath)
    weights = list(model.weights)
    if len(weights) != len(arrays):
        raise ValueError(f"{filepath}: the file holds {len(arrays)} weights but the model has {len(weights)} "
                         f"(model weights: {[w.name for w in weights][:10]}).")
    for index, (variable, array, entry) in enumerate(zip(weights, arrays, header["weights"])):
        if tuple(variable.shape) != array.shape:
            raise ValueError(f"{filepath}: weight {index} has shape {array.shape} in the file ('{entry['name']}') "
                             f"but {tuple(variable.shape)} in the model ('{variable.name}').")
    for variable, array in zip(weights, arrays):
        variable.assign(array)


def read_weights(filepath):
    """`(header, arrays)` of a weights file, checked for format, version and integrity (ValueError if not)."""
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
        return header, [_read_array(filepath, archive, index, entry) for index, entry in enumerate(header["weights"])]


def write_atomically(filepath, write):
    """Call `write(binary_file)` on a temporary file beside `filepath`, then rename it to `filepath`.

    If `write` (or anything before the rename) fails, the temporary file is removed and whatever
    was at `filepath` before is left untouched.
    """
    directory = os.path.dirname(os.path.abspath(filepath))
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(filepath)}.", suffix=".tmp")
    try:
        # mkstemp's file is private (0600); the saved file gets the mode a plain open() would give it.
        os.chmod(temporary, _mode_for(filepath))
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, filepath)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    _sync_directory(directory)


def _write_archive(f, header, arrays):
    with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        archive.writestr(HEADER_MEMBER, json.dumps(header, indent=1))
        for entry, array in zip(header["weights"], arrays):
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
        raise ValueError(f"{filepath}: not a tracegraph weights file (its header's format is "
                         f"{header.get('format') if isinstance(header, dict) else None!r}, expected {FORMAT_NAME!r}).")
    version = header.get("format_version")
    if not isinstance(version, int) or version < 1:
        raise ValueError(f"{filepath}: the weights file's format_version {version!r} is not valid.")
    if version > FORMAT_VERSION:
        raise ValueError(f"{filepath}: the weights file has format version {version}, written by tracegraph "
                         f"{header.get('tracegraph_version')}; this tracegraph ({_version()}) reads versions up to "
                         f"{FORMAT_VERSION}. Upgrade tracegraph to load it.")
    entries = header.get("weights")
    if not isinstance(entries, list) or not all(isinstance(e, dict) and "member" in e for e in entries):
        raise ValueError(f"{filepath}: the weights file's header has no valid list of weights.")
    missing = [e["member"] for e in entries if e["member"] not in names]
    if missing:
        raise ValueError(f"{filepath}: the weights file is truncated or damaged: member '{missing[0]}' "
                         "is missing.")
    return header


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


def _member(index):
    return f"weight_{index:05d}.npy"


def _dtype_name(variable, array):
    dtype = getattr(variable, "dtype", None)
    return getattr(dtype, "name", None) or array.dtype.name


def _version():
    try:
        return importlib.metadata.version("tracegraph")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _mode_for(filepath):
    try:
        return os.stat(filepath).st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _sync_directory(directory):
    """Make the rename itself durable; some file systems cannot open a directory, which is fine."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
