"""The IR: building graphs, text printing, Graphviz DOT, JSON round trips, the interpreter."""
import re
import shutil
import subprocess

import numpy as np
import pytest

import tracegraph as tg
from tracegraph.ir.graph import Graph, all_variables, is_stateful
from tracegraph.ir.interpreter import interpret
from tracegraph.core.op import get_op
from tracegraph.spec import TensorSpec


def spec(shape, dtype=tg.float32):
    return TensorSpec(shape, dtype)


def const(graph, value, dtype=np.float32):
    array = np.asarray(value, dtype=dtype)
    return graph.add_node(get_op("const"), [], {"value": array}, [spec(array.shape, tg.as_dtype(array.dtype))]).outputs[0]


def apply(graph, name, inputs, out_spec, **attrs):
    return graph.add_node(get_op(name), inputs, attrs, [out_spec]).outputs[0]


def small_graph():
    """y = exp(x) * 2 + x, with x: f32[3]."""
    g = Graph("small")
    x = g.add_input(spec([3]), name="x")
    e = apply(g, "exp", [x], spec([3]))
    m = apply(g, "multiply", [e, const(g, 2.0)], spec([3]))
    g.outputs = [apply(g, "add", [m, x], spec([3]))]
    return g


def traced(fn, *args):
    return tg.function(fn).get_concrete_function(*args)


def control_flow_function():
    v = tg.Variable(2.0, name="scale")

    @tg.function
    def f(x, n):
        def body(i, acc):
            acc = tg.cond(acc > 10.0, lambda: acc - v, lambda: acc * x + 1.0)
            return i + 1, acc
        _, total = tg.while_loop(lambda i, acc: i < n, body, (tg.constant(0), tg.constant(1.0)))
        return total, tg.constant([1, 2, 3]) * n
    return f, v


# ----- building and inspecting ----------------------------------------------------------------

def test_graph_values_are_ssa_and_nodes_in_order():
    g = small_graph()
    names = [v.name for n in g.nodes for v in n.outputs]
    assert len(names) == len(set(names))
    producers = g.producers()
    assert producers[id(g.outputs[0])].op.name == "add"
    assert [n.op.name for n in g.users()[id(g.inputs[0])]] == ["exp", "add"]


def test_input_names_are_made_unique():
    g = Graph()
    a, b, c = g.add_input(spec([]), "x"), g.add_input(spec([]), "x"), g.add_input(spec([]), "x")
    assert [a.name, b.name, c.name] == ["x", "x_1", "x_2"]


def counting_loop_function():
    """A loop that assigns a variable (so it is read and written inside the loop, not before it)."""
    v = tg.Variable(0.0, name="count")

    def f(x):
        def body(y):
            v.assign_add(1.0)
            return y * 2.0
        return tg.while_loop(lambda y: y < 10.0, body, [x])
    return traced(f, tg.constant(1.0)).graph, v


def test_statefulness_of_control_flow_follows_its_subgraphs():
    graph, _ = counting_loop_function()
    loop = next(n for n in graph.nodes if n.op.name == "while_loop")
    assert is_stateful(loop)  # its body assigns a variable
    pure = traced(lambda x: tg.while_loop(lambda y: y < 10.0, lambda y: y * 2.0, [x]), tg.constant(1.0)).graph
    assert not any(is_stateful(n) for n in pure.nodes)


def test_all_variables_are_found_in_subgraphs():
    graph, v = counting_loop_function()
    assert graph.variables == []
    assert all_variables(graph) == [v]


# ----- text ------------------------------------------------------------------------------------

def test_printed_graph_reads_like_a_program():
    text = str(small_graph())
    assert text.splitlines() == [
        "graph small(%x: f32[3]) {",
        "  %0: f32[3] = exp(%x)",
        "  %1: f32[] = const 2.",
        "  %2: f32[3] = multiply(%0, %1)",
        "  %3: f32[3] = add(%2, %x)",
        "  return %3",
        "}",
    ]


def test_printed_graph_shows_unknown_dims_variables_and_subgraphs():
    f, v = control_flow_function()
    text = str(f.get_concrete_function(tg.constant(2.0), tg.constant(3)).graph)
    assert "graph f(%x: f32[], %n: i32[]) {" in text
    assert "graph h(%x: f32[?,3]) {" in str(_renamed(lambda x: x + 1.0, "h", tg.TensorSpec([None, 3])))
    assert "while_loop(" in text and "cond_graph:" in text and "body_graph:" in text
    assert "graph while_body(%loop_var_0: i32[], %loop_var_1: f32[]" in text
    assert "true_graph:" in text and "false_graph:" in text
    assert f"# variables: $0={v.name}" in text
    assert "read_variable() variable=$0" in text
    # sub-graphs are indented below their node
    assert re.search(r"\n      graph while_body", text)


def _renamed(fn, name, *specs):
    fn.__name__ = name
    return tg.function(fn).get_concrete_function(*specs).graph


# ----- DOT -------------------------------------------------------------------------------------

