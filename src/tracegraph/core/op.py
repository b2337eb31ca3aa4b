"""`Op`: one primitive operation with all its facets, and the registry of ops by name.

Every primitive is an `Op` defined once, in the module of its family:

- `infer(*specs, **attrs)`: the shape/dtype rule. Returns a `TensorSpec` (or a
  tuple of them for multi-output ops). It validates its inputs and raises a
  clear TypeError/ValueError; it must work with unknown (`None`) dimensions,
  because tracing runs it on symbolic specs.
- `impl(xp, *arrays, **attrs)`: the array implementation against an array module
  `xp` (NumPy or CuPy share one API).
- `grad(ctx, *output_grads)`: the VJP, written with tracegraph ops so gradients
  are traceable and differentiable. `ctx.inputs`, `ctx.outputs`, `ctx.attrs`
  are what the forward call saw. Returns one gradient (or None) per input.
- `template`: for elementwise ops, a scalar expression such as `"exp({0})"`
  that fusing backends render into kernel source.
- `ufunc`: for elementwise ops whose `impl` is exactly one ufunc of `xp`, its
  name (`"exp"`): plans then call it with `out=` to reuse a dying temporary's
  buffer instead of allocating a new one.
- `into(xp, *arrays, out)`: for other elementwise ops, the same computation
  written into `out` (an array of the result's shape and dtype, never one of
  the inputs), which it returns; plans use it for large intermediates as they
  use `ufunc`. An op with this facet must return a fresh array from `impl`,
  never one of its inputs.
- `stateful`: the op reads or writes state (random, variables, printing);
  passes never remove, merge or reorder stateful nodes.
- `inline(args, **attrs)`: only for ops holding sub-graphs (control flow): how
  to re-apply the node through the public API when a graph is run op by op.
- `update_in_place(xp, target, *arrays, **attrs)`: for an op whose result is its first
  input with some entries changed (a scatter), the same computation written into
  `target` itself, which it returns. A plan calls it instead of `impl` when the first
  input dies at the node and nothing else refers to its array (execute.py), so a loop
  that writes one row of a buffer per step does not copy the whole buffer per step.
- `split`: for a stateful op that can run in the background (a collective), a pair of
  ops `(start, finish)` with its attrs: `start(*inputs) -> handle` (an int64 scalar)
  begins the work, `finish(handle, *inputs) -> outputs` waits for it and returns what
  the op returns. The `overlap_asynchronous` pass splits such nodes so the work runs
  beside the rest of the graph.

Attrs are plain data (ints, floats, strings, tuples, None, dtypes) so graphs
serialize to JSON.

Code that looks for a particular op in a graph (passes, plans, inlining) matches
its name, `node.op.name == "const"`: the name is unique (the registry refuses a
second op of the same name), it is how graphs and fused expressions are stored,
and matching it needs no import of the op's family.
"""

__all__ = ["Op", "REGISTRY", "get_op"]

REGISTRY = {}


class Op:
    """A primitive operation; see the module docstring for its facets."""

    __slots__ = ("name", "infer", "impl", "grad", "template", "ufunc", "into", "stateful", "multiple_outputs",
                 "elementwise", "inline", "split", "update_in_place", "__weakref__")

    def __init__(self, name, *, infer, impl, grad=None, template=None, ufunc=None, into=None, stateful=False,
                 multiple_outputs=False, inline=None, split=None, update_in_place=None):
        if name in REGISTRY:
            raise ValueError(f"op {name!r} is defined twice")
        self.name = name
        self.infer = infer
        self.impl = impl
        self.grad = grad
        self.template = template
        self.ufunc = ufunc
        self.into = into
        self.elementwise = template is not None
        self.stateful = stateful
        self.multiple_outputs = multiple_outputs
        self.inline = inline
        self.split = split
        self.update_in_place = update_in_place
        REGISTRY[name] = self

    def def_grad(self, fn):
        """Decorator form for the gradient rule, for rules longer than a lambda."""
        self.grad = fn
        return fn

    def __repr__(self):
        return f"<Op {self.name}>"


def get_op(name):
    """The registered op called `name` (KeyError naming it otherwise)."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"no op named {name!r} is registered") from None
