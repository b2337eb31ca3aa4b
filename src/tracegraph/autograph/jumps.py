"""Rewriting `return`, `break` and `continue` into flags, before control flow is converted.

A tensor `if` or loop becomes a call of functions, and a jump cannot leave a
function, so (as TF's AutoGraph does) jumps become assignments to flags and the
statements after a jump run under `if not flag:`:

- `break` in a loop: `break_ = True`; a `while` also tests `not break_`, a `for`
  gets `not break_` as its extra test (`tg_extra_test`), and the loop's `else:`
  runs `if not break_`;
- `continue`: `continue_ = True`, reset at the start of every iteration;
- `return value`: `do_return = True; retval_ = value` (plus a `break` in a loop),
  and the function ends with `return ag__.return_value(retval_)`. When one branch
  of an `if` always returns, the statements after the `if` move into the other
  branch, so a tensor `if` whose branch returns early still assigns `retval_` on
  both sides.
"""
import ast

from .names import NESTED_SCOPES
from .syntax import assign, call, name, negate, runtime

__all__ = ["lower_jumps"]


def lower_jumps(tree, namer):
    """Lower the jumps of every function in `tree` in place."""
    for function in [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]:
        _lower_returns(function, namer)
    _LoopJumps(namer).visit(tree)


def _walk_scope(node, stop=NESTED_SCOPES):
    """`node` and what is under it, not entering nodes of the kinds `stop` (but yielding them)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if not isinstance(current, stop):
            stack.extend(ast.iter_child_nodes(current))


def _has(node, kind, stop=NESTED_SCOPES):
    return any(isinstance(n, kind) for n in _walk_scope(node, stop))


# ----- return --------------------------------------------------------------------------------

def _lower_returns(function, namer):
    returns = [n for statement in function.body for n in _walk_scope(statement) if isinstance(n, ast.Return)]
    if not returns or (len(returns) == 1 and function.body[-1] is returns[0]):
        return  # no return, or only the last statement: nothing jumps
    lowering = _Returns(namer.new("do_return"), namer.new("retval_"))
    docstring = function.body[:1] if ast.get_docstring(function) is not None else []
    body = function.body[len(docstring):]
    function.body = docstring + [
        assign(lowering.flag, ast.Constant(value=False)),
        assign(lowering.value, call(runtime("UndefinedReturnValue"), [])),
        *lowering.block(body, in_loop=False),
        ast.Return(value=call(runtime("return_value"), [name(lowering.value)])),
    ]


class _Returns:
    def __init__(self, flag, value):
        self.flag, self.value = flag, value

    def block(self, statements, in_loop):
        out = []
        for k, statement in enumerate(statements):
            rest = statements[k + 1:]
            if isinstance(statement, ast.Return):
                value = statement.value or ast.Constant(value=None)
                jump = [ast.copy_location(assign(self.flag, ast.Constant(value=True)), statement),
                        ast.copy_location(assign(self.value, value), statement)]
                return out + jump + ([ast.copy_location(ast.Break(), statement)] if in_loop else [])
            if not _has(statement, ast.Return):
                out.append(statement)
                continue
            if isinstance(statement, (ast.While, ast.For, ast.AsyncFor)):
                statement.body = self.block(statement.body, in_loop=True)
                statement.orelse = self.block(statement.orelse, in_loop)
                out.append(statement)
                if in_loop:  # the enclosing loop must stop too
                    out.append(ast.If(test=name(self.flag), body=[ast.Break()], orelse=[]))
                    continue
                return out + self._after(rest, in_loop)
            if isinstance(statement, ast.If) and not in_loop:
                body_returns, else_returns = _always_returns(statement.body), _always_returns(statement.orelse)
                if body_returns and else_returns:
                    rest = []  # unreachable
                elif body_returns or else_returns:  # the rest runs only where the if did not return
                    if body_returns:
                        statement.orelse = statement.orelse + rest
                    else:
                        statement.body = statement.body + rest
                    rest = []
            for field in ("body", "orelse", "finalbody"):
                if isinstance(getattr(statement, field, None), list):
                    setattr(statement, field, self.block(getattr(statement, field), in_loop))
            for handler in getattr(statement, "handlers", []):
                handler.body = self.block(handler.body, in_loop)
            out.append(statement)
            if in_loop:
                continue  # the returns inside became breaks, and break lowering guards what follows
            return out + self._after(rest, in_loop)
        return out

    def _after(self, rest, in_loop):
        """`rest`, guarded: it runs only if nothing before it returned."""
        if not rest:
            return []
        return [ast.If(test=negate(name(self.flag)), body=self.block(rest, in_loop), orelse=[])]


def _always_returns(statements):
    if not statements:
        return False
    last = statements[-1]
    if isinstance(last, ast.Return):
        return True
    return isinstance(last, ast.If) and _always_returns(last.body) and _always_returns(last.orelse)


# ----- break and continue --------------------------------------------------------------------

class _LoopJumps(ast.NodeTransformer):
    """Replaces `break` and `continue` by flags, innermost loops first."""

    def __init__(self, namer):
        self.namer = namer

    def visit_While(self, node):
        return self._loop(node)

    def visit_For(self, node):
        return self._loop(node)

    def _loop(self, node):
        self.generic_visit(node)
        before, after = [], []
        if any(_has_jump(s, ast.Continue) for s in node.body):
            flag = self.namer.new("continue_")
            node.body = [assign(flag, ast.Constant(value=False))] + _guard(node.body, ast.Continue, flag)
        if any(_has_jump(s, ast.Break) for s in node.body):
            flag = self.namer.new("break_")
            node.body = _guard(node.body, ast.Break, flag)
            before.append(ast.copy_location(assign(flag, ast.Constant(value=False)), node))
            if isinstance(node, ast.While):
                node.test = ast.BoolOp(op=ast.And(), values=[negate(name(flag)), node.test])
            else:
                node.tg_extra_test = negate(name(flag))
            if node.orelse:
                after.append(ast.If(test=negate(name(flag)), body=node.orelse, orelse=[]))
                node.orelse = []
        return before + [node] + after if before or after else node


def _has_jump(statement, kind):
    """True if `statement` holds a jump of `kind` for the loop around it (not one of a nested loop)."""
    if isinstance(statement, kind):
        return True
    if isinstance(statement, (ast.While, ast.For, ast.AsyncFor)):
        return False
    return _has(statement, kind, NESTED_SCOPES + (ast.While, ast.For, ast.AsyncFor))


def _guard(statements, kind, flag):
    """`statements` with each jump of `kind` replaced by `flag = True`, and what follows it guarded."""
    out = []
    for k, statement in enumerate(statements):
        if isinstance(statement, kind):
            return out + [ast.copy_location(assign(flag, ast.Constant(value=True)), statement)]
        if not _has_jump(statement, kind):
            out.append(statement)
            continue
        for field in ("body", "orelse", "finalbody"):
            if isinstance(getattr(statement, field, None), list):
                setattr(statement, field, _guard(getattr(statement, field), kind, flag))
        for handler in getattr(statement, "handlers", []):
            handler.body = _guard(handler.body, kind, flag)
        out.append(statement)
        rest = statements[k + 1:]
        if rest:
            out.append(ast.If(test=negate(name(flag)), body=_guard(rest, kind, flag), orelse=[]))
        return out
    return out
