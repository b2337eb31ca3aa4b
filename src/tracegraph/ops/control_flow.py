"""Control flow: `tg.cond` and `tg.while_loop`.

Eagerly they are plain Python `if` and `while`. While tracing, each branch or
body is traced into a sub-graph and the whole construct is one node holding
those sub-graphs; the values a sub-graph uses from outside (tensors of the
enclosing function, Variables) are explicit operands of the node.
"""
import itertools

from . import comparison, loop_gradient, state_ops
from .inline import call_graph_with_bind
from .. import nest
from ..buffer_pool import HandedOver
from ..context import state
from ..convert import convert_to_tensor
from ..core.dispatch import bind
from ..core.op import Op
from ..core.rules import spec_of
from ..core.subgraph import trace_subgraph, unify_captures
from ..shape import TensorShape
from ..spec import TensorSpec
from ..tensor import SymbolicTensor

__all__ = ["cond", "while_loop"]

#: A loop variable whose shape keeps changing is relaxed at most this many times before its rank is dropped.
MAX_LOOP_RELAXATIONS = 4


def _inline_graph(graph, inputs):
    return call_graph_with_bind(graph, inputs)


def _check_operands(op_name, operands, graph):
    """TypeError unless `operands` fit the inputs of the sub-graph `graph` (count, dtype, shape)."""
    if len(operands) != len(graph.inputs):
        raise TypeError(f"{op_name}: {len(operands)} operands for the {len(graph.inputs)} inputs of "
                        f"sub-graph {graph.name!r}")
    for spec, value in zip(operands, graph.inputs):
        if spec.dtype != value.spec.dtype or not spec.shape.is_compatible_with(value.spec.shape):
            raise TypeError(f"{op_name}: operand {spec.short()} does not fit input %{value.name} "
                            f"({value.spec.short()}) of sub-graph {graph.name!r}")


# ----- cond ----------------------------------------------------------------------------------

def _cond_infer(pred, *operands, true_graph, false_graph):
    if pred.dtype.name != "bool" or pred.shape.rank not in (0, None):
        raise TypeError(f"cond: `pred` must be a scalar bool tensor, got {pred.short()}")
    _check_operands("cond", operands, true_graph)
    _check_operands("cond", operands, false_graph)
    return tuple(_merged_output_specs(true_graph, false_graph))


def _merged_output_specs(true_graph, false_graph):
    """The spec of each output: the branches' dtype, and a shape that fits both branches."""
    if len(true_graph.outputs) != len(false_graph.outputs):
        raise ValueError(f"cond: true_fn returns {len(true_graph.outputs)} tensors, false_fn "
                         f"{len(false_graph.outputs)}")
    specs = []
    for a, b in zip(true_graph.outputs, false_graph.outputs):
        if a.spec.dtype != b.spec.dtype:
            raise TypeError(f"cond: true_fn and false_fn return different dtypes: {a.spec.dtype.name} "
                            f"from true_fn, {b.spec.dtype.name} from false_fn")
        specs.append(spec_of(a.spec.shape.most_specific_common_shape(b.spec.shape), a.spec.dtype))
    return specs


def _cond_impl(xp, pred, *operands, true_graph, false_graph):
    # The executor has turned the sub-graph attrs into callables over arrays.
    branch = true_graph if bool(pred) else false_graph
    return tuple(branch(list(operands)))


def _cond_inline(args, true_graph, false_graph):
    pred, *operands = args
    return tuple(cond(pred, lambda: _inline_graph(true_graph, operands),
                      lambda: _inline_graph(false_graph, operands)))


def _cond_grad(ctx, *grads):
    pred, *operands = ctx.inputs
    differentiable = [i for i, x in enumerate(operands) if x.dtype.is_differentiable]
    if not differentiable:
        return (None,) * len(ctx.inputs)

    def branch_gradient(graph):
        return lambda: ctx.vjp(lambda: _inline_graph(graph, operands), [operands[i] for i in differentiable],
                               grads)

    result = cond(pred, branch_gradient(ctx.attrs["true_graph"]), branch_gradient(ctx.attrs["false_graph"]))
    per_operand = dict(zip(differentiable, result))
    return (None,) + tuple(per_operand.get(i) for i in range(len(operands)))


_cond = Op("cond", infer=_cond_infer, impl=_cond_impl, grad=_cond_grad, multiple_outputs=True,
           inline=_cond_inline)


