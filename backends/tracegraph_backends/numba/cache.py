"""Kernel modules on disk, so a second process loads compiled kernels instead of compiling.

Each generated module is written once to `<cache dir>/k_<hash>.py`, where the
hash covers the source, numba's version, the scalar-math library's source and
this module's format version. Numba stores the compiled kernel in `__pycache__`
beside it (`@njit(cache=True)`).

Nothing on disk is trusted. The module runs from the source held in memory,
never from the file or a `.pyc`; a `k_*.py` that does not hold exactly that
source is rewritten. Numba's index and data files carry a SHA-256 of their
contents, and a file that fails the check or does not load counts as a miss
(recompile, rewrite). A directory that cannot be used means compiling in
memory. Each of these warns once with a `KernelCacheWarning` naming the file.

The cache is bounded (`TRACEGRAPH_CACHE_MAX_BYTES`, default 512 MiB): loading a
kernel marks it used (its file time) and evicts whole least-recently-used kernels.
"""
import ast
import hashlib
import os
import pickle
import re
import sys
import tempfile
import threading
import types
import warnings

import numba
from numba.core.caching import FunctionCache, IndexDataCacheFile
from numba.core.dispatcher import Dispatcher

__all__ = ["load_kernel_module", "cache_directory", "cache_bound", "cache_info", "clear_cache",
           "KernelCacheWarning", "DEFAULT_MAX_BYTES"]

#: The default bound of the cache's size in bytes (`TRACEGRAPH_CACHE_MAX_BYTES` overrides it).
DEFAULT_MAX_BYTES = 512 * 2**20

#: Changes whenever the files this module writes change form, so old files are never read.
_FORMAT_VERSION = "2"
_LIBRARY_FILES = ("scalar_math.py", "support.py")
_KERNEL_FILE = re.compile(r"k_([0-9a-f]{24})\b")
_DIGEST_SIZE = hashlib.sha256().digest_size

_loaded = {}
_usable_directories = {}
_lock = threading.RLock()
_fingerprint = None


class KernelCacheWarning(RuntimeWarning):
    """The kernel cache met a damaged file or an unusable directory; the call still runs correctly."""


