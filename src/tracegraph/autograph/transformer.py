"""The `ast` rewrites that turn Python control flow into calls of the run-time helpers.

`ExpressionTransformer` rewrites `a and b`, `a or b`, `not a`, `a if t else b`
and calls (`f(x)` becomes `ag__.converted_call(f, x)`, which converts user
functions as they are called). `ControlFlowTransformer` rewrites `if`, `while`
and `for` statements, annotated by `liveness` and `definedness`, into local
functions and one helper call each:

    def if_body(x):              def else_body(x):
        x = x + 1                    x = x - 1
        return (x,)                  return (x,)
    (x,) = ag__.if_stmt(x > 0, if_body, else_body, (x,), ('x',), used_after=('x',))
"""
import ast

from .names import assigned, attribute_targets, scope_declarations, surely_assigned
from .syntax import RUNTIME, assign, at_line, call, function_def, name, names_tuple, runtime, strings

__all__ = ["ExpressionTransformer", "ControlFlowTransformer"]

#: Builtins that look at their caller's frame, or that are `super()`: they must be called directly.
FRAME_BUILTINS = {"super", "locals", "globals", "vars", "eval", "exec", "dir"}


def _thunk(expression):
    """`lambda: expression`."""
    arguments = ast.arguments(posonlyargs=[], args=[], vararg=None, kwonlyargs=[], kw_defaults=[],
                              kwarg=None, defaults=[])
    return ast.Lambda(args=arguments, body=expression)


class ExpressionTransformer(ast.NodeTransformer):
    """Boolean operators, conditional expressions and calls."""

    def __init__(self):
        self.functions = []  # the enclosing `def`s, innermost last

    def visit_FunctionDef(self, node):
        self.functions.append(node)
        self.generic_visit(node)
        self.functions.pop()
        return node

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_BoolOp(self, node):
        self.generic_visit(node)
        helper = "and_" if isinstance(node.op, ast.And) else "or_"
        result = node.values[-1]
        for value in reversed(node.values[:-1]):
            result = call(at_line(runtime(helper), node), [_thunk(value), _thunk(result)])
        return ast.copy_location(result, node)

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, ast.Not):
            return ast.copy_location(call(at_line(runtime("not_"), node), [node.operand]), node)
        return node

    def visit_IfExp(self, node):
        self.generic_visit(node)
        return ast.copy_location(call(at_line(runtime("if_exp"), node), [node.test, _thunk(node.body),
                                                                         _thunk(node.orelse)]), node)

    def visit_Call(self, node):
        self.generic_visit(node)
        function = node.func
        if isinstance(function, ast.Name) and function.id == "super" and not node.args and self.functions:
            return self._explicit_super(node)
        if isinstance(function, ast.Name) and function.id in FRAME_BUILTINS:
            return node
        if isinstance(function, ast.Attribute) and isinstance(function.value, ast.Name) and \
                function.value.id == RUNTIME:
            return node
        helper = at_line(runtime("converted_call"), node)
        return ast.copy_location(ast.Call(func=helper, args=[function] + node.args, keywords=node.keywords), node)


    def _explicit_super(self, node):
        """`super()` as `super(__class__, self)`: converted code may run it inside a local function,
        where the zero-argument form would take that function's first argument for `self`."""
        parameters = self.functions[-1].args.posonlyargs + self.functions[-1].args.args
        if not parameters:
            return node
        node.args = [name("__class__"), name(parameters[0].arg)]
        return node


