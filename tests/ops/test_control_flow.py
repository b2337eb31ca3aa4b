"""tg.cond and tg.while_loop: eager, traced (as sub-graph nodes), nested, with captures."""
import collections

import numpy as np
import pytest

import tracegraph as tg


@pytest.fixture(autouse=True)
def _verify_graphs_on_the_numpy_backend(monkeypatch):
    monkeypatch.setenv("TRACEGRAPH_VERIFY", "1")
    tg.config.set_backend("numpy")
    yield
    tg.config.set_backend(None)


def traced_graph(fn, *args):
    return tg.function(fn).get_concrete_function(*args).graph


def op_names(graph):
    return [n.op.name for n in graph.nodes]


# ----- cond ------------------------------------------------------------------------------------

def test_cond_eager_runs_only_the_chosen_branch():
    log = []
    out = tg.cond(tg.constant(True), lambda: log.append("t") or tg.constant(1), lambda: log.append("f"))
    assert int(out) == 1 and log == ["t"]
    assert tg.cond(False, lambda: 1, lambda: 2) == 2


def test_cond_traced_is_one_node_with_two_subgraphs():
    @tg.function
    def f(x, y):
        return tg.cond(x > y, lambda: x - y, lambda: y - x)

    assert float(f(tg.constant(5.0), tg.constant(3.0))) == 2.0
    assert float(f(tg.constant(1.0), tg.constant(3.0))) == 2.0
    assert f.experimental_get_tracing_count() == 1
    graph = f.get_concrete_function(tg.constant(1.0), tg.constant(1.0)).graph
    assert op_names(graph) == ["greater", "cond"]
    text = str(graph)
    assert "true_graph:" in text and "graph cond_true(%captured_x: f32[], %captured_y: f32[])" in text
    assert "false_graph:" in text and "subtract(%captured_y, %captured_x)" in text


def test_cond_branches_capture_outer_tensors_and_variables():
    v = tg.Variable(10.0)
    outer = tg.constant(100.0)

    @tg.function
    def f(x):
        doubled = x * 2.0
        return tg.cond(x > 0.0, lambda: doubled + v, lambda: outer - doubled)

    assert float(f(tg.constant(1.0))) == 12.0
    v.assign(20.0)
    assert float(f(tg.constant(1.0))) == 22.0
    assert float(f(tg.constant(-1.0))) == 102.0


def test_cond_with_nested_outputs_and_shape_merging():
    @tg.function
    def f(x):
        return tg.cond(x[0] > 0.0,
                       lambda: {"v": x, "n": [tg.reduce_sum(x)]},
                       lambda: {"v": tg.concat([x, x], 0), "n": [tg.constant(0.0)]})

    out = f(tg.constant([1.0, 2.0]))
    np.testing.assert_array_equal(out["v"].numpy(), [1.0, 2.0])
    assert float(out["n"][0]) == 3.0
    out = f(tg.constant([-1.0, 2.0]))
    np.testing.assert_array_equal(out["v"].numpy(), [-1.0, 2.0, -1.0, 2.0])
    spec = f.get_concrete_function(tg.constant([1.0, 2.0])).structured_outputs["v"]
    assert spec.shape.as_list() == [None]  # [2] in one branch, [4] in the other


def test_cond_branches_returning_none_for_side_effects(capsys):
    @tg.function
    def f(x):
        tg.cond(x > 0, lambda: tg.print("positive"), lambda: tg.print("not positive"))
        return x

    f(tg.constant(1))
    f(tg.constant(-1))
    assert capsys.readouterr().err == "positive\nnot positive\n"


def test_cond_errors():
    @tg.function
    def dtypes(x):
        return tg.cond(x > 0, lambda: x, lambda: tg.cast(x, tg.float64))

    @tg.function
    def structures(x):
        return tg.cond(x > 0, lambda: (x, x), lambda: x)

    @tg.function
    def vector_pred(x):
        return tg.cond(x > 0, lambda: x, lambda: x)

    with pytest.raises(TypeError, match="different dtypes: float32 from true_fn, float64 from false_fn"):
        dtypes(tg.constant(1.0))
    with pytest.raises(ValueError, match="same structure"):
        structures(tg.constant(1.0))
    with pytest.raises(TypeError, match="scalar bool"):
        vector_pred(tg.constant([1.0, 2.0]))
    with pytest.raises(TypeError, match="must be callables"):
        tg.cond(True, 1, 2)


def test_cond_gradient_eager_and_traced():
    x = tg.constant(3.0)

    def f(x):
        return tg.cond(x > 0.0, lambda: x * x, lambda: -x)

    with tg.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    assert float(tape.gradient(y, x)) == 6.0

    @tg.function
    def grad(x):
        with tg.GradientTape() as tape:
            tape.watch(x)
            y = f(x)
        return tape.gradient(y, x)

    assert float(grad(tg.constant(3.0))) == 6.0
    assert float(grad(tg.constant(-3.0))) == -1.0
    traced = tg.function(f)
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = traced(x)
    assert float(tape.gradient(y, x)) == 6.0


# ----- while_loop --------------------------------------------------------------------------------

