"""The verifier accepts well-formed graphs and names what is wrong with broken ones."""
import pytest

import tracegraph as tg
from tracegraph.ir.graph import Graph, Node
from tracegraph.ir.verifier import VerificationError, verify
from tracegraph.core.op import get_op
from tracegraph.passes import optimize_stages
from tracegraph.spec import TensorSpec


def spec(shape, dtype=tg.float32):
    return TensorSpec(shape, dtype)


def chain():
    """x -> exp -> negative -> output."""
    g = Graph("chain")
    x = g.add_input(spec([2]), name="x")
    e = g.add_node(get_op("exp"), [x], {}, [spec([2])]).outputs[0]
    g.outputs = [g.add_node(get_op("negative"), [e], {}, [spec([2])]).outputs[0]]
    return g


def with_cond():
    @tg.function
    def f(x):
        return tg.cond(x > 0.0, lambda: x * 2.0, lambda: -x)
    return f.get_concrete_function(tg.constant(1.0)).graph


def test_well_formed_graphs_verify():
    verify(chain())
    verify(with_cond())


def test_use_before_definition():
    g = chain()
    g.nodes.reverse()
    with pytest.raises(VerificationError, match=r"node 0 \(negative\) uses %0 before it is defined"):
        verify(g)


def test_value_defined_twice():
    g = chain()
    g.nodes[1].outputs = list(g.nodes[0].outputs)
    with pytest.raises(VerificationError, match="defined twice"):
        verify(g)


def test_output_never_defined():
    g = chain()
    g.outputs = [g.new_value(spec([2]))]
    with pytest.raises(VerificationError, match="output %.* is never defined"):
        verify(g)


def test_output_spec_that_contradicts_the_shape_rule():
    g = chain()
    g.nodes[0].outputs[0].spec = spec([3])
    with pytest.raises(VerificationError, match=r"typed f32\[3\] but its shape rule gives f32\[2\]"):
        verify(g)


def test_output_dtype_that_contradicts_the_shape_rule():
    g = chain()
    g.nodes[1].outputs[0].spec = spec([2], tg.float64)
    with pytest.raises(VerificationError, match=r"typed f64\[2\] but its shape rule gives f32\[2\]"):
        verify(g)


def test_inputs_the_shape_rule_rejects():
    g = Graph("bad_add")
    a, b = g.add_input(spec([2])), g.add_input(spec([3]))
    g.outputs = [g.add_node(get_op("add"), [a, b], {}, [spec([2])]).outputs[0]]
    with pytest.raises(VerificationError, match="shape rule rejects the inputs"):
        verify(g)


def test_wrong_number_of_outputs():
    g = chain()
    g.nodes[0].outputs.append(g.new_value(spec([2])))
    with pytest.raises(VerificationError, match="has 2 outputs, its shape rule gives 1"):
        verify(g)


def test_variable_index_out_of_range():
    v = tg.Variable(1.0)
    g = tg.function(lambda: v + 1.0).get_concrete_function().graph
    g.variables = []
    with pytest.raises(VerificationError, match=r"refers to variable \$0, but the graph has 0"):
        verify(g)


def test_subgraph_using_an_outer_value_directly():
    g = with_cond()
    node = next(n for n in g.nodes if n.op.name == "cond")
    branch = node.attrs["true_graph"]
    k, multiply = next((k, n) for k, n in enumerate(branch.nodes) if n.op.name == "multiply")
    branch.nodes[k] = Node(multiply.op, [g.inputs[0], multiply.inputs[1]], multiply.attrs, multiply.outputs)
    with pytest.raises(VerificationError, match=r"cond_true: node \d \(multiply\) uses %x before"):
        verify(g)


def test_control_flow_node_with_operands_that_do_not_fit_its_subgraphs():
    g = with_cond()
    node = next(n for n in g.nodes if n.op.name == "cond")
    node.inputs.append(g.inputs[0])
    with pytest.raises(VerificationError, match="cond: 2 operands for the 1 inputs"):
        verify(g)


def test_not_a_node():
    g = chain()
    g.nodes.append("exp")
    with pytest.raises(VerificationError, match="not a Node"):
        verify(g)


def test_the_pipeline_names_the_pass_that_broke_a_graph(monkeypatch):
    monkeypatch.setenv("TRACEGRAPH_VERIFY", "1")

    def drop_first_node(graph):
        return graph.copy_structure(graph.nodes[1:])

    with pytest.raises(VerificationError, match="after pass drop_first_node"):
        optimize_stages(chain(), [("drop_first_node", drop_first_node)])


def test_the_pipeline_verifies_only_when_asked(monkeypatch):
    monkeypatch.delenv("TRACEGRAPH_VERIFY")

    def drop_first_node(graph):
        return graph.copy_structure(graph.nodes[1:])

    stages = optimize_stages(chain(), [("drop_first_node", drop_first_node)])
    assert [name for name, _ in stages] == ["traced", "drop_first_node"]
    assert stages[0][1].nodes[0].op.name == "exp"  # the traced stage is left intact
