"""ConcreteFunction: introspection, printing, calling with checks, optimization stages."""
import collections

import numpy as np
import pytest

import tracegraph as tg
from tracegraph.ir.interpreter import interpret
from tracegraph.trace.errors import InputSignatureError

Pair = collections.namedtuple("Pair", "first second")


@pytest.fixture
def cube():
    @tg.function(input_signature=[tg.TensorSpec([None], tg.int32, name="x")])
    def cube(z):
        return tg.pow(z, 3)
    return cube.get_concrete_function()


def test_graph_inputs_and_outputs(cube):
    assert [t.name for t in cube.inputs] == ["x"]
    assert cube.inputs[0].shape.as_list() == [None] and cube.inputs[0].dtype == tg.int32
    assert len(cube.outputs) == 1 and cube.outputs[0].dtype == tg.int32
    assert cube.graph.inputs[0] is cube.inputs[0].value
    assert "pow" in str(cube.graph)


def test_structured_input_signature_names_specs_after_arguments():
    f = tg.function(lambda x, n=2, *, k=1.0, **extra: x * n + k)
    cf = f.get_concrete_function(tg.TensorSpec([None], tg.float32), k=tg.constant(2.0))
    args, kwargs = cf.structured_input_signature
    assert args == (tg.TensorSpec([None], tg.float32, name="x"), 2)
    assert kwargs == {"k": tg.TensorSpec([], tg.float32, name="k")}


def test_structured_input_signature_with_an_input_signature(cube):
    assert cube.structured_input_signature == ((tg.TensorSpec([None], tg.int32, name="x"),), {})


def test_structured_outputs_keep_the_structure():
    @tg.function
    def f(x):
        return {"y": x * 2.0, "pair": Pair(x, [x + 1.0])}

    cf = f.get_concrete_function(tg.constant([1.0, 2.0]))
    out = cf.structured_outputs
    assert isinstance(out["pair"], Pair) and isinstance(out["pair"].second, list)
    assert isinstance(out["y"], tg.Tensor) and out["y"].shape.as_list() == [2]
    assert cf.output_dtypes["y"] == tg.float32
    assert cf.output_shapes["pair"].second[0].as_list() == [2]


def test_pretty_printed_signature(cube):
    assert cube.pretty_printed_signature() == "\n".join([
        "Input Parameters:",
        "  z (POSITIONAL_OR_KEYWORD): TensorSpec(shape=(None,), dtype=tg.int32, name='x')",
        "Output Type:",
        "  TensorSpec(shape=(None,), dtype=tg.int32, name=None)",
        "Captures:",
        "  None",
    ])
    assert cube.pretty_printed_signature(verbose=False) == "cube(z)"
    assert repr(cube) == "<ConcreteFunction cube(z)>"


def test_pretty_printed_signature_with_python_values_nests_and_captures():
    v = tg.Variable(1.0, name="bias")

    @tg.function
    def f(d, n, *, scale=2.0):
        return (d["a"] * n * scale + v, None)

    text = f.get_concrete_function({"a": tg.constant([1.0])}, 3).pretty_printed_signature()
    assert "d (POSITIONAL_OR_KEYWORD): {'a': TensorSpec(shape=(1,), dtype=tg.float32, name='d_a')}" in text
    assert "n (POSITIONAL_OR_KEYWORD): Literal[3]" in text
    assert "scale (KEYWORD_ONLY): Literal[2.0]" in text
    assert "(TensorSpec(shape=(1,), dtype=tg.float32, name=None), None)" in text
    assert f"tg.Variable '{v.name}': TensorSpec(shape=(), dtype=tg.float32, name=None)" in text


def test_pretty_printed_concrete_signatures_lists_every_trace():
    f = tg.function(lambda x: x + 1)
    f(tg.constant(1.0))
    f(tg.constant([1, 2]))
    text = f.pretty_printed_concrete_signatures()
    blocks = text.split("\n\n")
    assert len(blocks) == 2
    assert blocks[0].startswith("<lambda>(x)\nInput Parameters:")
    assert "TensorSpec(shape=(2,), dtype=tg.int32, name='x')" in blocks[1]
    assert f.pretty_printed_concrete_signatures(verbose=False) == "<lambda>(x)\n<lambda>(x)"


# ----- calling ---------------------------------------------------------------------------------

def test_call_with_tensors_and_lists(cube):
    np.testing.assert_array_equal(cube(tg.constant([1, 2])).numpy(), [1, 8])
    np.testing.assert_array_equal(cube(z=tg.constant([3])).numpy(), [27])
    np.testing.assert_array_equal(cube([2, 2]).numpy(), [8, 8])


def test_call_with_the_wrong_dtype_names_argument_and_specs(cube):
    with pytest.raises(TypeError, match=r"argument `z`: expected a tensor of TensorSpec\(shape=\(None,\), "
                                        r"dtype=tg.int32, name='x'\), but received TensorSpec\(shape=\(2,\), "
                                        r"dtype=tg.float32, name=None\) \(dtype float32 is not int32\)"):
        cube(tg.constant([1.0, 2.0]))


