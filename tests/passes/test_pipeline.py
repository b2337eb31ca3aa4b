"""The default pipeline: the optimized graph computes what the traced graph computes."""
import numpy as np
import pytest

import tracegraph as tg
from tracegraph.ir.interpreter import interpret
from tracegraph.passes import DEFAULT_PIPELINE, optimize, optimize_stages
from tracegraph.passes.dead_code import eliminate_dead_code

from graphs import assert_same_results, op_names

RNG = np.random.RandomState(0)


def scaled_elu(z):
    return 1.05 * tg.where(z >= 0.0, z, 1.67 * (tg.exp(z) - 1.0))


def softmax_like(x):
    e = tg.exp(x - tg.reduce_max(x, axis=-1, keepdims=True))
    return e / tg.reduce_sum(e, axis=-1, keepdims=True)


def redundant(x):
    a = tg.exp(x) * 1.0
    b = tg.exp(x) + (2.0 * 3.0)
    c = tg.transpose(tg.transpose(a + b))
    unused = tg.sin(c)  # noqa: F841
    return tg.reshape(tg.reshape(c, [-1]), [4, 3]) - 0.0


def with_control_flow(x):
    y = tg.cond(tg.reduce_sum(x) > 0.0, lambda: x * 1.0 + tg.exp(x), lambda: -(-x))
    return tg.while_loop(lambda v: tg.reduce_max(v) < 100.0, lambda v: v * 2.0 + 1.0, [y])[0]


@pytest.mark.parametrize("fn", [scaled_elu, softmax_like, redundant, with_control_flow])
def test_optimized_graph_matches_the_traced_graph(fn):
    x = RNG.randn(4, 3).astype(np.float32)
    cf = tg.function(fn).get_concrete_function(tg.constant(x))
    (expected,) = interpret(cf.graph, [x])
    (got,) = interpret(cf.optimized_graph, [x])
    assert got.dtype == expected.dtype
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    np.testing.assert_allclose(cf(tg.constant(x)).numpy(), expected, rtol=1e-6)


def test_stages_are_named_and_leave_earlier_graphs_intact():
    cf = tg.function(redundant).get_concrete_function(tg.constant(np.ones((4, 3), np.float32)))
    before = str(cf.graph)
    stages = optimize_stages(cf.graph)
    assert [name for name, _ in stages] == ["traced"] + [name for name, _ in DEFAULT_PIPELINE]
    assert str(cf.graph) == before
    assert len({id(g) for _, g in stages}) == len(stages)


def test_passes_reach_into_subgraphs():
    @tg.function
    def f(x):
        return tg.cond(x > 0.0, lambda: tg.exp(x) * 1.0 + tg.exp(x), lambda: -(-x))

    cf = f.get_concrete_function(tg.constant(1.0))
    cond = next(n for n in cf.optimized_graph.nodes if n.op.name == "cond")
    true_ops = op_names(cond.attrs["true_graph"])
    assert "multiply" not in true_ops and true_ops.count("exp") <= 1
    assert op_names(cond.attrs["false_graph"]) == []
    for value in (2.0, -3.0):
        assert float(f(tg.constant(value))) == pytest.approx(2 * np.exp(value) if value > 0 else value)


def test_a_custom_pipeline():
    cf = tg.function(redundant).get_concrete_function(tg.constant(np.ones((4, 3), np.float32)))
    only_dce = optimize(cf.graph, [("eliminate_dead_code", eliminate_dead_code)])
    assert "sin" not in op_names(only_dce) and "exp" in op_names(only_dce)
    assert_same_results(cf.graph, only_dce, [np.ones((4, 3), np.float32)])
