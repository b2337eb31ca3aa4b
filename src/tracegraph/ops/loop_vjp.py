"""The VJP of one iteration of a loop body, as a graph, and what of the forward pass it reads.

The gradient of a traced `while_loop` (see `loop_gradient`) records forward
values of every iteration for its backward loop. What it must record is exactly
what the VJP of one iteration reads: tracing that VJP once into a graph and
keeping the nodes its outputs depend on tells which loop variables it reads.
A buffer that the body only writes into (`tensor_scatter_nd_update`, whose
gradient needs the indices, not the buffer) is then not recorded, and neither
is a variable the body passes through (`add`'s gradient reads no operand);
recording such a buffer every iteration would cost O(T^2) memory.

Reading only the shape of a loop variable of fully known shape (`zeros_like`,
`tf.shape`, a TensorArray write's gradient) is no read: any value of that shape serves, and the backward loop
passes the variable's initial value instead.
"""
from . import control_flow, gather_scatter
from ..core.subgraph import trace_subgraph

__all__ = ["IterationVJP"]

#: Ops that read only the shape of some operands: op name -> those operands' positions.
SHAPE_READERS = {"fill_like": (0,), "shape": (0,), "size": (0,), "rank": (0,), "count_reduced": (0,),
                 "reshape_like": (1,), "tensor_array_clear_rows": (1,)}


class IterationVJP:
    """The VJP of one iteration of the loop body `body_graph`, traced once into `graph`.

    `graph` maps (loop variables at the start of the iteration, captured values,
    gradients of the `differentiable` loop variables at its end) to (gradients of
    the `differentiable` loop variables at its start, then one per `diff_captured`
    value, or (indices, updates) for a captured value marked in `scattered`).
    `reads` are the loop variables whose values it needs.
    """

    def __init__(self, vjp, body_graph, n_vars, differentiable, diff_captured):
        self.n_vars = n_vars
        self.differentiable, self.diff_captured = list(differentiable), list(diff_captured)
        traced = _trace(vjp, body_graph, n_vars, self.differentiable, self.diff_captured)
        self.outer = [traced.captured_tensors[id(v)] for v, _ in traced.outer_captures]
        self.scattered = _scattered_outputs(traced, len(self.differentiable))
        self.graph, live = _pruned(traced, self.scattered, len(self.differentiable), n_vars)
        self.reads = tuple(k for k in range(n_vars) if id(traced.inputs[k]) in live)

    def __call__(self, values, captured, output_grads):
        """(gradients of the differentiable loop variables, per diff_captured: a gradient or (indices, updates))."""
        results = control_flow._inline_graph(self.graph, [*values, *captured, *output_grads, *self.outer])
        n_diff = len(self.differentiable)
        var_grads, rest = results[:n_diff], iter(results[n_diff:])
        per_captured = [(next(rest), next(rest)) if c in self.scattered else next(rest)
                        for c in range(len(self.diff_captured))]
        return list(var_grads), per_captured

    @staticmethod
    def accumulate(total, grad):
        """`total` plus one iteration's gradient of a captured value (a tensor, or (indices, updates)):
        the slices a gather's gradient scatters are added into `total`, with no dense zeros in between."""
        if isinstance(grad, tuple):
            return gather_scatter.tensor_scatter_nd_add(total, *grad)
        return total + grad


def _trace(vjp, body_graph, n_vars, differentiable, diff_captured):
    """The VJP graph: inputs (loop variables, captured values, output gradients, outer captures)."""
    specs = [v.spec for v in body_graph.inputs] + [body_graph.inputs[k].spec for k in differentiable]
    n_inputs = len(body_graph.inputs)

    def one_iteration(*placeholders):
        inputs, output_grads = list(placeholders[:n_inputs]), list(placeholders[n_inputs:])
        sources = [inputs[k] for k in differentiable] + [inputs[n_vars + c] for c in diff_captured]
        return vjp(lambda: control_flow._inline_graph(body_graph, inputs), sources, output_grads)

    graph, _, _ = trace_subgraph(one_iteration, specs, "while_iteration_vjp")
    return graph


def _scattered_outputs(graph, n_diff):
    """The positions c (among the captured gradients) whose gradient is slices scattered into zeros."""
    producers = {id(v): node for node in graph.nodes for v in node.outputs}
    scattered = {}
    for c, value in enumerate(graph.outputs[n_diff:]):
        node = producers.get(id(value))
        if node is not None and _scatter_into_zeros(node, producers):
            scattered[c] = (node.inputs[1], node.inputs[2]) if node.op.name == "tensor_scatter_nd_add" \
                else (node.inputs[0], node.inputs[1])
    return scattered


def _scatter_into_zeros(node, producers):
    if node.op.name == "scatter_nd":
        return True
    if node.op.name != "tensor_scatter_nd_add" or node.attrs.get("batch_dims") != 0:
        return False
    base = producers.get(id(node.inputs[0]))
    if base is None:
        return False
    if base.op.name == "const":
        return not base.attrs["value"].any()
    return base.op.name in ("fill", "fill_like") and base.attrs["value"] == 0  # zeros(shape), zeros_like(x)


def _pruned(graph, scattered, n_diff, n_vars):
    """(the graph with outputs (indices, updates) for the scattered gradients and only the nodes its
    outputs need; the ids of the values those nodes read, shape reads of loop variables of fully known
    shape aside)."""
    loop_vars = {id(v) for v in graph.inputs[:n_vars] if v.spec.shape.is_fully_defined()}
    outputs = list(graph.outputs[:n_diff])
    for c, value in enumerate(graph.outputs[n_diff:]):
        outputs.extend(scattered[c] if c in scattered else [value])
    live = {id(v) for v in outputs}
    kept = []
    for node in reversed(graph.nodes):
        if not any(id(v) in live for v in node.outputs):
            continue
        kept.append(node)
        shape_only = SHAPE_READERS.get(node.op.name, ())
        live.update(id(v) for j, v in enumerate(node.inputs)
                    if not (j in shape_only and id(v) in loop_vars))
    pruned = graph.copy_structure(kept[::-1])
    pruned.outputs = outputs
    return pruned, live
