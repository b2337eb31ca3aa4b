"""Live-variable analysis: which names are read later, before being assigned again.

`annotate_liveness(function)` walks a function's body backwards and records on
every `if`, `while` and `for` statement what the converter needs:

- `tg_live_out`: the names read after the statement (before any reassignment);
- `tg_outputs`: for an `if`, the names either branch assigns (its results);
- `tg_loop_vars`: for a loop, the names the body assigns that are read at the
  loop's head or after it: the values one iteration hands to the next.

Names declared `global` or `nonlocal` are not carried: they live outside the function.
The analysis is conservative: a name read anywhere inside a nested function or
lambda counts as read where that function is defined.
"""
import ast

from .names import assigned, read, scope_declarations

__all__ = ["annotate_liveness"]


def annotate_liveness(function):
    """Annotate the control-flow statements of `function` (an `ast.FunctionDef`) in place."""
    _Liveness(scope_declarations(function)).block(function.body, set())


class _Liveness:
    def __init__(self, declared):
        self.declared = declared

    def block(self, statements, live_out):
        """The names live before `statements`, given those live after them."""
        live = set(live_out)
        for statement in reversed(statements):
            live = self.statement(statement, live)
        return live

    def statement(self, node, live_out):
        if isinstance(node, ast.If):
            node.tg_live_out = set(live_out)
            node.tg_outputs = sorted(assigned(node.body + node.orelse) - self.declared)
            return read([node.test]) | self.block(node.body, live_out) | self.block(node.orelse, live_out)
        if isinstance(node, ast.While):
            return self._loop(node, live_out, read([node.test]), set())
        if isinstance(node, (ast.For, ast.AsyncFor)):
            extra_test = getattr(node, "tg_extra_test", None)  # `not break_`, checked before each iteration
            head = self._loop(node, live_out, read([extra_test]) if extra_test else set(), assigned([node.target]))
            return read([node.iter]) | head
        if isinstance(node, (ast.With, ast.AsyncWith)):
            items = [item.context_expr for item in node.items]
            return read(items) | (self.block(node.body, live_out) - assigned(
                [i.optional_vars for i in node.items if i.optional_vars]))
        if isinstance(node, ast.Try):
            after = self.block(node.finalbody, live_out)
            normal = self.block(node.body, self.block(node.orelse, after) | after)
            handlers = set().union(*[self.block(h.body, after) for h in node.handlers]) if node.handlers else set()
            return normal | handlers | after
        if isinstance(node, (ast.Return, ast.Raise)):
            return read([node])
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            annotate_liveness(node)  # its own scope, converted on its own terms
            return read([node]) | (live_out - {node.name})
        if isinstance(node, ast.AugAssign):
            return read([node]) | live_out
        return read([node]) | (live_out - assigned([node]))

    def _loop(self, node, live_out, test_reads, targets):
        """The names live at the head of a loop (a fixed point over its back edge); annotates it."""
        after = self.block(node.orelse, live_out)
        head = test_reads | after
        while True:
            again = test_reads | after | (self.block(node.body, head) - targets)
            if again == head:
                break
            head = again
        node.tg_live_out = set(after)
        node.tg_loop_vars = sorted(((assigned(node.body) | targets) - self.declared) & (head | after))
        return head
