"""Which names a piece of Python code binds, binds on every path, and reads (read with `ast`).

Nested functions, lambdas, classes and comprehensions are scopes of their own:
names they bind stay inside them, but every name they read counts as read
where they are defined (they may read it when they run, which is later).
"""
import ast

__all__ = ["assigned", "surely_assigned", "read", "scope_declarations", "attribute_targets", "NESTED_SCOPES"]

#: Nodes that open a scope of their own.
NESTED_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef,
                 ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _walk_scope(nodes):
    """Every node under `nodes`, without entering nested scopes (their headers' names are kept)."""
    stack = list(nodes)
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            stack.extend(node.decorator_list)
            if not isinstance(node, ast.ClassDef):
                stack.extend(node.args.defaults + [d for d in node.args.kw_defaults if d is not None])
            continue
        if isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            continue
        stack.extend(ast.iter_child_nodes(node))


def assigned(nodes):
    """The names that statements or expressions `nodes` bind in their own scope."""
    names = set()
    for node in _walk_scope(nodes):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
    return names


def read(nodes):
    """The names that `nodes` read, including every name read inside nested scopes."""
    names = set()
    for root in nodes:
        for node in ast.walk(root):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                names.add(node.id)
            elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
                names.add(node.target.id)
    return names


def surely_assigned(statements):
    """The names that `statements` bind on every path through them (loops may not run at all)."""
    names = set()
    for statement in statements:
        if isinstance(statement, ast.If):
            names |= surely_assigned(statement.body) & surely_assigned(statement.orelse)
        elif isinstance(statement, (ast.While, ast.For, ast.AsyncFor)):
            continue
        elif isinstance(statement, (ast.With, ast.AsyncWith)):
            names |= assigned([item.optional_vars for item in statement.items if item.optional_vars])
            names |= surely_assigned(statement.body)
        elif isinstance(statement, ast.Try):
            names |= surely_assigned(statement.finalbody)
        else:
            names |= assigned([statement])
    return names


def scope_declarations(function):
    """The names a function declares `global` or `nonlocal` (not those of functions nested in it)."""
    return {name for node in _walk_scope(function.body) if isinstance(node, (ast.Global, ast.Nonlocal))
            for name in node.names}


def attribute_targets(statements):
    """The source text of the attributes and items that `statements` assign (`self.x`, `a[i]`), in order."""
    targets = [node for node in _walk_scope(statements)
               if isinstance(node, (ast.Attribute, ast.Subscript)) and isinstance(node.ctx, ast.Store)]
    return [ast.unparse(node) for node in sorted(targets, key=lambda n: (n.lineno, n.col_offset))]
