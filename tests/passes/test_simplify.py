"""Algebraic simplification alone: every rule, and the cases where a rule must not fire."""
import numpy as np
import pytest

import tracegraph as tg
from tracegraph.passes.dead_code import eliminate_dead_code
from tracegraph.passes.simplify import simplify_algebra

from graphs import Builder, assert_same_results, op_names

X = np.array([[1.5, -0.0], [0.0, -2.0]], np.float32)


def simplified(name, x_shape, constant, constant_on_left=False, dtype=np.float32):
    """(graph, simplified graph) for `x op c` (or `c op x`)."""
    b = Builder()
    x = b.input(x_shape, tg.as_dtype(dtype))
    c = b.const(constant, dtype)
    g = b.returns(b.op(name, c, x) if constant_on_left else b.op(name, x, c))
    return g, simplify_algebra(g)


@pytest.mark.parametrize("name, constant, left", [
    ("multiply", 1.0, False), ("multiply", 1.0, True), ("multiply", [1.0, 1.0], False),
    ("divide", 1.0, False),
    ("add", -0.0, False), ("add", -0.0, True),
    ("subtract", 0.0, False),
])
def test_neutral_constants_are_removed(name, constant, left):
    g, s = simplified(name, [2, 2], constant, left)
    assert s.outputs[0] is g.inputs[0]
    assert_same_results(g, s, [X])


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
def test_integer_zero_is_neutral_for_add_and_subtract(dtype):
    for name, left in [("add", False), ("add", True), ("subtract", False)]:
        g, s = simplified(name, [2], 0, left, dtype)
        assert s.outputs[0] is g.inputs[0]


@pytest.mark.parametrize("name, constant, left", [
    ("add", 0.0, False),        # -0.0 + 0.0 is +0.0, not x
    ("add", 0.0, True),
    ("subtract", -0.0, False),  # -0.0 - (-0.0) is +0.0
    ("subtract", 0.0, True),    # 0 - x is -x
    ("divide", 1.0, True),      # 1 / x
    ("multiply", 2.0, False),
    ("multiply", [1.0, 2.0], False),
])
def test_non_neutral_constants_stay(name, constant, left):
    g, s = simplified(name, [2, 2], constant, left)
    assert op_names(s) == op_names(g)
    assert_same_results(g, s, [X])


@pytest.mark.parametrize("x_shape, constant", [
    ([1], [1.0, 1.0, 1.0]),     # broadcasting x up to the constant's shape
    ([2], [[1.0, 1.0]]),        # adds a dimension
    ([None], [1.0, 1.0, 1.0]),  # an unknown dim becomes 3
    ([], [1.0]),
])
def test_no_simplification_when_broadcasting_changes_the_shape(x_shape, constant):
    for name in ("multiply", "divide"):
        g, s = simplified(name, x_shape, constant)
        assert op_names(s) == op_names(g), (name, x_shape)
    g, s = simplified("add", x_shape, np.negative(np.zeros_like(constant)))
    assert op_names(s) == op_names(g)


def test_simplification_with_unknown_dims_that_broadcasting_keeps():
    g, s = simplified("multiply", [None, 2], [1.0])
    assert s.outputs[0] is g.inputs[0]


def test_double_negation():
    b = Builder()
    x = b.input([2])
    g = b.returns(b.op("negative", b.op("negative", x)))
    s = simplify_algebra(g)
    assert s.outputs[0] is g.inputs[0]


def test_identity_and_stop_gradient_pass_through():
    b = Builder()
    x = b.input([2])
    g = b.returns(b.op("exp", b.op("stop_gradient", b.op("identity", x))))
    s = simplify_algebra(g)
    exp = next(n for n in s.nodes if n.op.name == "exp")
    assert exp.inputs[0] is g.inputs[0]


def test_transpose_of_transpose():
    b = Builder()
    x = b.input([2, 3, 4])
    once = b.op("transpose", x, perm=(2, 0, 1))
    undone = b.op("transpose", once, perm=(1, 2, 0))
    twice = b.op("transpose", once, perm=(0, 2, 1))
    g = b.returns(undone, twice)
    s = simplify_algebra(g)
    assert s.outputs[0] is g.inputs[0]
    merged = next(n for n in s.nodes if n.outputs[0] is s.outputs[1])
    assert merged.inputs[0] is g.inputs[0] and merged.attrs["perm"] == (2, 1, 0)
    assert_same_results(g, s, [np.arange(24, dtype=np.float32).reshape(2, 3, 4)])


def test_transpose_with_the_identity_permutation():
    b = Builder()
    x = b.input([2, 3])
    g = b.returns(b.op("transpose", x, perm=(0, 1)))
    assert simplify_algebra(g).outputs[0] is g.inputs[0]


def test_reshape_chains_and_reshape_to_the_same_shape():
    b = Builder()
    x = b.input([2, 6])
    flat = b.op("reshape", x, shape=(-1,))
    g = b.returns(b.op("reshape", flat, shape=(3, 4)), b.op("reshape", x, shape=(2, 6)))
    s = simplify_algebra(g)
    merged = next(n for n in s.nodes if n.outputs[0] is s.outputs[0])
    assert merged.inputs[0] is g.inputs[0] and merged.attrs["shape"] == (3, 4)
    assert s.outputs[1] is g.inputs[0]
    assert_same_results(g, s, [np.arange(12, dtype=np.float32).reshape(2, 6)])


@pytest.mark.parametrize("a_shape, b_shape, dtype, rewritten", [
    ([5, 1], [1, 3], np.float32, True),
    ([2, 5, 1], [1, 1, 3], np.float64, True),     # batch dimensions broadcast as in matmul
    ([5, 1], [1, 3], np.int32, True),
    ([5, 2], [2, 3], np.float32, False),          # a real matrix product
    ([5, 1], [1, 3], np.complex64, False),        # BLAS may round complex parts differently
    ([None, 1], [1, 3], np.float32, True),
])
def test_outer_products_become_elementwise_products(a_shape, b_shape, dtype, rewritten):
    b = Builder()
    g = b.returns(b.op("matmul", b.input(a_shape, tg.as_dtype(dtype)), b.input(b_shape, tg.as_dtype(dtype))))
    s = simplify_algebra(g)
    assert op_names(s) == (["multiply"] if rewritten else ["matmul"])
    assert s.outputs[0].spec == g.outputs[0].spec
    rng = np.random.default_rng(6)
    concrete = [5 if n is None else n for n in a_shape], b_shape
    arrays = [(rng.standard_normal(shape) * 10).astype(dtype) for shape in concrete]
    assert_same_results(g, s, arrays)


def test_rules_compose_across_a_traced_function():
    @tg.function
    def f(x):
        y = -(-(x * 1.0))
        return tg.reshape(tg.reshape(tg.transpose(tg.transpose(y)), [-1]), [2, 2]) - 0.0

    g = f.get_concrete_function(tg.constant(X)).graph
    s = eliminate_dead_code(simplify_algebra(g))  # the replaced nodes are dead now
    assert op_names(s) == ["reshape"] and s.nodes[0].inputs[0] is g.inputs[0]
    assert_same_results(g, s, [X])