def cond(pred, true_fn=None, false_fn=None, name=None):
    """`true_fn()` if `pred` else `false_fn()` (TF's `tf.cond`).

    Eagerly (or when `pred` is a Python bool or a concrete tensor) only the
    chosen function runs. Inside a traced function with a symbolic `pred`, both
    functions are traced into sub-graphs of one `cond` node, and the branch is
    chosen each time the function runs. Both must then return the same nested
    structure of tensors (composite values, such as a TensorArray, count as
    their component tensors) with the same dtypes (shapes may differ: the result's
    shape is what fits both); a leaf that is None in both is returned as None.
    """
    if not callable(true_fn) or not callable(false_fn):
        raise TypeError("cond: `true_fn` and `false_fn` must be callables")
    if not isinstance(pred, SymbolicTensor):
        return true_fn() if bool(pred) else false_fn()
    if pred.dtype.name != "bool" or pred.shape.rank not in (0, None):
        raise TypeError(f"cond: `pred` must be a scalar bool tensor, got {pred.dtype.name} of shape "
                        f"{pred.shape}")
    true_graph, true_result, true_leaves = trace_subgraph(true_fn, [], "cond_true", hoist_variable_reads=True)
    false_graph, false_result, false_leaves = trace_subgraph(false_fn, [], "cond_false", hoist_variable_reads=True)
    _check_same_structure(true_result, false_result, true_leaves, false_leaves)
    captured = unify_captures([true_graph, false_graph])
    outputs = iter(bind(_cond, [pred, *captured], {"true_graph": true_graph, "false_graph": false_graph}))
    flat = [None if leaf is None else next(outputs) for leaf in true_leaves]
    return nest.pack_sequence_as(true_result, flat, expand_composites=True)


def _check_same_structure(true_result, false_result, true_leaves, false_leaves):
    try:
        nest.assert_same_structure(true_result, false_result, check_types=False, expand_composites=True)
    except (TypeError, ValueError) as error:
        raise ValueError(f"cond: true_fn and false_fn must return the same structure: {error}") from None
    for k, (a, b) in enumerate(zip(true_leaves, false_leaves)):
        if (a is None) != (b is None):
            which = "true_fn" if a is None else "false_fn"
            raise ValueError(f"cond: output {k} is None in {which} but a tensor in the other branch")


# ----- while_loop ----------------------------------------------------------------------------

def _while_infer(*inputs, cond_graph, body_graph, n_vars):
    _check_operands("while_loop", inputs, cond_graph)
    _check_operands("while_loop", inputs, body_graph)
    loop_specs = [v.spec for v in body_graph.inputs[:n_vars]]
    for spec, out in zip(loop_specs, body_graph.outputs):
        if out.spec.dtype != spec.dtype or not out.spec.shape.is_subtype_of(spec.shape):
            raise TypeError(f"while_loop: the body returns {out.spec.short()} for a loop variable "
                            f"typed {spec.short()}")
    predicate = cond_graph.outputs[0].spec
    if predicate.dtype.name != "bool" or predicate.shape.rank not in (0, None):
        raise TypeError(f"while_loop: `cond` must return a scalar bool tensor, got {predicate.short()}")
    return tuple(loop_specs)


def _while_impl(xp, *inputs, cond_graph, body_graph, n_vars):
    # The executor has turned the sub-graph attrs into callables over arrays.
    loop_vars, captured = list(inputs[:n_vars]), list(inputs[n_vars:])
    while bool(cond_graph(loop_vars + captured)[0]):
        # The loop variables are handed over, so a buffer the body writes one row of is updated in place.
        loop_vars = list(body_graph(HandedOver.taking(loop_vars, captured)))
    return tuple(loop_vars)


def _while_inline(args, cond_graph, body_graph, n_vars):
    captured = list(args[n_vars:])
    result = while_loop(lambda *vs: _inline_graph(cond_graph, list(vs) + captured)[0],
                        lambda *vs: _inline_graph(body_graph, list(vs) + captured),
                        list(args[:n_vars]))
    return tuple(result)


def _while_grad(ctx, *grads):
    return loop_gradient.while_gradient(ctx, grads)


_while = Op("while_loop", infer=_while_infer, impl=_while_impl, grad=_while_grad,
            multiple_outputs=True, inline=_while_inline)


