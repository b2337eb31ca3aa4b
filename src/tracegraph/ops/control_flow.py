"""Control flow: `tg.cond` and `tg.while_loop`.

Eagerly they are plain Python `if` and `while`. While tracing, each branch or
body is traced into a sub-graph and the whole construct is one node holding
those sub-graphs; the values a sub-graph uses from outside are explicit inputs
of the node.
"""
from .. import nest
from ..context import state
from ..convert import convert_to_tensor
from ..tensor import SymbolicTensor, Tensor
from .dispatch import bind
from .op import Op
from .rules import spec_of

__all__ = ["cond", "while_loop"]


# ----- cond ----------------------------------------------------------------------------------

def _cond_infer(pred, *operands, true_graph, false_graph):
    return tuple(v.spec for v in true_graph.outputs)


def _cond_impl(xp, pred, *operands, true_graph, false_graph):
    branch = true_graph if bool(pred) else false_graph
    return tuple(branch(list(operands)))


def _cond_inline(args, true_graph, false_graph):
    from ..trace.inline import call_graph_with_bind  # noqa: PLC0415 - trace imports ops
    pred, *operands = args
    result = cond(pred, lambda: call_graph_with_bind(true_graph, operands),
                  lambda: call_graph_with_bind(false_graph, operands))
    return tuple(result)


def _cond_grad(ctx, *grads):
    pred, *operands = ctx.inputs
    differentiable = [i for i, x in enumerate(operands) if x.dtype.is_differentiable]
    if not differentiable:
        return (None,) * len(ctx.inputs)

    def branch_gradient(graph):
        def compute():
            from ..autodiff.tape import GradientTape  # noqa: PLC0415
            from ..trace.inline import call_graph_with_bind  # noqa: PLC0415
            with GradientTape() as tape:
                tape.watch([operands[i] for i in differentiable])
                outputs = call_graph_with_bind(graph, operands)
            pairs = [(o, g) for o, g in zip(outputs, grads) if g is not None and o.dtype.is_differentiable]
            return tape.gradient([o for o, _ in pairs], [operands[i] for i in differentiable],
                                 output_gradients=[g for _, g in pairs], unconnected_gradients="zero")
        return compute

    result = cond(pred, branch_gradient(ctx.attrs["true_graph"]), branch_gradient(ctx.attrs["false_graph"]))
    per_operand = dict(zip(differentiable, result))
    return (None,) + tuple(per_operand.get(i) for i in range(len(operands)))


_cond = Op("cond", infer=_cond_infer, impl=_cond_impl, grad=_cond_grad, multiple_outputs=True,
           inline=_cond_inline)


def cond(pred, true_fn=None, false_fn=None, name=None):
    """`true_fn()` if `pred` else `false_fn()`; traced as one node when `pred` is symbolic.

    Both branches must return the same structure of tensors with the same dtypes.
    """
    if not callable(true_fn) or not callable(false_fn):
        raise TypeError("cond: `true_fn` and `false_fn` must be callables")
    if not isinstance(pred, SymbolicTensor):
        return true_fn() if bool(pred) else false_fn()
    pred = convert_to_tensor(pred)
    if pred.dtype.name != "bool" or pred.shape.rank not in (0, None):
        raise TypeError(f"cond: `pred` must be a scalar bool tensor, got {pred.dtype.name} of shape {pred.shape}")
    from ..trace.subgraph import trace_subgraph, unify_captures  # noqa: PLC0415
    true_graph, true_structure = trace_subgraph(true_fn, [], "cond_true")
    false_graph, false_structure = trace_subgraph(false_fn, [], "cond_false")
    _check_same_outputs(true_structure, false_structure, true_graph, false_graph)
    captured = unify_captures([true_graph, false_graph])
    outputs = bind(_cond, [pred, *captured], {"true_graph": true_graph, "false_graph": false_graph})
    return nest.pack_sequence_as(true_structure, list(outputs))


def _check_same_outputs(a, b, graph_a, graph_b):
    try:
        nest.assert_same_structure(a, b, check_types=False)
    except (TypeError, ValueError) as error:
        raise ValueError(f"cond: true_fn and false_fn must return the same structure: {error}") from None
    for va, vb in zip(graph_a.outputs, graph_b.outputs):
        if va.spec.dtype != vb.spec.dtype:
            raise TypeError(f"cond: the branches return different dtypes: {va.spec.dtype.name} "
                            f"in true_fn, {vb.spec.dtype.name} in false_fn")
    for g in (graph_a, graph_b):
        g.outputs_specs_merged = True
    merged = [va.spec.shape.most_specific_common_shape(vb.spec.shape) for va, vb in zip(graph_a.outputs, graph_b.outputs)]
    for g in (graph_a, graph_b):
        for v, shape in zip(g.outputs, merged):
            v.spec = spec_of(shape, v.spec.dtype) if v.spec.shape != shape else v.spec


# ----- while_loop ----------------------------------------------------------------------------

def _while_infer(*inputs, cond_graph, body_graph, n_vars):
    return tuple(v.spec for v in body_graph.outputs)


def _while_impl(xp, *inputs, cond_graph, body_graph, n_vars):
    loop_vars, captured = list(inputs[:n_vars]), list(inputs[n_vars:])
    while bool(cond_graph(loop_vars + captured)[0]):
        loop_vars = list(body_graph(loop_vars + captured))
    return tuple(loop_vars)


def _while_inline(args, cond_graph, body_graph, n_vars):
    from ..trace.inline import call_graph_with_bind  # noqa: PLC0415
    captured = list(args[n_vars:])
    result = while_loop(lambda *vs: call_graph_with_bind(cond_graph, list(vs) + captured)[0],
                        lambda *vs: call_graph_with_bind(body_graph, list(vs) + captured),
                        list(args[:n_vars]))
    return tuple(result)


