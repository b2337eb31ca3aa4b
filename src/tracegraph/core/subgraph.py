"""Tracing the branches and bodies of control flow into sub-graphs."""
from .func_graph import FuncGraph
from .scope import tracing
from ..context import state
from ..tensor import SymbolicTensor

__all__ = ["trace_subgraph", "unify_captures"]


def trace_subgraph(fn, input_specs, name, input_names=None, hoist_variable_reads=False):
    """Trace `fn(*placeholders)` into a sub-graph of the graph being traced.

    Returns (graph, result, leaves): `result` is what `fn` returned (symbolic
    tensors of the sub-graph) and `leaves` says, per flattened leaf of it,
    which graph output it is (None for a None leaf). Values `fn` uses from
    enclosing graphs become inputs of the sub-graph after the placeholders
    (its `outer_captures`). With `hoist_variable_reads` (cond branches), variable
    reads are made in the enclosing graph and captured (see FuncGraph.read_variable).
    """
    parent = state.graph
    graph = FuncGraph(name, parent=parent)
    if hoist_variable_reads:
        graph.outer_tapes = state.tapes
    names = input_names or [None] * len(input_specs)
    placeholders = [SymbolicTensor(graph, graph.add_input(spec, name=n)) for spec, n in zip(input_specs, names)]
    with tracing(graph):
        result = fn(*placeholders)
        leaves = graph.record_outputs(result)
    return graph, result, leaves


def unify_captures(graphs, n_leading=0):
    """Give all `graphs` the same captured inputs (the union, in order); returns them as outer tensors.

    After this, each graph's inputs are its first `n_leading` inputs followed by
    one input per captured outer value, identical across the graphs, so one
    node can pass the same operands to whichever sub-graph runs.
    """
    order, tensors = [], {}
    for g in graphs:
        for outer, _ in g.outer_captures:
            if id(outer) not in tensors:
                tensors[id(outer)] = g.captured_tensors[id(outer)]
                order.append(outer)
    for g in graphs:
        inner_of = {id(outer): inner for outer, inner in g.outer_captures}
        captured = [inner_of.get(id(outer)) or g.new_value(outer.spec, name=f"unused_{outer.name}")
                    for outer in order]
        g.inputs = g.inputs[:n_leading] + captured
        g.outer_captures = list(zip(order, captured))
    return [tensors[id(v)] for v in order]
