"""Which names surely have a value, and which may have one, before each converted statement.

`annotate_definedness(function)` walks a function forwards and records on every
`if`, `while` and `for` statement `tg_defined` (names bound on every path to it)
and `tg_maybe_defined` (names bound on some path). The converter gives a carried
name that is surely unbound the placeholder `ag__.Undefined(name)`, and looks a
name that may be unbound up at run time.

The body of a converted loop runs as a function of its own, once per iteration:
inside it, the names the body assigns are unbound at the start of each iteration,
unless they are loop variables (which arrive as arguments). Liveness runs first
(`tg_loop_vars` is needed here).
"""
import ast

from .names import assigned

__all__ = ["annotate_definedness"]


def annotate_definedness(function, defined=()):
    """Annotate `function` (an `ast.FunctionDef` annotated by `annotate_liveness`) in place."""
    arguments = function.args
    parameters = {a.arg for a in arguments.posonlyargs + arguments.args + arguments.kwonlyargs}
    parameters |= {a.arg for a in (arguments.vararg, arguments.kwarg) if a is not None}
    surely = (set(defined) - assigned(function.body)) | parameters  # what it assigns is its own
    _block(function.body, surely, set(surely))


def _block(statements, surely, maybe):
    """(surely, maybe) bound names after `statements`, given those before them."""
    for statement in statements:
        surely, maybe = _statement(statement, surely, maybe)
    return surely, maybe


def _statement(node, surely, maybe):
    if isinstance(node, ast.If):
        node.tg_defined, node.tg_maybe_defined = set(surely), set(maybe)
        surely_body, maybe_body = _block(node.body, set(surely), set(maybe))
        surely_else, maybe_else = _block(node.orelse, set(surely), set(maybe))
        return surely_body & surely_else, maybe_body | maybe_else
    if isinstance(node, (ast.While, ast.For, ast.AsyncFor)):
        node.tg_defined, node.tg_maybe_defined = set(surely), set(maybe)
        carried = set(getattr(node, "tg_loop_vars", ()))
        targets = assigned([node.target]) if isinstance(node, (ast.For, ast.AsyncFor)) else set()
        fresh = assigned(node.body) - carried  # bound anew by each iteration's own call
        _block(node.body, (surely - fresh) | carried | targets, (maybe - fresh) | carried | targets)
        touched = assigned(node.body + node.orelse) | targets
        return _block(node.orelse, set(surely), maybe | touched)[0], maybe | touched
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        annotate_definedness(node, maybe)  # closures read the enclosing names when called
        return surely | {node.name}, maybe | {node.name}
    if isinstance(node, (ast.With, ast.AsyncWith)):
        bound = assigned([item.optional_vars for item in node.items if item.optional_vars])
        return _block(node.body, surely | bound, maybe | bound)
    if isinstance(node, ast.Try):
        touched = assigned([node])
        for block in [node.body, node.orelse, node.finalbody] + [h.body for h in node.handlers]:
            _block(block, set(surely), maybe | touched)
        return surely | _block(node.finalbody, set(surely), set(maybe))[0], maybe | touched
    bound = assigned([node])
    return surely | bound, maybe | bound
