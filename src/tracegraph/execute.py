"""Turning a graph into a flat execution plan: generated Python that calls op implementations.

`build_plan` writes one straight-line Python function per graph, for example

    def plan(inputs):
        try:
            v0, = inputs
            v1 = k1(xp, v0, c0)
            if v1.dtype != d1: v1 = _fix(v1, d1)
            del v0
            return [v1]
        except Exception as error:
            ...  # re-raised naming the node that failed

Each node is one call of its implementation with the attrs bound in advance
(`k1`); constants are values of the plan's namespace (`c0`), never copied;
intermediates live in local variables and are deleted right after their last
use, so their memory is released as early as possible; the dtype each value
must have (NumPy promotes differently from TF in places, and 0-d results come
back as NumPy scalars) is enforced with one comparison. A call does no graph
walking and builds no dictionaries.

A `fused_elementwise` node that the backend has no kernel for is written out
inline, instruction by instruction, so a backend without fused kernels runs a
fused graph exactly as fast as the unfused one. Backends reuse `build_plan`
and substitute their own kernels for some nodes (`kernel_for`).

An op with an `update_in_place` facet (a scatter) whose first input dies at it
is handed that input: the plan deletes its name first, and `_Donating` writes
into the array when its reference count shows nothing else holds it (else the
op copies, as always). A loop hands its loop variables to its body's plan
(`buffer_pool.HandedOver`), so a buffer written one row per step is not copied
per step.

An exception raised while a plan runs is re-raised, as the same type with the
original as its cause, with TF's `[[node NAME (defined at FILE:LINE, in FUNCTION)]]`
appended: the plan knows which node each of its lines runs. The `try` costs
nothing while no exception is raised.
"""
import functools
import math
import sys

import numpy as np

from . import dtypes
from .buffer_pool import BUFFERS, MIN_BYTES, BufferPool, HandedOver
from .core.op import get_op
from .ir.interpreter import resolve_attrs
from .ir.location import error_naming_node

__all__ = ["build_plan", "accurate_sum", "SUM_BLOCK"]


def build_plan(graph, xp, compile_subgraph, kernel_for=None):
    """A callable `plan(input_arrays) -> output_arrays` for `graph`.

    Its source is `plan.source`; the kernels `kernel_for` supplied are `plan.kernels`.

    `compile_subgraph(graph)` compiles the branches/bodies of control flow into
    such callables; `kernel_for(node)` may return a callable `(xp, *arrays)`
    replacing the node's implementation (a fused kernel, say), or None.
    """
    writer = _PlanWriter(graph, xp)
    for k, node in enumerate(graph.nodes):
        kernel = kernel_for(node) if kernel_for is not None else None
        if kernel is not None:
            writer.kernels.append(kernel)
            writer.call(k, node, kernel)
        elif node.op.name == "const":
            writer.constant(node)
        elif node.op.name == "fused_elementwise":
            writer.fused_inline(k, node)
        elif node.op.name in ("read_variable", "assign_variable"):
            writer.variable_access(node, graph.variables[node.attrs["variable"]],
                                   _bound_impl(node, graph, compile_subgraph))
        elif node.op.update_in_place is not None and writer.can_hand_over(k, node):
            writer.call_handing_over(node, _Donating(_bound_impl(node, graph, compile_subgraph, in_place=True),
                                                     _bound_impl(node, graph, compile_subgraph)))
        else:
            writer.call(k, node, _bound_impl(node, graph, compile_subgraph))
        writer.release_after(k, node)
        writer.attribute_lines(node)
    return writer.finish()


