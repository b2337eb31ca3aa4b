"""tg.print: TF's formatting, streams, structures, and printing on every call of a traced function."""
import sys

import numpy as np
import pytest

import tracegraph as tg


@pytest.fixture(autouse=True)
def _numpy_backend():
    tg.config.set_backend("numpy")
    yield
    tg.config.set_backend(None)


def test_prints_tensors_and_text_to_stderr(capsys):
    tg.print("x:", tg.constant([1, 2, 3]), "y:", tg.constant(0.5))
    captured = capsys.readouterr()
    assert captured.err == "x: [1 2 3] y: 0.5\n" and captured.out == ""


def test_float_formatting_and_matrices(capsys):
    tg.print(tg.constant([1.0, 2.5, -3.0]))
    tg.print(tg.constant([[1, 2], [3, 4]]))
    assert capsys.readouterr().err == "[1 2.5 -3]\n[[1 2]\n [3 4]]\n"


def test_summarize(capsys):
    tg.print(tg.range(10))
    tg.print(tg.range(10), summarize=2)
    tg.print(tg.range(10), summarize=-1)
    assert capsys.readouterr().err.splitlines() == [
        "[0 1 2 ... 7 8 9]", "[0 1 ... 8 9]", "[0 1 2 3 4 5 6 7 8 9]"]


def test_strings(capsys):
    tg.print(tg.constant("hello"), tg.constant(["a", "bc"]))
    assert capsys.readouterr().err == 'hello ["a" "bc"]\n'


def test_sep_end_and_stdout(capsys):
    tg.print("a", tg.constant(1), "b", sep="|", end="!\n", output_stream=sys.stdout)
    assert capsys.readouterr().out == "a|1|b!\n"


def test_nested_structures(capsys):
    tg.print({"w": tg.constant([1, 2]), "b": [tg.constant(3), 4]}, (tg.constant(1.5),))
    assert capsys.readouterr().err == "{'w': [1 2], 'b': [3, 4]} (1.5)\n"


def test_file_stream(tmp_path):
    path = tmp_path / "log.txt"
    tg.print("one", tg.constant(1), output_stream=f"file://{path}")
    tg.print("two", output_stream=f"file://{path}")
    assert path.read_text() == "one 1\ntwo\n"


def test_unknown_stream():
    with pytest.raises(ValueError, match="output_stream"):
        tg.print("x", output_stream=42)


def test_variables_print_their_value(capsys):
    v = tg.Variable([1.0, 2.0])
    tg.print(v)
    assert capsys.readouterr().err == "[1 2]\n"


def test_prints_on_every_call_of_a_traced_function(capsys):
    @tg.function
    def f(x):
        print("tracing")  # Python's print: only while tracing
        tg.print("value", x)
        return x * 2

    for value in (1, 2, 3):
        f(tg.constant(value))
    captured = capsys.readouterr()
    assert captured.out == "tracing\n"
    assert captured.err == "value 1\nvalue 2\nvalue 3\n"
    graph = f.get_concrete_function(tg.constant(1)).optimized_graph
    assert "print" in [n.op.name for n in graph.nodes]


def test_print_graph_node_round_trips_through_json(capsys):
    from tracegraph.ir.graph import Graph
    from tracegraph.ir.interpreter import interpret

    graph = tg.function(lambda x: tg.print("got", [x, 2], sep=":") or x).get_concrete_function(
        tg.constant(1.5)).graph
    interpret(Graph.from_json(graph.to_json()), [np.float32(2.5)])
    assert capsys.readouterr().err == "got:[2.5, 2]\n"
