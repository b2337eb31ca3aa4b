"""The gradient of a traced `tg.while_loop`.

A `while_loop` node keeps only the final loop variables, but its gradient needs
the value of every iteration. So the gradient first runs the loop again as a
`while_loop_history` node: the same loop, which also returns how many
iterations ran and, for each loop variable the gradient reads, its value at the
start of every iteration, stacked along a new leading axis. Which ones it reads
comes from tracing the VJP of one iteration once (`loop_vjp.IterationVJP`): a
buffer the body only writes into is not recorded (that would cost O(T^2)
memory). Then a second, ordinary `tg.while_loop` runs the iterations backwards:
iteration i inlines that VJP on the recorded values of iteration i, turning the
gradients with respect to the body's outputs into gradients with respect to its
inputs, and adds up the gradients of the captured inputs (a gather's slices are
added in place of the gathered rows, with no dense zeros in between).

Because the backward loop is itself a `tg.while_loop`, its own gradient (second
order) comes from this module again; the gradient of `while_loop_history` reuses
the recorded values instead of running the loop once more.

Running the loop again repeats its effects, so a body or condition with stateful
ops (random numbers, Variable assignments, printing) has no gradient; and the
stacked values need every recorded loop variable to keep its shape.
"""
from . import control_flow, creation, gather_scatter, join_split
from .loop_vjp import IterationVJP
from ..buffer_pool import HandedOver
from ..context import state
from ..convert import convert_to_tensor
from ..core.dispatch import bind
from ..core.op import Op
from ..core.rules import spec_of
from ..dtypes import int32

__all__ = ["while_gradient", "record_history"]


# ----- while_loop_history: the loop, recording the value of every iteration ------------------

def _history_infer(*inputs, cond_graph, body_graph, n_vars, recorded):
    finals = control_flow._while_infer(*inputs, cond_graph=cond_graph, body_graph=body_graph, n_vars=n_vars)
    histories = [_stacked_spec(finals[k]) for k in recorded]
    return (*finals, spec_of([], int32), *histories)


def _stacked_spec(spec):
    shape = None if spec.shape.rank is None else [None, *spec.shape.as_tuple()]
    return spec_of(shape, spec.dtype)


def _history_impl(xp, *inputs, cond_graph, body_graph, n_vars, recorded):
    # The executor has turned the sub-graph attrs into callables over arrays.
    loop_vars, captured = list(inputs[:n_vars]), list(inputs[n_vars:])
    records = [[] for _ in recorded]
    count = 0
    while bool(cond_graph(loop_vars + captured)[0]):
        for values, k in zip(records, recorded):
            _check_same_shape(values, tuple(loop_vars[k].shape))
            values.append(loop_vars[k])
        loop_vars = list(body_graph(HandedOver.taking(loop_vars, captured)))  # see _while_impl
        count += 1
    histories = [xp.stack(values) if values else xp.zeros((0, *inputs[k].shape), dtype=inputs[k].dtype)
                 for values, k in zip(records, recorded)]
    return (*loop_vars, xp.asarray(count, dtype=xp.int32), *histories)


def _check_same_shape(values, shape):
    if values and tuple(values[0].shape) != shape:
        raise ValueError(f"while_loop gradient: a loop variable changes its shape between iterations "
                         f"(from {tuple(values[0].shape)} to {shape}). The gradient stacks the values of "
                         f"all iterations into one tensor, so every loop variable it needs must keep its "
                         f"shape; differentiate this loop eagerly, or keep the shape fixed (e.g. pad).")


def _history_inline(args, cond_graph, body_graph, n_vars, recorded):
    return record_history(cond_graph, body_graph, n_vars, recorded, list(args))


def _history_grad(ctx, *grads):
    n_vars, recorded = ctx.attrs["n_vars"], ctx.attrs["recorded"]
    iteration = _iteration_vjp(ctx.vjp, ctx.attrs["body_graph"], n_vars)
    if iteration is None:
        return (None,) * len(ctx.inputs)
    var_grads, captured_grads = _backward_loop(iteration, recorded, ctx.inputs,
        ctx.outputs[:n_vars], ctx.outputs[n_vars], ctx.outputs[n_vars + 1:], grads[:n_vars], grads[n_vars + 1:])
    return (*var_grads, *captured_grads)


_history = Op("while_loop_history", infer=_history_infer, impl=_history_impl, grad=_history_grad,
              multiple_outputs=True, inline=_history_inline)


def record_history(cond_graph, body_graph, n_vars, recorded, inputs):
    """Run the loop of `cond_graph` / `body_graph` on `inputs` (loop variables, then captured values).

    Returns (*final loop variables, iteration count, *histories): one history per
    index in `recorded`, the values that loop variable had at the start of each
    iteration, stacked along a new axis 0. A `while_loop_history` node while
    tracing; eagerly a Python loop (so eager tapes see every op).
    """
    attrs = {"cond_graph": cond_graph, "body_graph": body_graph, "n_vars": n_vars, "recorded": tuple(recorded)}
    if state.graph is not None:
        return bind(_history, list(inputs), attrs)
    loop_vars, captured = list(inputs[:n_vars]), list(inputs[n_vars:])
    records = [[] for _ in recorded]
    count = 0
    while bool(control_flow._inline_graph(cond_graph, loop_vars + captured)[0]):
        for values, k in zip(records, recorded):
            _check_same_shape(values, tuple(loop_vars[k].shape.as_list()))
            values.append(loop_vars[k])
        loop_vars = list(control_flow._inline_graph(body_graph, loop_vars + captured))
        count += 1
    histories = [join_split.stack(values) if values else
                 creation.zeros([0, *inputs[k].shape.as_list()], inputs[k].dtype)
                 for values, k in zip(records, recorded)]
    return (*loop_vars, convert_to_tensor(count, dtype=int32), *histories)