class _PlanWriter:
    """Accumulates the lines and the namespace of one plan."""

    def __init__(self, graph, xp):
        self.graph = graph
        self.scratch = Scratch(xp)
        self.namespace = {"xp": xp, "_fix": _fix_dtype, "_scratch": self.scratch, "_sum": accurate_sum}
        self.lines = []  # the body of `plan`, each line indented by four spaces
        self.line_nodes = []  # (node, fused instruction or None) that each line of the body runs
        self.kernels = []  # the backend's own kernels (e.g. fused ones), to inspect their generated code
        self.names = {}  # id(value) -> the Python name holding it in the plan
        self.counts = {}  # name prefix -> how many names use it so far
        self.dtype_names = {}
        self.variable_names = {}  # id(Variable) -> its name in the namespace
        self.last_use = _last_uses(graph)
        self.keep = {id(v) for v in graph.outputs}
        self.handed_over = set()  # ids of values a node took over (their names are deleted already)
        if graph.inputs:
            targets = [self._local(v) for v in graph.inputs]
            self.lines.append(f"    {', '.join(targets)}, = inputs")
            self.line_nodes.append(None)
            if any(node.op.update_in_place is not None for node in graph.nodes):
                self.namespace["_HandedOver"] = HandedOver
                self.lines.append("    if type(inputs) is _HandedOver: inputs.clear()")
                self.line_nodes.append(None)

    def _local(self, value):
        name = f"v{self.counts.get('v', 0)}"
        self.counts["v"] = self.counts.get("v", 0) + 1
        self.names[id(value)] = name
        return name

    def _global(self, prefix, obj):
        count = self.counts.get(prefix, 0)
        self.counts[prefix] = count + 1
        name = f"{prefix}{count}"
        self.namespace[name] = obj
        return name

    def _dtype(self, numpy_dtype):
        numpy_dtype = np.dtype(numpy_dtype)
        if numpy_dtype not in self.dtype_names:
            self.dtype_names[numpy_dtype] = self._global("d", numpy_dtype)
        return self.dtype_names[numpy_dtype]

    def attribute_lines(self, node, instruction=None):
        """Record that the lines written since the last call run `node` (or its fused `instruction`)."""
        self.line_nodes.extend([(node, instruction)] * (len(self.lines) - len(self.line_nodes)))

    def constant(self, node):
        """A const node is no code at all: its array is a value of the namespace."""
        self.names[id(node.outputs[0])] = self._global("c", node.attrs["value"])

    def call(self, k, node, kernel):
        """`outputs = kernel(xp, *inputs)`, then the dtype checks."""
        kernel_name = self._global("k", kernel)
        if _touches_strings(node):
            self.lines.append(f"    # {node.op.name}: on the host, with NumPy (string tensors are NumPy object arrays)")
        args = ", ".join(["xp"] + [self.names[id(v)] for v in node.inputs])
        targets = [self._local(v) for v in node.outputs]
        if not node.op.multiple_outputs:
            self.lines.append(f"    {targets[0]} = {kernel_name}({args})")
        elif targets:
            self.lines.append(f"    {', '.join(targets)}, = {kernel_name}({args})")
        else:
            self.lines.append(f"    {kernel_name}({args})")
        for value, target in zip(node.outputs, targets):
            self._check_dtype(target, value.spec.dtype.numpy_dtype)

    def can_hand_over(self, k, node):
        """Whether node `k` may be handed its first input: a value of the plan that dies at it and that it
        takes once (whether anything else refers to the array is for the run to see)."""
        first = node.inputs[0]
        name = self.names.get(id(first), "")
        return name.startswith("v") and self.last_use.get(id(first)) == k and id(first) not in self.keep \
            and sum(v is first for v in node.inputs) == 1 and not node.op.multiple_outputs

    def call_handing_over(self, node, kernel):
        """`output = kernel(xp, [first], *rest)` with the plan's name of the first input deleted before the
        call, so the kernel may hold its array alone (`_Donating`)."""
        kernel_name = self._global("k", kernel)
        first = self.names[id(node.inputs[0])]
        self.handed_over.add(id(node.inputs[0]))
        self.lines.append(f"    _handed = [{first}]")
        self.lines.append(f"    del {first}")
        args = ", ".join(["xp", "_handed"] + [self.names[id(v)] for v in node.inputs[1:]])
        target = self._local(node.outputs[0])
        self.lines.append(f"    {target} = {kernel_name}({args})")
        self._check_dtype(target, node.outputs[0].spec.dtype.numpy_dtype)

    def variable_access(self, node, variable, kernel):
        """A Variable's array read or replaced in place in the plan (no call: these are the
        commonest stateful nodes of a training step). The kernel runs only to check and
        report a write whose shape differs from the array it replaces."""
        if id(variable) not in self.variable_names:
            self.variable_names[id(variable)] = self._global("var", variable)
        name = self.variable_names[id(variable)]
        if node.op.name == "read_variable":
            self.lines.append(f"    {self._local(node.outputs[0])} = {name}._array")
            return
        value = self.names[id(node.inputs[0])]
        self.lines.append(f"    if {value}.shape == {name}._array.shape: {name}._assign_array({value})")
        self.lines.append(f"    else: {self._global('k', kernel)}(xp, {value})")

    def fused_inline(self, k, node):
        """The instructions of a fused expression as consecutive calls of the ops' implementations.

        Each temporary is deleted right after its last use, as running the ops
        one by one would free it (peak memory, and allocations reused sooner).
        When the shapes are static, an op that is one ufunc (or has an `into` facet)
        writes (`out=`) into a temporary that dies at it, or, if large, into a scratch
        buffer of the plan: a large array then costs no new allocation and no page faults.
        """
        expression = node.attrs["expression"]
        instructions = expression["instructions"]
        reduction = expression.get("reduction")
        kept = set(expression["outputs"]) | ({reduction[1]} if reduction is not None else set())
        last_use = {ref[1]: j for j, ins in enumerate(instructions) for ref in ins[1] if ref[0] == "t"}
        # Every member has the group's shape; out= needs it to be the same at run time too, and an
        # array (a ufunc of 0-d arrays returns a NumPy scalar).
        static = all(v.spec.shape.is_fully_defined() for v in node.inputs) and \
            any(v.spec.shape.rank > 0 for v in node.inputs)
        shape = np.broadcast_shapes(*[v.spec.shape.as_tuple() for v in node.inputs]) if static else None
        temps, owned = [], set()   # owned: temporaries holding a buffer no one else sees
        for j, (name, refs, attrs, dtype) in enumerate(instructions):
            donors = [r[1] for r in refs if r[0] == "t" and last_use[r[1]] == j and r[1] in owned
                      and r[1] not in kept and instructions[r[1]][3] == dtype] if static else []
            temp = f"t{k}_{j}"
            op = get_op(name)
            call, into_buffer = self._instruction_call(node, op, refs, attrs, temps, donors, dtype, shape)
            self.lines.append(f"    {temp} = {call}")
            if not into_buffer:    # a result written into a buffer has the buffer's dtype
                self._check_dtype(temp, dtypes.as_dtype(dtype).numpy_dtype)
            temps.append(temp)
            self.attribute_lines(node, j)
            if (op.ufunc is not None or op.into is not None) and not attrs:
                owned.add(j)
            dead = sorted({temps[r[1]] for r in refs if r[0] == "t" and last_use[r[1]] == j and r[1] not in kept})
            if dead:
                self.lines.append(f"    del {', '.join(dead)}")
        results = [temps[j] for j in expression["outputs"]]
        if reduction is not None:
            results.append(self._fused_reduction(k, reduction, temps))
        targets = [self._local(v) for v in node.outputs]
        self.lines.append(f"    {', '.join(targets)}, = {', '.join(results)},")
        alive = sorted({temps[j] for j in kept} | {temps[j] for j in range(len(temps)) if j not in last_use})
        self.lines.append(f"    del {', '.join(alive)}")

    def _instruction_call(self, node, op, refs, attrs, temps, donors, dtype, shape):
        """The call computing one instruction, and whether it writes into a buffer of the result's
        dtype. An op that is one ufunc writes into a temporary that dies here, else (for a large
        static shape) into a scratch buffer of the plan, as does an op with an `into` facet; other
        ops call their implementation (a ufunc directly)."""
        operands = [self._operand(ref, node, temps) for ref in refs]
        numpy_dtype = dtypes.as_dtype(dtype).numpy_dtype
        out = None
        if op.ufunc is not None and not attrs and donors:
            # a ufunc reads each element before writing it; `into` may not (where takes 3 passes)
            out = temps[donors[0]]
        elif (op.ufunc is not None or op.into is not None) and not attrs and shape is not None and \
                math.prod(shape) * numpy_dtype.itemsize >= Scratch.MIN_BYTES:
            out = f"_scratch({self.scratch.add(shape, numpy_dtype)})"
        if out is not None and op.ufunc is not None:
            return f"xp.{op.ufunc}({', '.join(operands)}, out={out})", True
        if out is not None:
            return f"{self._global('k', op.into)}({', '.join(['xp'] + operands)}, out={out})", True
        if op.ufunc is not None and not attrs:
            return f"xp.{op.ufunc}({', '.join(operands)})", False
        kernel = functools.partial(op.impl, **dict(attrs)) if attrs else op.impl
        return f"{self._global('k', kernel)}({', '.join(['xp'] + operands)})", False

    def _fused_reduction(self, k, reduction, temps):
        _, j, dtype = reduction
        dtype = dtypes.as_dtype(dtype)
        total = f"r{k}"
        summed = f"_sum(xp, {temps[j]})" if dtype.is_floating else f"{temps[j]}.sum()"
        self.lines.append(f"    {total} = xp.asarray({summed}, dtype={self._dtype(dtype.numpy_dtype)})")
        return total

    def _operand(self, ref, node, temps):
        kind = ref[0]
        if kind == "in":
            return self.names[id(node.inputs[ref[1]])]
        if kind == "t":
            return temps[ref[1]]
        return self._global("c", np.asarray(ref[1], dtype=dtypes.as_dtype(ref[2]).numpy_dtype))

    def _check_dtype(self, target, numpy_dtype):
        dtype_name = self._dtype(numpy_dtype)
        self.lines.append(f"    if {target}.dtype != {dtype_name}: {target} = _fix({target}, {dtype_name})")

    def release_after(self, k, node):
        """`del` the locals whose last use is node `k` (and outputs nobody uses)."""
        dead = {id(v): v for v in node.inputs if self.last_use.get(id(v)) == k and id(v) not in self.handed_over}
        dead.update((id(v), v) for v in node.outputs if id(v) not in self.last_use)
        names = sorted({self.names[i] for i in dead if i not in self.keep and self.names[i].startswith("v")})
        if names:
            self.lines.append(f"    del {', '.join(names)}")

    def finish(self):
        outputs = ", ".join(self.names[id(v)] for v in self.graph.outputs)
        self.lines.append(f"    return [{outputs}]")
        self.namespace["_nodes"] = _LineNodes(self.line_nodes, first_line=3)
        source = "\n".join(["def plan(inputs):", "    try:"] + ["    " + line for line in self.lines] + [
            "    except Exception as error:",
            "        located = _nodes.error_naming_node(error)",
            "        if located is None: raise",
            "        raise located from error"])
        exec(compile(source, f"<plan {self.graph.name}>", "exec"), self.namespace)  # noqa: S102 - our own code
        plan = self.namespace["plan"]
        plan.source = source
        plan.kernels = self.kernels
        return plan


