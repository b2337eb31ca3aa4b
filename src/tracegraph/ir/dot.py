"""Graphviz DOT text for a graph: `graph.to_dot()`, then `dot -Tsvg` to look at it.

Inputs are ellipses, ops are boxes (fused kernels filled, with their
expression), constants are small plain-text nodes, and every edge is labelled
with the type of the value it carries. Sub-graphs appear as clusters.
"""
from .graph import Graph
from .printer import format_attr

__all__ = ["to_dot"]


def to_dot(graph):
    """The DOT source of `graph`."""
    lines = ["digraph tracegraph {", "  rankdir=TB;", '  node [fontname="Helvetica", fontsize=10];',
             '  edge [fontname="Helvetica", fontsize=9];']
    _emit_graph(graph, lines, prefix="g", indent="  ")
    lines.append("}")
    return "\n".join(lines)


def _emit_graph(graph, lines, prefix, indent):
    source = {}
    for i, v in enumerate(graph.inputs):
        nid = f"{prefix}_in{i}"
        lines.append(f'{indent}{nid} [shape=ellipse, label="{_esc(v.name)}\\n{v.spec.short()}"];')
        source[id(v)] = nid
    for k, node in enumerate(graph.nodes):
        nid = f"{prefix}_n{k}"
        lines.append(f"{indent}{nid} [{_node_style(node)}];")
        for v in node.inputs:
            if id(v) in source:
                lines.append(f'{indent}{source[id(v)]} -> {nid} [label="{v.spec.short()}"];')
        for v in node.outputs:
            source[id(v)] = nid
        for j, sub in enumerate(s for s in node.attrs.values() if isinstance(s, Graph)):
            sub_prefix = f"{prefix}_n{k}s{j}"
            lines.append(f"{indent}subgraph cluster_{sub_prefix} {{")
            lines.append(f'{indent}  label="{_esc(sub.name)}"; style=dashed;')
            _emit_graph(sub, lines, sub_prefix, indent + "  ")
            lines.append(f"{indent}}}")
            lines.append(f"{indent}{sub_prefix}_out -> {nid} [style=dashed];")
    out = f"{prefix}_out"
    lines.append(f'{indent}{out} [shape=doublecircle, label="return", width=0.3];')
    for v in graph.outputs:
        if id(v) in source:
            lines.append(f'{indent}{source[id(v)]} -> {out} [label="{v.spec.short()}"];')


def _node_style(node):
    name = node.op.name
    if name == "const":
        return f'shape=plaintext, label="{_esc(format_attr(node.attrs["value"]))}"'
    plain = [f"{k}={format_attr(v)}" for k, v in node.attrs.items()
             if not isinstance(v, Graph) and k != "expression"]
    label = "\\n".join([name] + [_esc(p) for p in plain[:3]])
    if "expression" in node.attrs:
        label += "\\n" + _esc(str(node.attrs["expression"]))
        return f'shape=box, style="rounded,filled", fillcolor="#dbe9ff", label="{label}"'
    style = ', style="rounded,filled", fillcolor="#ffe9c7"' if node.op.stateful else ', style=rounded'
    return f'shape=box{style}, label="{label}"'


def _esc(text):
    return str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
