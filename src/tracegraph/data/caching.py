"""`cache`: the elements of the first complete pass, kept in memory or in a file.

A pass that stops early (a `take` after the cache, a `break`) leaves nothing cached, as in TF.
The file is an `.npz` archive (no pickle): `count`, and per element `e<i>_<k>` for component k;
strings are stored as NumPy bytes arrays. It is written under a temporary name and renamed, so
a crash leaves either no cache or a complete one, and a later program reuses it.
"""
import os
import tempfile

import numpy as np

from .base import Dataset, register
from ..errors import DataLossError

__all__ = ["CacheDataset"]


@register("cache")
class CacheDataset(Dataset):
    """The input's first complete pass, replayed on later passes."""

    _tf_name = "CacheDataset"

    def __init__(self, dataset, filename=""):
        self._input, self._inputs = dataset, (dataset,)
        self._element_spec = dataset.element_spec
        filename = filename.numpy() if hasattr(filename, "numpy") else filename
        self._path = filename.decode() if isinstance(filename, bytes) else os.fspath(filename)
        self._elements = None

    def _cardinality(self):
        return self._input._cardinality()

    def _stream(self):
        if self._elements is None and self._path and os.path.exists(self._file()):
            self._elements = _read(self._file())
        if self._elements is not None:
            return iter(self._elements)
        return self._recording()

    def _file(self):
        return self._path if self._path.endswith(".npz") else self._path + ".npz"

    def _recording(self):
        recorded = []
        for components in self._input._stream():
            recorded.append(components)
            yield components
        if self._path:
            _write(self._file(), recorded)
        self._elements = recorded


def _write(path, elements):
    arrays = {"count": np.array(len(elements))}
    for i, components in enumerate(elements):
        for k, c in enumerate(components):
            arrays[f"e{i}_{k}"] = c.astype(bytes) if c.dtype == object else c
            arrays[f"s{i}_{k}"] = np.array(c.dtype == object)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".tgcache-", suffix=".npz", dir=directory)
    try:
        with os.fdopen(handle, "wb") as f:
            np.savez(f, **arrays)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def _read(path):
    try:
        with np.load(path, allow_pickle=False) as archive:
            count = int(archive["count"])
            elements = []
            for i in range(count):
                components, k = [], 0
                while f"e{i}_{k}" in archive.files:
                    c = archive[f"e{i}_{k}"]
                    components.append(c.astype(object) if archive[f"s{i}_{k}"] else c)
                    k += 1
                elements.append(tuple(components))
            return elements
    except (OSError, ValueError, KeyError) as error:
        raise DataLossError(f"cache: the cache file {path} cannot be read ({error}); delete it to rebuild "
                            f"the cache") from None