class _LineNodes:
    """The node each line of a plan's body runs, to name it in an exception raised there."""

    def __init__(self, line_nodes, first_line):
        self.line_nodes = line_nodes
        self.first_line = first_line  # the source line number of the body's first line

    def error_naming_node(self, error):
        """A copy of `error` whose message names the node that raised it, or None to re-raise
        `error` as it is (see `ir.location.error_naming_node`; no node runs the line)."""
        if error.__traceback__ is None:
            return None
        index = error.__traceback__.tb_lineno - self.first_line
        if not 0 <= index < len(self.line_nodes) or self.line_nodes[index] is None:
            return None
        return error_naming_node(error, *self.line_nodes[index])


class Scratch:
    """The buffers a plan computes large intermediates into, from the process's buffer pool.

    A fresh large array costs a page fault per 4 KiB page on first write (here a
    480 KB array took 450 us that way, and the ufunc filling it 20 us). `scratch(slot)`
    takes a buffer of the slot's size from `buffer_pool.BUFFERS`, which hands one out again
    only when nothing outside refers to it, as its reference count shows (a result the
    caller keeps, or a view of it, is never overwritten). The pool is shared, so the
    thousand plans of a function traced for a thousand Python scalars share its buffers.
    """

    #: Smaller arrays come from NumPy's own cache or the malloc heap, with no page faults.
    MIN_BYTES = MIN_BYTES

    def __init__(self, xp):
        self.xp = xp
        self.slots = []  # (shape, dtype, element count) per slot

    def add(self, shape, dtype):
        """A new slot for arrays of `shape` and `dtype`; returns its number."""
        self.slots.append((tuple(shape), dtype, math.prod(shape)))
        return len(self.slots) - 1

    def __call__(self, slot):
        shape, dtype, size = self.slots[slot]
        return BUFFERS.take(self.xp, dtype, size).reshape(shape)


