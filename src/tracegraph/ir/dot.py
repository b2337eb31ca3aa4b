"""Graphviz DOT text for a graph: `graph.to_dot()`, then `dot -Tsvg` to look at it.

Inputs are ellipses, ops are boxes (stateful ops and fused kernels filled, the
latter with their expression), constants are small plain-text nodes, and every
edge is labelled with the type of the value it carries. The sub-graphs of
control flow appear as dashed clusters whose result feeds their node.
"""
from .graph import is_stateful
from .printer import format_attr, format_attrs

__all__ = ["to_dot"]

#: At most this many attrs are shown in a node's label (the text printer shows all).
MAX_LABEL_ATTRS = 3


def to_dot(graph):
    """The DOT source of `graph`."""
    lines = ["digraph tracegraph {", "  rankdir=TB;", '  node [fontname="Helvetica", fontsize=10];',
             '  edge [fontname="Helvetica", fontsize=9];']
    _emit_graph(graph, lines, prefix="g", indent="  ")
    lines.append("}")
    return "\n".join(lines)


def _emit_graph(graph, lines, prefix, indent):
    source = {}  # id(value) -> DOT id of the node that makes it
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
        for j, sub in enumerate(node.subgraphs()):
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
    if node.op.name == "const":
        return f'shape=plaintext, label="{_esc(format_attr(node.attrs["value"]))}"'
    attrs = format_attrs(node)
    if "expression" in node.attrs:  # a fused kernel: its expression is the interesting part
        expression = next(a for a in attrs if a.startswith("expression="))
        label = "\\n".join([node.op.name, _esc(expression[len("expression="):])])
        return f'shape=box, style="rounded,filled", fillcolor="#dbe9ff", label="{label}"'
    label = "\\n".join([node.op.name] + [_esc(a) for a in attrs[:MAX_LABEL_ATTRS]])
    style = ', style="rounded,filled", fillcolor="#ffe9c7"' if is_stateful(node) else ", style=rounded"
    return f'shape=box{style}, label="{label}"'


def _esc(text):
    return str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