class ControlFlowTransformer(ast.NodeTransformer):
    """`if`, `while` and `for` statements into helper calls (inner statements first)."""

    def __init__(self, namer):
        self.namer = namer
        self.declared = []  # per enclosing function: its `global` and `nonlocal` statements

    def visit_FunctionDef(self, node):
        self.declared.append([s for s in ast.walk(node) if isinstance(s, (ast.Global, ast.Nonlocal))
                              and any(n in scope_declarations(node) for n in s.names)])
        self.generic_visit(node)
        self.declared.pop()
        return node

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_If(self, node):
        self.generic_visit(node)
        if not hasattr(node, "tg_outputs"):
            return node
        outputs = node.tg_outputs
        body_name, else_name = self.namer.new("if_body"), self.namer.new("else_body")
        used_after = set(outputs) & node.tg_live_out
        keywords = {"used_after": strings(sorted(used_after)),
                    "unassigned_in_body": strings(sorted(used_after - surely_assigned(node.body))),
                    "unassigned_in_else": strings(sorted(used_after - surely_assigned(node.orelse)))}
        self._add_attributes(keywords, node.body + node.orelse)
        helper = call(runtime("if_stmt"), [node.test, name(body_name), name(else_name), names_tuple(outputs),
                                           strings(outputs)], _non_empty(keywords))
        return self._emit(node, outputs, [self._function(body_name, outputs, node.body, outputs),
                                          self._function(else_name, outputs, node.orelse, outputs)], helper)

    def visit_While(self, node):
        self.generic_visit(node)
        if not hasattr(node, "tg_loop_vars"):
            return node
        loop_vars = node.tg_loop_vars
        test_name, body_name = self.namer.new("loop_test"), self.namer.new("loop_body")
        test = self._function(test_name, loop_vars, [ast.Return(value=node.test)], None)
        body = self._function(body_name, loop_vars, node.body, loop_vars)
        keywords = {"used_after": strings(sorted(set(loop_vars) & node.tg_live_out))}
        self._add_attributes(keywords, node.body)
        helper = call(runtime("while_stmt"), [name(test_name), name(body_name), names_tuple(loop_vars),
                                              strings(loop_vars)], _non_empty(keywords))
        return self._emit(node, loop_vars, [test, body], helper) + node.orelse

    def visit_For(self, node):
        self.generic_visit(node)
        if not hasattr(node, "tg_loop_vars"):
            return node
        loop_vars = node.tg_loop_vars
        element, body_name = self.namer.new("itr"), self.namer.new("loop_body")
        target = ast.copy_location(ast.Assign(targets=[node.target], value=name(element)), node)
        body = self._function(body_name, [element] + loop_vars, [target] + node.body, loop_vars)
        functions, keywords = [body], {}
        if hasattr(node, "tg_extra_test"):
            test_name = self.namer.new("extra_test")
            # an attribute, not a field of the node: the expression pass has not seen it yet
            extra_test = ExpressionTransformer().visit(at_line(node.tg_extra_test, node))
            functions.insert(0, self._function(test_name, loop_vars, [ast.Return(value=extra_test)], None))
            keywords["extra_test"] = name(test_name)
        keywords["used_after"] = strings(sorted(set(loop_vars) & node.tg_live_out))
        self._add_attributes(keywords, node.body)
        helper = call(runtime("for_stmt"), [node.iter, name(body_name), names_tuple(loop_vars),
                                            strings(loop_vars)], _non_empty(keywords))
        return self._emit(node, loop_vars, functions, helper) + node.orelse

    # ----- pieces ------------------------------------------------------------------------------

    def _function(self, identifier, parameters, body, returned):
        """A local function of the converted code; `returned` names its result tuple (None: none added).
        It repeats the `global`/`nonlocal` declarations of the names it assigns."""
        bound = assigned(body)
        statements = [ast.copy_location(d.__class__(names=[n for n in d.names if n in bound]), d)
                      for d in self._declarations() if bound.intersection(d.names)]
        statements += list(body)
        if returned is not None:
            statements.append(ast.Return(value=names_tuple(returned)))
        return function_def(identifier, parameters, statements)

    def _declarations(self):
        return self.declared[-1] if self.declared else []

    def _emit(self, node, outputs, functions, helper):
        """The statements replacing `node`: placeholders for unbound outputs, the functions, the call."""
        statements = [self._placeholder(n, node) for n in outputs if n not in node.tg_defined]
        statements += functions
        if outputs:
            statements.append(ast.Assign(targets=[names_tuple(outputs, store=True)], value=helper))
        else:
            statements.append(ast.Expr(value=helper))
        return [at_line(statement, node) for statement in statements]

    @staticmethod
    def _placeholder(identifier, node):
        """`x = ag__.Undefined('x')` where `x` is surely unbound, else a look-up at run time."""
        if identifier not in node.tg_maybe_defined:
            return assign(identifier, call(runtime("Undefined"), [ast.Constant(value=identifier)]))
        scope = call(name("locals"), [])
        return assign(identifier, call(runtime("defined_or_undefined"), [scope, ast.Constant(value=identifier)]))

    @staticmethod
    def _add_attributes(keywords, statements):
        targets = attribute_targets(statements)
        if targets:
            keywords["attributes"] = strings(targets)


def _non_empty(keywords):
    return {k: v for k, v in keywords.items() if not (isinstance(v, ast.Tuple) and not v.elts)}
