"""The default optimization pipeline: a list of Graph -> Graph passes.

Sub-graphs of control flow are optimized with the same pipeline. With
`TRACEGRAPH_VERIFY=1` (the tests set it) the verifier re-checks the graph after
every pass.
"""
import os

from ..ir.graph import Graph, Node
from ..ir.verifier import verify
from .common_subexpressions import eliminate_common_subexpressions
from .constant_folding import fold_constants
from .dead_code import eliminate_dead_code
from .fusion import fuse_elementwise
from .simplify import simplify_algebra

__all__ = ["DEFAULT_PIPELINE", "optimize", "optimize_stages"]

DEFAULT_PIPELINE = [
    ("fold_constants", fold_constants),
    ("simplify_algebra", simplify_algebra),
    ("eliminate_common_subexpressions", eliminate_common_subexpressions),
    ("eliminate_dead_code", eliminate_dead_code),
    ("fuse_elementwise", fuse_elementwise),
    ("eliminate_dead_code_after_fusion", eliminate_dead_code),
]


def optimize(graph, pipeline=None):
    """The graph after every pass of `pipeline` (default: DEFAULT_PIPELINE)."""
    return optimize_stages(graph, pipeline)[-1][1]


def optimize_stages(graph, pipeline=None):
    """[("traced", graph), (pass name, graph after it), ...] to see what each pass did."""
    pipeline = DEFAULT_PIPELINE if pipeline is None else pipeline
    check = os.environ.get("TRACEGRAPH_VERIFY") == "1"
    stages = [("traced", graph)]
    current = _optimize_subgraphs(graph, pipeline)
    for name, run in pipeline:
        current = run(current)
        if check:
            verify(current)
        stages.append((name, current))
    return stages


def _optimize_subgraphs(graph, pipeline):
    if not any(node.subgraphs() for node in graph.nodes):
        return graph
    nodes = []
    for node in graph.nodes:
        if node.subgraphs():
            attrs = {k: optimize(v, pipeline) if isinstance(v, Graph) else v for k, v in node.attrs.items()}
            node = Node(node.op, node.inputs, attrs, node.outputs)
        nodes.append(node)
    return graph.copy_structure(nodes)