def test_while_loop_eager():
    i, total = tg.while_loop(lambda i, t: i < 5, lambda i, t: (i + 1, t + i), (tg.constant(0), tg.constant(0)))
    assert (int(i), int(total)) == (5, 10)
    assert int(tg.while_loop(lambda i: i < 3, lambda i: i + 1, tg.constant(0))) == 3
    assert isinstance(tg.while_loop(lambda i: i < 3, lambda i: [i + 1], [0]), list)


def test_while_loop_traced_is_one_node():
    @tg.function
    def f(n):
        return tg.while_loop(lambda i, t: i < n, lambda i, t: (i + 1, t + tg.cast(i, tg.float32)),
                             (tg.constant(0), tg.constant(0.0)))

    i, total = f(tg.constant(5))
    assert (int(i), float(total)) == (5, 10.0)
    i, total = f(tg.constant(0))
    assert (int(i), float(total)) == (0, 0.0)
    assert f.experimental_get_tracing_count() == 1
    graph = f.get_concrete_function(tg.constant(1)).graph
    assert op_names(graph) == ["const", "const", "while_loop"]  # the initial values, then the loop
    assert "cond_graph:" in str(graph) and "body_graph:" in str(graph)


def test_while_loop_with_nested_loop_variables():
    State = collections.namedtuple("State", "step values")

    def run(x):
        return tg.while_loop(lambda s, d: s.step < 3,
                             lambda s, d: (State(s.step + 1, s.values * 2.0), {"sum": d["sum"] + s.values}),
                             (State(tg.constant(0), x), {"sum": tg.zeros_like(x)}))

    x = tg.constant([1.0, 2.0])
    for fn in (run, tg.function(run)):
        state, extra = fn(x)
        assert isinstance(state, State) and int(state.step) == 3
        np.testing.assert_array_equal(state.values.numpy(), [8.0, 16.0])
        np.testing.assert_array_equal(extra["sum"].numpy(), [7.0, 14.0])


def test_while_loop_maximum_iterations():
    def run(limit):
        return tg.while_loop(lambda i: i < 100, lambda i: i + 1, [tg.constant(0)], maximum_iterations=limit)

    assert int(run(7)[0]) == 7
    f = tg.function(run)
    assert int(f(7)[0]) == 7
    assert int(f(tg.constant(4))[0]) == 4  # a tensor limit, read at run time
    assert int(f(tg.constant(1000))[0]) == 100


def test_while_loop_captures_outer_tensors_and_variables():
    v = tg.Variable(2.0)

    @tg.function
    def f(x, limit):
        return tg.while_loop(lambda y: y < limit, lambda y: y * v, [x])[0]

    assert float(f(tg.constant(1.0), tg.constant(10.0))) == 16.0
    v.assign(3.0)
    assert float(f(tg.constant(1.0), tg.constant(10.0))) == 27.0


def test_while_loop_shape_changes_are_relaxed_or_checked():
    @tg.function
    def grow(x):
        return tg.while_loop(lambda x: tg.size(x) < 8, lambda x: tg.concat([x, x], 0), [x])[0]

    np.testing.assert_array_equal(grow(tg.constant([1.0])).numpy(), np.ones(8))

    @tg.function
    def strict(x):
        return tg.while_loop(lambda x: tg.size(x) < 8, lambda x: tg.concat([x, x], 0), [x],
                             shape_invariants=[tg.TensorShape([1])])[0]

    with pytest.raises(ValueError, match="shape invariant"):
        strict(tg.constant([1.0]))

    @tg.function
    def declared(x):
        return tg.while_loop(lambda x: tg.size(x) < 8, lambda x: tg.concat([x, x], 0), [x],
                             shape_invariants=[tg.TensorShape([None])])[0]

    np.testing.assert_array_equal(declared(tg.constant([2.0])).numpy(), np.full(8, 2.0))


def test_while_loop_errors():
    @tg.function
    def dtype_change(x):
        return tg.while_loop(lambda x: x < 10, lambda x: tg.cast(x, tg.float32), [x])

    with pytest.raises(TypeError, match="keep their dtype"):
        dtype_change(tg.constant(1))
    with pytest.raises(ValueError, match="structure of loop_vars"):
        tg.while_loop(lambda a, b: a < 3, lambda a, b: a + 1, [tg.constant(0), tg.constant(0)])


def test_cond_inside_while_inside_nested_functions():
    @tg.function
    def step(n):
        return tg.cond(n % 2 == 0, lambda: n // 2, lambda: 3 * n + 1)

    @tg.function
    def collatz(n):
        return tg.while_loop(lambda n, k: n > 1, lambda n, k: (step(n), k + 1), (n, 0))[1]

    assert [int(collatz(tg.constant(n))) for n in (1, 6, 27)] == [0, 8, 111]
    assert collatz.experimental_get_tracing_count() == 1
    body = next(n for n in collatz.get_concrete_function(tg.constant(1)).graph.nodes
                if n.op.name == "while_loop").attrs["body_graph"]
    assert "cond" in op_names(body)


def test_while_loop_gradient_eagerly():
    x = tg.constant(1.5)
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = tg.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, y * x), (0, tg.constant(1.0)))[1]
    assert float(tape.gradient(y, x)) == pytest.approx(3 * 1.5 ** 2)
