"""The backward walk of a tape: vector-Jacobian products from targets to sources.

Gradients are computed with tracegraph ops, so they are recorded by any outer
tape (higher order) and become graph nodes inside a traced function.
"""
import warnings

from . import tape as tape_module
from ..config_state import flags
from ..convert import convert_to_tensor
from ..nest import flatten, pack_sequence_as
from ..ops import array_ops, creation, join_split
from ..tensor import Tensor
from ..type_spec import is_composite
from ..variable_base import is_variable

__all__ = ["gradient", "jacobian", "batch_jacobian"]


class GradContext:
    """What a gradient rule sees of the forward application, and how it differentiates a
    sub-computation (control flow's rules differentiate their branches and loop bodies)."""

    __slots__ = ("inputs", "outputs", "attrs")

    def __init__(self, entry):
        self.inputs, self.outputs, self.attrs = entry.inputs, entry.outputs, entry.attrs

    @staticmethod
    def vjp(compute, sources, output_gradients):
        """The gradients with respect to `sources` of the outputs of `compute()`, weighted by
        `output_gradients` (one per output; None, or a non-differentiable output, contributes
        nothing); zeros for a source nothing connects."""
        with tape_module.GradientTape() as tape:
            tape.watch(sources)
            outputs = compute()
        pairs = [(o, g) for o, g in zip(outputs, output_gradients) if g is not None and o.dtype.is_differentiable]
        grads = tape.gradient([o for o, _ in pairs], sources, output_gradients=[g for _, g in pairs],
                               unconnected_gradients="zero")
        return [dense(g) for g in grads]


def gradient(tape, target, sources, output_gradients, unconnected):
    """See `GradientTape.gradient`."""
    if unconnected not in ("none", "zero"):
        raise ValueError(f"unconnected_gradients must be 'none' or 'zero', got {unconnected!r}")
    targets = [_as_tensor(t) for t in flatten(target, expand_composites=True)]
    flat_sources = flatten(sources, expand_composites=True)
    seeds = _seeds(targets, output_gradients)
    with _paused(tape):
        grads = backward(tape, targets, seeds, flat_sources)
        results = [_finish(tape, g, s, targets, unconnected) for g, s in zip(grads, flat_sources)]
    return _pack_gradients(sources, results)


def _pack_gradients(sources, flat_gradients):
    """The gradients shaped like `sources`. A composite source's gradient is a composite of its
    components' gradients: None if none of them has one, else with zeros for the differentiable
    ones that have none; a non-differentiable component (row splits, indices, states) is the
    composite's structure, not a value, so the gradient keeps the source's. A component's gradient
    is dense there (a composite's parts are tensors), even where a gather made it an IndexedSlices."""
    grads = iter(flat_gradients)
    packed = []
    for source in flatten(sources):
        components = flatten(source, expand_composites=True)
        parts = [next(grads) for _ in components]
        if not is_composite(source):
            packed.append(parts[0])
        elif all(g is None for g in parts):
            packed.append(None)
        else:
            parts = [dense(g) if g is not None else creation.zeros_like(c) if c.dtype.is_differentiable else c
                     for g, c in zip(parts, components)]
            packed.append(pack_sequence_as(source, parts, expand_composites=True))
    return pack_sequence_as(sources, packed)


def _as_tensor(value):
    if isinstance(value, Tensor):
        return value
    if hasattr(type(value), "_as_tensor"):
        return value._as_tensor()
    raise TypeError(f"GradientTape.gradient: targets must be tensors, got {value!r}")


def _seeds(targets, output_gradients):
    if output_gradients is None:
        return [creation.ones_like(t) if t.dtype.is_differentiable else None for t in targets]
    given = flatten(output_gradients, expand_composites=True)
    if len(given) != len(targets):
        raise ValueError(f"gradient: {len(targets)} targets but {len(given)} output_gradients")
    return [None if g is None else convert_to_tensor(g, dtype=t.dtype) for g, t in zip(given, targets)]


class _paused:
    """The tape does not record its own backward pass (outer tapes still do)."""

    def __init__(self, tape):
        self.tape = tape

    def __enter__(self):
        scope = getattr(self.tape, "_scope", None)
        self.was_in = scope is not None and any(t is self.tape for t in scope)
        if self.was_in:
            self.tape._remove_from_scope()

    def __exit__(self, *exc):
        if self.was_in:
            self.tape._scope.append(self.tape)


def backward(tape, targets, seeds, sources):
    """Accumulated gradients for each of `sources` (None where no path)."""
    source_ids = _source_tensor_ids(tape, sources)
    relevant = set().union(*source_ids) if source_ids else set()
    entries = _entries_on_path(tape._entries, relevant)
    grads = {}
    for t, seed in zip(targets, seeds):
        if seed is not None and id(t) in relevant:
            _accumulate(grads, t, seed)
    for entry in reversed(entries):
        out_grads = [grads.get(id(o)) for o in entry.outputs]
        if all(g is None for g in out_grads):
            continue
        _propagate(entry, out_grads, relevant, grads)
    return [_sum_grads([grads.get(i) for i in ids]) for ids in source_ids]


def _source_tensor_ids(tape, sources):
    ids = []
    for s in sources:
        if isinstance(s, Tensor):
            ids.append([id(s)])
        elif is_variable(s):
            ids.append([id(t) for t in tape._variable_reads.get(id(s), [])])
        else:
            raise TypeError(f"gradient: sources must be tensors or Variables, got {s!r}")
    return ids


def _entries_on_path(entries, relevant):
    """Entries downstream of a source; `relevant` grows to every tensor they produce."""
    on_path = []
    for entry in entries:
        if any(id(i) in relevant for i in entry.inputs):
            on_path.append(entry)
            relevant.update(id(o) for o in entry.outputs)
    return on_path


