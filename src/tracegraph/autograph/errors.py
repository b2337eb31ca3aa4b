"""The errors of converted control flow: each names the variable, the user's line, and the fix."""
import warnings

from ..user_code import user_frame

__all__ = ["AutoGraphError", "UnsupportedAssignmentError", "location", "one_branch_variable",
           "return_in_one_branch", "branch_dtype_mismatch", "undefined_loop_variable",
           "return_in_tensor_loop", "none_loop_variable", "loop_dtype_changed", "loop_shape_changed",
           "tensor_break_in_python_loop", "assignment_in_tensor_block", "AutoGraphWarning",
           "warn_unconverted"]


class AutoGraphError(TypeError, ValueError):
    """Python control flow on a tensor that cannot become graph control flow as written.

    TF raises a ValueError for some of these and a TypeError for others; this is
    both, so code written against either catches it.
    """


class UnsupportedAssignmentError(AutoGraphError, NotImplementedError):
    """An attribute or item assigned inside a tensor `if` or loop (both branches run while tracing)."""


def location():
    """`file:line` of the user's statement being converted, and its text on the next line."""
    filename, line, text = user_frame()
    return f"{filename}:{line}" + (f"\n    {text}" if text else "")


def _raise(message, fix, kind=AutoGraphError):
    raise kind(f"{message}\n  at {location()}\nFix: {fix}")


def one_branch_variable(name, statement, assigned_in):
    """A variable assigned in only one branch of a tensor `if` and used after it."""
    other = "else" if assigned_in == "if" else "if"
    _raise(f"`{name}` is assigned in the `{assigned_in}` branch of this `{statement}` but not in the `{other}` "
           f"branch, and it is used after it. The condition is a tensor, so the branch is chosen when the "
           f"graph runs, and `{name}` needs a value on both paths.",
           f"assign `{name}` in the `{other}` branch too, or give it a value before the `{statement}` "
           f"(e.g. `{name} = tg.zeros_like(...)` of the same dtype).")


def return_in_one_branch(statement):
    """A tensor `if` where one branch returns and the other goes on without a return."""
    _raise(f"this `{statement}` has a tensor condition and a `return` in one branch, but the code after the "
           f"other branch reaches the end of the function without `return`. A graph function returns the "
           f"same kind of value on every path.",
           "end every path with a `return` of the same structure and dtype (e.g. add `return <value>` at "
           "the end of the function).")


def branch_dtype_mismatch(name, statement, true_value, false_value):
    """The two branches give a variable different dtypes (or structures)."""
    _raise(f"`{name}` is {_describe(true_value)} after the `if` branch of this `{statement}` but "
           f"{_describe(false_value)} after the `else` branch. With a tensor condition both become one "
           f"graph value, so they must agree.",
           f"make both the same, e.g. `{name} = tg.cast({name}, tg.{_dtype_name(true_value)})` in one branch.")


def undefined_loop_variable(name, statement, used_after):
    """A loop variable with no value before a tensor loop."""
    where = "used after the loop" if used_after else "read in the loop before it is assigned"
    _raise(f"`{name}` is first assigned inside this `{statement}` loop and {where}. The loop's condition "
           f"is a tensor, so the loop may run zero times and `{name}` needs a value before it.",
           f"give `{name}` a value of the same dtype and shape before the loop (e.g. `{name} = tg.constant(0)`).")


def return_in_tensor_loop(statement):
    """A `return` inside a loop whose condition is a tensor."""
    _raise(f"this `{statement}` loop has a tensor condition and a `return` inside it; a graph loop cannot "
           f"return from the function in the middle of an iteration.",
           "keep the result in a variable defined before the loop, `break` out of the loop, and return "
           "the variable after it.")


def none_loop_variable(name, statement, entering):
    """None as the value of a variable carried through a tensor loop."""
    when = "is None when the loop starts" if entering else "becomes None in the loop body"
    _raise(f"`{name}` {when}, but this `{statement}` loop has a tensor condition and carries `{name}` from "
           f"one iteration to the next as a tensor.",
           f"give `{name}` a tensor value (e.g. `{name} = tg.constant(0.0)`) before the loop and in the body.")


def loop_dtype_changed(name, statement, before, after):
    """A loop variable whose dtype (or structure) the body changes."""
    _raise(f"`{name}` enters this `{statement}` loop as {_describe(before)} but the loop body makes it "
           f"{_describe(after)}. A tensor loop's variables keep their dtype from one iteration to the next.",
           f"cast in the body (`{name} = tg.cast(..., tg.{_dtype_name(before)})`) or create `{name}` with "
           f"the body's dtype before the loop.")


def loop_shape_changed(name, statement, before, after):
    """A loop variable whose shape the body changes, with no shape invariant that allows it."""
    _raise(f"`{name}` has shape {before} when this `{statement}` loop starts but shape {after} after one "
           f"iteration. A tensor loop's variables keep their shape unless you say which dimensions change.",
           f"call `tg.autograph.experimental.set_loop_options(shape_invariants=[({name}, "
           f"tg.TensorShape({[None] * after.rank if after.rank is not None else None}))])` at the start of "
           f"the loop body (None for each dimension that changes), or keep the shape.")


def tensor_break_in_python_loop(iterable):
    """A `break` or `return` that depends on a tensor, inside a `for` over a Python value."""
    _raise(f"a `break` (or `return`) in this `for` loop depends on a tensor, but the loop runs over a Python "
           f"{type(iterable).__name__}, so it is unrolled while tracing and cannot stop at a value that is "
           f"only known when the graph runs.",
           "loop over a tensor (`for x in tg.constant(values)` or `for i in tg.range(len(values))`), or make "
           "the break condition a Python value.")


def assignment_in_tensor_block(targets, statement):
    """Attributes or items assigned inside a tensor `if`/loop."""
    listed = ", ".join(f"`{t}`" for t in targets)
    first = targets[0]
    _raise(f"this `{statement}` has a tensor condition and assigns {listed} inside it; only plain variables "
           f"can be carried through graph control flow (both branches, or the body once, run while tracing).",
           f"use a local variable inside (`value = {first}` before, assign `value` inside, `{first} = value` "
           f"after), or a tg.Variable and `.assign(...)`.", UnsupportedAssignmentError)


def _describe(value):
    dtype, shape = getattr(value, "dtype", None), getattr(value, "shape", None)
    if dtype is not None:
        return f"a {getattr(dtype, 'name', dtype)} tensor of shape {shape}"
    return f"a Python {type(value).__name__} ({value!r})"


def _dtype_name(value):
    dtype = getattr(value, "dtype", None)
    return getattr(dtype, "name", "float32") if dtype is not None else "float32"


class AutoGraphWarning(UserWarning):
    """A function is called unconverted although it is user code (its source cannot be read)."""


def warn_unconverted(function, reason):
    """Warn, at the user's line that calls `function`, that its control flow is not converted."""
    filename, line, _ = user_frame()
    code = getattr(function, "__code__", None)
    defined = "" if code is None else f" (defined in {code.co_filename})"
    warnings.warn_explicit(
        f"AutoGraph cannot convert {getattr(function, '__qualname__', function)!r}{defined}: {reason}. It is "
        f"called as it is, so a Python `if`/`while`/`for` on a tensor inside it cannot be traced. Define it "
        f"in a file (not in a REPL or with exec), or write its control flow with tg.cond / tg.while_loop.",
        AutoGraphWarning, filename, line)
