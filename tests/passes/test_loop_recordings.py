"""merge_loop_recordings: a loop and the recording its gradient made run as one loop."""
import numpy as np
import pytest

import tracegraph as tg
from tracegraph.ir.graph import is_stateful
from tracegraph.ir.interpreter import interpret
from tracegraph.core.op import get_op
from tracegraph.passes import optimize
from tracegraph.passes.constant_folding import fold_constants
from tracegraph.passes.loop_recordings import merge_loop_recordings, same_graph

X = np.array([0.3, -0.7, 1.1])


def sine_loop(x, steps=3):
    return tg.while_loop(lambda i, v: i < steps, lambda i, v: (i + 1, tg.sin(v) * 1.5),
                         [tg.constant(0), x])[1]


def cosine_loop(x, steps=3):
    return tg.while_loop(lambda i, v: i < steps, lambda i, v: (i + 1, tg.cos(v) * 0.5),
                         [tg.constant(0), x])[1]


def value_and_gradient(x, loop=sine_loop):
    """sum(loop(x)) and its gradient, taken with a tape."""
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = tg.reduce_sum(loop(x))
    return y, tape.gradient(y, x)


def loop_counts(graph):
    """(forward `while_loop` nodes, `while_loop_history` nodes, backward `while_loop` nodes) at top level.

    A backward loop is told apart by its body, which gathers iteration i from the recorded values.
    """
    names = [n.op.name for n in graph.nodes]
    backward = sum(1 for n in graph.nodes if n.op.name == "while_loop" and _is_backward(n))
    return names.count("while_loop") - backward, names.count("while_loop_history"), backward


def assert_optimized_graph_computes_the_same(cf):
    for a, b in zip(interpret(cf.graph, [X]), interpret(cf.optimized_graph, [X])):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def _is_backward(node):
    return any(n.op.name == "gather" for n in node.attrs["body_graph"].all_nodes())


def eager_value_and_gradient(x):
    x = tg.constant(x)
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = tg.reduce_sum(sine_loop(x))
    return y.numpy(), tape.gradient(y, x).numpy()


# ----- the merge in traced functions ---------------------------------------------------------

@pytest.mark.parametrize("backend", ["numpy", "default"])
def test_a_loop_and_its_gradient_run_the_forward_loop_once(backend):
    if backend == "default":
        tg.config.set_backend(None)  # the conftest chose numpy; its teardown restores the default too
    f = tg.function(value_and_gradient, backend="numpy" if backend == "numpy" else None)
    cf = f.get_concrete_function(tg.constant(X))
    assert loop_counts(cf.graph) == (1, 1, 1)
    assert loop_counts(cf.optimized_graph) == (0, 1, 1)
    expected = interpret(cf.graph, [X])
    np.testing.assert_allclose(interpret(cf.optimized_graph, [X])[0], expected[0], rtol=1e-12)
    got = f(tg.constant(X))
    for g, e, eager in zip(got, expected, eager_value_and_gradient(X)):
        np.testing.assert_allclose(g.numpy(), e, rtol=1e-12)
        np.testing.assert_allclose(g.numpy(), eager, rtol=1e-12)


def test_the_merged_recording_runs_where_the_loop_ran():
    cf = tg.function(value_and_gradient).get_concrete_function(tg.constant(X))
    merged = merge_loop_recordings(cf.graph)
    traced_ops = [n.op.name for n in cf.graph.nodes]
    assert [n.op.name for n in merged.nodes][traced_ops.index("while_loop")] == "while_loop_history"
    assert len(merged.nodes) == len(cf.graph.nodes) - 1
    history = next(n for n in cf.graph.nodes if n.op.name == "while_loop_history")
    assert any(n is history for n in merged.nodes)  # its inputs did not change: the very node moved
    for a, b in zip(interpret(cf.graph, [X]), interpret(merged, [X])):
        np.testing.assert_array_equal(a, b)


