"""Scalar operands alone: uniform operands of elementwise ops become scalars, never changing a result."""
import numpy as np
import pytest

import tracegraph as tg
from tracegraph.passes.constant_folding import fold_constants
from tracegraph.passes.dead_code import eliminate_dead_code
from tracegraph.passes.fusion import fuse_elementwise
from tracegraph.passes.scalar_operands import scalarize_operands

from graphs import Builder, assert_same_results, op_names

X = np.array([[1.5, -0.0, 3.0], [0.25, -2.0, np.inf]], np.float32)


def operand_shapes(graph, name):
    """The input shapes of the first `name` node."""
    node = next(n for n in graph.nodes if n.op.name == name)
    return [v.spec.shape.as_tuple() for v in node.inputs]


def test_fill_like_operand_becomes_a_scalar_and_the_fill_disappears():
    b = Builder()
    x = b.input([2, 3])
    zeros = b.op("fill_like", x, value=0)
    mask = b.op("greater", x, b.const(0.0))
    g = b.returns(b.op("where", mask, x, zeros))
    s = eliminate_dead_code(scalarize_operands(g))
    assert operand_shapes(s, "where") == [(2, 3), (2, 3), ()]
    assert "fill_like" not in op_names(s)
    assert_same_results(g, s, [X])


def test_broadcast_like_operand_is_replaced_by_its_source():
    b = Builder()
    x = b.input([2, 3])
    row = b.input([3])
    g = b.returns(b.op("multiply", b.op("broadcast_like", row, x), x))
    s = eliminate_dead_code(scalarize_operands(g))
    assert operand_shapes(s, "multiply") == [(3,), (2, 3)]
    assert "broadcast_like" not in op_names(s)
    assert_same_results(g, s, [X, np.array([1.0, -2.0, 0.5], np.float32)])


def test_uniform_constant_becomes_a_scalar_literal_of_the_fused_kernel():
    b = Builder()
    x = b.input([2, 3])
    g = b.returns(b.op("add", b.op("exp", x), b.const(np.full((2, 3), 0.5))))
    s = fuse_elementwise(eliminate_dead_code(scalarize_operands(g)))
    (fused,) = [n for n in s.nodes if n.op.name == "fused_elementwise"]
    assert len(fused.inputs) == 1  # the 0.5 is a literal
    assert_same_results(g, s, [X])


@pytest.mark.parametrize("constant", [
    [[0.0, -0.0, 0.0], [0.0, 0.0, 0.0]],   # +0 and -0 differ in bits: x * c keeps each sign
    [[1.0, 2.0, 1.0], [1.0, 1.0, 1.0]],    # not uniform
])
def test_non_uniform_constants_stay(constant):
    b = Builder()
    x = b.input([2, 3])
    g = b.returns(b.op("multiply", x, b.const(constant)))
    s = scalarize_operands(g)
    assert operand_shapes(s, "multiply") == [(2, 3), (2, 3)]
    assert_same_results(g, s, [X])


def test_an_operand_that_gives_the_result_its_shape_stays():
    b = Builder()
    x = b.input([3])
    ones = b.op("fill_like", b.input([2, 3]), value=1)
    g = b.returns(b.op("multiply", x, ones))
    s = scalarize_operands(g)
    assert operand_shapes(s, "multiply") == [(3,), (2, 3)]
    assert_same_results(g, s, [X[0], X])


def test_unknown_shapes_are_left_alone():
    b = Builder()
    x = b.input([None, 3])
    g = b.returns(b.op("add", x, b.op("fill_like", x, value=2)))
    s = scalarize_operands(g)
    assert operand_shapes(s, "add") == [(None, 3), (None, 3)]


def test_mean_gradient_becomes_one_fused_kernel_with_the_loss():
    """The seed of a gradient (ones_like), a mean's broadcast and the square's gradient fold together."""
    @tg.function(backend="numpy")
    def loss_and_gradient(p, y):
        with tg.GradientTape() as tape:
            tape.watch(p)
            loss = tg.reduce_mean(tg.square(p - y))
        return loss, tape.gradient(loss, p)

    p, y = np.arange(6, dtype=np.float32).reshape(3, 2), np.ones((3, 2), np.float32)
    cf = loss_and_gradient.get_concrete_function(tg.constant(p), tg.constant(y))
    ops = op_names(cf.optimized_graph)
    assert "fill_like" not in ops and "broadcast_like" not in ops
    assert ops.count("fused_elementwise") <= 2
    loss, gradient = cf(tg.constant(p), tg.constant(y))
    np.testing.assert_allclose(loss.numpy(), np.mean((p - y) ** 2), rtol=1e-6)
    np.testing.assert_allclose(gradient.numpy(), 2 * (p - y) / p.size, rtol=1e-6)


def test_folding_after_scalarizing_computes_scalar_chains():
    b = Builder()
    x = b.input([])
    seed = b.op("fill_like", x, value=1)
    g = b.returns(b.op("divide", seed, b.const(32.0)))
    s = eliminate_dead_code(fold_constants(scalarize_operands(g)))
    assert op_names(s) == ["const"]
    assert_same_results(g, s, [np.float32(3.0)])