def while_loop(cond, body, loop_vars, shape_invariants=None, parallel_iterations=10, back_prop=True,
               swap_memory=False, maximum_iterations=None, name=None):
    """Repeat `loop_vars = body(*loop_vars)` while `cond(*loop_vars)`; returns the final loop_vars.

    TF's `tf.while_loop`: `loop_vars` is a tuple or list (possibly nested, with
    dicts and namedtuples) of tensors and composite values (a TensorArray, ...,
    carried as their component tensors), or a single one; `cond` and `body`
    take its items as positional arguments and `body` returns the same
    structure. `maximum_iterations` bounds the number of iterations.

    Eagerly this is a Python loop. While tracing it is one node whose condition
    and body are sub-graphs. A loop variable may change shape from one
    iteration to the next only along dimensions that `shape_invariants` leaves
    `None` (a ValueError otherwise); without `shape_invariants`, shapes are
    relaxed to whatever the body produces. Variables that the loop reads but
    never assigns are read once, before the loop.

    Gradients flow through the loop in both modes; inside a traced function
    the loop must then be free of effects, and the loop variables the gradient
    needs must keep their shapes (see `loop_gradient`).
    """
    if not callable(cond) or not callable(body):
        raise TypeError("while_loop: `cond` and `body` must be callables")
    single = not isinstance(loop_vars, (list, tuple))
    structure = [loop_vars] if single else loop_vars
    flat = [convert_to_tensor(v) for v in nest.flatten(structure, expand_composites=True)]
    if state.graph is None:
        result = _eager_while(cond, body, nest.pack_sequence_as(structure, flat, expand_composites=True),
                              maximum_iterations)
    else:
        invariants = None if shape_invariants is None else [shape_invariants] if single else shape_invariants
        result = _traced_while(cond, body, structure, flat, maximum_iterations, invariants)
    return result[0] if single else result


def _as_structure(result, structure):
    """The body's `result` packed like `structure` (a lone value for one loop variable is wrapped)."""
    candidates = [list(result)] if isinstance(result, (list, tuple)) else []
    candidates.append([result])
    for candidate in candidates:
        try:
            nest.assert_same_structure(list(structure), candidate, check_types=False, expand_composites=True)
        except (TypeError, ValueError) as error:
            problem = error
            continue
        flat = [convert_to_tensor(v) for v in nest.flatten(candidate, expand_composites=True)]
        return nest.pack_sequence_as(structure, flat, expand_composites=True)
    raise ValueError(f"while_loop: body must return the structure of loop_vars: {problem}")


def _eager_while(cond, body, loop_vars, maximum_iterations):
    limit = None if maximum_iterations is None else int(maximum_iterations)
    count = 0
    while (limit is None or count < limit) and bool(cond(*loop_vars)):
        loop_vars = _as_structure(body(*loop_vars), loop_vars)
        count += 1
    return loop_vars


def _traced_while(cond, body, structure, flat, maximum_iterations, shape_invariants):
    """One `while_loop` node; the loop counter for `maximum_iterations` is an extra loop variable."""
    counted = maximum_iterations is not None
    if counted:
        limit = convert_to_tensor(maximum_iterations)
        if not limit.dtype.is_integer or limit.shape.rank not in (0, None):
            raise TypeError(f"while_loop: maximum_iterations must be a scalar integer, got {limit!r}")
        flat = [convert_to_tensor(0, dtype=limit.dtype)] + flat
    skip = 1 if counted else 0
    names = (["iteration"] if counted else []) + [f"loop_var_{i}" for i in range(len(flat) - skip)]

    def unpack(vs):
        return nest.pack_sequence_as(structure, list(vs[skip:]), expand_composites=True)

    def cond_fn(*vs):
        keep_going = convert_to_tensor(cond(*unpack(vs)))
        if counted:
            keep_going = comparison.logical_and(comparison.less(vs[0], limit), keep_going)
        return keep_going

    def body_fn(*vs):
        loop_vars = unpack(vs)
        result = nest.flatten(_as_structure(body(*loop_vars), loop_vars), expand_composites=True)
        return ([vs[0] + 1] if counted else []) + result

    specs = [spec_of(v.shape, v.dtype) for v in flat]
    strict = shape_invariants is not None
    if strict:
        specs[skip:] = _invariant_specs(shape_invariants, flat[skip:])
    for attempt in itertools.count():
        cond_graph, _, _ = trace_subgraph(cond_fn, specs, "while_cond", names)
        body_graph, _, _ = trace_subgraph(body_fn, specs, "while_body", names)
        _check_loop_outputs(specs, body_graph, names, strict)
        relaxed = [_relax(s, v.spec, attempt >= MAX_LOOP_RELAXATIONS) for s, v in zip(specs, body_graph.outputs)]
        if all(r.shape == s.shape for r, s in zip(relaxed, specs)):
            break
        specs = relaxed  # trace again: the body changes some shapes, so the loop variables must be less specific
    if not any(_assigns_variables(g) for g in (cond_graph, body_graph)):
        _read_variables_before_the_loop([cond_graph, body_graph])
    captured = unify_captures([cond_graph, body_graph], n_leading=len(specs))
    outputs = bind(_while, [*flat, *captured], {"cond_graph": cond_graph, "body_graph": body_graph,
                                                "n_vars": len(specs)})
    return nest.pack_sequence_as(structure, list(outputs)[skip:], expand_composites=True)