def test_a_loop_whose_output_is_not_differentiated_stays_untouched():
    cf = tg.function(lambda x: sine_loop(x) * 2.0).get_concrete_function(tg.constant(X))
    unchanged = merge_loop_recordings(cf.graph)
    assert len(unchanged.nodes) == len(cf.graph.nodes)
    assert all(a is b for a, b in zip(unchanged.nodes, cf.graph.nodes))
    assert loop_counts(cf.optimized_graph) == (1, 0, 0)
    np.testing.assert_allclose(interpret(cf.optimized_graph, [X])[0], interpret(cf.graph, [X])[0])


def test_two_different_loops_on_the_same_operands_are_not_merged():
    @tg.function
    def f(x):
        with tg.GradientTape() as tape:
            tape.watch(x)
            y = tg.reduce_sum(sine_loop(x))
        return y, tape.gradient(y, x), cosine_loop(x)  # the cosine loop is not differentiated

    cf = f.get_concrete_function(tg.constant(X))
    merged = merge_loop_recordings(cf.graph)
    loops = [n for n in merged.nodes if n.op.name == "while_loop" and not _is_backward(n)]
    assert len(loops) == 1 and "cos" in [n.op.name for n in loops[0].attrs["body_graph"].nodes]
    assert loop_counts(cf.optimized_graph) == (1, 1, 1)
    assert_optimized_graph_computes_the_same(cf)


def test_two_differentiated_loops_each_merge_with_their_own_recording():
    @tg.function
    def f(x):
        with tg.GradientTape() as tape:
            tape.watch(x)
            y = tg.reduce_sum(sine_loop(x) * cosine_loop(x))
        return y, tape.gradient(y, x)

    cf = f.get_concrete_function(tg.constant(X))
    assert loop_counts(cf.optimized_graph) == (0, 2, 2)
    assert_optimized_graph_computes_the_same(cf)


def test_the_recordings_of_a_jacobian_merge_into_one():
    @tg.function
    def f(x):
        with tg.GradientTape() as tape:
            tape.watch(x)
            y = sine_loop(x)
        return y, tape.jacobian(y, x)

    cf = f.get_concrete_function(tg.constant(X))
    assert loop_counts(cf.graph) == (1, 3, 3)
    assert loop_counts(cf.optimized_graph) == (0, 1, 3)
    expected = interpret(cf.graph, [X])
    for a, b in zip(expected, f(tg.constant(X))):
        np.testing.assert_allclose(b.numpy(), a, rtol=1e-12)
    np.testing.assert_allclose(np.diag(np.diag(expected[1])), expected[1])  # elementwise loop


def test_stateful_nodes_keep_their_order():
    counter = tg.Variable(0.0, dtype=tg.float64)

    @tg.function
    def f(x):
        with tg.GradientTape() as tape:
            tape.watch(x)
            y = tg.reduce_sum(sine_loop(x))
        counter.assign_add(y)  # between the loop and its recording
        g = tape.gradient(y, x)
        counter.assign_add(tg.reduce_sum(g))
        return counter.read_value()

    cf = f.get_concrete_function(tg.constant(X))
    merged = merge_loop_recordings(cf.graph)
    assert loop_counts(merged) == (0, 1, 1)
    stateful = [n for n in cf.graph.nodes if is_stateful(n)]
    assert len(stateful) >= 2 and [n for n in merged.nodes if is_stateful(n)] == stateful
    y, g = eager_value_and_gradient(X)
    np.testing.assert_allclose(f(tg.constant(X)).numpy(), y + g.sum(), rtol=1e-12)


def test_second_order_gradients_merge_the_backward_loop_too():
    @tg.function
    def f(x):
        with tg.GradientTape() as outer:
            outer.watch(x)
            with tg.GradientTape() as inner:
                inner.watch(x)
                y = tg.reduce_sum(sine_loop(x, steps=2))
            g = tg.reduce_sum(inner.gradient(y, x))
        return y, g, outer.gradient(g, x)

    cf = f.get_concrete_function(tg.constant(X))
    # forward loop + its recording; backward loop + its recording; the backward loops of both recordings
    assert loop_counts(cf.graph) == (1, 2, 3)
    assert loop_counts(cf.optimized_graph) == (0, 2, 2)  # the forward and first backward loops merged
    for a, b in zip(interpret(cf.graph, [X]), f(tg.constant(X))):
        np.testing.assert_allclose(b.numpy(), a, rtol=1e-10)


