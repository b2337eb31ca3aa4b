"""Rendering a scalar `while_loop` node into the source of one Numba function that runs the whole loop.

A loop qualifies when its loop variables are 0-d tensors of a numeric or bool
dtype, its captured values are such scalars or vectors (1-d), and its condition
and body hold only what renders as scalar code: elementwise ops (casts included),
`fused_elementwise` nodes without a reduction, constants of 0-d values, an element
of a captured vector (`vector[i]`: AutoGraph's `for i in range(n)` reads the
`tg.range` it iterates over that way), and `cond` and `while_loop` nodes whose
sub-graphs qualify in turn. Anything else raises `UnsupportedLoop`, and the node
runs as a plan (its body's plan once per iteration), as before.

The module defines `loop(*loop_vars, *captured, *constants)`:

    @njit(cache=True, error_model='numpy', nogil=True)
    def loop(v0, v1, constants_int32):
        a2 = constants_int32[0]
        while True:
            t3 = v0 > a2                      # the condition's statements
            if not t3:
                break
            ...                               # the body's statements
            v0, v1 = np.int32(t5), np.int32(t6)
        return False, v0, v1

Each instruction is rendered by codegen's `render_instruction`, so the loop
computes exactly what a fused kernel computes (integers wrapped to their dtype,
NaN-propagating extrema, TF's integer division). Constants and fused literals
are arguments, not part of the source (except a nonzero literal integer divisor,
see `_LoopWriter.operand`): traces that differ only in a Python scalar share one
compiled loop. They come in one array per dtype (a call then
types three arguments instead of ten: numba's dispatch costs ~60 ns per argument,
a tenth of a short loop's call). An integer division by zero returns at once
with the fault flag set (`return True, ...`); the caller then runs the loop
generically, which raises eager mode's error. So does an index out of a vector's
bounds (IndexOutOfRangeError).
"""
import itertools

import numpy as np

from tracegraph import dtypes

from .codegen import (KernelImports, UnsupportedExpression, is_integer_division, literal_arguments,
                      module_header, render_instruction)

__all__ = ["render_loop", "is_vector", "UnsupportedLoop", "LOOP_FUNCTION"]

#: The name of the function a loop module defines.
LOOP_FUNCTION = "loop"
#: Dtype kinds a loop value may have: bool, signed and unsigned integers, floats.
SCALAR_KINDS = "biuf"


class UnsupportedLoop(UnsupportedExpression):
    """The loop holds something that does not render as scalar Numba code (it runs as a plan)."""


def render_loop(node):
    """`(source, constants)` for `while_loop` `node`: the source of a module defining
    `loop(*inputs, *constants)` (see the module docstring), and the arrays to pass as `constants`
    (one per dtype). Raises UnsupportedLoop if the loop does not qualify."""
    if node.op.name != "while_loop":
        raise UnsupportedLoop(f"{node.op.name} is not a while_loop")
    n_vars = node.attrs["n_vars"]
    _check_scalars(list(node.inputs[:n_vars]) + list(node.outputs), "the loop's")
    writer = _LoopWriter()
    parameters = [writer.fresh("v") for _ in node.inputs]
    for name, value in zip(parameters[n_vars:], node.inputs[n_vars:]):
        if is_vector(value):
            writer.vectors.add(name)
        else:
            _check_scalars([value], "the loop's captured")
    loop_vars = parameters[:n_vars]
    writer.fault_return = f"return True, {', '.join(loop_vars)}"
    writer.while_loop(node, loop_vars, parameters[n_vars:], indent=1)
    writer.emit(1, f"return False, {', '.join(loop_vars)}")
    lines = module_header(writer.constants, writer.imports)
    lines.append("@njit(cache=True, error_model='numpy', nogil=True)")
    lines.append(f"def {LOOP_FUNCTION}({', '.join(parameters + list(writer.arguments))}):")
    for array_name, values in writer.arguments.items():
        lines.extend(f"    {name} = {array_name}[{k}]" for k, (name, _) in enumerate(values))
    lines.extend(writer.lines)
    arrays = tuple(np.array([value for _, value in values]) for values in writer.arguments.values())
    return "\n".join(lines) + "\n", arrays


def is_vector(value):
    """Whether `value` is a 1-d tensor of a numeric or bool dtype (a loop may read its elements)."""
    spec = value.spec
    return spec.shape.rank == 1 and spec.dtype.numpy_dtype.kind in SCALAR_KINDS


