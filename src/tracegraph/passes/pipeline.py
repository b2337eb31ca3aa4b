"""The default optimization pipeline: a list of named Graph -> Graph passes.

Every pass is applied to the sub-graphs of control flow first (innermost
first), then to the graph itself, so `optimize_stages` shows what each pass did
everywhere. With `TRACEGRAPH_VERIFY=1` (the tests set it) the verifier checks
the traced graph and the graph after every pass.
"""
import os

from ..ir.graph import Graph, Node
from ..ir.verifier import VerificationError, verify
from .common_subexpressions import eliminate_common_subexpressions
from .constant_folding import fold_constants
from .dead_code import eliminate_dead_code
from .fusion import fuse_elementwise
from .loop_recordings import merge_loop_recordings
from .overlap_asynchronous import overlap_asynchronous
from .scalar_operands import scalarize_operands
from .branch_conditions import simplify_under_conditions
from .simplify import simplify_algebra

__all__ = ["DEFAULT_PIPELINE", "optimize", "optimize_stages", "apply_to_subgraphs"]

DEFAULT_PIPELINE = [
    # First, so the later passes see the forward loop once, and its two copies are still alike.
    ("merge_loop_recordings", merge_loop_recordings),
    ("fold_constants", fold_constants),
    ("scalarize_operands", scalarize_operands),
    ("fold_scalar_constants", fold_constants),
    ("simplify_algebra", simplify_algebra),
    ("simplify_under_conditions", simplify_under_conditions),
    ("eliminate_common_subexpressions", eliminate_common_subexpressions),
    ("eliminate_dead_code", eliminate_dead_code),
    ("fuse_elementwise", fuse_elementwise),
    ("eliminate_dead_code_after_fusion", eliminate_dead_code),
    # Last: it moves stateful nodes, which the passes above rely on staying in place.
    ("overlap_asynchronous", overlap_asynchronous),
]


def optimize(graph, pipeline=None):
    """The graph after every pass of `pipeline` (default: DEFAULT_PIPELINE)."""
    return optimize_stages(graph, pipeline)[-1][1]


def optimize_stages(graph, pipeline=None):
    """[("traced", graph), (pass name, graph after it), ...] to see what each pass did.

    The graphs of earlier stages are left intact: passes build new graphs
    (sharing the nodes they do not change).
    """
    pipeline = DEFAULT_PIPELINE if pipeline is None else pipeline
    check = os.environ.get("TRACEGRAPH_VERIFY") == "1"
    if check:
        verify(graph)
    stages = [("traced", graph)]
    current = graph
    for name, run in pipeline:
        current = apply_to_subgraphs(run, current)
        if check:
            _verify_after(name, current)
        stages.append((name, current))
    return stages


def apply_to_subgraphs(run, graph):
    """`run(graph)` after replacing every sub-graph `s` of a node by `apply_to_subgraphs(run, s)`."""
    if any(node.subgraphs() for node in graph.nodes):
        nodes = [_with_subgraphs(run, node) for node in graph.nodes]
        graph = graph.copy_structure(nodes)
    return run(graph)


def _with_subgraphs(run, node):
    if not node.subgraphs():
        return node
    attrs = {k: apply_to_subgraphs(run, v) if isinstance(v, Graph) else v for k, v in node.attrs.items()}
    return Node(node.op, node.inputs, attrs, node.outputs, node.defined_at)


def _verify_after(name, graph):
    try:
        verify(graph)
    except VerificationError as error:
        raise VerificationError(f"after pass {name}: {error}") from None
