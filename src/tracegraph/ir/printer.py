"""Printing a graph as readable text, in the spirit of a jaxpr.

    graph scaled_elu(%z: f32[2]) {
      %1: f32[] = const 0.0
      %2: bool[2] = greater_equal(%z, %1)
      return %2
    }
"""
import numpy as np

from .graph import Graph

__all__ = ["format_graph", "format_attr"]


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
    args = ", ".join("%" + v.name for v in node.inputs)
    plain = {k: v for k, v in node.attrs.items() if not isinstance(v, Graph)}
    attrs = " ".join(f"{k}={format_attr(v)}" for k, v in plain.items())
    head = f"{outs} = " if outs else ""
    lines = [f"{indent}{head}{node.op.name}({args}){' ' + attrs if attrs else ''}"]
    for key, sub in node.attrs.items():
        if isinstance(sub, Graph):
            lines.append(f"{indent}  {key}:")
            lines.append(format_graph(sub, indent + "    "))
    return lines


def format_attr(value):
    """An attribute value in short form (arrays abbreviated)."""
    if isinstance(value, np.ndarray):
        if value.size <= 4:
            return np.array2string(value, separator=",").replace("\n", "")
        return f"<{value.dtype}{list(value.shape)}>"
    if hasattr(value, "short") and callable(value.short):
        return value.short()
    if hasattr(value, "name") and type(value).__name__ == "DType":
        return value.name
    if isinstance(value, str):
        return repr(value)
    return str(value).replace(" ", "")
