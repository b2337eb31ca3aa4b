"""numba's on-disk cache files of a kernel, checked: each carries the SHA-256 of its contents.

numba raises on an empty, truncated or garbage index or data file (EOFError,
UnpicklingError) in every later process, and may load a file with a flipped byte.
Here a file that fails its checksum or does not load is a cache miss: its files are
removed, the kernel compiles again, and one `KernelCacheWarning` names the file.
"""
import hashlib
import os
import pickle
import warnings

from numba.core.caching import FunctionCache, IndexDataCacheFile

from .cache_eviction import listdir, remove_file

__all__ = ["CheckedFunctionCache", "KernelCacheWarning", "warn"]

_DIGEST_SIZE = hashlib.sha256().digest_size


class KernelCacheWarning(RuntimeWarning):
    """The kernel cache met a damaged file or an unusable directory; the call still runs correctly."""


def warn(message):
    """Warn about the kernel cache."""
    warnings.warn(f"tracegraph: {message}", KernelCacheWarning, stacklevel=2)


class _CorruptFile(Exception):
    """A cache file of numba's that cannot be trusted."""

    def __init__(self, path, reason):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class CheckedFunctionCache(FunctionCache):
    """numba's disk cache of one function; a damaged file is a miss (the files are removed), never an error."""

    def __init__(self, py_func):
        super().__init__(py_func)
        self._cache_file = ChecksummedCacheFile(self._cache_path, self._impl.filename_base,
                                                 self._impl.locator.get_source_stamp())

    def load_overload(self, sig, target_context):
        """The cached compile result for `sig`, or None (compile) when absent or damaged."""
        try:
            return super().load_overload(sig, target_context)
        except Exception as error:  # why: a file that rebuilds into anything but a kernel is damaged
            path = error.path if isinstance(error, _CorruptFile) else self._cache_file.index_path
            reason = error.reason if isinstance(error, _CorruptFile) else repr(error)
            warn(f"the compiled kernel file {path} is damaged ({reason}); recompiling")
            self._cache_file.remove_all()
            return None

    def save_overload(self, sig, data):
        """Store a compile result; a failure to write only costs the next process a compile."""
        try:
            super().save_overload(sig, data)
        except OSError as error:
            warn(f"could not store the compiled kernel in {self._cache_path} ({error})")
            self.disable()


class ChecksummedCacheFile(IndexDataCacheFile):
    """numba's index and data files, each prefixed with the SHA-256 of the rest."""

    @property
    def index_path(self):
        """The path of the index file."""
        return self._index_path

    def remove_all(self):
        """Delete the index and every data file of this function."""
        prefix = self._index_name[:-len(".nbi")]
        for name in listdir(self._cache_path):
            if name == self._index_name or name.startswith(prefix + ".") and name.endswith(".nbc"):
                remove_file(os.path.join(self._cache_path, name))

    def _load_index(self):
        try:
            version, stamp, overloads = self._read_checked(self._index_path)
        except FileNotFoundError:
            return {}
        return overloads if (version, stamp) == (self._version, self._source_stamp) else {}

    def _save_index(self, overloads):
        self._write_checked(self._index_path, (self._version, self._source_stamp, overloads))

    def _load_data(self, name):
        return self._read_checked(self._data_path(name))

    def _save_data(self, name, data):
        self._write_checked(self._data_path(name), data)

    def _read_checked(self, path):
        with open(path, "rb") as f:
            content = f.read()
        digest, payload = content[:_DIGEST_SIZE], content[_DIGEST_SIZE:]
        if len(digest) < _DIGEST_SIZE or hashlib.sha256(payload).digest() != digest:
            raise _CorruptFile(path, "its checksum does not match its contents")
        return pickle.loads(payload)

    def _write_checked(self, path, value):
        payload = self._dump(value)
        with self._open_for_write(path) as f:
            f.write(hashlib.sha256(payload).digest() + payload)
