"""Kernel modules on disk, so a second process loads compiled kernels instead of compiling.

Each generated module is written once to `<cache dir>/k_<hash>.py`, where the
hash covers the source, numba's version and the scalar-math library's source.
It is imported under a unique name registered in `sys.modules` before it runs
(numba's on-disk cache needs an importable module), and its `@njit(cache=True)`
kernel is stored by numba in `__pycache__` beside it.
"""
import hashlib
import importlib.util
import os
import sys

import numba

__all__ = ["load_kernel_module", "cache_directory"]

_LIBRARY_FILES = ("scalar_math.py", "support.py")
_loaded = {}


def cache_directory():
    """Where kernel modules live: $TRACEGRAPH_CACHE_DIR, else ~/.cache/tracegraph/numba."""
    root = os.environ.get("TRACEGRAPH_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "tracegraph")
    path = os.path.join(root, "numba")
    os.makedirs(path, exist_ok=True)
    return path


def _library_fingerprint():
    here = os.path.dirname(os.path.abspath(__file__))
    digest = hashlib.sha256(numba.__version__.encode())
    for name in _LIBRARY_FILES:
        with open(os.path.join(here, name), "rb") as f:
            digest.update(f.read())
    return digest.hexdigest()


_FINGERPRINT = None


def load_kernel_module(source):
    """The imported module for generated `source` (written to the cache directory if new)."""
    global _FINGERPRINT
    if _FINGERPRINT is None:
        _FINGERPRINT = _library_fingerprint()
    key = hashlib.sha256((_FINGERPRINT + source).encode()).hexdigest()[:24]
    if key in _loaded:
        return _loaded[key]
    path = os.path.join(cache_directory(), f"k_{key}.py")
    if not os.path.exists(path):
        temporary = f"{path}.{os.getpid()}.tmp"
        with open(temporary, "w") as f:
            f.write(source)
        os.replace(temporary, path)  # atomic: concurrent processes never see half a file
    name = f"tracegraph_kernels_{key}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    _loaded[key] = module
    return module
