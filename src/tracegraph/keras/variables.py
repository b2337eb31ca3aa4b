"""The Variables Keras layers own: a `tg.Variable` that answers to Keras 3's names.

Keras 3 calls a layer's weight by its short name (`kernel`) and gives the full one as `path`
(`dense/kernel`); the underlying `tg.Variable` keeps its unique `scope/name:0` name for graphs
and checkpoints (`unique_name`).
"""
from ..variable import Variable

__all__ = ["KerasVariable"]


class KerasVariable(Variable):
    """A layer weight: `name` is its short name, `path` is `<layer path>/<name>`."""

    def __init__(self, initial_value, name, path, **kwargs):
        super().__init__(initial_value, name=path, **kwargs)
        self._short_name = name
        self._path = path

    @property
    def name(self):
        """The short name given to `add_weight` (Keras 3's `variable.name`)."""
        return self._short_name

    @property
    def path(self):
        """`<layer name>/<weight name>` (Keras 3's `variable.path`)."""
        return self._path

    @property
    def unique_name(self):
        """The process-wide unique `scope/name:0` name of the underlying Variable."""
        return self._name
