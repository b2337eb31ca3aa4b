"""The Backend interface and backend discovery.

A backend runs graphs. It implements `is_available()`, conversion of arrays to
and from NumPy, and `compile(graph)` returning a callable from a list of input
arrays to a list of output arrays. Backends are found through the
`tracegraph.backends` entry point group (so another distribution can add one)
and imported only when first used: `import tracegraph` imports none of them.
"""
import importlib
from importlib import metadata

from .context import state

__all__ = ["Backend", "get_backend", "available_backends", "backend_names", "default_backend_name"]

#: Backends shipped with tracegraph (used when entry points are not installed, e.g. from a checkout).
BUILTIN = {
    "numpy": "tracegraph_backends.numpy:NumpyBackend",
    "numba": "tracegraph_backends.numba:NumbaBackend",
    "cupy": "tracegraph_backends.cupy:CupyBackend",
}

#: Preference order for the default backend of traced functions: fastest CPU backend first.
PREFERENCE = ("numba", "numpy")


class Backend:
    """Base class of backends; subclasses set `name` and override the methods."""

    name = "abstract"
    device_type = "CPU"

    def is_available(self):
        """Whether this backend can run here (imports succeed, a device exists). Never raises."""
        return True

    def unavailable_reason(self):
        """Why this backend cannot run here (a sentence), or None if it can. Never raises.

        Backends that can tell why (a library missing, no device) override it.
        """
        return None if self.is_available() else "its is_available() is False"

    def xp(self):
        """The array module (NumPy-compatible) this backend's arrays belong to."""
        raise NotImplementedError

    def from_numpy(self, array):
        return array

    def to_numpy(self, array):
        return array

    def compile(self, graph):
        """A callable `run(list_of_arrays) -> list_of_arrays` computing `graph`."""
        raise NotImplementedError

    def __repr__(self):
        return f"<Backend {self.name}>"


_instances = {}


def _entry_points():
    found = dict(BUILTIN)
    try:
        for ep in metadata.entry_points(group="tracegraph.backends"):
            found[ep.name] = ep.value
    except Exception:  # noqa: BLE001 - broken metadata must not break tracegraph
        pass
    return found


def backend_names():
    """The names of all known backends (installed or not)."""
    return sorted(_entry_points())


def get_backend(name):
    """The backend called `name` (ValueError if unknown, RuntimeError if unavailable here)."""
    backend = name if isinstance(name, Backend) else _instance(name)
    reason = backend.unavailable_reason()
    if reason is not None:
        raise RuntimeError(f"backend {backend.name!r} is not available on this machine: {reason}")
    return backend


def _instance(name):
    """The one instance of the backend called `name`, imported on first use."""
    if name not in _instances:
        target = _entry_points().get(name)
        if target is None:
            raise ValueError(f"unknown backend {name!r}; the known backends are {backend_names()}")
        module_name, _, class_name = target.partition(":")
        try:
            cls = getattr(importlib.import_module(module_name), class_name)
        except (ImportError, AttributeError) as error:
            raise RuntimeError(f"backend {name!r} cannot be imported here: {error}") from None
        _instances[name] = cls()
    return _instances[name]


def available_backends():
    """Names of the backends that can run here."""
    names = []
    for name in backend_names():
        try:
            get_backend(name)
        except (RuntimeError, ValueError):
            continue
        names.append(name)
    return names


def default_backend_name():
    """The backend traced functions use unless told otherwise (`tg.config.set_backend`)."""
    if state.backend is not None:
        return state.backend
    for name in PREFERENCE:
        try:
            get_backend(name)
            return name
        except (RuntimeError, ValueError):
            continue
    return "numpy"
