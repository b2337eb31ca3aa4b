"""The execution plan: flat generated Python, early release of intermediates, interpreter parity."""
import re
import weakref

import numpy as np
import pytest

import tracegraph as tg
from tracegraph.buffer_pool import BUFFERS
from tracegraph.execute import SUM_BLOCK, _memory_held_alone, accurate_sum, build_plan
from tracegraph.ir.interpreter import interpret
from tracegraph.ops import gather_scatter


def numpy_plan(graph, kernel_for=None):
    def compile_subgraph(sub):
        return build_plan(sub, np, compile_subgraph, kernel_for)
    return build_plan(graph, np, compile_subgraph, kernel_for)


def graph_of(fn, *args):
    return tg.function(fn).get_concrete_function(*args).graph


def chain(x):
    a = tg.exp(x)
    b = a * 2.0
    c = tg.sin(b)
    return c + 1.0


def test_plan_is_flat_straight_line_python():
    plan = numpy_plan(graph_of(chain, tg.constant([1.0, 2.0])))
    source = plan.source
    assert source.startswith("def plan(inputs):\n    try:\n        v0, = inputs\n")
    body = source.split("\n    except")[0].splitlines()[2:]   # one try names the node of an error
    assert all(line.startswith("        ") and not line.startswith("         ") for line in body)  # no nesting
    assert not re.search(r"\b(for|while|dict|getattr)\b", source)
    assert len(re.findall(r"= k\d+\(xp", source)) == 4  # one call per op, constants are not calls
    assert "c0" in source and "c1" in source
    assert body[-1] == "        return [v4]"


def test_intermediates_are_deleted_after_their_last_use():
    plan = numpy_plan(graph_of(chain, tg.constant([1.0, 2.0])))
    calls_and_deletes = [line.strip() for line in plan.source.splitlines()
                         if " = k" in line or line.strip().startswith("del ")]
    assert calls_and_deletes == [
        "v1 = k0(xp, v0)", "del v0",      # exp
        "v2 = k1(xp, v1, c0)", "del v1",  # multiply by the constant c0
        "v3 = k2(xp, v2)", "del v2",      # sin
        "v4 = k3(xp, v3, c1)", "del v3",  # add the constant c1; v4 is returned, never deleted
    ]


def test_intermediate_arrays_are_released_while_the_plan_runs():
    graph = graph_of(chain, tg.constant([1.0, 2.0]))
    refs = {}

    def kernel_for(node):
        impl = node.op.impl

        def kernel(xp, *arrays, **attrs):
            if node.op.name == "sin":
                refs["alive_at_sin"] = refs["exp"]() is not None
            result = impl(xp, *arrays, **node.attrs)
            if node.op.name == "exp":
                refs["exp"] = weakref.ref(result)
            return result
        return None if node.op.name == "const" else kernel

    (out,) = numpy_plan(graph, kernel_for)([np.array([1.0, 2.0], np.float32)])
    assert refs["alive_at_sin"] is False
    np.testing.assert_allclose(out, np.sin(np.exp([1.0, 2.0]) * 2) + 1, rtol=1e-6)


def test_results_match_the_interpreter_and_the_dtypes_are_exact():
    def mixed(x, i):
        s = tg.reduce_sum(x * x)  # 0-d results come back as NumPy scalars: made arrays of the right dtype
        q = tg.cast(i, tg.float32) / 3.0
        return s, q, i // 2, tg.transpose(x), x > 0.5

    x = np.random.RandomState(1).rand(2, 3).astype(np.float32)
    i = np.int32(7)
    graph = graph_of(mixed, tg.constant(x), tg.constant(i))
    got = numpy_plan(graph)([x, i])
    expected = interpret(graph, [x, i])
    for a, b, v in zip(got, expected, graph.outputs):
        assert a.dtype == b.dtype == v.spec.dtype.numpy_dtype
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_fused_nodes_are_written_inline():
    cf = tg.function(lambda x: tg.exp(x) * 2.0 + 1.0).get_concrete_function(tg.constant([1.0, 2.0]))
    graph = cf.optimized_graph
    assert [n.op.name for n in graph.nodes] == ["fused_elementwise"]
    plan = numpy_plan(graph)
    assert "t0_0 = xp.exp(v0)" in plan.source and "t0_2" in plan.source   # a ufunc is called directly
    assert "_fix(t0_2" not in plan.source    # written into a float32 buffer: no dtype check needed
    x = np.array([0.5, -1.0], np.float32)
    np.testing.assert_allclose(plan([x])[0], interpret(cf.graph, [x])[0], rtol=1e-6)


def test_fused_reduction_inline():
    cf = tg.function(lambda x: tg.reduce_sum(x * x + 1.0)).get_concrete_function(tg.constant([1.0, 2.0]))
    graph = cf.optimized_graph
    x = np.array([0.5, -1.0, 3.0], np.float32)[:2]
    (got,) = numpy_plan(graph)([x])
    assert got.dtype == np.float32 and got.shape == ()
    np.testing.assert_allclose(got, np.sum(x * x + 1), rtol=1e-6)