def _check_dot_structure(dot):
    assert dot.startswith("digraph tracegraph {") and dot.rstrip().endswith("}")
    assert dot.count("{") == dot.count("}")
    defined = set(re.findall(r"^\s*(\w+) \[", dot, flags=re.M))
    for source, target in re.findall(r"^\s*(\w+) -> (\w+)", dot, flags=re.M):
        assert source in defined and target in defined, (source, target)


def test_dot_of_a_small_graph():
    dot = small_graph().to_dot()
    _check_dot_structure(dot)
    assert 'label="x\\nf32[3]"' in dot  # the input
    assert "exp" in dot and "multiply" in dot and 'label="f32[3]"' in dot  # edges carry types


def test_dot_with_control_flow_has_clusters_and_is_valid():
    f, _ = control_flow_function()
    dot = f.get_concrete_function(tg.constant(2.0), tg.constant(3)).graph.to_dot()
    _check_dot_structure(dot)
    assert dot.count("subgraph cluster_") == 4  # while cond, while body, and the two branches
    if shutil.which("dot"):
        result = subprocess.run(["dot", "-Tsvg"], input=dot, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        assert "<svg" in result.stdout


def test_dot_escapes_quotes_in_attrs():
    dot = traced(lambda: tg.constant(['say "hi"'])).graph.to_dot()
    _check_dot_structure(dot)
    assert '\\"hi\\"' in dot


# ----- JSON --------------------------------------------------------------------------------------

def _round_trip(graph, variables=None):
    return Graph.from_json(graph.to_json(), variables)


def _assert_same_results(a, b, arrays):
    for x, y in zip(interpret(a, arrays), interpret(b, arrays)):
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))
        assert np.asarray(x).dtype == np.asarray(y).dtype


def test_json_round_trip_of_a_small_graph():
    g = small_graph()
    back = _round_trip(g)
    assert str(back) == str(g)
    _assert_same_results(g, back, [np.array([0.0, 1.0, -2.0], np.float32)])


def test_json_round_trip_with_constants_of_many_dtypes():
    def f():
        return (tg.constant([1.5, -2.0], tg.float64), tg.constant([[1, 2]], tg.int64),
                tg.constant([True, False]), tg.constant(["a", "bc"]), tg.constant(3, tg.uint8))
    g = traced(f).graph
    back = _round_trip(g)
    assert str(back) == str(g)
    _assert_same_results(g, back, [])


def test_json_round_trip_with_subgraphs_and_variables():
    f, v = control_flow_function()
    g = f.get_concrete_function(tg.constant(2.0), tg.constant(3)).graph
    args = [np.float32(1.5), np.int32(6)]
    back = _round_trip(g, {v.name: v})
    assert str(back) == str(g)
    _assert_same_results(g, back, args)
    v.assign(7.0)  # the loaded graph reads the very same variable
    _assert_same_results(g, back, args)


def test_json_round_trip_creates_variables_only_when_asked():
    v = tg.Variable([1.0, 2.0], name="w")
    g = traced(lambda x: x * v, tg.constant([3.0, 4.0])).graph
    back = Graph.from_json(g.to_json(), create_variables=True)
    loaded = back.variables[0]
    assert loaded is not v and loaded.name.startswith("w")
    np.testing.assert_array_equal(interpret(back, [np.array([3.0, 4.0], np.float32)])[0], [3.0, 8.0])


def test_json_round_trip_of_an_optimized_graph_with_fused_nodes():
    g = traced(lambda x: tg.exp(x) * 2.0 + 1.0, tg.constant([1.0, 2.0])).optimized_graph
    assert any(n.op.name == "fused_elementwise" for n in g.nodes)
    back = _round_trip(g)
    assert str(back) == str(g)
    _assert_same_results(g, back, [np.array([0.5, -1.0], np.float32)])


def test_json_rejects_foreign_text():
    with pytest.raises(ValueError, match="not a tracegraph graph"):
        Graph.from_json('{"graph": {}}')


# ----- the interpreter ---------------------------------------------------------------------------

def test_interpreter_evaluates_a_graph():
    x = np.array([0.0, 1.0, -2.0], np.float32)
    (y,) = interpret(small_graph(), [x])
    np.testing.assert_allclose(y, np.exp(x) * 2 + x, rtol=1e-6)
    assert y.dtype == np.float32


def test_interpreter_checks_the_number_of_inputs():
    with pytest.raises(ValueError, match="takes 1 inputs, got 2"):
        interpret(small_graph(), [np.zeros(3), np.zeros(3)])


def test_interpreter_runs_control_flow_and_reads_variables():
    f, v = control_flow_function()
    g = f.get_concrete_function(tg.constant(2.0), tg.constant(3)).graph
    total, scaled = interpret(g, [np.float32(2.0), np.int32(5)])
    expected = f.python_function(tg.constant(2.0), tg.constant(5))
    np.testing.assert_allclose(total, expected[0].numpy())
    np.testing.assert_array_equal(scaled, [5, 10, 15])
