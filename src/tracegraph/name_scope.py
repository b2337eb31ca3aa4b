"""`tg.name_scope`: a prefix for the names of variables (and modules) created inside it.

As in TF2's eager mode, a scope only prefixes names; it does not make them
unique. The stack is per thread, like the rest of the execution state.
"""
import re
import threading

__all__ = ["name_scope", "current_prefix"]

_VALID_SCOPE = re.compile(r"^[A-Za-z0-9_.\\/>-]*$")


class _Scopes(threading.local):
    def __init__(self):
        super().__init__()
        self.stack = []


_scopes = _Scopes()


def current_prefix():
    """The active scopes joined as `outer/inner/`, or `""` outside any scope."""
    return "".join(scope + "/" for scope in _scopes.stack)


class name_scope:  # noqa: N801 - TF's public name
    """A context manager that prefixes names created inside it with `name/` (TF2's `tf.name_scope`).

    A name ending in `/` is absolute: it replaces the enclosing scopes instead of nesting in them.
    """

    def __init__(self, name):
        if not isinstance(name, str):
            raise TypeError(f"name_scope: `name` must be a str, got {type(name).__name__}")
        if name and not _VALID_SCOPE.match(name):
            raise ValueError(f"name_scope: '{name}' is not a valid scope name")
        self._name = name
        self._saved = None

    @property
    def name(self):
        """The scope's name as given."""
        return self._name

    def __enter__(self):
        self._saved = list(_scopes.stack)
        if self._name.endswith("/"):
            _scopes.stack[:] = [part for part in self._name.rstrip("/").split("/") if part]
        elif self._name:
            _scopes.stack.append(self._name)
        return current_prefix()

    def __exit__(self, *exc_info):
        _scopes.stack[:] = self._saved
        return False
