"""Placeholders for variables that have no value yet where converted control flow starts."""

__all__ = ["Undefined", "UndefinedReturnValue", "is_undefined", "defined_or_undefined", "return_value"]


class Undefined:
    """The value of a variable `name` that is not assigned yet (TF's `ag__.Undefined`).

    Converted code hands it to `if_stmt` and the loops in place of an unbound
    variable; using it for anything is an error that names the variable.
    """

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"<undefined variable {self.name!r}>"

    def _unusable(self, *args, **kwargs):
        raise UnboundLocalError(f"variable {self.name!r} is used before it has a value (it is assigned "
                                f"only on some paths through the code before this line)")

    __bool__ = __call__ = __iter__ = __len__ = __getitem__ = __index__ = __float__ = __int__ = _unusable
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _unusable
    __lt__ = __le__ = __gt__ = __ge__ = __neg__ = __floordiv__ = __mod__ = __pow__ = __matmul__ = _unusable


class UndefinedReturnValue(Undefined):
    """The return value of a converted function before any `return` ran."""

    __slots__ = ()

    def __init__(self):
        super().__init__("the return value")


def is_undefined(value):
    """True for an `Undefined` placeholder."""
    return isinstance(value, Undefined)


def defined_or_undefined(scope, name):
    """`scope[name]` (a function's `locals()`), or `Undefined(name)` where the name is unbound."""
    return scope[name] if name in scope else Undefined(name)


def return_value(value):
    """What a converted function returns: None where no `return` ran, as in Python."""
    return None if isinstance(value, UndefinedReturnValue) else value
