"""Simplification under a `where`'s condition: inside a branch, what the condition decides is known.

The branch of `where(c, a, b)` that is taken where `x < 0` (`a` for
`c = x < 0`, `b` for `c = x >= 0`, which is false for NaN as well) only
matters at elements where x is negative or NaN. Within the part of that
branch used by nothing else, two rules apply:

    where(x < 0, p, q)  -> p     when p and q are NaN wherever x is NaN
    minimum(x, 0)       -> x

Both give the same value at every element where the branch is taken: for
x < 0 by definition, and for NaN because p, q, x and minimum(NaN, 0) are all
NaN there. (Which NaN may differ; NumPy and TF do not define it.)

This is what lets `where(z >= 0, z, alpha * tf.nn.elu(z))` (the tutorial's
scaled ELU) run as the one `where` a user would write by hand: elu's own
`where(z < 0, exp(min(z, 0)) - 1, z)` is decided by the outer condition.

Only elements line up when every value involved has the where's own static
shape, so the rules apply only then (no broadcasting inside the branch).
"""
from .rewrite import Rewriter, const_value, is_const

__all__ = ["simplify_under_conditions"]

#: Elementwise ops whose result is NaN whenever one operand is NaN.
_NAN_PROPAGATING = frozenset({
    "add", "subtract", "multiply", "divide", "negative", "abs", "square", "exp", "expm1", "log",
    "log1p", "sqrt", "rsqrt", "tanh", "sigmoid", "sin", "cos", "minimum", "maximum", "cast", "relu",
    "softplus",
})
#: How far back the NaN check follows a value to the compared x.
_MAX_DEPTH = 8


def simplify_under_conditions(graph):
    """A graph with the rules of the module docstring applied inside `where` branches."""
    substitutions = _Analysis(graph).substitutions()
    rw = Rewriter(graph)
    for node in graph.nodes:
        rw.emit(node)
        for v in node.outputs:
            if id(v) in substitutions:
                rw.replace(v, substitutions[id(v)])
    return rw.finish()


class _Analysis:
    """Finds, for each where, the values its negative-x branch lets us replace."""

    def __init__(self, graph):
        self.graph = graph
        self.producers = graph.producers()
        self.use_counts = {}
        for node in graph.nodes:
            for v in node.inputs:
                self.use_counts[id(v)] = self.use_counts.get(id(v), 0) + 1
        for v in graph.outputs:
            self.use_counts[id(v)] = self.use_counts.get(id(v), 0) + 1
        self.replaced = {}

    def substitutions(self):
        """id(value) -> the value that may stand for it."""
        for node in self.graph.nodes:
            if node.op.name == "where":
                self._refine_branch(node)
        return self.replaced

    def _refine_branch(self, where):
        fact = self._negative_branch(where)
        if fact is None:
            return
        x, operand = fact
        shape = where.outputs[0].spec.shape
        if not shape.is_fully_defined() or any(v.spec.shape != shape for v in where.inputs):
            return
        pending = [where.inputs[operand]]
        while pending:
            v = pending.pop()
            node = self.producers.get(id(v))
            if node is None or not node.op.elementwise or self.use_counts.get(id(v)) != 1 \
                    or v.spec.shape != shape or id(v) in self.replaced:
                continue
            replacement = self._rule(node, x)
            if replacement is not None:
                self.replaced[id(v)] = replacement
                pending.append(replacement)
            else:
                pending.extend(node.inputs)

    def _negative_branch(self, where):
        """(x, index of the operand taken where x < 0 or NaN) if the condition compares x with 0."""
        comparison = self.producers.get(id(where.inputs[0]))
        if comparison is None:
            return None
        x = self._compared_with_zero(comparison, ("less", "greater"))
        if x is not None:
            return x, 1
        x = self._compared_with_zero(comparison, ("greater_equal", "less_equal"))
        return (x, 2) if x is not None else None

    def _compared_with_zero(self, node, names):
        """x for `names[0](x, 0)` or `names[1](0, x)`, else None."""
        if node.op.name not in names:
            return None
        x, other = node.inputs if node.op.name == names[0] else reversed(node.inputs)
        return x if self._is_zero_literal(other) and x.spec.dtype.is_floating else None

    def _is_zero_literal(self, value):
        """True if `value` is a scalar constant 0 (or -0.0)."""
        producer = self.producers.get(id(value))
        return is_const(producer) and const_value(producer).ndim == 0 and const_value(producer) == 0

    def _rule(self, node, x):
        """The value replacing `node`'s output inside a negative-x branch, or None."""
        name = node.op.name
        if name == "where":
            condition = self.producers.get(id(node.inputs[0]))
            if condition is not None and self._compared_with_zero(condition, ("less", "greater")) is x \
                    and node.inputs[1].spec == node.outputs[0].spec \
                    and self._nan_where_x_is(node.inputs[1], x) and self._nan_where_x_is(node.inputs[2], x):
                return node.inputs[1]
        if name == "minimum":
            a, b = node.inputs
            for value, other in ((a, b), (b, a)):
                if value is x and self._is_zero_literal(other) and value.spec == node.outputs[0].spec:
                    return x
        return None

    def _nan_where_x_is(self, v, x, depth=0):
        """True if `v` is certainly NaN wherever x is NaN."""
        if v is x:
            return True
        node = self.producers.get(id(v))
        if node is None or depth >= _MAX_DEPTH or node.op.name not in _NAN_PROPAGATING:
            return False
        if node.op.name == "cast" and not v.spec.dtype.is_floating:
            return False
        return any(self._nan_where_x_is(u, x, depth + 1) for u in node.inputs)
