"""The kernel cache's size bound: the files of each cached kernel, and least-recently-used eviction.

A kernel is its source `k_<key>.py` and numba's `__pycache__/k_<key>.*` beside it; it
is used when loaded (its source file's time), and whole kernels are evicted, least
recently used first, until the cache fits `cache_bound()`. Another process may remove
files at any moment: a file that vanishes is simply gone.
"""
import os
import re

__all__ = ["DEFAULT_MAX_BYTES", "cache_bound", "CachedKernel", "kernels_on_disk", "evict_least_recently_used",
           "listdir", "remove_file"]

#: The default bound of the cache's size in bytes (`TRACEGRAPH_CACHE_MAX_BYTES` overrides it).
DEFAULT_MAX_BYTES = 512 * 2**20

_KERNEL_FILE = re.compile(r"k_([0-9a-f]{24})\b")


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


class CachedKernel:
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
        return kernels_on_disk(directory).get(key, cls(key))

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
                remove_file(path)

    def remove(self):
        """Delete every file of this kernel (the source first, so no process trusts a half-removed kernel)."""
        for path in sorted(self.paths, key=lambda p: not p.endswith(".py")):
            remove_file(path)


def kernels_on_disk(directory):
    """{key: _CachedKernel} for the kernel files in `directory` and its `__pycache__`."""
    kernels = {}
    for folder in (directory, os.path.join(directory, "__pycache__")):
        for name in listdir(folder):
            match = _KERNEL_FILE.match(name)
            if match is None:
                continue
            path = os.path.join(folder, name)
            try:
                stat = os.stat(path)
            except FileNotFoundError:
                continue  # removed by another process meanwhile
            kernel = kernels.setdefault(match.group(1), CachedKernel(match.group(1)))
            kernel.add(path, stat, is_source=folder == directory and name.endswith(".py"))
    return kernels


def evict_least_recently_used(directory, keep):
    """Delete whole kernels, least recently used first, until the cache fits its bound (never `keep`)."""
    kernels = kernels_on_disk(directory)
    total = sum(k.size for k in kernels.values())
    bound = cache_bound()
    for kernel in sorted(kernels.values(), key=lambda k: k.last_used):
        if total <= bound:
            break
        if kernel.key != keep:
            kernel.remove()
            total -= kernel.size


def listdir(folder):
    """The names in `folder`; none if it does not exist."""
    try:
        return os.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return []


def remove_file(path):
    """Delete `path` unless another process did first."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass  # another process evicted it first