# ----- the gradient of while_loop ------------------------------------------------------------

def while_gradient(ctx, grads):
    """The gradient rule of the `while_loop` node: one gradient (or None) per input."""
    attrs = ctx.attrs
    cond_graph, body_graph, n_vars = attrs["cond_graph"], attrs["body_graph"], attrs["n_vars"]
    if not _differentiable_loop_vars(body_graph, n_vars):  # then no output depends on anything differentiably
        return (None,) * len(ctx.inputs)
    _check_stateless(cond_graph, "condition")
    _check_stateless(body_graph, "body")
    iteration = _iteration_vjp(ctx.vjp, body_graph, n_vars)
    results = record_history(cond_graph, body_graph, n_vars, iteration.reads, list(ctx.inputs))
    var_grads, captured_grads = _backward_loop(iteration, iteration.reads, ctx.inputs, ctx.outputs,
        results[n_vars], results[n_vars + 1:], grads, [None] * len(iteration.reads))
    return (*var_grads, *captured_grads)


def _check_stateless(graph, part):
    for node in graph.all_nodes():
        if node.op.stateful:
            raise ValueError(
                f"while_loop gradient: the loop's {part} contains the stateful op {node.op.name!r} "
                f"(random numbers, Variable assignments and printing are stateful). The gradient runs "
                f"the loop a second time to record the value of every iteration, which would repeat "
                f"that effect and could see other values. Move the stateful op out of the loop, or "
                f"differentiate the loop eagerly.")


def _differentiable_loop_vars(body_graph, n_vars):
    return [k for k in range(n_vars) if body_graph.inputs[k].spec.dtype.is_differentiable]


def _iteration_vjp(vjp, body_graph, n_vars):
    """The `IterationVJP` of the body's differentiable part (None if the body has none): it tells which
    loop variables the gradient reads, so only those are recorded."""
    differentiable = _differentiable_loop_vars(body_graph, n_vars)
    if not differentiable:  # the body's outputs cannot depend on the captured values differentiably
        return None
    body, live = _differentiable_body(body_graph, differentiable)
    diff_captured = [c for c, v in enumerate(body_graph.inputs[n_vars:])
                     if v.spec.dtype.is_differentiable and id(v) in live]
    return IterationVJP(vjp, body, n_vars, differentiable, diff_captured)


def _live_part(graph, output_indices):
    """(ids of the values the outputs `output_indices` depend on, the nodes computing them)."""
    live = {id(graph.outputs[k]) for k in output_indices}
    kept = []
    for node in reversed(graph.nodes):
        if any(id(v) in live for v in node.outputs):
            kept.append(node)
            live.update(id(v) for v in node.inputs)
    return live, kept[::-1]


def _differentiable_body(body_graph, differentiable):
    """(the body reduced to the nodes its differentiable outputs need, with those as its outputs;
    the ids of the values they depend on)."""
    live, nodes = _live_part(body_graph, differentiable)
    graph = body_graph.copy_structure(nodes)
    graph.outputs = [body_graph.outputs[k] for k in differentiable]
    return graph, live


def _backward_loop(iteration, recorded, inputs, outputs, count, histories, final_grads, history_grads):
    """Gradients of the loop's inputs: (one per loop variable, one per captured input).

    `iteration` is the body's `IterationVJP`. `outputs` are the final loop
    variables, `final_grads` their gradients (None: zero). `histories` hold the
    values of the `recorded` loop variables (at least those `iteration` reads) at
    the start of each of the `count` iterations, and `history_grads` the gradients
    with respect to those histories (None: zero). Runs the iterations backwards
    with a `tg.while_loop`.
    """
    n_vars = iteration.n_vars
    loop_inputs, captured = list(inputs[:n_vars]), list(inputs[n_vars:])
    differentiable, diff_captured = iteration.differentiable, iteration.diff_captured
    missing = set(iteration.reads) - set(recorded)
    if missing:
        raise AssertionError(f"while_loop gradient: loop variables {sorted(missing)} are read but not recorded")
    history_of = dict(zip(recorded, histories))
    injected = {k: g for k, g in zip(recorded, history_grads) if g is not None and k in differentiable}
    n_diff = len(differentiable)

    def keep_going(i, *_):
        return i >= 0

    def step(i, *state_):
        output_grads, sums = state_[:n_diff], state_[n_diff:]
        # A loop variable the gradient does not read stands in for itself with its first value (its shape at most
        # is read, and only where that shape is fully known).
        values = [gather_scatter.gather(history_of[k], i) if k in iteration.reads else loop_inputs[k]
                  for k in range(n_vars)]
        var_grads, captured_grads = iteration(values, captured, output_grads)
        var_grads = [g + gather_scatter.gather(injected[k], i) if k in injected else g
                     for k, g in zip(differentiable, var_grads)]
        return [i - 1, *var_grads, *[iteration.accumulate(s, g) for s, g in zip(sums, captured_grads)]]

    start_grads = [final_grads[k] if final_grads[k] is not None else creation.zeros_like(outputs[k])
                   for k in differentiable]
    start_sums = [creation.zeros_like(captured[c]) for c in diff_captured]
    result = control_flow.while_loop(keep_going, step, [count - 1, *start_grads, *start_sums])
    var_grads, sums = result[1:1 + n_diff], result[1 + n_diff:]
    per_var, per_captured = dict(zip(differentiable, var_grads)), dict(zip(diff_captured, sums))
    return ([per_var.get(k) for k in range(n_vars)], [per_captured.get(c) for c in range(len(captured))])
