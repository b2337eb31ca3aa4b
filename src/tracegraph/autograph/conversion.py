"""Converting a Python function: its source, rewritten, compiled into a new function object.

`convert(function, runtime)` reads the function's source (`inspect`), rewrites
it (`transformer`), and compiles it with the original file name and line
numbers, so tracebacks, warnings and the graph's "defined at" point at the
user's own lines. The new function shares the original's globals, closure
cells, defaults and attributes; `runtime` is what converted code calls `ag__`.
Conversion is cached per code object, so a function is converted once.
"""
import __future__
import ast
import inspect
import textwrap
import types
import weakref

from .definedness import annotate_definedness
from .jumps import lower_jumps
from .liveness import annotate_liveness
from .naming import Namer
from .syntax import RUNTIME
from .transformer import ControlFlowTransformer, ExpressionTransformer

__all__ = ["SourceUnavailable", "convert", "converted_source"]

#: The compiler flags of `from __future__ import ...` statements, carried over from the original code.
_FUTURE_FLAGS = 0
for _feature in __future__.all_feature_names:
    _FUTURE_FLAGS |= getattr(__future__, _feature).compiler_flag

#: code object -> (converted code object, converted source): one conversion per function body.
_cache = weakref.WeakKeyDictionary()


class SourceUnavailable(Exception):
    """The function's source cannot be read (defined in a REPL or by `exec`), or it is a lambda that
    cannot be told apart from another on its line."""


def convert(function, runtime):
    """A new function like `function`, with its control flow converted; `runtime` is its `ag__`."""
    code, _ = _converted(function)
    cells = dict(zip(function.__code__.co_freevars, function.__closure__ or ()))
    cells[RUNTIME] = types.CellType(runtime)
    closure = tuple(cells[n] if n in cells else types.CellType() for n in code.co_freevars)
    converted = types.FunctionType(code, function.__globals__, function.__name__, function.__defaults__, closure)
    converted.__kwdefaults__ = function.__kwdefaults__
    converted.__dict__.update(function.__dict__)
    converted.__doc__, converted.__qualname__ = function.__doc__, function.__qualname__
    converted.__module__, converted.__annotations__ = function.__module__, function.__annotations__
    converted.__wrapped__ = function
    return converted


def converted_source(function):
    """The converted source of `function` (what `tg.autograph.to_code` shows)."""
    return _converted(function)[1]


def _converted(function):
    """(code object, source) of the converted `function`, from the cache or converted now."""
    original = function.__code__
    found = _cache.get(original)
    if found is None:
        found = _cache[original] = _convert_code(function)
    return found


def _convert_code(function):
    tree, first_line = _parse(function)
    definition = tree.body[0]
    definition.decorator_list = []  # already applied: `function` is what they returned
    namer = Namer(tree)
    lower_jumps(tree, namer)
    ast.fix_missing_locations(tree)  # the flags' statements take the lines of the jumps they replace
    annotate_liveness(definition)
    annotate_definedness(definition)
    tree = ExpressionTransformer().visit(tree)
    tree = ast.fix_missing_locations(ControlFlowTransformer(namer).visit(tree))
    source = ast.unparse(tree)
    ast.increment_lineno(tree, first_line - 1)
    module = _inside_factory(tree.body[0], function.__code__.co_freevars)
    flags = function.__code__.co_flags & _FUTURE_FLAGS
    compiled = compile(module, function.__code__.co_filename, "exec", flags=flags, dont_inherit=True)
    return _nested_code(compiled, definition.name), source


def _parse(function):
    """The `ast.Module` of `function`'s source (one `def`), and the line it starts on. A lambda
    becomes a `def` of its own (TF's AutoGraph converts lambdas too)."""
    code = function.__code__
    try:
        # by its code: the function's own source (for a function object, inspect follows
        # `__wrapped__` to the function a decorator wrapped, whose source is another function's)
        lines, first_line = inspect.getsourcelines(code)
    except (OSError, TypeError) as error:
        raise SourceUnavailable(f"its source is not available ({error})") from None
    try:
        tree = ast.parse(textwrap.dedent("".join(lines)))
    except SyntaxError as error:
        raise SourceUnavailable(f"its source could not be parsed ({error.msg})") from None
    if code.co_name == "<lambda>":  # by its code: a lambda may have been renamed
        return _lambda_as_def(tree, code, first_line), first_line
    if not tree.body or not isinstance(tree.body[0], (ast.FunctionDef, ast.AsyncFunctionDef)):
        raise SourceUnavailable("its source is not a `def` statement")
    return tree, first_line


#: The name a converted lambda's `def` gets (a lambda has none a `def` could take).
LAMBDA_NAME = "autograph_lambda"


def _lambda_as_def(tree, code, first_line):
    """A module holding `def LAMBDA_NAME(<the lambda's parameters>): return <its body>` for the one
    lambda in `tree` that starts on `code`'s line with `code`'s parameters."""
    line = code.co_firstlineno - first_line + 1
    parameters = code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]
    found = [node for node in ast.walk(tree) if isinstance(node, ast.Lambda) and node.lineno == line
             and [a.arg for a in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs)] == list(parameters)]
    if len(found) != 1:
        raise SourceUnavailable("it is a lambda that cannot be told apart from the others on its line"
                                if found else "its lambda was not found in its source line")
    lambda_node = found[0]
    # Defaults come from the function object (see `convert`); here they would be evaluated nowhere.
    arguments = lambda_node.args
    arguments.defaults, arguments.kw_defaults = [], [None] * len(arguments.kwonlyargs)
    definition = ast.FunctionDef(name=LAMBDA_NAME, args=arguments, body=[ast.Return(value=lambda_node.body)],
                                 decorator_list=[], returns=None, type_comment=None)
    ast.copy_location(definition, lambda_node)  # the lambda's own lines, so errors point at them
    return ast.fix_missing_locations(ast.Module(body=[definition], type_ignores=[]))


def _inside_factory(definition, free_variables):
    """A module `def factory(): <free variables> = None; <definition>`: compiled, the definition's
    code refers to the free variables (and `ag__`) as closure cells, like the original's, and to
    its own name as the original does (a global, unless the original closes over it)."""
    placeholders = [ast.Assign(targets=[ast.Name(id=n, ctx=ast.Store())], value=ast.Constant(value=None))
                    for n in (*free_variables, RUNTIME)]
    if definition.name not in free_variables:  # the `def` must not bind the name: it refers to the global
        placeholders.insert(0, ast.Global(names=[definition.name]))
    arguments = ast.arguments(posonlyargs=[], args=[], vararg=None, kwonlyargs=[], kw_defaults=[],
                              kwarg=None, defaults=[])
    factory = ast.FunctionDef(name="autograph_factory", args=arguments, body=placeholders + [definition],
                              decorator_list=[], returns=None)
    module = ast.Module(body=[factory], type_ignores=[])
    ast.copy_location(factory, definition)
    return ast.fix_missing_locations(module)


def _nested_code(module_code, name):
    """The code object of function `name` inside the factory compiled in `module_code`."""
    factory = next(c for c in module_code.co_consts if isinstance(c, types.CodeType))
    return next(c for c in factory.co_consts if isinstance(c, types.CodeType) and c.co_name == name)