def _assigns_variables(graph):
    """True if `graph` or a sub-graph of it assigns a Variable."""
    return any(node.op.name == "assign_variable" for node in graph.all_nodes())


def _read_variables_before_the_loop(graphs):
    """Replace the Variable reads of a loop that assigns none by reads in the enclosing graph.

    Every iteration would read the same values, so one read before the loop,
    captured, is equivalent; the tapes of the enclosing graph see it (gradients
    with respect to the Variables flow through the loop), and the loop becomes
    pure, so its gradient may run it again. Reads nested in sub-graphs of the
    loop have already been moved out to its top level when those were traced.
    """
    outer_reads = {}
    for graph in graphs:
        replaced = {}
        for node in graph.nodes:
            if node.op.name == "read_variable":
                variable = graph.variables[node.attrs["variable"]]
                if id(variable) not in outer_reads:
                    outer_reads[id(variable)] = state_ops.read(variable)
                replaced[id(node.outputs[0])] = graph.value_of(outer_reads[id(variable)])
        if not replaced:
            continue
        graph.nodes = [node for node in graph.nodes if node.op.name != "read_variable"]
        for node in graph.nodes:
            node.inputs = [replaced.get(id(v), v) for v in node.inputs]
        graph.outputs = [replaced.get(id(v), v) for v in graph.outputs]
        graph.variables = []  # no node refers to a variable any more


def _invariant_specs(shape_invariants, flat):
    """The loop-variable specs `shape_invariants` asks for (ValueError if a variable does not fit)."""
    shapes = [s.shape if isinstance(s, TensorSpec) else s
              for s in nest.flatten(_shapes_as_leaves(shape_invariants))]
    if len(shapes) != len(flat):
        raise ValueError(f"while_loop: {len(shapes)} shape_invariants for {len(flat)} loop variables")
    specs = []
    for shape, v in zip(shapes, flat):
        spec = spec_of(shape, v.dtype)
        if not v.shape.is_subtype_of(spec.shape):
            raise ValueError(f"while_loop: a loop variable of shape {v.shape} does not fit its shape "
                             f"invariant {spec.shape}")
        specs.append(spec)
    return specs


def _shapes_as_leaves(invariants):
    """The invariants nest with each shape (a TensorShape, or a list of dims) made a single leaf."""
    if isinstance(invariants, dict):
        return {k: _shapes_as_leaves(v) for k, v in invariants.items()}
    if isinstance(invariants, (list, tuple)) and not _is_dim_list(invariants):
        return [_shapes_as_leaves(v) for v in invariants]
    return TensorShape(invariants)


def _is_dim_list(value):
    return all(d is None or isinstance(d, int) for d in value)


def _relax(spec, produced, drop_rank):
    shape = spec.shape.most_specific_common_shape(produced.shape)
    if drop_rank and shape != spec.shape:
        shape = None  # keeps changing: give up on the rank, so the next trace is the last
    return spec_of(shape, spec.dtype)


def _check_loop_outputs(specs, body_graph, names, strict):
    for spec, value, name in zip(specs, body_graph.outputs, names):
        if spec.dtype != value.spec.dtype:
            raise TypeError(f"while_loop: {name} enters the loop as {spec.dtype.name} but the body "
                            f"returns {value.spec.dtype.name}; loop variables must keep their dtype")
        if strict and not value.spec.shape.is_subtype_of(spec.shape):
            raise ValueError(f"while_loop: {name} has the shape invariant {spec.shape}, but the body "
                             f"returns shape {value.spec.shape}; give a less specific shape invariant "
                             f"(None for the dimensions that change)")
