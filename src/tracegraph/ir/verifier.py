"""Checking a graph's invariants: SSA, topological order, variables, and every node's shape rule.

The optimization pipeline runs `verify` after every pass when the environment
variable `TRACEGRAPH_VERIFY=1` is set (the tests set it), so a pass that breaks
a graph is caught at the pass, not at some later confusing failure.
"""
from .graph import Graph, Node, Value

__all__ = ["verify", "VerificationError"]


class VerificationError(AssertionError):
    """The graph breaks an invariant (a bug in a pass or in tracing)."""


def verify(graph):
    """Raise VerificationError unless `graph` is well formed; sub-graphs are checked too.

    Checked: every value is defined once (SSA), before it is used (topological
    order), by an input or a node of this very graph (sub-graphs see outer
    values only through their inputs); outputs are defined; variable indices
    exist; and each node's outputs have the specs its op's shape rule gives.
    """
    if not isinstance(graph, Graph):
        raise VerificationError(f"expected a Graph, got {type(graph).__name__}")
    defined = set()
    for v in graph.inputs:
        _define(defined, v, graph, "input")
    for k, node in enumerate(graph.nodes):
        if not isinstance(node, Node):
            raise VerificationError(f"{graph.name}: node {k} is a {type(node).__name__}, not a Node")
        where = f"{graph.name}: node {k} ({node.op.name})"
        for v in node.inputs:
            if id(v) not in defined:
                raise VerificationError(f"{where} uses %{getattr(v, 'name', v)} before it is defined "
                                        f"(or it belongs to another graph)")
        _check_variable(graph, node, where)
        for sub in node.subgraphs():
            verify(sub)
        _check_shape_rule(node, where)
        for v in node.outputs:
            _define(defined, v, graph, f"node {k} ({node.op.name})")
    for v in graph.outputs:
        if id(v) not in defined:
            raise VerificationError(f"{graph.name}: output %{getattr(v, 'name', v)} is never defined")


def _define(defined, value, graph, where):
    if not isinstance(value, Value):
        raise VerificationError(f"{graph.name}: {where} defines {value!r}, which is not a Value")
    if id(value) in defined:
        raise VerificationError(f"{graph.name}: %{value.name} is defined twice (again by {where})")
    defined.add(id(value))


def _check_variable(graph, node, where):
    index = node.attrs.get("variable")
    if not node.op.stateful or index is None:
        return
    if type(index) is not int or not 0 <= index < len(graph.variables):
        raise VerificationError(f"{where} refers to variable ${index}, but the graph has "
                                f"{len(graph.variables)} variable(s)")


def _check_shape_rule(node, where):
    try:
        specs = node.op.infer(*[v.spec for v in node.inputs], **node.attrs)
    except (TypeError, ValueError) as error:
        raise VerificationError(f"{where}: its shape rule rejects the inputs: {error}") from None
    specs = specs if node.op.multiple_outputs else (specs,)
    if len(specs) != len(node.outputs):
        raise VerificationError(f"{where} has {len(node.outputs)} outputs, its shape rule gives "
                                f"{len(specs)}")
    for spec, v in zip(specs, node.outputs):
        if spec.dtype != v.spec.dtype or not spec.shape.is_compatible_with(v.spec.shape):
            raise VerificationError(f"{where}: output %{v.name} is typed {v.spec.short()} but its "
                                    f"shape rule gives {spec.short()}")