def test_call_with_the_wrong_shape(cube):
    with pytest.raises(InputSignatureError, match=r"shape \(1, 2\) is not compatible with \(None,\)"):
        cube(tg.constant([[1, 2]]))


def test_call_with_the_wrong_number_of_arguments(cube):
    with pytest.raises(TypeError, match=r"do not fit the signature cube\(z\)"):
        cube(tg.constant([1]), tg.constant([2]))
    with pytest.raises(TypeError, match="missing tensor argument `z`"):
        cube()


def test_call_binds_keywords_by_name():
    cf = tg.function(lambda a, b: a - b).get_concrete_function(tg.constant(0.0), tg.constant(0.0))
    assert float(cf(tg.constant(5.0), tg.constant(3.0))) == 2.0
    assert float(cf(b=tg.constant(5.0), a=tg.constant(3.0))) == -2.0


def test_python_arguments_are_fixed_at_trace_time():
    cf = tg.function(lambda x, power: x ** power).get_concrete_function(tg.TensorSpec([], tg.float32), 2)
    assert float(cf(tg.constant(3.0))) == 9.0
    assert float(cf(tg.constant(3.0), 2)) == 9.0
    with pytest.raises(TypeError, match="traced with the Python value 2, but was called with 3"):
        cf(tg.constant(3.0), 3)


def test_nested_arguments_structured_or_flat():
    cf = tg.function(lambda d: d["a"] - d["b"]).get_concrete_function(
        {"b": tg.constant(2.0), "a": tg.constant(3.0)})
    assert float(cf({"b": tg.constant(4.0), "a": tg.constant(5.0)})) == 1.0
    assert float(cf(tg.constant(4.0), tg.constant(6.0))) == -2.0  # the flat inputs, in key order
    with pytest.raises(InputSignatureError, match="argument `d`: expected"):
        cf({"a": tg.constant(4.0)})


def test_concrete_function_reads_variables_at_call_time():
    v = tg.Variable(2.0)
    cf = tg.function(lambda x: x * v).get_concrete_function(tg.constant(1.0))
    assert float(cf(tg.constant(3.0))) == 6.0
    v.assign(-1.0)
    assert float(cf(tg.constant(3.0))) == -3.0
    assert cf.variables == (v,) and cf.trainable_variables == (v,)


def test_concrete_function_inside_another_function_and_under_a_tape():
    cf = tg.function(lambda x: x * x).get_concrete_function(tg.TensorSpec([], tg.float32))

    @tg.function
    def outer(x):
        return cf(x) + 1.0

    assert float(outer(tg.constant(3.0))) == 10.0
    assert "multiply" in str(outer.get_concrete_function(tg.constant(3.0)).graph)  # inlined
    x = tg.constant(3.0)
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = cf(x)
    assert float(tape.gradient(y, x)) == 6.0


# ----- optimization ------------------------------------------------------------------------------

def test_optimization_stages_show_each_pass():
    @tg.function
    def f(x):
        a = x * 1.0 + 0.0 * 0.0  # the constant product folds, then x * 1 + (-0.0)... stays exact
        b = tg.exp(x) + tg.exp(x)
        unused = tg.sin(x)  # noqa: F841 - dead code
        return a + b

    cf = f.get_concrete_function(tg.constant([1.0, 2.0]))
    stages = cf.optimization_stages()
    names = [name for name, _ in stages]
    assert names[0] == "traced" and names[1:9] == ["merge_loop_recordings", "fold_constants", "scalarize_operands",
                                                    "fold_scalar_constants", "simplify_algebra",
                                                    "simplify_under_conditions",
                                                    "eliminate_common_subexpressions", "eliminate_dead_code"]
    ops = {name: [n.op.name for n in g.nodes] for name, g in stages}
    assert ops["traced"].count("exp") == 2 and "sin" in ops["traced"]
    assert ops["eliminate_common_subexpressions"].count("exp") == 1
    assert "sin" not in ops["eliminate_dead_code"]
    assert stages[0][1] is cf.graph
    assert str(stages[-1][1]) == str(cf.optimized_graph)


def test_optimized_graph_computes_what_the_traced_graph_computes():
    @tg.function
    def f(x, y):
        z = tg.transpose(tg.transpose(x)) * 1.0 - (-(-y))
        return tg.reshape(tg.reshape(z, [-1]), [2, 3]) + tg.reduce_sum(z * 2.0)

    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    y = np.ones((2, 3), np.float32)
    cf = f.get_concrete_function(tg.constant(x), tg.constant(y))
    expected = interpret(cf.graph, [x, y])[0]
    np.testing.assert_allclose(interpret(cf.optimized_graph, [x, y])[0], expected, rtol=1e-6)
    np.testing.assert_allclose(cf(tg.constant(x), tg.constant(y)).numpy(), expected, rtol=1e-6)
    assert len(cf.optimized_graph.nodes) < len(cf.graph.nodes)


@pytest.mark.parametrize("backend", ["numpy"])
def test_backend_option(backend):
    f = tg.function(lambda x: x + 1.0, backend=backend)
    cf = f.get_concrete_function(tg.constant(1.0))
    assert cf.backend.name == backend
    assert float(f(tg.constant(1.0))) == 2.0
    assert callable(cf.compile())