def _propagate(entry, out_grads, relevant, grads):
    op = entry.op
    if op.grad is None:
        if any(id(i) in relevant and i.dtype.is_differentiable for i in entry.inputs):
            raise LookupError(f"No gradient defined for operation '{op.name}'")
        return
    if len(out_grads) > 1 or op.multiple_outputs:
        out_grads = [g if g is not None or not o.dtype.is_differentiable else creation.zeros_like(o)
                     for g, o in zip(out_grads, entry.outputs)]
    in_grads = op.grad(GradContext(entry), *[dense(g) for g in out_grads])
    if len(in_grads) != len(entry.inputs):
        raise AssertionError(f"gradient of {op.name} gave {len(in_grads)} values for {len(entry.inputs)} inputs")
    for x, g in zip(entry.inputs, in_grads):
        if g is not None and id(x) in relevant and x.dtype.is_differentiable:
            _accumulate(grads, x, g)


def dense(g):
    """A gradient as a dense tensor: a composite gradient (an IndexedSlices from a gather) becomes
    one through `convert_to_tensor`, for rules written for dense gradients; None stays None."""
    return convert_to_tensor(g) if is_composite(g) else g


def _accumulate(grads, tensor, g):
    key = id(tensor)
    previous = grads.get(key)
    grads[key] = g if previous is None else previous + g


def _sum_grads(parts):
    parts = [p for p in parts if p is not None]
    if not parts:
        return None
    total = parts[0]
    for p in parts[1:]:
        total = total + p
    return total


def _finish(tape, grad, source, targets, unconnected):
    if grad is not None:
        return grad
    if flags.explain_gradients:
        warnings.warn(f"gradient is None for {_describe(source)}: {_why_none(tape, source, targets)}",
                      stacklevel=4)
    if unconnected == "zero":
        return creation.zeros_like(source.value() if not isinstance(source, Tensor) else source)
    return None


def _describe(source):
    if isinstance(source, Tensor):
        return f"a tensor of shape {source.shape} and dtype {source.dtype.name}"
    return f"variable {source.name!r}"


def _why_none(tape, source, targets):
    """The reason a source got no gradient, for `tg.config.explain_gradients(True)`."""
    if not source.dtype.is_differentiable:
        return f"its dtype {source.dtype.name} is not differentiable (only floating and complex are)"
    if isinstance(source, Tensor):
        if id(source) not in tape._watched:
            return "the tensor was not watched: call tape.watch(x) inside the `with` block before using it"
    elif id(source) not in tape._variables:
        if not source.trainable:
            return "the variable is not trainable; watch it explicitly with tape.watch(v)"
        return ("the variable was not watched: watch_accessed_variables=False, so call tape.watch(v)"
                if not tape._watch_accessed_variables else "the variable was never read inside the tape")
    elif not tape._variable_reads.get(id(source)):
        return "the variable was watched but never read while the tape recorded"
    for t in targets:
        if id(t) not in tape._watched:
            return ("a target was computed outside the tape (or from nothing it watches); "
                    "compute it inside the `with tape:` block")
    for t in targets:
        if not t.dtype.is_differentiable:
            return f"the target's dtype {t.dtype.name} is not differentiable"
    return ("no differentiable path connects it to the target (the path goes through an integer/bool "
            "value, tg.stop_gradient, or an op without a gradient)")


def jacobian(tape, target, sources, unconnected):
    """See `GradientTape.jacobian`: one backward pass per element of the target."""
    target = _as_tensor(target)
    flat_sources = flatten(sources)
    n = target.shape.num_elements()
    if n is None:
        raise ValueError(f"jacobian: the target's shape {target.shape} must be fully known")
    rows = [[] for _ in flat_sources]
    with _paused(tape):
        for i in range(n):
            seed = array_ops.reshape(creation.one_hot_flat(i, n, target.dtype), target.shape.as_list())
            for k, g in enumerate(backward(tape, [target], [seed], flat_sources)):
                rows[k].append(g)
        results = []
        for source, row in zip(flat_sources, rows):
            shape = target.shape.as_list() + source.shape.as_list()
            if all(g is None for g in row):
                results.append(_finish(tape, None, source, [target], unconnected))
                if results[-1] is not None:
                    results[-1] = creation.zeros(shape, source.dtype)
                continue
            filled = [dense(g) if g is not None else creation.zeros_like(_value_of(source)) for g in row]
            results.append(array_ops.reshape(join_split.stack(filled), shape))
    return pack_sequence_as(sources, results)


def _value_of(source):
    return source if isinstance(source, Tensor) else source.value()


def batch_jacobian(tape, target, source, unconnected):
    """See `GradientTape.batch_jacobian`: examples along axis 0 are independent."""
    target = _as_tensor(target)
    batch = target.shape[0]
    inner = target.shape[1:].num_elements()
    if batch is None or inner is None:
        raise ValueError(f"batch_jacobian: the target's shape {target.shape} must be fully known")
    columns = []
    with _paused(tape):
        for j in range(inner):
            seed_row = creation.one_hot_flat(j, inner, target.dtype)
            seed = array_ops.reshape(join_split.stack([seed_row] * batch), target.shape.as_list())
            (g,) = backward(tape, [target], [seed], [source])
            columns.append(dense(g) if g is not None else creation.zeros_like(_value_of(source)))
    if all(c is None for c in columns):
        return _finish(tape, None, source, [target], unconnected)
    stacked = join_split.stack(columns, axis=1)  # [batch, inner, *source.shape[1:]]
    shape = [batch] + target.shape[1:].as_list() + source.shape[1:].as_list()
    return array_ops.reshape(stacked, shape)
