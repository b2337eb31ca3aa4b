"""What every layer below `tg.Variable` knows of a variable: an array, replaced whole when assigned.

The graph primitives (read/assign variable), execution plans, tapes and call
signatures deal with Variables through this base class alone, so none of them
imports `variable.py` (which sits above the op library).
"""

__all__ = ["VariableBase", "is_variable"]


class VariableBase:
    """A variable's storage: `_array`, its current value, never changed in place.

    An assignment installs a new array (`_assign_array`), so arrays read earlier
    keep their values and tensors stay immutable. Subclasses also give `name`,
    `dtype`, `shape` and `trainable`.
    """

    __slots__ = ()

    def _assign_array(self, array):
        """Make `array` the variable's value (callers have checked its dtype and shape)."""
        self._array = array


def is_variable(value):
    """True for a tg.Variable."""
    return isinstance(value, VariableBase)
