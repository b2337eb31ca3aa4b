"""Tracing the branches and bodies of control flow into sub-graphs."""
from ..context import state
from ..tensor import SymbolicTensor
from .func_graph import FuncGraph
from .scope import tracing

__all__ = ["trace_subgraph", "unify_captures"]


def trace_subgraph(fn, input_specs, name):
    """Trace `fn(*placeholders)` into a sub-graph of the graph being traced.

    Returns (graph, output structure). Values `fn` uses from enclosing graphs
    become inputs of the sub-graph after the placeholders (`outer_captures`).
    """
    from .function import _graph_outputs  # noqa: PLC0415 - function imports this module's users
    parent = state.graph
    graph = FuncGraph(name, parent=parent, allow_variable_creation=parent.allow_variable_creation)
    placeholders = [SymbolicTensor(graph, graph.add_input(spec)) for spec in input_specs]
    with tracing(graph):
        result = fn(*placeholders)
        structure, leaves = _graph_outputs(graph, result)
    if any(not isinstance(leaf, int) for leaf in leaves):
        raise ValueError(f"{name}: control-flow functions must return tensors, not None")
    return graph, structure


def unify_captures(graphs, n_leading=0):
    """Give all `graphs` the same captured inputs (the union, in order); returns them as outer tensors.

    After this, each graph's inputs are its first `n_leading` inputs followed by
    one input per captured outer value, identical across the graphs, so one
    node can pass the same operands to whichever sub-graph runs.
    """
    order, outer_by_id = [], {}
    for g in graphs:
        for outer, _ in g.outer_captures:
            if id(outer) not in outer_by_id:
                outer_by_id[id(outer)] = outer
                order.append(outer)
    for g in graphs:
        inner_of = {id(outer): inner for outer, inner in g.outer_captures}
        leading = g.inputs[:n_leading]
        captured = []
        for outer in order:
            inner = inner_of.get(id(outer))
            if inner is None:
                inner = g.new_value(outer.spec, name=f"unused_{outer.name}")
            captured.append(inner)
        g.inputs = leading + captured
        g.outer_captures = list(zip(order, captured))
    parent = graphs[0].parent
    return [SymbolicTensor(parent, v) for v in order]