def _touches_strings(node):
    return any(v.spec.dtype.name == "string" for v in (*node.inputs, *node.outputs))


def _last_uses(graph):
    last = {}
    for k, node in enumerate(graph.nodes):
        for v in node.inputs:
            last[id(v)] = k
    return last


def _bound_impl(node, graph, compile_subgraph, in_place=False):
    attrs = resolve_attrs(node, graph, compile_subgraph)
    impl = node.op.update_in_place if in_place else node.op.impl
    return functools.partial(impl, **attrs) if attrs else impl


class _Donating:
    """An op with `update_in_place`, called on a first input the plan handed over (in a one-element list it
    no longer names): the update is written into that array when nothing else refers to it, nor to the
    memory under it; otherwise the op's `impl` runs on it (and copies). A loop that writes one row of a
    buffer per step then copies the buffer once, not once per step."""

    def __init__(self, in_place, impl):
        self.in_place, self.impl = in_place, impl

    def __call__(self, xp, handed, *arrays):
        target = handed.pop()
        if sys.getrefcount(target) <= _SOLE_REFERENCES and _memory_held_alone(xp, target):
            return self.in_place(xp, target, *arrays)
        return self.impl(xp, target, *arrays)


def _memory_held_alone(xp, array):
    """Whether `array`'s memory is its own and writable: a NumPy array owning its data, or a view of the whole
    of a pooled buffer that nothing but the pool and this view refers to."""
    if type(array) is not np.ndarray or not array.flags.writeable:
        return False
    base = array.base
    if base is None:
        return True
    return type(base) is np.ndarray and base.size == array.size and array.flags.c_contiguous and \
        sys.getrefcount(base) <= _POOLED_BASE_REFERENCES and BUFFERS.holds(xp, base)


