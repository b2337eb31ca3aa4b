"""Kernel modules on disk, so a second process loads compiled kernels instead of compiling.

Each generated module is written once to `<cache dir>/k_<hash>.py`, where the
hash covers the source, numba's version, the scalar-math library's source and
this module's format version. Numba stores the compiled kernel in `__pycache__`
beside it (`@njit(cache=True)`).

Nothing on disk is trusted. The module runs from the source held in memory,
never from the file or a `.pyc`; a `k_*.py` that does not hold exactly that
source is rewritten. Numba's index and data files carry a SHA-256 of their
contents (`cache_checks.py`), and a file that fails the check or does not load
counts as a miss (recompile, rewrite). A directory that cannot be used means
compiling in memory. Each of these warns once with a `KernelCacheWarning` naming the file.

The cache is bounded (`cache_eviction.py`: `TRACEGRAPH_CACHE_MAX_BYTES`, default 512 MiB):
loading a kernel marks it used (its file time) and evicts whole least-recently-used kernels.
"""
import ast
import hashlib
import os
import sys
import tempfile
import threading
import types

import numba
from numba.core.caching import FunctionCache
from numba.core.dispatcher import Dispatcher

from .cache_checks import CheckedFunctionCache, KernelCacheWarning, warn
from .cache_eviction import DEFAULT_MAX_BYTES, CachedKernel, cache_bound, evict_least_recently_used, kernels_on_disk

__all__ = ["load_kernel_module", "cache_directory", "cache_bound", "cache_info", "clear_cache",
           "KernelCacheWarning", "DEFAULT_MAX_BYTES"]

#: Changes whenever the files this module writes change form, so old files are never read.
_FORMAT_VERSION = "2"
_LIBRARY_FILES = ("scalar_math.py", "support.py")

_loaded = {}
_usable_directories = {}
_lock = threading.RLock()
_fingerprint = None


def cache_directory():
    """Where kernel modules live: $TRACEGRAPH_CACHE_DIR/numba, else ~/.cache/tracegraph/numba.

    The environment is read on every call, so a change takes effect for kernels loaded after it.
    """
    root = os.environ.get("TRACEGRAPH_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "tracegraph")
    return os.path.join(root, "numba")


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
    kernels = kernels_on_disk(directory)
    return {"directory": directory, "kernels": sum(1 for k in kernels.values() if k.source_exists),
            "bytes": sum(k.size for k in kernels.values()), "max_bytes": cache_bound()}


def clear_cache():
    """Delete every kernel file of the cache (nothing else in its directory); returns the kernels removed."""
    kernels = kernels_on_disk(cache_directory())
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
        warn(f"could not load kernel {path} from the cache ({error!r}); compiling it in memory")
        return _module_in_memory(key, source)
    evict_least_recently_used(directory, keep=key)
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
            warn(f"the kernel cache directory {directory} cannot be used ({error}); kernels compile in "
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
        warn(f"the cached kernel {path} did not hold the source its name stands for (empty, truncated or "
              "edited); rewriting it and recompiling")
        CachedKernel.at(os.path.dirname(path), path).remove_compiled()
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
            dispatcher._cache = CheckedFunctionCache(dispatcher.py_func)
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
