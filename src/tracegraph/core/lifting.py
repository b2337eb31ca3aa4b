"""Evaluating a symbolic tensor that depends on no input (e.g. a Variable's initial value)."""
from ..ir.graph import Graph
from ..ir.interpreter import interpret
from ..tensor import EagerTensor

__all__ = ["evaluate_constant"]


def evaluate_constant(tensor):
    """The eager value of a symbolic tensor computed only from constants."""
    graph = tensor.graph
    needed = _ancestors(graph, tensor.value)
    if any(v in needed for v in map(id, graph.inputs)):
        raise ValueError(
            "A value computed from a tg.function's arguments cannot initialize a Variable created "
            "inside the function; pass an initial value that does not depend on the arguments, or "
            "create the Variable outside the function.")
    sub = Graph("lifted")
    sub.nodes = [n for n in graph.nodes if any(id(o) in needed for o in n.outputs)]
    sub.variables = graph.variables
    sub.outputs = [tensor.value]
    return EagerTensor(interpret(sub, [])[0])


def _ancestors(graph, value):
    producers = {id(o): n for n in graph.nodes for o in n.outputs}
    needed, stack = set(), [value]
    while stack:
        v = stack.pop()
        if id(v) in needed:
            continue
        needed.add(id(v))
        node = producers.get(id(v))
        if node is not None:
            stack.extend(node.inputs)
    return needed
