"""The run-time helpers for converted `if` statements and boolean expressions.

Each does what Python does when its condition is a Python value, and builds
graph control flow (`tg.cond`, `tg.logical_not`) when it is a tensor.
"""
from . import errors
from .undefined import Undefined, UndefinedReturnValue, is_undefined
from ..ops.comparison import logical_not
from ..ops.control_flow import cond
from ..tensor import Tensor
from ..variable_base import VariableBase

__all__ = ["is_tensor", "if_stmt", "if_exp", "and_", "or_", "not_"]


def is_tensor(value):
    """True for a tensor or a tg.Variable: a value whose truth the graph decides."""
    return isinstance(value, (Tensor, VariableBase))


def if_stmt(condition, body, orelse, values, names, used_after=(), unassigned_in_body=(), unassigned_in_else=(),
            attributes=()):
    """A converted `if`: `body(*values)` or `orelse(*values)`, each returning the new `values`.

    `names` are the variables either branch assigns (`values` their values
    before, `Undefined` for none); `used_after` those read after the `if`;
    `unassigned_in_body`/`unassigned_in_else` those of them a branch may leave unassigned;
    `attributes` the attributes and items the branches assign. With a tensor
    condition the variables used after become the outputs of one `tg.cond`.
    """
    if not is_tensor(condition):
        return body(*values) if condition else orelse(*values)
    if attributes:
        errors.assignment_in_tensor_block(list(attributes), "if")
    carried = _carried(values, names, set(used_after), set(unassigned_in_body), set(unassigned_in_else))
    branches = _Branches(values, names, carried)
    outputs = cond(condition, branches.run(body, "if"), branches.run(orelse, "else"))
    result = [value if name in used_after else Undefined(name) for name, value in zip(names, values)]
    for index, output in zip(carried, outputs):
        result[index] = output
    return tuple(result)


def _carried(values, names, used_after, unassigned_in_body, unassigned_in_else):
    """The indices of the variables a tensor `if` must output: used after it and defined on both paths."""
    carried = []
    for index, (name, value) in enumerate(zip(names, values)):
        if name not in used_after:
            continue
        defined_before = not is_undefined(value)
        in_body = defined_before or name not in unassigned_in_body
        in_else = defined_before or name not in unassigned_in_else
        if in_body and in_else:
            carried.append(index)
        elif isinstance(value, UndefinedReturnValue):
            errors.return_in_one_branch("if")
        elif in_body or in_else:
            errors.one_branch_variable(name, "if", "if" if in_body else "else")
    return carried


class _Branches:
    """The two branches of a tensor `if` as `tg.cond` functions, checked against each other."""

    def __init__(self, values, names, carried):
        self.values, self.names, self.carried = values, names, carried
        self.outputs = {}  # "if" / "else" -> the values it produced (to compare the second with the first)

    def run(self, branch, label):
        def traced():
            results = branch(*self.values)
            picked = [results[i] for i in self.carried]
            for value in picked:
                if isinstance(value, UndefinedReturnValue):
                    errors.return_in_one_branch("if")
            self.outputs[label] = picked
            if len(self.outputs) == 2:
                self._compare()
            return tuple(picked)
        return traced

    def _compare(self):
        for index, a, b in zip(self.carried, self.outputs["if"], self.outputs["else"]):
            if (a is None) != (b is None) or (is_tensor(a) and is_tensor(b) and a.dtype != b.dtype):
                errors.branch_dtype_mismatch(self.names[index], "if", a, b)


def if_exp(condition, if_true, if_false):
    """A converted `a if condition else b` (`if_true`, `if_false` are functions giving a and b)."""
    if is_tensor(condition):
        return cond(condition, if_true, if_false)
    return if_true() if condition else if_false()


def and_(left, right):
    """A converted `a and b` (functions giving a and b): b is evaluated only when needed, also in the graph."""
    value = left()
    if is_tensor(value):
        return cond(value, right, lambda: value)
    return right() if value else value


def or_(left, right):
    """A converted `a or b` (functions giving a and b): b is evaluated only when needed, also in the graph."""
    value = left()
    if is_tensor(value):
        return cond(value, lambda: value, right)
    return value if value else right()


def not_(value):
    """A converted `not a`: `tg.logical_not` for a tensor."""
    if is_tensor(value):
        return logical_not(value)
    return not value