def test_ufunc_ops_write_into_a_dying_temporary():
    def fn(a, b):
        t = tg.exp(a) * 2.0          # the multiply writes into exp's dying buffer
        u = t - b                    # t lives on: a new buffer
        # abs(u) must not write into u, which the where still reads (u < 0 in places)
        return tg.sqrt(tg.abs(u)) + t * 0.0 + tg.where(a > 0.0, u, a)
    a = np.linspace(-2, 2, 12, dtype=np.float32).reshape(3, 4)
    b = np.linspace(1, 3, 4, dtype=np.float32)
    cf = tg.function(fn).get_concrete_function(tg.constant(a), tg.constant(b))
    plan = numpy_plan(cf.optimized_graph)
    assert plan.source.count("out=") >= 4
    a_before, b_before = a.copy(), b.copy()
    (got,) = plan([a, b])
    np.testing.assert_array_equal(got, interpret(cf.graph, [a, b])[0])
    np.testing.assert_array_equal(a, a_before)   # inputs are never written
    np.testing.assert_array_equal(b, b_before)


def test_no_reuse_for_scalars_or_unknown_shapes():
    for arg in (tg.constant(0.5), tg.TensorSpec([None], tg.float32)):
        cf = tg.function(lambda x: tg.exp(x) * 2.0 - 1.0).get_concrete_function(arg)
        assert "out=" not in numpy_plan(cf.optimized_graph).source


def test_large_intermediates_reuse_scratch_buffers_nobody_else_holds():
    cf = tg.function(lambda x: tg.exp(x) * 2.0 - 1.0).get_concrete_function(tg.TensorSpec([50_000], tg.float32))
    plan = numpy_plan(cf.optimized_graph)
    assert "out=_scratch(0)" in plan.source
    x = np.linspace(-1, 1, 50_000, dtype=np.float32)
    expected = np.exp(x) * np.float32(2) - np.float32(1)
    kept = plan([x])[0]
    view = plan([x])[0][::2]                 # a view keeps its base busy too
    again = plan([x])[0]
    assert kept is not again and not np.shares_memory(view, again)
    # none was overwritten by a later call
    np.testing.assert_array_equal(kept, expected)
    np.testing.assert_array_equal(view, expected[::2])
    np.testing.assert_array_equal(again, expected)
    del kept, view, again
    first_address = plan([x])[0].__array_interface__["data"][0]
    assert plan([x])[0].__array_interface__["data"][0] == first_address   # dropped: reused


def test_ops_with_an_into_facet_write_large_intermediates_into_scratch():
    """relu and where (computed in three passes) take scratch buffers, never a dying operand."""
    def fn(x, y):
        picked = tg.where(x > 0.0, tg.exp(x) - 1.0, y * 3.0)    # both branches die at the where
        return tg.nn.relu(picked - 0.5) * 2.0
    n = 50_000
    spec = tg.TensorSpec([n], tg.float32)
    cf = tg.function(fn).get_concrete_function(spec, spec)
    plan = numpy_plan(cf.optimized_graph)
    calls = [line for line in plan.source.splitlines() if "out=" in line and "xp." not in line]
    assert len(calls) == 2 and all("out=_scratch(" in line for line in calls)   # the where, the relu
    rng = np.random.default_rng(9)
    x, y = rng.standard_normal(n, dtype=np.float32), rng.standard_normal(n, dtype=np.float32)
    for _ in range(2):   # the second call reuses the buffers
        np.testing.assert_array_equal(plan([x, y])[0], interpret(cf.graph, [x, y])[0])


@pytest.mark.parametrize("shape", [(10,), (2 * SUM_BLOCK - 1,), (2 * SUM_BLOCK,), (1000, 77), (10**6 + 3,)])
def test_fused_sums_are_accurate_whatever_the_blocking(shape):
    x = np.random.default_rng(10).standard_normal(shape).astype(np.float32) ** 2
    exact = x.astype(np.float64).sum()
    got = accurate_sum(np, x)
    assert got.dtype == np.float64 and abs(got - exact) <= 1e-7 * exact
    x64 = x.astype(np.float64)
    assert accurate_sum(np, x64) == x64.sum()
    x.reshape(-1)[[3, -1]] = [np.inf, 1.0]
    assert accurate_sum(np, x) == np.inf
    x.reshape(-1)[0] = np.nan
    assert np.isnan(accurate_sum(np, x))


def test_small_intermediates_use_no_scratch():
    cf = tg.function(lambda x: tg.exp(x) * 2.0).get_concrete_function(tg.TensorSpec([100], tg.float32))
    assert "_scratch" not in numpy_plan(cf.optimized_graph).source