def _references_after_pop(handed):
    target = handed.pop()
    return sys.getrefcount(target)


def _pooled_base_references():
    pool = BufferPool()
    view = pool.empty(np, (2,), np.dtype(np.float32))
    return _base_references(view)


def _base_references(array):
    base = array.base
    return sys.getrefcount(base)


# What sys.getrefcount reports, on this interpreter, for an array held only by `_Donating.__call__`'s local,
# and for a pooled buffer under a view that nothing else holds, seen from `_memory_held_alone`.
_SOLE_REFERENCES = _references_after_pop([np.empty(2)])
_POOLED_BASE_REFERENCES = _pooled_base_references()


#: Block length of `accurate_sum`'s float32 partial sums.
SUM_BLOCK = 4096


def accurate_sum(xp, array):
    """The sum of a floating-point array, accumulated in float64 (a fused reduction's).

    A large float32 NumPy array is summed in blocks of SUM_BLOCK: NumPy's pairwise float32 sum
    within each block (error below 12 ulp of the block's sum of magnitudes, ~1e-9 relative on
    1e6 squares), the blocks' sums in float64. That is twice as fast as converting every element
    to float64 (190 us against 375 us at 1e6).
    """
    if xp is not np or array.dtype != np.float32 or array.size < 2 * SUM_BLOCK:
        return array.sum(dtype=np.float64)
    flat = array.reshape(-1)
    whole = flat.size - flat.size % SUM_BLOCK
    total = flat[:whole].reshape(-1, SUM_BLOCK).sum(axis=1).sum(dtype=np.float64)
    return total + flat[whole:].sum(dtype=np.float64)


def _fix_dtype(array, dtype):
    if isinstance(array, (int, float, bool, complex)):
        return np.asarray(array, dtype=dtype)
    return array.astype(dtype)
