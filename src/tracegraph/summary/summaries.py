"""`tg.summary.scalar`, `histogram`, `text`, `image` and `graph`: TF 2's summary calls.

Each data summary binds the `write_summary` op (`ops/summary_ops.py`): eagerly it writes at once;
in a traced function it becomes a node that writes on every call, with the step and the data of
that call. The default writer, the default step and `record_if` are read when the summary is
called (while tracing, for a traced function), as TF does. Each returns a bool tensor: False when
there is no default writer or recording is off, else True (or the run-time condition).
"""
from ..context import state as execution_state
from ..convert import constant, convert_to_tensor
from ..name_scope import current_prefix
from ..ops.cast import cast
from ..ops.summary_ops import write_summary
from ..tensor import SymbolicTensor, Tensor
from .defaults import state

__all__ = ["scalar", "histogram", "text", "image", "write", "graph", "should_record_summaries"]


def scalar(name, data, step=None, description=None):
    """Write a scalar (cast to float32) for the scalars dashboard."""
    data = _checked(name, data, "scalar", lambda t: t.dtype.is_numeric or t.dtype.is_bool, "a number")
    if data.shape.rank not in (None, 0):
        raise ValueError(f"tg.summary.scalar({name!r}): data must be a scalar, got shape {data.shape}")
    return _write("scalar", name, data, step, {"description": description})


def histogram(name, data, step=None, buckets=None, description=None):
    """Write the histogram of `data`'s values in `buckets` (30) equal-width buckets, for the histograms
    and distributions dashboards."""
    data = _checked(name, data, "histogram", lambda t: t.dtype.is_numeric or t.dtype.is_bool, "numbers")
    return _write("histogram", name, data, step, {"description": description, "buckets": buckets})


def text(name, data, step=None, description=None):
    """Write a string tensor (any shape; Markdown is rendered) for the text dashboard."""
    data = _checked(name, data, "text", lambda t: t.dtype.name == "string", "strings")
    return _write("text", name, data, step, {"description": description})


def image(name, data, step=None, max_outputs=3, description=None):
    """Write up to `max_outputs` images of a `[k, h, w, c]` batch (c is 1, 3 or 4; floats in [0, 1],
    or uint8) as PNGs, for the images dashboard."""
    data = _checked(name, data, "image", lambda t: t.dtype.is_floating or t.dtype.name == "uint8",
                    "floats in [0, 1] or uint8")
    shape = data.shape
    if shape.rank not in (None, 4) or (shape.rank == 4 and shape[-1] not in (None, 1, 3, 4)):
        raise ValueError(f"tg.summary.image({name!r}): data must have shape [k, h, w, c] with c 1, 3 or 4, "
                         f"got {shape}")
    return _write("image", name, data, step, {"description": description, "max_outputs": max_outputs})


def write(tag, tensor, step=None, metadata=None, name=None):
    """Write `tensor` (any dtype and shape) under `tag` with `metadata`, a `SummaryMetadata` proto or its
    serialized bytes (TF's `tf.summary.write`, on which plugins build their own summaries)."""
    tensor = _checked(tag, tensor, "write", lambda t: True, "a tensor")
    if metadata is not None and not isinstance(metadata, (bytes, str)):
        metadata = metadata.SerializeToString()
    if isinstance(metadata, bytes):
        metadata = metadata.decode("latin-1")  # attrs are plain data: the bytes as a str, one char per byte
    return _write("tensor", tag, tensor, step, {"metadata": metadata})


def graph(graph_data):
    """Write a traced function's graph for the graphs dashboard (TF's `tf.summary.graph`).

    `graph_data` is a ConcreteFunction, its `.graph`, a `tg.function` (its latest trace), or a
    TensorFlow `GraphDef` proto. Written at step 0 to the default writer; False without one.
    Eager only, as in TF.
    """
    if execution_state.graph is not None:
        raise ValueError("tg.summary.graph() cannot be called inside a traced function")
    writer = state.writer
    if writer is None or _condition() is False:
        return constant(False)
    writer.write_graph(graph_data if type(graph_data).__name__ == "GraphDef" else _ir_graph(graph_data))
    return constant(True)


def should_record_summaries():
    """Whether a summary written here would be recorded: a default writer, and `record_if` allows it."""
    if state.writer is None:
        return constant(False)
    condition = _condition()
    return condition if isinstance(condition, Tensor) else constant(condition)


def _ir_graph(graph_data):
    """The IR graph of a ConcreteFunction, a Function's latest trace, or an IR graph itself."""
    traces = getattr(graph_data, "_traces", None)  # a tg.function: no public list of its concrete functions
    if traces is not None:
        if not traces:
            raise ValueError("tg.summary.graph: the function has not been traced yet; call it (or "
                             "get_concrete_function) first")
        graph_data = traces[-1][1]
    graph_data = getattr(graph_data, "graph", graph_data)
    if not hasattr(graph_data, "nodes") or not hasattr(graph_data, "inputs"):
        raise TypeError(f"tg.summary.graph: expected a ConcreteFunction, its graph, a tg.function or a GraphDef, "
                        f"got {type(graph_data).__name__}")
    return graph_data


def _checked(name, data, kind, accepts, expected):
    if not isinstance(name, str) or not name:
        raise ValueError(f"tg.summary.{kind}: name must be a non-empty string, got {name!r}")
    data = convert_to_tensor(data)
    if not accepts(data):
        raise TypeError(f"tg.summary.{kind}({name!r}): data must be {expected}, got {data.dtype.name}")
    return data


def _write(kind, name, data, step, options):
    writer = state.writer
    if writer is None:
        return constant(False)
    condition = _condition()
    if condition is False:
        return constant(False)
    step = step if step is not None else state.step
    if step is None:
        raise ValueError("No step set. Please specify one either through the `step` argument or through "
                         "tg.summary.experimental.set_step()")
    step = constant(step, "int64") if isinstance(step, int) else cast(convert_to_tensor(step), "int64")
    options = tuple((key, value) for key, value in options.items() if value is not None)
    runtime_condition = None if condition is True else condition
    write_summary(writer.id, kind, current_prefix() + name, step, data, runtime_condition, options)
    return constant(True) if condition is True else condition


def _condition():
    """The innermost `record_if` condition: True, False, or a symbolic bool tensor decided at run time."""
    if not state.conditions:
        return True
    condition = state.conditions[-1]
    if callable(condition):
        condition = condition()
    if isinstance(condition, Tensor) or hasattr(condition, "read_value"):
        condition = convert_to_tensor(condition)
        if isinstance(condition, SymbolicTensor):
            return cast(condition, "bool")
        condition = condition.numpy()
    return bool(condition)
