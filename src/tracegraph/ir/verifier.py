"""Checking a graph's invariants: SSA, topological order, and every node's shape rule."""
__all__ = ["verify", "VerificationError"]


class VerificationError(AssertionError):
    """The graph breaks an invariant (a bug in a pass or in tracing)."""


def verify(graph):
    """Raise VerificationError unless `graph` is well formed; sub-graphs are checked too."""
    defined = set()
    for v in graph.inputs:
        _define(defined, v, graph, "input")
    for k, node in enumerate(graph.nodes):
        for v in node.inputs:
            if id(v) not in defined:
                raise VerificationError(f"{graph.name}: node {k} ({node.op.name}) uses %{v.name} before "
                                        f"it is defined")
        _check_shape_rule(graph, k, node)
        for v in node.outputs:
            _define(defined, v, graph, f"node {k} ({node.op.name})")
        for sub in node.subgraphs():
            verify(sub)
    for v in graph.outputs:
        if id(v) not in defined:
            raise VerificationError(f"{graph.name}: output %{v.name} is never defined")


def _define(defined, value, graph, where):
    if id(value) in defined:
        raise VerificationError(f"{graph.name}: %{value.name} is defined twice (again by {where})")
    defined.add(id(value))


def _check_shape_rule(graph, k, node):
    specs = node.op.infer(*[v.spec for v in node.inputs], **node.attrs)
    specs = specs if node.op.multiple_outputs else (specs,)
    if len(specs) != len(node.outputs):
        raise VerificationError(f"{graph.name}: node {k} ({node.op.name}) has {len(node.outputs)} outputs, "
                                f"its shape rule gives {len(specs)}")
    for spec, v in zip(specs, node.outputs):
        if spec.dtype != v.spec.dtype or not spec.shape.is_compatible_with(v.spec.shape):
            raise VerificationError(f"{graph.name}: node {k} ({node.op.name}) output %{v.name} is typed "
                                    f"{v.spec.short()} but its shape rule gives {spec.short()}")

