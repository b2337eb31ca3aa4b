"""The package's import structure, read with `ast`: imports run one way (DESIGN.md's layout).

A unit is a subpackage (`tracegraph.ops`) or a top-level module (`tracegraph.tensor`). Imports
inside function bodies count as much as module-level ones: a local import may defer a
downward import, never hide an upward one.
"""
import ast
import pathlib

import tracegraph

PACKAGE = pathlib.Path(tracegraph.__file__).parent
#: Modules every layer may import: the value types and the execution context.
VALUE_LAYER = {"dtypes", "shape", "type_spec", "spec", "tensor", "nest", "convert", "context", "errors",
               "config_state", "float_errors", "device", "variable_base", "user_code"}
#: Units below `trace/`: none of them may import it.
BELOW_TRACE = {"core", "ops", "autodiff", "ir", "passes", "execute", "variable", "backend", "config"} | VALUE_LAYER
#: At most this many function-local imports of tracegraph's own modules, each with its reason.
MAX_LOCAL_IMPORTS = 15


def _module_name(path):
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _unit(module):
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "tracegraph"


def _targets(node, module, is_package):
    """The tracegraph modules an import statement names (for `from x import y`: x and x.y)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name.startswith("tracegraph")]
    if node.level:
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[: len(base) - node.level + 1]
        full = ".".join(base + ([node.module] if node.module else []))
    else:
        full = node.module or ""
    if not full.startswith("tracegraph"):
        return []
    named = [f"{full}.{a.name}" for a in node.names]
    return named if full == "tracegraph" else [full] + named  # `from .. import nest` names nest only


def _imports():
    """[(importing module, imported module, is function-local, source line)] for the whole package."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        source = path.read_text(encoding="utf8")
        tree = ast.parse(source)
        local = {id(n) for fn in ast.walk(tree) if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef))
                 for n in ast.walk(fn)}
        lines = source.splitlines()
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for target in _targets(node, module, path.name == "__init__.py"):
                    found.append((module, target, id(node) in local, lines[node.lineno - 1].strip()))
    return found


def _unit_graph(imports):
    graph = {}
    for module, target, _, _ in imports:
        a, b = _unit(module), _unit(target)
        if a != b and "tracegraph" not in (a, b):
            graph.setdefault(a, set()).add(b)
    return graph


def _cycles(graph):
    """The strongly connected components of more than one unit (Tarjan's algorithm)."""
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in list(graph):
        if v not in index:
            visit(v)
    return cycles


def test_no_import_cycle_across_packages_counting_local_imports():
    assert _cycles(_unit_graph(_imports())) == []


def test_the_cycle_finder_sees_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_nothing_below_trace_imports_trace():
    upward = [(m, t) for m, t, _, _ in _imports() if _unit(m) in BELOW_TRACE and _unit(t) == "trace"]
    assert upward == []


def test_core_imports_only_the_value_types_and_the_ir():
    allowed = VALUE_LAYER | {"core", "ir"}
    outside = [(m, t) for m, t, _, _ in _imports() if _unit(m) == "core" and _unit(t) not in allowed]
    assert outside == []


def test_ir_passes_and_plans_import_neither_tracing_nor_autodiff():
    upward = [(m, t) for m, t, _, _ in _imports()
              if _unit(m) in ("ir", "passes", "execute") and _unit(t) in ("trace", "autodiff")]
    assert upward == []


def test_function_local_imports_are_few_and_each_says_why():
    local = {(m, line) for m, _, is_local, line in _imports() if is_local}
    assert len(local) <= MAX_LOCAL_IMPORTS, sorted(local)
    unexplained = [(m, line) for m, line in local if "# noqa: PLC0415 - " not in line]
    assert unexplained == []
