"""Running a graph through `bind`, node by node.

This is how a concrete function is called inside another traced function
(its nodes are copied into the outer graph) and under an active GradientTape
(each op is recorded, so the call is differentiable to any order).
"""
from . import state_ops
from ..context import state
from ..core.dispatch import bind
from ..ir.location import error_naming_node
from ..tensor import EagerTensor

__all__ = ["call_graph_with_bind"]


def call_graph_with_bind(graph, inputs):
    """The output tensors of `graph` applied to the tensors `inputs`.

    An error raised while the nodes run (not while they are copied into an outer
    trace) names the node and the user's line that defined it, as a plan's does.
    """
    env = {id(v): t for v, t in zip(graph.inputs, inputs)}
    node = None
    try:
        for node in graph.nodes:
            args = [env[id(v)] for v in node.inputs]
            outputs = _apply(graph, node, args)
            for value, tensor in zip(node.outputs, outputs):
                env[id(value)] = tensor
    except Exception as error:
        located = error_naming_node(error, node) if state.graph is None and node is not None else None
        if located is None:
            raise
        raise located from error
    return [env[id(v)] for v in graph.outputs]


def _apply(graph, node, args):
    op = node.op
    if op.name == "const":
        return (EagerTensor(node.attrs["value"]),)
    if op.name == "read_variable":
        return (graph.variables[node.attrs["variable"]].value(),)
    if op.name == "assign_variable":
        state_ops.assign(graph.variables[node.attrs["variable"]], args[0])
        return ()
    inline = getattr(op, "inline", None)
    if inline is not None:  # control flow: re-enter through tg.cond / tg.while_loop
        return inline(args, **node.attrs)
    result = bind(op, args, node.attrs)
    return result if op.multiple_outputs else (result,)
