"""Elementwise fusion: maximal convex groups of elementwise ops become one `fused_elementwise` node.

A group holds elementwise nodes (arithmetic, math, casts, comparisons, `where`,
...) whose outputs all have one shape, so the kernel computes each member once
per element: nothing is computed twice. Scalar constants become literals of
the kernel. A group is convex: no path leaves it and comes back, so the fused
node can be scheduled. A member value needed outside the group is an extra
output of the kernel. A `reduce_sum` over all axes that alone consumes a
group's value is fused into the kernel as well.

Each fused node records in its `boundaries` attr why the group stopped where it
did, so a user can read why two ops were not fused.
"""
import heapq

from ..ir.graph import Node, is_stateful
from ..ops.fused import FUSED
from .rewrite import const_value, is_const

__all__ = ["fuse_elementwise"]


class _Group:
    def __init__(self, shape):
        self.shape = shape
        self.members = []
        self.ids = set()
        self.reduction = None  # (reduce node, member value it consumes)

    def add(self, node):
        self.members.append(node)
        self.ids.add(id(node))


def _fusible(node):
    op = node.op
    if not op.elementwise or is_stateful(node) or len(node.outputs) != 1:
        return False
    spec = node.outputs[0].spec
    if any(v.spec.dtype.name == "string" for v in node.inputs):
        return False
    return spec.shape.rank is not None and spec.dtype.name != "string"


def fuse_elementwise(graph):
    """A graph where every elementwise group runs as one fused node."""
    producers = graph.producers()
    users = graph.users()
    index = {id(n): k for k, n in enumerate(graph.nodes)}
    deps = _dependencies(graph, producers)
    group_of = {}
    groups = []
    for node in graph.nodes:
        if not _fusible(node):
            continue
        group = _place(node, deps, group_of, index)
        if group is None:
            group = _Group(node.outputs[0].spec.shape)
            groups.append(group)
        group.add(node)
        group_of[id(node)] = group
    groups = [g for g in {id(g): g for g in group_of.values()}.values()]
    for group in groups:
        _absorb_reduction(group, users, graph)
    return _rebuild(graph, groups, group_of, producers, users, index)


def _dependencies(graph, producers):
    """id(node) -> the nodes it must follow: its producers, and for a stateful node the
    previous stateful node (effects keep their order)."""
    deps, previous = {}, None
    for node in graph.nodes:
        before = [producers[id(v)] for v in node.inputs if id(v) in producers]
        if is_stateful(node):
            if previous is not None:
                before.append(previous)
            previous = node
        deps[id(node)] = before
    return deps


def _place(node, deps, group_of, index):
    """The group `node` joins (merging producer groups where convexity allows), or None."""
    shape = node.outputs[0].spec.shape
    target = None
    for p in deps[id(node)]:
        group = group_of.get(id(p))
        if group is None or group is target or group.shape != shape:
            continue
        if target is None:
            if _convex(group.ids | {id(node)}, [*group.members, node], deps, index, group_of):
                target = group
        else:
            merged_ids = target.ids | group.ids | {id(node)}
            if _convex(merged_ids, [*target.members, *group.members, node], deps, index, group_of):
                for m in group.members:
                    target.add(m)
                    group_of[id(m)] = target
    return target


def _convex(ids, members, deps, index, group_of):
    """True if no path leaves the set `ids` and re-enters it, with every other group taken as the one node
    it becomes (two groups that are each convex can still need each other: a1 -> b2 and b1 -> a2)."""
    start = min(index[id(m)] for m in members)
    for m in members:
        for p in deps[id(m)]:
            if id(p) not in ids and _depends_on(p, ids, deps, index, start, group_of):
                return False
    return True


def _depends_on(node, ids, deps, index, start, group_of):
    """Whether `node` (or the group it is in) transitively follows a member of `ids`; nodes before `start`
    cannot, nor can a group whose members all come before it."""
    stack, seen = [node], set()
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        group = group_of.get(id(n))
        together = [n] if group is None else group.members
        seen.update(id(m) for m in together)
        if max(index[id(m)] for m in together) < start:
            continue
        for m in together:
            for p in deps[id(m)]:
                if id(p) in ids:
                    return True
                stack.append(p)
    return False


def _absorb_reduction(group, users, graph):
    """Fuse a full `reduce_sum` that is the only consumer of a member's value."""
    outputs = {id(v) for v in graph.outputs}
    for m in group.members:
        value = m.outputs[0]
        consumers = users.get(id(value), [])
        if len(consumers) != 1 or id(value) in outputs:
            continue
        reduce = consumers[0]
        if reduce.op.name == "reduce_sum" and _is_full_reduction(reduce, value) and \
                (value.spec.dtype.is_floating):
            group.reduction = (reduce, value)
            return


def _is_full_reduction(node, value):
    if node.attrs.get("keepdims"):
        return False  # the fused kernel gives a 0-d sum; [1, ..., 1] stays a separate node
    axis = node.attrs.get("axis")
    rank = value.spec.shape.rank
    return axis is None or tuple(sorted(axis)) == tuple(range(rank))


