"""Merging a loop with the recording of it that its gradient made.

The gradient of a traced `while_loop` node W runs the same loop again as a
`while_loop_history` node H (see `ops/loop_gradient.py`): same operands, same
condition and body, and H's first `n_vars` outputs are W's final loop
variables. So the graph runs the forward loop twice. This pass keeps only H:
W's users read H's first outputs, and H moves up to W's position (it needs only
W's operands, so it can run there).

Both nodes are pure (the gradient refuses loops with effects), so moving H
earlier crosses only its own inputs' users, never changes the order of
stateful nodes, and cannot change what the graph computes.

Several H nodes may record one W (a jacobian, several tapes). W merges with
the first; a later one that records the same loop variables (equal `recorded`)
is a plain duplicate and merges too; the others stay.

W and H hold the very same sub-graph objects when traced, but a pipeline gives
each node its own copy of its sub-graphs (the pass runs on them first, see
`apply_to_subgraphs`), so sub-graphs that are not the same object are compared
by structure: same ops, attrs and wiring.
"""
import numpy as np

from ..ir.graph import Graph, is_stateful
from .rewrite import Rewriter

__all__ = ["merge_loop_recordings", "same_graph"]

LOOP = "while_loop"
RECORDING = "while_loop_history"


def merge_loop_recordings(graph):
    """A graph in which no loop runs both as `while_loop` and as the `while_loop_history` of its gradient."""
    merges = _find_merges(graph)
    if not merges:
        return graph.copy_structure(graph.nodes)  # a new graph all the same: each stage is its own object
    return _rewrite(graph, merges)


# ----- finding what to merge -----------------------------------------------------------------

def _find_merges(graph):
    """[(W, H, [duplicates of H])]: each loop W with the recording H it merges with."""
    recordings = [n for n in graph.nodes if n.op.name == RECORDING and not is_stateful(n)]
    claimed = set()
    merges = []
    for loop in graph.nodes:
        if loop.op.name != LOOP or is_stateful(loop):
            continue
        matches = [h for h in recordings if id(h) not in claimed and _records(h, loop)]
        if not matches:
            continue
        first, others = matches[0], matches[1:]
        duplicates = [h for h in others if h.attrs["recorded"] == first.attrs["recorded"]]
        claimed.update(id(h) for h in [first, *duplicates])
        merges.append((loop, first, duplicates))
    return merges


def _records(recording, loop):
    """True if the `while_loop_history` node `recording` runs the very loop of the node `loop`."""
    if recording.attrs["n_vars"] != loop.attrs["n_vars"]:
        return False
    if len(recording.inputs) != len(loop.inputs):
        return False
    if any(a is not b for a, b in zip(recording.inputs, loop.inputs)):
        return False
    return all(same_graph(recording.attrs[k], loop.attrs[k]) for k in ("cond_graph", "body_graph"))


# ----- comparing sub-graphs ------------------------------------------------------------------

def same_graph(a, b):
    """True if the graphs `a` and `b` compute the same function of their inputs.

    The same object, or the same structure: equally many inputs of the same
    specs, the same Variables, and node by node the same op with equal attrs
    (sub-graphs compared the same way) applied to corresponding values, with
    corresponding outputs. Values correspond by position, not by name, so two
    copies of one graph compare equal however a pass renamed them.
    """
    if a is b:
        return True
    if not (isinstance(a, Graph) and isinstance(b, Graph)):
        return False
    if len(a.inputs) != len(b.inputs) or len(a.nodes) != len(b.nodes) or len(a.outputs) != len(b.outputs):
        return False
    if len(a.variables) != len(b.variables) or any(x is not y for x, y in zip(a.variables, b.variables)):
        return False
    if any(x.spec != y.spec for x, y in zip(a.inputs, b.inputs)):
        return False
    twin = {id(x): y for x, y in zip(a.inputs, b.inputs)}
    for m, n in zip(a.nodes, b.nodes):
        if not _same_node(m, n, twin):
            return False
        twin.update((id(x), y) for x, y in zip(m.outputs, n.outputs))
    return all(twin.get(id(x)) is y for x, y in zip(a.outputs, b.outputs))


def _same_node(m, n, twin):
    if m.op.name != n.op.name or len(m.inputs) != len(n.inputs) or len(m.outputs) != len(n.outputs):
        return False
    if any(twin.get(id(x)) is not y for x, y in zip(m.inputs, n.inputs)):
        return False
    if any(x.spec != y.spec for x, y in zip(m.outputs, n.outputs)):
        return False
    return m.attrs.keys() == n.attrs.keys() and all(_same_attr(m.attrs[k], n.attrs[k]) for k in m.attrs)


def _same_attr(x, y):
    """Attr equality; NaN is unequal to itself, so an attr holding it only matches itself (no merge)."""
    if x is y:
        return True
    if isinstance(x, Graph) or isinstance(y, Graph):
        return same_graph(x, y)
    if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
        return (isinstance(x, np.ndarray) and isinstance(y, np.ndarray) and x.dtype == y.dtype
                and x.shape == y.shape and bool(np.array_equal(x, y)))
    if isinstance(x, dict) and isinstance(y, dict):
        return x.keys() == y.keys() and all(_same_attr(x[k], y[k]) for k in x)
    if isinstance(x, (list, tuple)) and isinstance(y, (list, tuple)):
        return type(x) is type(y) and len(x) == len(y) and all(_same_attr(p, q) for p, q in zip(x, y))
    if type(x) is not type(y):
        return False  # 1 == 1.0 == True, but as attrs they may mean different things
    try:
        return bool(x == y)
    except (TypeError, ValueError):
        return False


# ----- rewriting -----------------------------------------------------------------------------

def _rewrite(graph, merges):
    """The graph with each merged recording at the first position of its group, the others removed."""
    group_of = {}
    for loop, first, duplicates in merges:
        for node in (loop, first, *duplicates):
            group_of[id(node)] = (loop, first, duplicates)
    rw = Rewriter(graph)
    emitted = set()
    for node in graph.nodes:
        group = group_of.get(id(node))
        if group is None:
            rw.emit(node)
            continue
        loop, first, duplicates = group
        if id(first) not in emitted:
            _emit_merged(rw, loop, first, duplicates)
            emitted.add(id(first))
    return rw.finish()


def _emit_merged(rw, loop, first, duplicates):
    """Emit `first` once for the group, and make the loop's and the duplicates' outputs read its outputs."""
    merged = rw.emit(first)
    for old, new in zip(loop.outputs, merged.outputs[:loop.attrs["n_vars"]]):
        rw.replace(old, new)
    for duplicate in duplicates:
        for old, new in zip(duplicate.outputs, merged.outputs):
            rw.replace(old, new)