def cache_directory():
    """Where kernel modules live: $TRACEGRAPH_CACHE_DIR/numba, else ~/.cache/tracegraph/numba.

    The environment is read on every call, so a change takes effect for kernels loaded after it.
    """
    root = os.environ.get("TRACEGRAPH_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "tracegraph")
    return os.path.join(root, "numba")


def cache_bound():
    """The cache's size bound in bytes: $TRACEGRAPH_CACHE_MAX_BYTES, else DEFAULT_MAX_BYTES."""
    text = os.environ.get("TRACEGRAPH_CACHE_MAX_BYTES", "").strip()
    if not text:
        return DEFAULT_MAX_BYTES
    try:
        bound = int(text)
    except ValueError:
        bound = -1
    if bound < 0:
        raise ValueError(f"TRACEGRAPH_CACHE_MAX_BYTES must be a non-negative whole number of bytes, got {text!r}")
    return bound


def load_kernel_module(source):
    """The module defined by generated kernel `source`, compiled once per process and cached on disk."""
    key = _kernel_key(source)
    module = _loaded.get(key)
    if module is None:
        with _lock:
            module = _loaded.get(key)
            if module is None:
                module = _loaded[key] = _load(key, source)
    return module


def cache_info():
    """A dict describing the cache: its directory, number of kernels, total bytes and bound."""
    directory = cache_directory()
    kernels = _kernels_on_disk(directory)
    return {"directory": directory, "kernels": sum(1 for k in kernels.values() if k.source_exists),
            "bytes": sum(k.size for k in kernels.values()), "max_bytes": cache_bound()}


def clear_cache():
    """Delete every kernel file of the cache (nothing else in its directory); returns the kernels removed."""
    kernels = _kernels_on_disk(cache_directory())
    for kernel in kernels.values():
        kernel.remove()
    return sum(1 for k in kernels.values() if k.source_exists)


# Loading ---------------------------------------------------------------------------------------------

def _kernel_key(source):
    global _fingerprint
    if _fingerprint is None:
        _fingerprint = _library_fingerprint()
    return hashlib.sha256((_fingerprint + source).encode()).hexdigest()[:24]


def _library_fingerprint():
    here = os.path.dirname(os.path.abspath(__file__))
    digest = hashlib.sha256(f"{numba.__version__}/{_FORMAT_VERSION}".encode())
    for name in _LIBRARY_FILES:
        with open(os.path.join(here, name), "rb") as f:
            digest.update(f.read())
    return digest.hexdigest()


def _load(key, source):
    directory = _usable_directory(cache_directory())
    if directory is None:
        return _module_in_memory(key, source)
    path = os.path.join(directory, f"k_{key}.py")
    try:
        _ensure_source_file(path, source)
        module = _module_from_file(key, source, path)
    except (OSError, RuntimeError) as error:  # the file vanished (evicted) or numba found no place to cache
        _warn(f"could not load kernel {path} from the cache ({error!r}); compiling it in memory")
        return _module_in_memory(key, source)
    _evict_least_recently_used(directory, keep=key)
    return module


def _usable_directory(directory):
    """`directory` if kernels can be written there (created if missing), else None (warned once)."""
    usable = _usable_directories.get(directory)
    if usable is None:
        try:
            pycache = os.path.join(directory, "__pycache__")
            os.makedirs(pycache, exist_ok=True)
            tempfile.TemporaryFile(dir=pycache).close()
            usable = True
        except OSError as error:
            _warn(f"the kernel cache directory {directory} cannot be used ({error}); kernels compile in "
                  "memory in this process. Set TRACEGRAPH_CACHE_DIR to a writable directory to cache them.")
            usable = False
        _usable_directories[directory] = usable
    return directory if usable else None


def _ensure_source_file(path, source):
    """Make `path` hold exactly `source`; mark it used. Any other content is replaced, with a warning."""
    expected = source.encode()
    try:
        with open(path, "rb") as f:
            found = f.read()
    except FileNotFoundError:
        found = None
    if found == expected:
        _mark_used(path)
        return
    if found is not None:
        _warn(f"the cached kernel {path} did not hold the source its name stands for (empty, truncated or "
              "edited); rewriting it and recompiling")
        _CachedKernel.at(os.path.dirname(path), path).remove_compiled()
    _write_atomically(path, expected)


def _mark_used(path):
    try:
        os.utime(path)
    except OSError:
        pass  # recency only orders eviction; a file we may read but not touch is still a valid kernel


def _write_atomically(path, data):
    temporary = f"{path}.{os.getpid()}.{threading.get_ident()}.tmp"
    try:
        with open(temporary, "wb") as f:
            f.write(data)
        os.replace(temporary, path)  # concurrent processes see the old file or the whole new one
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _module_from_file(key, source, path):
    """Run `source` (from memory, not from the file) as module `path`, with self-checking numba caches."""
    module = _new_module(key, path)
    exec(compile(source, path, "exec"), module.__dict__)
    for dispatcher in _dispatchers_defined_in(module):
        if isinstance(dispatcher._cache, FunctionCache):
            dispatcher._cache = _CheckedFunctionCache(dispatcher.py_func)
    return module


def _module_in_memory(key, source):
    """Run `source` with numba's disk caching turned off in its decorators."""
    filename = f"<tracegraph kernel k_{key}>"
    tree = _WithoutDiskCache().visit(ast.parse(source, filename))
    module = _new_module(key, filename)
    exec(compile(ast.fix_missing_locations(tree), filename, "exec"), module.__dict__)
    return module


def _new_module(key, filename):
    name = f"tracegraph_kernels_{key}"
    module = types.ModuleType(name)
    module.__file__ = filename
    sys.modules[name] = module  # numba resolves a function's globals through its module
    return module


def _dispatchers_defined_in(module):
    return [value for value in vars(module).values()
            if isinstance(value, Dispatcher) and value.py_func.__globals__ is module.__dict__]


class _WithoutDiskCache(ast.NodeTransformer):
    """Rewrites `@njit(cache=True, ...)` decorators to `cache=False`."""

    def visit_FunctionDef(self, node):
        for decorator in node.decorator_list:
            if isinstance(decorator, ast.Call):
                decorator.keywords = [ast.keyword(arg="cache", value=ast.Constant(False)) if k.arg == "cache"
                                      else k for k in decorator.keywords]
        return self.generic_visit(node)


def _warn(message):
    warnings.warn(f"tracegraph: {message}", KernelCacheWarning, stacklevel=2)


# Numba's files, checked --------------------------------------------------------------------------------

class _CorruptFile(Exception):
    """A cache file of numba's that cannot be trusted."""

    def __init__(self, path, reason):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class _CheckedFunctionCache(FunctionCache):
    """numba's disk cache of one function; a damaged file is a miss (the files are removed), never an error."""

    def __init__(self, py_func):
        super().__init__(py_func)
        self._cache_file = _ChecksummedCacheFile(self._cache_path, self._impl.filename_base,
                                                 self._impl.locator.get_source_stamp())

    def load_overload(self, sig, target_context):
        """The cached compile result for `sig`, or None (compile) when absent or damaged."""
        try:
            return super().load_overload(sig, target_context)
        except Exception as error:  # why: a file that rebuilds into anything but a kernel is damaged
            path = error.path if isinstance(error, _CorruptFile) else self._cache_file.index_path
            reason = error.reason if isinstance(error, _CorruptFile) else repr(error)
            _warn(f"the compiled kernel file {path} is damaged ({reason}); recompiling")
            self._cache_file.remove_all()
            return None

    def save_overload(self, sig, data):
        """Store a compile result; a failure to write only costs the next process a compile."""
        try:
            super().save_overload(sig, data)
        except OSError as error:
            _warn(f"could not store the compiled kernel in {self._cache_path} ({error})")
            self.disable()


class _ChecksummedCacheFile(IndexDataCacheFile):
    """numba's index and data files, each prefixed with the SHA-256 of the rest."""

    @property
    def index_path(self):
        """The path of the index file."""
        return self._index_path

    def remove_all(self):
        """Delete the index and every data file of this function."""
        prefix = self._index_name[:-len(".nbi")]
        for name in _listdir(self._cache_path):
            if name == self._index_name or name.startswith(prefix + ".") and name.endswith(".nbc"):
                _remove(os.path.join(self._cache_path, name))

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


# Size bound and eviction ------------------------------------------------------------------------------

class _CachedKernel:
    """The files of one kernel: `k_<key>.py` and numba's `__pycache__/k_<key>.*` beside it."""

    def __init__(self, key):
        self.key = key
        self.paths = []
        self.size = 0
        self.last_used = 0.0
        self.source_exists = False

    @classmethod
    def at(cls, directory, source_path):
        """The kernel whose source file is `source_path`, with the files it has now."""
        key = _KERNEL_FILE.match(os.path.basename(source_path)).group(1)
        return _kernels_on_disk(directory).get(key, cls(key))

    def add(self, path, stat, is_source):
        """Count one file of this kernel."""
        self.paths.append(path)
        self.size += stat.st_size
        self.source_exists |= is_source
        self.last_used = max(self.last_used, stat.st_mtime)

    def remove_compiled(self):
        """Delete numba's files of this kernel (keeps the source)."""
        for path in self.paths:
            if os.path.basename(os.path.dirname(path)) == "__pycache__":
                _remove(path)

    def remove(self):
        """Delete every file of this kernel (the source first, so no process trusts a half-removed kernel)."""
        for path in sorted(self.paths, key=lambda p: not p.endswith(".py")):
            _remove(path)


def _kernels_on_disk(directory):
    """{key: _CachedKernel} for the kernel files in `directory` and its `__pycache__`."""
    kernels = {}
    for folder in (directory, os.path.join(directory, "__pycache__")):
        for name in _listdir(folder):
            match = _KERNEL_FILE.match(name)
            if match is None:
                continue
            path = os.path.join(folder, name)
            try:
                stat = os.stat(path)
            except FileNotFoundError:
                continue  # removed by another process meanwhile
            kernel = kernels.setdefault(match.group(1), _CachedKernel(match.group(1)))
            kernel.add(path, stat, is_source=folder == directory and name.endswith(".py"))
    return kernels


def _evict_least_recently_used(directory, keep):
    """Delete whole kernels, least recently used first, until the cache fits its bound (never `keep`)."""
    kernels = _kernels_on_disk(directory)
    total = sum(k.size for k in kernels.values())
    bound = cache_bound()
    for kernel in sorted(kernels.values(), key=lambda k: k.last_used):
        if total <= bound:
            break
        if kernel.key != keep:
            kernel.remove()
            total -= kernel.size


def _listdir(folder):
    try:
        return os.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return []


def _remove(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass  # another process evicted it first
