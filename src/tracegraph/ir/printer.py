"""Printing a graph as readable text, in the spirit of a jaxpr.

    graph scaled_elu(%z: f32[2]) {
      %0: f32[] = const 0.
      %1: bool[2] = greater_equal(%z, %0)
      return %1
    }

Each line defines values (`%name: dtype[dims]`, `?` for an unknown dimension)
by applying an op to earlier values; attrs follow as `key=value`. Variables
are listed once in a comment and referred to as `$index`; control-flow nodes
show their sub-graphs indented below them.
"""
import numpy as np

from .graph import Graph

__all__ = ["format_graph", "format_node", "format_attrs", "format_attr"]


def format_graph(graph, indent=""):
    """The whole graph (sub-graphs nested and indented) as text."""
    params = ", ".join(f"%{v.name}: {v.spec.short()}" for v in graph.inputs)
    lines = [f"{indent}graph {graph.name}({params}) {{"]
    if graph.variables:
        names = ", ".join(f"${i}={v.name}" for i, v in enumerate(graph.variables))
        lines.append(f"{indent}  # variables: {names}")
    for node in graph.nodes:
        lines.extend(format_node(node, indent + "  "))
    lines.append(f"{indent}  return {', '.join('%' + v.name for v in graph.outputs)}")
    lines.append(f"{indent}}}")
    return "\n".join(lines)


def format_node(node, indent):
    """One node as `%out: spec = op(%in, ...) attr=value`, then its sub-graphs."""
    outs = ", ".join(f"%{v.name}: {v.spec.short()}" for v in node.outputs)
    head = f"{outs} = " if outs else ""
    if node.op.name == "const":
        return [f"{indent}{head}const {format_attr(node.attrs['value'])}"]
    args = ", ".join("%" + v.name for v in node.inputs)
    attrs = " ".join(format_attrs(node))
    lines = [f"{indent}{head}{node.op.name}({args}){' ' + attrs if attrs else ''}"]
    for key, sub in node.attrs.items():
        if isinstance(sub, Graph):
            lines.append(f"{indent}  {key}:")
            lines.append(format_graph(sub, indent + "    "))
    return lines


def format_attrs(node):
    """The node's plain (non-graph) attrs as `key=value` strings."""
    return [f"{k}={_format_named_attr(node, k, v)}" for k, v in node.attrs.items() if not isinstance(v, Graph)]


def _format_named_attr(node, key, value):
    if key == "variable" and node.op.stateful and isinstance(value, int):
        return f"${value}"
    if key == "expression" and isinstance(value, dict) and "instructions" in value:
        try:
            return _format_expression(value)
        except (KeyError, TypeError, ValueError, IndexError):
            pass  # an expression of another layout: print it as plain data
    return format_attr(value)


def _format_expression(expression):
    """A fused expression as `{t0=exp(in0); t1=add(t0,1.0) -> t1}`."""
    def ref(r):
        kind = r[0]
        return f"in{r[1]}" if kind == "in" else f"t{r[1]}" if kind == "t" else repr(r[1])
    steps = [f"t{j}={name}({','.join(ref(r) for r in refs)})"
             for j, (name, refs, _, _) in enumerate(expression["instructions"])]
    results = [f"t{j}" for j in expression["outputs"]]
    if expression.get("reduction"):
        results.append(f"sum(t{expression['reduction'][1]})")
    return "{" + "; ".join(steps) + " -> " + ",".join(results) + "}"


def format_attr(value):
    """An attribute value in short form (arrays abbreviated, specs as `f32[2,?]`)."""
    if isinstance(value, np.ndarray):
        if value.size <= 4:
            return np.array2string(value, separator=",").replace("\n", "")
        return f"<{value.dtype}{list(value.shape)}>"
    if hasattr(value, "short") and callable(value.short):
        return value.short()
    if type(value).__name__ == "DType":
        return value.name
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, (tuple, list)):
        items = ",".join(format_attr(v) for v in value)
        return f"[{items}]" if isinstance(value, list) else f"({items}{',' if len(value) == 1 else ''})"
    if isinstance(value, dict):
        return "{" + ",".join(f"{k}:{format_attr(v)}" for k, v in value.items()) + "}"
    return str(value).replace(" ", "")
