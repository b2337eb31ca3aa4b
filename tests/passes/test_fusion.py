"""The elementwise fusion pass: grouping, convexity, outputs, reductions, and same results."""
import numpy as np
import pytest

import tracegraph as tg
from tracegraph.ir.interpreter import interpret
from tracegraph.ir.verifier import verify
from tracegraph.passes import optimize_stages
from tracegraph.passes.fusion import fuse_elementwise


def _graphs(fn, *args):
    cf = tg.function(fn, backend="numpy").get_concrete_function(*args)
    return cf.graph, cf.optimized_graph


def _fused(graph):
    return [n for n in graph.nodes if n.op.name == "fused_elementwise"]


def _same_results(fn, *args):
    traced, optimized = _graphs(fn, *args)
    arrays = [a.numpy() for a in args]
    for want, got in zip(interpret(traced, arrays), interpret(optimized, arrays)):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
        assert got.dtype == want.dtype


def scaled_elu(z, scale=1.0, alpha=1.0):
    return scale * tg.where(tg.greater_equal(z, 0.0), z, alpha * (tg.exp(z) - 1))


def test_a_chain_becomes_one_kernel_with_literal_constants():
    x = tg.constant(np.linspace(-2, 2, 7, dtype=np.float32))
    _, optimized = _graphs(scaled_elu, x)
    fused = _fused(optimized)
    assert len(fused) == 1
    assert [n.op.name for n in optimized.nodes] == ["fused_elementwise"]
    ops = [ins[0] for ins in fused[0].attrs["expression"]["instructions"]]
    assert ops == ["greater_equal", "exp", "subtract", "where"]
    assert any(ref[0] == "lit" for ins in fused[0].attrs["expression"]["instructions"] for ref in ins[1])
    _same_results(scaled_elu, x)


def test_inner_value_used_outside_is_an_extra_output():
    def f(x):
        e = tg.exp(x)
        return e * 2.0, tg.reduce_max(e)
    x = tg.constant(np.arange(6, dtype=np.float32))
    _, optimized = _graphs(f, x)
    (fused,) = _fused(optimized)
    assert len(fused.outputs) == 2
    assert any("reduce_max: not elementwise" in b for b in fused.attrs["boundaries"])
    _same_results(f, x)


def test_reduce_sum_of_a_group_is_fused_into_the_kernel():
    def mse(p, y):
        return tg.reduce_mean(tg.square(p - y))
    p = tg.constant(np.arange(8, dtype=np.float32))
    y = tg.constant(np.ones(8, dtype=np.float32))
    _, optimized = _graphs(mse, p, y)
    assert "reduce_sum" not in [n.op.name for n in optimized.nodes]
    assert _fused(optimized)[0].attrs["expression"]["reduction"][0] == "sum"
    _same_results(mse, p, y)


def test_different_shapes_are_not_fused_so_nothing_is_computed_twice():
    def f(row, matrix):
        r = tg.exp(row)            # shape [4]
        return matrix * r          # shape [3, 4]
    row = tg.constant(np.arange(4, dtype=np.float32))
    matrix = tg.constant(np.ones((3, 4), dtype=np.float32))
    _, optimized = _graphs(f, row, matrix)
    fused = _fused(optimized)
    assert len(fused) == 2
    assert any("differs from the group" in b for b in fused[0].attrs["boundaries"])
    _same_results(f, row, matrix)


def test_convexity_a_path_through_a_non_elementwise_op_splits_the_group():
    def f(x):
        a = tg.exp(x)
        s = tg.reduce_sum(a, axis=0, keepdims=True)  # leaves the group ...
        return a + s                               # ... and comes back: no single kernel
    x = tg.constant(np.arange(6, dtype=np.float32).reshape(2, 3))
    _, optimized = _graphs(f, x)
    verify(optimized)
    assert len(_fused(optimized)) == 2
    _same_results(f, x)


def test_two_groups_that_need_each_other_are_not_both_made():
    def f(x, y):  # each group is convex alone, but A -> t1 -> B and B -> t2 -> A: fused, they would form a cycle
        a1, b1 = tg.exp(x), tg.sin(y)
        t1, t2 = tg.reverse(a1, [0]), tg.reverse(b1, [0])
        return a1 * t2 + b1 * t1
    x, y = tg.constant(np.array([0.1, 0.2, 0.3], np.float32)), tg.constant(np.array([1.0, 2.0, 3.0], np.float32))
    _, optimized = _graphs(f, x, y)
    verify(optimized)
    _same_results(f, x, y)


def test_stateful_order_is_kept():
    v = tg.Variable(1.0)

    def f(x):
        a = x * v
        v.assign(a * 2.0)
        return a + v

    x = tg.constant(3.0)
    traced, optimized = _graphs(f, x)
    kinds = [n.op.name for n in optimized.nodes if n.op.stateful]
    assert kinds == ["read_variable", "assign_variable", "read_variable"]
    verify(optimized)


def test_every_stage_verifies_and_is_visible():
    x = tg.constant(np.ones(4, dtype=np.float32))
    cf = tg.function(scaled_elu).get_concrete_function(x)
    stages = cf.optimization_stages()
    names = [name for name, _ in stages]
    assert names[0] == "traced" and "fuse_elementwise" in names
    for _, g in stages:
        verify(g)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32])
def test_fusion_keeps_dtypes(dtype):
    def f(x, y):
        return tg.maximum(x * y - y, x) + 1
    x = tg.constant(np.arange(5).astype(dtype))
    y = tg.constant(np.arange(5, 10).astype(dtype))
    _same_results(f, x, y)
    _, optimized = _graphs(f, x, y)
    assert optimized.outputs[0].spec.dtype.numpy_dtype == np.dtype(dtype)


def test_fusing_an_already_fused_graph_changes_nothing():
    x = tg.constant(np.ones(4, dtype=np.float32))
    _, optimized = _graphs(scaled_elu, x)
    again = fuse_elementwise(optimized)
    assert [n.op.name for n in again.nodes] == [n.op.name for n in optimized.nodes]
