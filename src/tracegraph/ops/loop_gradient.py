"""The gradient of a traced `tg.while_loop`.

A `while_loop` node keeps only the final loop variables, but its gradient needs
the value of every iteration. So the gradient first runs the loop again as a
`while_loop_history` node: the same loop, which also returns how many
iterations ran and, for each loop variable the gradient needs, its value at the
start of every iteration, stacked along a new leading axis. Then a second,
ordinary `tg.while_loop` runs the iterations backwards: iteration i inlines the
body on the recorded values of iteration i under a GradientTape, turns the
gradients with respect to the body's outputs into gradients with respect to its
inputs, and adds up the gradients of the captured inputs.

Because the backward loop is itself a `tg.while_loop`, its own gradient (second
order) comes from this module again; the gradient of `while_loop_history` reuses
the recorded values instead of running the loop once more.

Running the loop again repeats its effects, so a body or condition with stateful
ops (random numbers, Variable assignments, printing) has no gradient; and the
stacked values need every recorded loop variable to keep its shape.
"""
from . import cast, control_flow, creation, gather_scatter, join_split
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
        loop_vars = list(body_graph(loop_vars + captured))
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
    n_vars = ctx.attrs["n_vars"]
    var_grads, captured_grads = _backward_loop(ctx.vjp,
        ctx.attrs["body_graph"], n_vars, ctx.attrs["recorded"], ctx.inputs,
        ctx.outputs[:n_vars], ctx.outputs[n_vars], ctx.outputs[n_vars + 1:],
        grads[:n_vars], grads[n_vars + 1:])
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
    recorded = _recorded_loop_vars(body_graph, n_vars)
    results = record_history(cond_graph, body_graph, n_vars, recorded, list(ctx.inputs))
    var_grads, captured_grads = _backward_loop(ctx.vjp,
        body_graph, n_vars, recorded, ctx.inputs, ctx.outputs, results[n_vars], results[n_vars + 1:],
        grads, [None] * len(recorded))
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


def _recorded_loop_vars(body_graph, n_vars):
    """The loop variables whose values the backward loop needs: the differentiable ones, and the
    others (e.g. an integer counter) that the differentiable outputs of the body depend on."""
    differentiable = _differentiable_loop_vars(body_graph, n_vars)
    live, _ = _live_part(body_graph, differentiable)
    return tuple(k for k in range(n_vars) if k in differentiable or id(body_graph.inputs[k]) in live)


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


def _backward_loop(vjp, body_graph, n_vars, recorded, inputs, outputs, count, histories, final_grads,
                   history_grads):
    """Gradients of the loop's inputs: (one per loop variable, one per captured input).

    `vjp` is the gradient context's (see `GradContext.vjp`). `outputs` are the final loop variables, `final_grads` their gradients (None:
    zero). `histories` hold the values of the `recorded` loop variables at the
    start of each of the `count` iterations, and `history_grads` the gradients
    with respect to those histories (None: zero). Runs the iterations backwards
    with a `tg.while_loop`.
    """
    loop_inputs, captured = list(inputs[:n_vars]), list(inputs[n_vars:])
    differentiable = _differentiable_loop_vars(body_graph, n_vars)
    if not differentiable:  # the body's outputs cannot depend on the captured values differentiably
        return [None] * n_vars, [None] * len(captured)
    body, live = _differentiable_body(body_graph, differentiable)
    diff_captured = [c for c, t in enumerate(captured)
                     if t.dtype.is_differentiable and id(body_graph.inputs[n_vars + c]) in live]
    history_of = dict(zip(recorded, histories))
    injected = {k: g for k, g in zip(recorded, history_grads) if g is not None and k in differentiable}
    n_diff = len(differentiable)

    def keep_going(i, *_):
        return i >= 0

    def step(i, *state_):
        output_grads, sums = state_[:n_diff], state_[n_diff:]
        values = [gather_scatter.gather(history_of[k], i) if k in history_of else loop_inputs[k]
                  for k in range(n_vars)]
        # Local copies: a value captured from further out would reach nested loops as another tensor.
        inner_captured = list(captured)
        for c in diff_captured:
            inner_captured[c] = cast.identity(captured[c])
        sources = [values[k] for k in differentiable] + [inner_captured[c] for c in diff_captured]
        grads = vjp(lambda: control_flow._inline_graph(body, values + inner_captured), sources,
                    list(output_grads))
        var_grads = [g + gather_scatter.gather(injected[k], i) if k in injected else g
                     for k, g in zip(differentiable, grads[:n_diff])]
        return [i - 1, *var_grads, *[s + g for s, g in zip(sums, grads[n_diff:])]]

    start_grads = [final_grads[k] if final_grads[k] is not None else creation.zeros_like(outputs[k])
                   for k in differentiable]
    start_sums = [creation.zeros_like(captured[c]) for c in diff_captured]
    result = control_flow.while_loop(keep_going, step, [count - 1, *start_grads, *start_sums])
    var_grads, sums = result[1:1 + n_diff], result[1 + n_diff:]
    per_var, per_captured = dict(zip(differentiable, var_grads)), dict(zip(diff_captured, sums))
    return ([per_var.get(k) for k in range(n_vars)], [per_captured.get(c) for c in range(len(captured))])