def test_loops_with_a_loop_inside_merge_at_every_level():
    def nested(x):
        return tg.while_loop(lambda j, v: j < 2, lambda j, v: (j + 1, sine_loop(v, steps=2) + v),
                             [tg.constant(0), x])[1]

    @tg.function
    def f(x):
        return value_and_gradient(x, nested)

    def everywhere(graph):
        names = [n.op.name for n in graph.all_nodes()]
        return names.count("while_loop"), names.count("while_loop_history")

    cf = f.get_concrete_function(tg.constant(X))
    # The pipeline copies sub-graphs that hold loops, so the outer pair is matched by structure.
    assert loop_counts(cf.optimized_graph) == (0, 1, 1)
    # outer loop (its inner loop with it), and the inner loop inlined in the backward body, merged
    assert everywhere(cf.graph) == (5, 2) and everywhere(cf.optimized_graph) == (3, 2)
    for a, b in zip(interpret(cf.graph, [X]), f(tg.constant(X))):
        np.testing.assert_allclose(b.numpy(), a, rtol=1e-12)


# ----- the rules, on hand-made graphs --------------------------------------------------------

def with_extra_recordings(recorded_sets):
    """A traced forward loop, plus one `while_loop_history` node of it per entry of `recorded_sets`."""
    cf = tg.function(lambda x: sine_loop(x) * 2.0).get_concrete_function(tg.constant(X))
    graph = cf.graph.copy_structure(cf.graph.nodes)
    loop = next(n for n in graph.nodes if n.op.name == "while_loop")
    op = get_op("while_loop_history")
    for recorded in recorded_sets:
        attrs = dict(loop.attrs, recorded=recorded)
        node = graph.add_node(op, loop.inputs, attrs, op.infer(*[v.spec for v in loop.inputs], **attrs))
        graph.outputs = graph.outputs + node.outputs
    return graph


def test_the_first_recording_merges_and_only_identical_ones_follow():
    graph = with_extra_recordings([(1,), (0, 1), (1,)])
    merged = merge_loop_recordings(graph)
    histories = [n for n in merged.nodes if n.op.name == "while_loop_history"]
    assert [n.attrs["recorded"] for n in histories] == [(1,), (0, 1)]
    assert [n.op.name for n in merged.nodes].count("while_loop") == 0
    for a, b in zip(interpret(graph, [X]), interpret(merged, [X])):
        np.testing.assert_array_equal(a, b)


def test_copied_subgraphs_are_compared_by_structure():
    graph = with_extra_recordings([(1,)])
    after_folding = optimize(graph, [("fold_constants", fold_constants),
                                     ("merge_loop_recordings", merge_loop_recordings)])
    assert [n.op.name for n in after_folding.nodes].count("while_loop") == 0
    for a, b in zip(interpret(graph, [X]), interpret(after_folding, [X])):
        np.testing.assert_array_equal(a, b)


def loop_subgraph(fn, key):
    graph = tg.function(fn).get_concrete_function(tg.constant(X)).graph
    return next(n for n in graph.nodes if n.op.name == "while_loop").attrs[key]


def test_same_graph_tells_different_bodies_apart():
    body = loop_subgraph(sine_loop, "body_graph")
    assert same_graph(body, body) and same_graph(body, body.copy_structure(body.nodes))
    assert same_graph(body, loop_subgraph(sine_loop, "body_graph"))  # traced again: same structure
    assert not same_graph(body, loop_subgraph(cosine_loop, "body_graph"))
    # 3 steps vs 4: the conditions differ only in a constant
    assert not same_graph(loop_subgraph(sine_loop, "cond_graph"),
                          loop_subgraph(lambda x: sine_loop(x, 4), "cond_graph"))
