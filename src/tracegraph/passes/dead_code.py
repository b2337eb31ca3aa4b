"""Dead-code elimination: drop nodes whose outputs nobody needs.

Stateful nodes (variable reads and writes, random draws, printing, and control
flow that contains any of these) are kept: they have effects beyond their
outputs.
"""
from ..ir.graph import is_stateful

__all__ = ["eliminate_dead_code"]


def eliminate_dead_code(graph):
    """A graph without the nodes that neither feed an output nor have effects."""
    live = {id(v) for v in graph.outputs}
    kept = []
    for node in reversed(graph.nodes):
        if is_stateful(node) or any(id(v) in live for v in node.outputs):
            kept.append(node)
            live.update(id(v) for v in node.inputs)
    return graph.copy_structure(reversed(kept))
