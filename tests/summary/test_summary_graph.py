"""tg.summary.graph: a traced function's IR as a GraphDef, read back with TensorBoard's EventAccumulator."""
import pytest

pytest.importorskip("tensorboard", reason="tg.summary writes with TensorBoard's libraries (the tensorboard extra)")

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402
from tensorboard.compat.proto.types_pb2 import DataType  # noqa: E402

import tracegraph as tg  # noqa: E402


def written_graph(tmp_path, graph_data):
    writer = tg.summary.create_file_writer(tmp_path)
    with writer.as_default():
        assert bool(tg.summary.graph(graph_data))
    writer.close()
    accumulator = EventAccumulator(str(tmp_path))
    accumulator.Reload()
    assert accumulator.Tags()["graph"]
    return {node.name: node for node in accumulator.Graph().node}


def test_nodes_inputs_dtypes_and_shapes(tmp_path):
    scale = tg.Variable([1.0, 2.0], name="scale")

    @tg.function
    def f(x, n):
        y = tg.exp(x) * scale
        scale.assign_add(y)
        return tg.reduce_sum(y), tg.cast(n, tg.float32)

    concrete = f.get_concrete_function(tg.TensorSpec([None], tg.float32), tg.TensorSpec([], tg.int32))
    nodes = written_graph(tmp_path, concrete)
    assert nodes["x"].op == "Placeholder" and nodes["n"].op == "Placeholder"
    assert [d.size for d in nodes["x"].attr["_output_shapes"].list.shape[0].dim] == [-1]  # unknown dimension
    assert nodes["x"].attr["T"].type == DataType.Value("DT_FLOAT")
    assert nodes["n"].attr["T"].type == DataType.Value("DT_INT32")
    assert nodes["exp"].op == "exp" and list(nodes["exp"].input) == ["x"]
    assert nodes["exp"].attr["_defined_at"].s.decode().endswith(", in f")  # the user's line
    handle = scale.name.split(":")[0]  # "scale", or "scale_<n>" after other tests made a "scale"
    assert nodes[handle].op == "VarHandleOp" and nodes[handle].attr["dtype"].type == DataType.Value("DT_FLOAT")
    reads = [node for node in nodes.values() if node.op == "read_variable"]
    assert reads and all(list(node.input) == [handle] for node in reads)
    assign = next(node for node in nodes.values() if node.op == "assign_variable")
    assert handle in assign.input
    assert nodes["multiply"].input[0] == "exp"
    assert nodes["reduce_sum"].attr["keepdims"].b is False
    identities = [node for node in nodes.values() if node.op == "Identity"]
    assert sorted(node.input[0] for node in identities) == ["cast", "reduce_sum"]


def test_a_function_s_latest_trace_and_control_flow_groups(tmp_path):
    @tg.function
    def f(x):
        return tg.cond(tg.reduce_sum(x) > 0, lambda: x * 2.0, lambda: -x)

    f(tg.constant([1.0, -3.0]))
    nodes = written_graph(tmp_path, f)
    assert nodes["cond/cond"].op == "cond"
    inner = [name for name in nodes if name.startswith("cond/") and name != "cond/cond"]
    assert any(nodes[name].op == "multiply" for name in inner)
    assert any(nodes[name].op == "negative" for name in inner)


def test_a_constant_shows_its_value(tmp_path):
    @tg.function
    def f(x):
        return x + 3.0

    nodes = written_graph(tmp_path, f.get_concrete_function(tg.constant(1.0)).graph)
    const = next(node for node in nodes.values() if node.op == "const")
    assert const.attr["value"].tensor.float_val == [3.0]


def test_errors_and_no_writer(tmp_path):
    @tg.function
    def f(x):
        return x

    assert not bool(tg.summary.graph(f))  # no default writer
    writer = tg.summary.create_file_writer(tmp_path)
    with writer.as_default():
        with pytest.raises(ValueError, match="traced yet"):
            tg.summary.graph(f)
        with pytest.raises(TypeError, match="ConcreteFunction"):
            tg.summary.graph(42)

        @tg.function
        def inside(x):
            tg.summary.graph(f)
            return x

        with pytest.raises(ValueError, match="inside a traced function"):
            inside.get_concrete_function(tg.constant(1.0))
    writer.close()
