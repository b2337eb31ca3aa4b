"""Running a scalar `while_loop` node as one compiled Numba function (see `loop_codegen`).

The body's plan would run once per iteration from Python, a few microseconds
each; the compiled loop runs every iteration natively, as XLA runs a
`lax.while_loop`. Its results are exactly the plan's: when the compiled loop
meets a zero integer divisor it stops with a fault flag, and the node runs
again as its plan, which raises eager mode's InvalidArgumentError naming the op.
"""
import sys

from tracegraph.ir.graph import Graph

from .cache import load_kernel_module
from .loop_codegen import LOOP_FUNCTION, UnsupportedLoop, is_vector, render_loop

__all__ = ["CompiledLoop", "compiled_loop_for"]


def compiled_loop_for(node, compile_subgraph):
    """The `call` of a CompiledLoop for `while_loop` `node` (its `compiled_loop` attribute is the
    CompiledLoop), or None if the loop does not qualify (see `loop_codegen`).
    `compile_subgraph(graph)` compiles the condition and body into plans for the generic path."""
    try:
        return CompiledLoop(node, compile_subgraph).call
    except UnsupportedLoop:
        return None


class CompiledLoop:
    """A whole scalar loop run natively: `call(xp, *arrays) -> tuple of outputs`.

    `call` is a generated function (see `_caller`) that a plan calls directly: going through
    `__call__` cost another 0.25 us, 8% of a call of `collatz_steps(27)`. It carries the
    CompiledLoop as `call.compiled_loop` and its sources as `call.sources`. `source` is the
    generated module (`sys.intern`ed: retraces that differ only in a Python scalar render the
    same text and share one compiled function).
    """

    def __init__(self, node, compile_subgraph):
        source, constants = render_loop(node)
        self.source = sys.intern(source)
        self.sources = {"loop": self.source}  # as FusedKernel's, keyed by what the source is for
        self.function = getattr(load_kernel_module(self.source), LOOP_FUNCTION)
        output_types = [v.spec.dtype.numpy_dtype.type for v in node.outputs]
        vectors = [is_vector(v) for v in node.inputs]
        self.call = _caller(self.function, vectors, constants, output_types, self.run_generically)
        self.call.compiled_loop, self.call.sources = self, self.sources
        self._node = node
        self._compile_subgraph = compile_subgraph
        self._generic = None  # the node as a plan, prepared when a loop first faults

    def __call__(self, xp, *arrays):
        return self.call(xp, *arrays)

    def run_generically(self, xp, arrays):
        """The loop run by the node's implementation, its condition and body as plans (what it
        runs without a compiled loop): for a zero integer divisor, that raises eager's error."""
        if self._generic is None:
            attrs = {key: self._compile_subgraph(value) if isinstance(value, Graph) else value
                     for key, value in self._node.attrs.items()}
            impl = self._node.op.impl
            self._generic = lambda xp, *inputs: impl(xp, *inputs, **attrs)
        return self._generic(xp, *arrays)


def _caller(function, vectors, constants, output_types, run_generically):
    """`call(xp, *arrays)`, written out for this loop's numbers of inputs and outputs: a loop of
    a hundred iterations takes ~0.3 us natively, so building argument lists per call would
    cost more than the loop. Inputs become NumPy scalars (`x[()]`), except the vectors
    (`vectors[i]` says which); numba's Python ints and floats become NumPy scalars of the
    outputs' dtypes again (exactly: each is a value of its dtype); a fault reruns the loop
    generically."""
    inputs = [f"x{i}" for i in range(len(vectors))]
    results = [f"r{i}" for i in range(len(output_types))]
    arguments = [x if vector else f"{x}[()]" for x, vector in zip(inputs, vectors)]
    arguments += [f"c{k}" for k in range(len(constants))]
    source = "\n".join([
        f"def call(xp, {', '.join(inputs)}):",
        f"    fault, {', '.join(results)} = loop({', '.join(arguments)})",
        "    if fault:",
        f"        return run_generically(xp, ({', '.join(inputs)},))",
        f"    return ({', '.join(f'T{i}({r})' for i, r in enumerate(results))},)",
    ])
    namespace = {"loop": function, "run_generically": run_generically}
    namespace.update((f"c{k}", array) for k, array in enumerate(constants))
    namespace.update((f"T{i}", to_dtype) for i, to_dtype in enumerate(output_types))
    exec(compile(source, "<compiled loop call>", "exec"), namespace)  # noqa: S102 - our own code
    return namespace["call"]
