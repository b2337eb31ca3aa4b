"""The graph primitives every traced graph is made of besides ops: constants and variable access.

`const` holds an array in its `value` attr. `read_variable` and `assign_variable`
name a Variable by its index in `graph.variables` (the `variable` attr); at run
time that attr is the Variable object itself (see `ir.interpreter.resolve_attrs`).
"""
from ..dtypes import as_dtype
from .op import Op
from .rules import spec_of

__all__ = ["CONST", "READ_VARIABLE", "ASSIGN_VARIABLE"]


CONST = Op("const", infer=lambda value: spec_of(value.shape, as_dtype(value.dtype)),
           impl=lambda xp, value: value)


# At run time the `variable` attr (an index into graph.variables) is the Variable object itself
# (see ir.interpreter.resolve_attrs). Values are never changed in place: an assignment installs a
# new array, so arrays read earlier keep their values.
READ_VARIABLE = Op("read_variable", infer=lambda variable, spec: spec,
                   impl=lambda xp, variable, spec: variable._array, stateful=True)


def _assign_impl(xp, value, variable, spec):
    # The shape check matters when the traced shape had None dims; the same shape as now is always fine.
    if value.shape != variable._array.shape and not variable.shape.is_compatible_with(value.shape):
        raise ValueError(f"assign: cannot assign a value of shape {tuple(value.shape)} to the variable "
                         f"{variable.name!r} of shape {variable.shape}")
    variable._assign_array(value)


ASSIGN_VARIABLE = Op("assign_variable", infer=lambda value, variable, spec: (),
                     impl=_assign_impl, stateful=True, multiple_outputs=True)