def _check_scalars(values, whose):
    for value in values:
        spec = value.spec
        if spec.shape.rank != 0 or spec.dtype.numpy_dtype.kind not in SCALAR_KINDS:
            raise UnsupportedLoop(f"{whose} value %{value.name} is {spec.short()}, not a numeric scalar")


def _cast(name, value):
    """`name` converted to `value`'s dtype: a Numba variable keeps one type across iterations
    and branches, whatever an expression's typing made of it."""
    numpy_dtype = value.spec.dtype.numpy_dtype
    return f"np.{'bool_' if numpy_dtype.kind == 'b' else numpy_dtype.name}({name})"


class _LoopWriter:
    """The statements of a loop function, with its fresh names, arguments, constants and imports."""

    def __init__(self):
        self.lines = []
        self.arguments = {}        # parameter name -> [(local name, NumPy scalar)], one per dtype
        self.constants = {}        # module constants of op templates (see codegen.module_header)
        self.imports = KernelImports()
        self.fault_return = None   # the statement leaving on a fault (zero divisor, index out of bounds)
        self.vectors = set()       # the names holding captured vectors (all others hold scalars)
        self._counter = itertools.count()

    def fresh(self, prefix):
        """A name used nowhere else in the function."""
        return f"{prefix}{next(self._counter)}"

    def emit(self, indent, line):
        self.lines.append("    " * indent + line)

    def argument(self, value):
        """The name of a new argument holding `value` (a NumPy scalar), read from its dtype's array."""
        name = self.fresh("a")
        self.arguments.setdefault(f"constants_{value.dtype.name}", []).append((name, value))
        return name

    def graph(self, graph, input_names, indent):
        """The statements computing `graph` from the variables `input_names`; its outputs' names."""
        if graph.variables:
            raise UnsupportedLoop(f"sub-graph {graph.name!r} reads or writes variables")
        names = {id(v): name for v, name in zip(graph.inputs, input_names)}
        for node in graph.nodes:
            _check_scalars(node.outputs, f"{node.op.name}'s")
            outputs = self.node(node, [names[id(v)] for v in node.inputs], indent)
            names.update((id(v), name) for v, name in zip(node.outputs, outputs))
        return [names[id(v)] for v in graph.outputs]

    def node(self, node, inputs, indent):
        """The statements computing `node` from the variables `inputs`; its outputs' names."""
        if node.op.stateful:
            raise UnsupportedLoop(f"{node.op.name} has effects")
        if node.op.name == "getitem":
            return [self.element(node, inputs, indent)]
        if node.op.name not in ("cond", "while_loop") and self.vectors.intersection(inputs):
            raise UnsupportedLoop(f"{node.op.name} of a vector")
        if node.op.name == "const":
            value = np.asarray(node.attrs["value"], dtype=node.outputs[0].spec.dtype.numpy_dtype)
            return [self.argument(value[()])]
        if node.op.name == "fused_elementwise":
            return self.fused(node, inputs, indent)
        if node.op.name == "cond":
            return self.cond(node, inputs, indent)
        if node.op.name == "while_loop":
            n_vars = node.attrs["n_vars"]
            names = [self.fresh("w") for _ in range(n_vars)]
            for name, initial, value in zip(names, inputs, node.inputs):
                self.emit(indent, f"{name} = {_cast(initial, value)}")
            self.while_loop(node, names, inputs[n_vars:], indent)
            return names
        if node.op.elementwise and len(node.outputs) == 1:
            return self.fused(_FusedView(node), inputs, indent)
        raise UnsupportedLoop(f"{node.op.name} is not scalar arithmetic")

    def fused(self, node, inputs, indent):
        """A fused node's instructions, one statement each (an elementwise op is a fused node of one)."""
        expression = node.attrs["expression"]
        if expression.get("reduction") is not None:
            raise UnsupportedLoop("a fused reduction")
        literals = iter(literal_arguments(expression))
        input_dtypes = [v.spec.dtype.name for v in node.inputs]
        temps = []
        for j, (name, refs, _, dtype) in enumerate(expression["instructions"]):
            if dtypes.as_dtype(dtype).numpy_dtype.kind not in SCALAR_KINDS:
                raise UnsupportedLoop(f"{name} computes {dtype}")
            divides = is_integer_division(name, dtype)
            args = [self.operand(ref, literals, inputs, temps, known=divides and k == 1)
                    for k, ref in enumerate(refs)]
            if divides and not _is_nonzero_literal(refs[1]):
                self.emit(indent, f"if {args[1]} == 0:")
                self.emit(indent + 1, self.fault_return)
            temps.append(self.fresh("t"))
            rendered = render_instruction(expression, j, args, input_dtypes, self.constants, self.imports)
            self.emit(indent, f"{temps[-1]} = {rendered}")
        return [temps[j] for j in expression["outputs"]]

    def operand(self, ref, literals, inputs, temps, known):
        """The name (or literal text) of an instruction's operand `ref`. A literal is an argument,
        unless it is `known` (an integer divisor) and not zero: written into the source, LLVM divides
        by shifts and multiplications instead of an `idiv` of ~40 cycles (Collatz's `n % 2` and
        `n // 2` took 2x as long), and there is no zero to check for."""
        if ref[0] == "in":
            return inputs[ref[1]]
        if ref[0] == "t":
            return temps[ref[1]]
        value = next(literals)
        if known and _is_nonzero_literal(ref):
            return f"np.{value.dtype.name}({value.item()!r})"
        return self.argument(value)

    def element(self, node, inputs, indent):
        """`vector[i]` for a captured vector and a scalar index; an index out of bounds is a fault
        (the generic path raises IndexOutOfRangeError). Negative indices count from the end."""
        key = node.attrs["key"]
        if inputs[0] not in self.vectors or len(key) != 1 or key[0][0] not in ("index", "tensor"):
            raise UnsupportedLoop(f"getitem with key {key}")
        index = str(key[0][1]) if key[0][0] == "index" else inputs[1 + key[0][1]]
        self.emit(indent, f"if not -{inputs[0]}.shape[0] <= {index} < {inputs[0]}.shape[0]:")
        self.emit(indent + 1, self.fault_return)
        name = self.fresh("e")
        self.emit(indent, f"{name} = {_cast(f'{inputs[0]}[{index}]', node.outputs[0])}")
        return name

    def cond(self, node, inputs, indent):
        """`if pred:` the true branch `else:` the false one, each assigning the same output names."""
        outputs = [self.fresh("r") for _ in node.outputs]
        for keyword, branch in (("if", node.attrs["true_graph"]), ("else", node.attrs["false_graph"])):
            self.emit(indent, f"if {inputs[0]}:" if keyword == "if" else "else:")
            first_line = len(self.lines)
            results = self.graph(branch, inputs[1:], indent + 1)
            for name, result, value in zip(outputs, results, node.outputs):
                self.emit(indent + 1, f"{name} = {_cast(result, value)}")
            if len(self.lines) == first_line:
                self.emit(indent + 1, "pass")  # a branch computing nothing (a cond without outputs)
        return outputs

    def while_loop(self, node, loop_vars, captured, indent):
        """`while True:` the condition's statements, `break` unless it holds, the body's statements
        and the new values of `loop_vars` (the names holding the loop variables)."""
        if not loop_vars:
            raise UnsupportedLoop("a loop without loop variables")
        self.emit(indent, "while True:")
        [keep_going] = self.graph(node.attrs["cond_graph"], loop_vars + captured, indent + 1)
        self.emit(indent + 1, f"if not {keep_going}:")
        self.emit(indent + 2, "break")
        results = self.graph(node.attrs["body_graph"], loop_vars + captured, indent + 1)
        new_values = [_cast(result, value) for result, value in zip(results, node.outputs)]
        self.emit(indent + 1, f"{', '.join(loop_vars)} = {', '.join(new_values)}")


def _is_nonzero_literal(ref):
    return ref[0] == "lit" and ref[1] != 0


class _FusedView:
    """An elementwise node seen as a fused node of one instruction (what `_LoopWriter.fused` reads)."""

    def __init__(self, node):
        refs = tuple(("in", i) for i in range(len(node.inputs)))
        instruction = (node.op.name, refs, tuple(sorted(node.attrs.items())), node.outputs[0].spec.dtype.name)
        self.inputs = node.inputs
        self.attrs = {"expression": {"instructions": (instruction,), "outputs": (0,), "reduction": None}}