def _while_grad(ctx, *grads):
    raise LookupError("The gradient of tg.while_loop inside a traced function is not implemented; "
                      "differentiate the loop eagerly (it is then a Python loop), or unroll it with "
                      "a Python `for` over a fixed range inside the function.")


_while = Op("while_loop", infer=_while_infer, impl=_while_impl, grad=_while_grad,
            multiple_outputs=True, stateful=True, inline=_while_inline)


def while_loop(cond, body, loop_vars, shape_invariants=None, parallel_iterations=10, back_prop=True,
               swap_memory=False, maximum_iterations=None, name=None):
    """Repeat `loop_vars = body(*loop_vars)` while `cond(*loop_vars)`; returns the final loop_vars.

    `loop_vars` is a tuple/list (or nest) of tensors; `body` returns the same
    structure. `maximum_iterations` bounds the number of iterations. While
    tracing, the loop is one node whose body and condition are sub-graphs; a
    loop variable may change shape only along dimensions left `None` by
    `shape_invariants` (else the traced shapes are relaxed to fit).
    """
    if not callable(cond) or not callable(body):
        raise TypeError("while_loop: `cond` and `body` must be callables")
    single = not isinstance(loop_vars, (list, tuple))
    structure = [loop_vars] if single else loop_vars
    flat = [convert_to_tensor(v) for v in nest.flatten(structure)]
    symbolic = state.graph is not None and (
        any(isinstance(v, SymbolicTensor) for v in flat) or maximum_iterations is not None
        and isinstance(maximum_iterations, Tensor))
    if not symbolic and state.graph is None:
        return _eager_while(cond, body, structure, single, maximum_iterations)
    if state.graph is not None and not any(isinstance(v, SymbolicTensor) for v in flat):
        flat = [state.graph.apply(_identity_op(), [v], {}) for v in flat]
    return _traced_while(cond, body, structure, flat, single, maximum_iterations, shape_invariants)


def _identity_op():
    from .cast import _identity  # noqa: PLC0415
    return _identity


def _eager_while(cond, body, structure, single, maximum_iterations):
    loop_vars = list(structure)
    count = 0
    while (maximum_iterations is None or count < int(maximum_iterations)) and bool(cond(*loop_vars)):
        result = body(*loop_vars)
        loop_vars = [result] if single or not isinstance(result, (list, tuple)) else list(result)
        count += 1
    return loop_vars[0] if single else type(structure)(loop_vars) if isinstance(structure, tuple) else loop_vars


def _traced_while(cond, body, structure, flat, single, maximum_iterations, shape_invariants):
    from ..trace.subgraph import trace_subgraph, unify_captures  # noqa: PLC0415
    counter = maximum_iterations is not None
    if counter:
        from ..convert import convert_to_tensor as to_tensor  # noqa: PLC0415
        limit = to_tensor(maximum_iterations, dtype_hint=None)
        flat = [to_tensor(0, dtype=limit.dtype), limit] + flat
    specs = [spec_of(v.shape, v.dtype) for v in flat]
    if shape_invariants is not None:
        invariants = [spec_of(s, v.dtype) for s, v in zip(nest.flatten(list(shape_invariants)), flat[2 * counter:])]
        specs = specs[:2 * counter] + invariants

    def unpack(vs):
        inner = list(vs[2 * counter:])
        return nest.pack_sequence_as(structure, inner)

    def cond_fn(*vs):
        inner = unpack(vs)
        keep_going = cond(*inner) if not single else cond(inner[0])
        keep_going = convert_to_tensor(keep_going)
        if counter:
            from . import comparison  # noqa: PLC0415
            keep_going = comparison.logical_and(comparison.less(vs[0], vs[1]), keep_going)
        return keep_going

    def body_fn(*vs):
        inner = unpack(vs)
        result = body(*inner) if not single else body(inner[0])
        result = [result] if single or not isinstance(result, (list, tuple)) else list(result)
        new = [convert_to_tensor(r) for r in nest.flatten(result)]
        return ([vs[0] + 1, vs[1]] if counter else []) + new

    for _ in range(2):  # a second trace with shapes relaxed to what the body produces
        cond_graph, _ = trace_subgraph(cond_fn, specs, "while_cond")
        body_graph, _ = trace_subgraph(body_fn, specs, "while_body")
        _check_loop_outputs(specs, body_graph)
        relaxed = [spec_of(s.shape.most_specific_common_shape(v.spec.shape), s.dtype)
                   for s, v in zip(specs, body_graph.outputs)]
        if all(r.shape == s.shape for r, s in zip(relaxed, specs)):
            break
        specs = relaxed
    for v, s in zip(body_graph.outputs, specs):
        v.spec = s
    captured = unify_captures([cond_graph, body_graph], n_leading=len(specs))
    outputs = bind(_while, [*flat, *captured],
                   {"cond_graph": cond_graph, "body_graph": body_graph, "n_vars": len(specs)})
    outputs = list(outputs)[2 * counter:]
    packed = nest.pack_sequence_as(structure, outputs)
    return packed[0] if single else packed


def _check_loop_outputs(specs, body_graph):
    if len(body_graph.outputs) != len(specs):
        raise ValueError(f"while_loop: body returned {len(body_graph.outputs)} values for {len(specs)} loop variables")
    for s, v in zip(specs, body_graph.outputs):
        if s.dtype != v.spec.dtype:
            raise TypeError(f"while_loop: a loop variable entered as {s.dtype.name} but body returned "
                            f"{v.spec.dtype.name}; loop variables must keep their dtype")
