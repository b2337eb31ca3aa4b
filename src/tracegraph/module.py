"""`tg.Module`: an object whose Variables and sub-modules are found by walking its attributes.

A module tracks nothing when attributes are set: `variables`, `trainable_variables` and
`submodules` walk the instance's attributes (sorted by name, through lists, tuples and dicts)
each time they are asked for, as TF2 does, so any way of storing state is seen. A module's
own variables come before those of its sub-modules; each is listed once.
"""
import re

from . import nest
from .name_scope import name_scope
from .variable_base import is_variable

__all__ = ["Module", "camel_to_snake"]

_FIRST_CAP = re.compile(r"(.)([A-Z][a-z0-9]+)")
_ALL_CAP = re.compile(r"([a-z0-9])([A-Z])")
_VALID_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")


def camel_to_snake(name):
    """`MyDenseLayer` -> `my_dense_layer`."""
    return _ALL_CAP.sub(r"\1_\2", _FIRST_CAP.sub(r"\1_\2", name)).lower()


class Module:
    """A named container of state (TF2's `tf.Module`).

    Subclasses keep Variables and other modules in attributes (directly or in lists, tuples
    and dicts); `variables`, `trainable_variables`, `non_trainable_variables` and `submodules`
    find them. `name` defaults to the class name in snake case; `name_scope` prefixes the
    names of variables created inside `with self.name_scope:`.
    """

    # Attributes a walk never enters: back references that would list a parent's state.
    _TRACKING_IGNORED = frozenset()

    def __init__(self, name=None):
        if name is None:
            name = camel_to_snake(type(self).__name__)
        elif not isinstance(name, str) or not _VALID_NAME.match(name):
            raise ValueError(f"{type(self).__name__}: name {name!r} is not a valid module name "
                             "(use letters, digits and underscores, not starting with a digit)")
        self._name = name
        with name_scope(name) as scope:
            self._scope_name = scope

    @property
    def name(self):
        """The module's name."""
        return self._name

    @property
    def name_scope(self):
        """A `tg.name_scope` that names what is created inside it `<module scope>/...`."""
        return name_scope(self._scope_name)

    @property
    def variables(self):
        """Every Variable of this module and its sub-modules, each once, as a tuple."""
        return tuple(self._flatten(predicate=is_variable))

    @property
    def trainable_variables(self):
        """The trainable Variables, as a tuple."""
        return tuple(self._flatten(predicate=lambda v: is_variable(v) and v.trainable))

    @property
    def non_trainable_variables(self):
        """The Variables that are not trainable, as a tuple."""
        return tuple(self._flatten(predicate=lambda v: is_variable(v) and not v.trainable))

    @property
    def submodules(self):
        """Every Module reachable from this one (not itself), breadth first, as a tuple."""
        return tuple(self._flatten(predicate=lambda v: isinstance(v, Module)))

    def _flatten(self, predicate, recursive=True):
        """The values reachable from this module's attributes for which `predicate` holds.

        A module's own matches come first (attributes sorted by name), then each sub-module's,
        breadth first; a value reached twice is listed once.
        """
        seen_values, seen_modules = set(), {id(self)}
        queue, found = [self], []
        while queue:
            module = queue.pop(0)
            for leaf in module._attribute_leaves():
                if predicate(leaf) and id(leaf) not in seen_values:
                    seen_values.add(id(leaf))
                    found.append(leaf)
                if recursive and isinstance(leaf, Module) and id(leaf) not in seen_modules:
                    seen_modules.add(id(leaf))
                    queue.append(leaf)
        return found

    def _attribute_leaves(self):
        """The leaves of every attribute's value, attributes in name order."""
        attributes = vars(self)
        for key in sorted(attributes):
            if key in self._TRACKING_IGNORED:
                continue
            value = attributes[key]
            if isinstance(value, Module) or is_variable(value):
                yield value
            elif nest.is_nested(value):
                yield from nest.flatten(value)

    @classmethod
    def with_name_scope(cls, method):
        """Decorate `method` so that it runs inside `self.name_scope`."""
        def method_in_scope(self, *args, **kwargs):
            with self.name_scope:
                return method(self, *args, **kwargs)
        method_in_scope.__name__ = method.__name__
        method_in_scope.__doc__ = method.__doc__
        return method_in_scope

    def __repr__(self):
        return f"<{type(self).__module__}.{type(self).__name__} object named {self._name!r}>"