def _rebuild(graph, groups, group_of, producers, users, index):
    fused_nodes = {}
    absorbed = set()
    for group in groups:
        fused_nodes[id(group)] = _fused_node(group, graph, users, producers)
        if group.reduction is not None:
            absorbed.add(id(group.reduction[0]))
    order = []
    for node in graph.nodes:
        if id(node) in absorbed:
            continue
        group = group_of.get(id(node))
        if group is None:
            order.append((index[id(node)], node))
        elif node is group.members[-1]:
            order.append((index[id(group.members[0])], fused_nodes[id(group)]))
    return graph.copy_structure(_schedule(order))


def _fused_node(group, graph, users, producers):
    """The fused node that computes a group's outputs (and its fused reduction)."""
    member_index = {id(m.outputs[0]): j for j, m in enumerate(group.members)}
    inputs, input_index, instructions = [], {}, []
    graph_outputs = {id(v) for v in graph.outputs}
    reduction_node = group.reduction[0] if group.reduction else None
    for m in group.members:
        refs = []
        for v in m.inputs:
            if id(v) in member_index:
                refs.append(("t", member_index[id(v)]))
                continue
            literal = _literal(v, producers.get(id(v)))
            if literal is not None:
                refs.append(literal)
                continue
            if id(v) not in input_index:
                input_index[id(v)] = len(inputs)
                inputs.append(v)
            refs.append(("in", input_index[id(v)]))
        attrs = tuple(sorted(m.attrs.items()))
        instructions.append((m.op.name, tuple(refs), attrs, m.outputs[0].spec.dtype.name))
    out_values, out_refs, boundaries = [], [], []
    for j, m in enumerate(group.members):
        v = m.outputs[0]
        outside = [u for u in users.get(id(v), []) if id(u) not in group.ids and u is not reduction_node]
        if outside or id(v) in graph_outputs:
            out_values.append(v)
            out_refs.append(j)
            boundaries.extend(_why(v, u, group) for u in outside)
    expression = {"instructions": tuple(instructions), "outputs": tuple(out_refs), "reduction": None}
    outputs = list(out_values)
    if group.reduction is not None:
        reduce, value = group.reduction
        expression["reduction"] = ("sum", member_index[id(value)], reduce.outputs[0].spec.dtype.name)
        outputs.append(reduce.outputs[0])
    attrs = {"expression": expression, "output_specs": tuple(v.spec for v in outputs),
             "boundaries": tuple(dict.fromkeys(boundaries))}
    # one location per instruction, so an error in the fused node names the member's line
    defined_at = [m.defined_at[0] if m.defined_at else None for m in group.members]
    return Node(FUSED, inputs, attrs, outputs, defined_at)


def _literal(value, producer):
    """A ("lit", scalar, dtype) ref if `value` is a one-element constant."""
    if is_const(producer):
        array = const_value(producer)
        if array.size == 1 and array.dtype != object:
            return ("lit", array.reshape(()).item(), value.spec.dtype.name)
    return None


def _why(value, user, group):
    if not user.op.elementwise:
        return f"%{value.name} -> {user.op.name}: not elementwise"
    if user.outputs and user.outputs[0].spec.shape != group.shape:
        return f"%{value.name} -> {user.op.name}: shape {user.outputs[0].spec.shape} differs from the group's {group.shape}"
    if is_stateful(user):
        return f"%{value.name} -> {user.op.name}: stateful"
    return f"%{value.name} -> {user.op.name}: joining would make the group non-convex"


def _schedule(order):
    """A topological order of the nodes, as close to `order`'s priorities as dependencies allow.

    Stateful nodes keep their relative order (each waits for the previous one).
    """
    nodes = [n for _, n in order]
    priority = {id(n): p for p, n in order}
    producer = {id(v): n for n in nodes for v in n.outputs}
    deps = {id(n): {id(producer[id(v)]) for v in n.inputs if id(v) in producer} for n in nodes}
    previous_stateful = None
    for _, n in sorted(order, key=lambda pn: pn[0]):
        if is_stateful(n):
            if previous_stateful is not None:
                deps[id(n)].add(id(previous_stateful))
            previous_stateful = n
    waiting = {id(n): len(deps[id(n)]) for n in nodes}
    dependents = {}
    for n in nodes:
        for d in deps[id(n)]:
            dependents.setdefault(d, []).append(n)
    position = {id(n): k for k, n in enumerate(nodes)}
    ready = [(priority[id(n)], k, n) for k, n in enumerate(nodes) if waiting[id(n)] == 0]
    heapq.heapify(ready)
    result = []
    while ready:
        _, k, n = heapq.heappop(ready)
        result.append(n)
        for d in dependents.get(id(n), []):
            waiting[id(d)] -= 1
            if waiting[id(d)] == 0:
                heapq.heappush(ready, (priority[id(d)], position[id(d)], d))
    if len(result) != len(nodes):
        raise AssertionError("fuse_elementwise produced a cyclic graph (a convexity bug)")
    return result
