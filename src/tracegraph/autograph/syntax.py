"""Small builders of `ast` nodes for the code the converter writes."""
import ast

__all__ = ["at_line", "RUNTIME", "name", "runtime", "assign", "negate", "call", "strings", "names_tuple",
           "function_def"]

#: The name converted code calls its run-time helpers by (`ag__.if_stmt(...)`), as TF's converted code does.
RUNTIME = "ag__"


def name(identifier, store=False):
    """A variable reference (an assignment target with `store`)."""
    return ast.Name(id=identifier, ctx=ast.Store() if store else ast.Load())


def runtime(helper):
    """`ag__.helper`."""
    return ast.Attribute(value=name(RUNTIME), attr=helper, ctx=ast.Load())


def assign(identifier, value):
    """`identifier = value`."""
    return ast.Assign(targets=[name(identifier, store=True)], value=value)


def negate(expression):
    """`not expression`."""
    return ast.UnaryOp(op=ast.Not(), operand=expression)


def call(function, args, keywords=None):
    """`function(*args, **keywords)`; `keywords` maps names to expressions."""
    return ast.Call(func=function, args=list(args),
                    keywords=[ast.keyword(arg=k, value=v) for k, v in (keywords or {}).items()])


def strings(values):
    """A tuple of string constants: `('x', 'y')`."""
    return ast.Tuple(elts=[ast.Constant(value=v) for v in values], ctx=ast.Load())


def names_tuple(identifiers, store=False):
    """A tuple of variable references: `(x, y)`."""
    return ast.Tuple(elts=[name(i, store) for i in identifiers], ctx=ast.Store() if store else ast.Load())


def function_def(identifier, parameters, body):
    """`def identifier(*parameters): body`."""
    arguments = ast.arguments(posonlyargs=[], args=[ast.arg(arg=p) for p in parameters], vararg=None,
                              kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[])
    return ast.FunctionDef(name=identifier, args=arguments, body=body or [ast.Pass()], decorator_list=[],
                           returns=None)


def at_line(new, original):
    """`new` (and what under it has no location yet) placed on the first line of `original`.

    Generated code spans one line: Python reports a method call at the end line of
    its attribute, so a multi-line span would name the last line of a statement.
    """
    ast.copy_location(new, original)
    new.end_lineno, new.end_col_offset = new.lineno, new.col_offset
    return ast.fix_missing_locations(new)