def test_control_flow_runs_as_sub_plans():
    @tg.function
    def collatz_steps(n):
        def body(n, steps):
            n = tg.cond(n % 2 == 0, lambda: n // 2, lambda: 3 * n + 1)
            return n, steps + 1
        return tg.while_loop(lambda n, steps: n > 1, body, (n, 0))[1]

    graph = collatz_steps.get_concrete_function(tg.constant(6)).graph
    plan = numpy_plan(graph)
    for n, steps in [(1, 0), (6, 8), (27, 111)]:
        assert int(plan([np.int32(n)])[0]) == steps == int(interpret(graph, [np.int32(n)])[0])
        assert int(collatz_steps(tg.constant(n))) == steps


def test_outputs_that_are_inputs_or_constants():
    plan = numpy_plan(graph_of(lambda x: (x, tg.constant([1, 2]), x), tg.constant(3.0)))
    out = plan([np.float32(3.0)])
    assert float(out[0]) == 3.0 and float(out[2]) == 3.0
    np.testing.assert_array_equal(out[1], [1, 2])


@pytest.mark.parametrize("size", [0, 1, 5])
def test_empty_and_small_inputs(size):
    f = tg.function(lambda x: tg.reduce_max(x * 2.0, axis=0) if size else x * 2.0, backend="numpy")
    x = np.arange(size, dtype=np.float32)
    np.testing.assert_array_equal(f(tg.constant(x)).numpy(), (x * 2).max(axis=0) if size else x * 2)


# ----- updates in place of a buffer the plan holds alone ------------------------------------------------

@pytest.fixture
def in_place_calls(monkeypatch):
    """How often tensor_scatter_nd_update wrote into its first input instead of a copy (for functions
    traced while the fixture is active)."""
    op, calls = gather_scatter._scatter_nd_update, []
    original = op.update_in_place

    def counted(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)
    monkeypatch.setattr(op, "update_in_place", counted)
    return calls


def _rows_filled_by_a_loop(n, initial):
    def body(t, buffer):
        row = tg.ones([1, 3]) * tg.cast(t, tg.float32)
        return t + 1, tg.tensor_scatter_nd_update(buffer, tg.reshape(t, [1, 1]), row)
    return tg.while_loop(lambda t, buffer: t < n, body, (tg.constant(0), initial))[1]


def test_a_loop_writes_its_buffer_in_place_after_copying_the_initial_value_once(in_place_calls):
    @tg.function
    def fill(n):
        return _rows_filled_by_a_loop(n, tg.zeros([n, 3]))

    @tg.function
    def fill_50(n):  # its initial zeros are a constant of the plan, reused by every call
        return _rows_filled_by_a_loop(n, tg.zeros([50, 3]))

    expected = np.repeat(np.arange(50.0)[:, None], 3, 1)
    for function in (fill, fill_50, fill_50):
        np.testing.assert_array_equal(function(tg.constant(50)).numpy(), expected)
    assert len(in_place_calls) == 3 * 49  # every iteration but the first, which copies the loop's input


def test_an_array_someone_else_holds_is_never_written_into(in_place_calls):
    @tg.function
    def fill(n, initial):
        return _rows_filled_by_a_loop(n, initial)

    initial = np.full((4, 3), 7.0, np.float32)
    result = fill(tg.constant(4), initial).numpy()
    np.testing.assert_array_equal(initial, np.full((4, 3), 7.0, np.float32))  # the caller's array
    np.testing.assert_array_equal(result[:, 0], [0.0, 1.0, 2.0, 3.0])

    @tg.function
    def scatter_kept(x):
        updated = tg.tensor_scatter_nd_update(x, [[0]], [5.0])
        return updated, x  # x is an output too: it must survive the scatter
    x = tg.constant([1.0, 2.0])
    updated, kept = scatter_kept(x)
    assert updated.numpy().tolist() == [5.0, 2.0] and kept.numpy().tolist() == [1.0, 2.0]
    assert x.numpy().tolist() == [1.0, 2.0]


def test_a_view_of_memory_another_array_shares_is_copied_not_written():
    owner = np.zeros((4, 3), np.float32)
    assert _memory_held_alone(np, owner)
    assert not _memory_held_alone(np, owner[1:])           # a view of a part
    assert not _memory_held_alone(np, owner.reshape(12))   # a view of the whole of an unpooled array
    assert not _memory_held_alone(np, np.zeros(3)[::2])
    read_only = np.zeros(3)
    read_only.flags.writeable = False
    assert not _memory_held_alone(np, read_only)
    pooled = BUFFERS.empty(np, (4, 4096), np.dtype(np.float32))  # a view of the whole of a pooled buffer
    assert _memory_held_alone(np, pooled)
    other_view = pooled.base[:10]
    assert not _memory_held_alone(np, pooled)  # another view shares its memory
    del other_view
    assert _memory_held_alone(np, pooled)
