"""Dead-code elimination: drop nodes whose outputs nobody needs.

Stateful nodes (variable reads and writes, random draws, printing) are kept:
they have effects beyond their outputs.
"""
__all__ = ["eliminate_dead_code"]


def eliminate_dead_code(graph):
    """A graph without the nodes that neither feed an output nor have effects."""
    live = {id(v) for v in graph.outputs}
    kept = []
    for node in reversed(graph.nodes):
        if node.op.stateful or any(id(v) in live for v in node.outputs):
            kept.append(node)
            live.update(id(v) for v in node.inputs)
    return graph.copy_structure(reversed(kept))
