"""tg.summary's event files, read back with TensorBoard's own EventAccumulator.

Reference values marked "TF 2.21" were recorded with TensorFlow 2.21's tf.summary (its venv).
"""
import io
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("tensorboard", reason="tg.summary writes with TensorBoard's libraries (the tensorboard extra)")

from PIL import Image  # noqa: E402
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402
from tensorboard.util import tensor_util  # noqa: E402

import tracegraph as tg  # noqa: E402


def read(logdir):
    accumulator = EventAccumulator(str(logdir), size_guidance={"tensors": 0, "graph": 0})
    accumulator.Reload()
    return accumulator


def values(accumulator, tag):
    """[(step, value as a NumPy array)] of a tag."""
    return [(event.step, tensor_util.make_ndarray(event.tensor_proto)) for event in accumulator.Tensors(tag)]


def plugin(accumulator, tag):
    return accumulator.SummaryMetadata(tag).plugin_data.plugin_name


@pytest.fixture
def writer(tmp_path):
    writer = tg.summary.create_file_writer(tmp_path / "run")
    yield writer
    writer.close()


def test_scalars_with_steps_from_the_argument_as_default_and_set_step(writer, tmp_path):
    with writer.as_default(step=3):
        assert bool(tg.summary.scalar("loss", 0.5))
        tg.summary.scalar("loss", tg.constant(0.25), step=4)
        with tg.name_scope("outer"):
            tg.summary.scalar("inner", 2, step=0)
    assert tg.summary.experimental.get_step() is None  # as_default(step) restored it
    tg.summary.experimental.set_step(7)
    try:
        with writer.as_default():
            tg.summary.scalar("loss", np.float64(0.125))
    finally:
        tg.summary.experimental.set_step(None)
    run = read(tmp_path / "run")
    assert [(s, float(v)) for s, v in values(run, "loss")] == [(3, 0.5), (4, 0.25), (7, 0.125)]
    assert [(s, float(v)) for s, v in values(run, "outer/inner")] == [(0, 2.0)]
    assert plugin(run, "loss") == "scalars"
    assert values(run, "loss")[0][1].dtype == np.float32


def test_without_a_writer_or_while_not_recording_nothing_is_written(writer, tmp_path):
    assert not bool(tg.summary.scalar("loss", 1.0, step=0))  # no default writer: False, as TF
    with writer.as_default(step=1):
        with tg.summary.record_if(False):
            assert not bool(tg.summary.scalar("off", 1.0))
            assert not bool(tg.summary.should_record_summaries())
        with tg.summary.record_if(lambda: True):
            assert bool(tg.summary.scalar("on", 1.0))
    assert read(tmp_path / "run").Tags()["tensors"] == ["on"]


def test_a_writer_without_a_step_is_an_error_naming_set_step(writer):
    with writer.as_default(), pytest.raises(ValueError, match="set_step"):
        tg.summary.scalar("loss", 1.0)


def test_a_scalar_must_be_a_scalar(writer):
    with writer.as_default(step=0), pytest.raises(ValueError, match="scalar"):
        tg.summary.scalar("loss", [1.0, 2.0])


def test_histogram_buckets_are_tf_s(writer, tmp_path):
    with writer.as_default(step=0):
        tg.summary.histogram("h", [0.1, 0.5, 0.5, 2.0, -1.0, 3.5], buckets=4)
        tg.summary.histogram("hint", np.array([3, 1, 4, 1, 5, 9, 2, 6]), step=2)
        tg.summary.histogram("same", tg.ones([5]), step=1, buckets=3)
        tg.summary.histogram("empty", tg.zeros([0]), step=1, buckets=2)
    run = read(tmp_path / "run")
    # TF 2.21
    assert values(run, "h")[0][1].tolist() == [[-1.0, 0.125, 2.0], [0.125, 1.25, 2.0], [1.25, 2.375, 1.0],
                                              [2.375, 3.5, 1.0]]
    step, hint = values(run, "hint")[0]
    assert step == 2 and hint.shape == (30, 3) and hint.dtype == np.float64
    np.testing.assert_allclose(hint[:, 0], np.linspace(1, 9, 31)[:-1])
    assert np.flatnonzero(hint[:, 2]).tolist() == [0, 3, 7, 11, 15, 18, 29]  # TF 2.21
    assert hint[:, 2].tolist()[0] == 2.0 and hint[:, 2].sum() == 8
    assert values(run, "same")[0][1].tolist() == [[1, 1, 0], [1, 1, 0], [1, 1, 5]]
    assert values(run, "empty")[0][1].tolist() == [[0, 0, 0], [0, 0, 0]]
    assert plugin(run, "h") == "histograms"
    assert run.Tags()["histograms"] == []  # a v2 tensor summary, as TF 2 writes it


def test_text(writer, tmp_path):
    with writer.as_default(step=1):
        tg.summary.text("note", "hello **world**")
        tg.summary.text("table", tg.constant([["a", "b"], ["c", "d"]]))
    run = read(tmp_path / "run")
    assert values(run, "note")[0][1] == b"hello **world**"
    assert values(run, "table")[0][1].tolist() == [[b"a", b"b"], [b"c", b"d"]]
    assert plugin(run, "note") == "text"


def decoded_images(run, tag):
    blobs = values(run, tag)[0][1]
    return blobs[:2].tolist(), [np.asarray(Image.open(io.BytesIO(blob))) for blob in blobs[2:]]


def test_images_are_pngs_scaled_as_tf_does(writer, tmp_path):
    gray = np.array([[[[0.0], [0.2], [0.5]], [[0.999], [1.0], [1.7]]]], "float32")
    rgb = np.random.default_rng(0).integers(0, 256, size=(5, 2, 3, 3), dtype=np.uint8)
    with writer.as_default(step=0):
        tg.summary.image("gray", gray)
        tg.summary.image("rgb", rgb, max_outputs=2)
    run = read(tmp_path / "run")
    size, images = decoded_images(run, "gray")
    assert size == [b"3", b"2"] and images[0].tolist() == [[0, 51, 127], [255, 255, 255]]  # TF 2.21
    size, images = decoded_images(run, "rgb")
    assert len(images) == 2 and all((a == b).all() for a, b in zip(images, rgb))
    assert plugin(run, "rgb") == "images"
    with writer.as_default(step=0), pytest.raises(ValueError, match=r"\[k, h, w, c\]"):
        tg.summary.image("bad", np.zeros([2, 3, 2]))


def test_inside_a_function_each_call_writes_with_the_step_it_reads_then(writer, tmp_path):
    step = tg.Variable(0, dtype=tg.int64)

    @tg.function
    def train(x):
        step.assign_add(1)
        tg.summary.scalar("double", x * 2.0, step=step)
        tg.summary.histogram("values", tg.stack([x, x + 1.0]), step=step, buckets=2)
        return x + 1.0

    with writer.as_default():
        for value in (1.0, 2.5, 4.0):
            train(tg.constant(value))
    assert train.experimental_get_tracing_count() == 1
    run = read(tmp_path / "run")
    assert [(s, float(v)) for s, v in values(run, "double")] == [(1, 2.0), (2, 5.0), (3, 8.0)]
    assert [s for s, _ in values(run, "values")] == [1, 2, 3]
    assert values(run, "values")[2][1].tolist() == [[4.0, 4.5, 1.0], [4.5, 5.0, 1.0]]


def test_inside_a_function_a_tensor_condition_decides_at_run_time(writer, tmp_path):
    @tg.function
    def maybe(x, record):
        with tg.summary.record_if(record):
            tg.summary.scalar("x", x)
        return x

    with writer.as_default(step=5):
        for x, record in ((1.0, True), (2.0, False), (3.0, True)):
            maybe(tg.constant(x), tg.constant(record))
    assert maybe.experimental_get_tracing_count() == 1
    assert [float(v) for _, v in values(read(tmp_path / "run"), "x")] == [1.0, 3.0]


def test_a_function_traced_without_a_writer_writes_nothing(tmp_path):
    @tg.function
    def f(x):
        tg.summary.scalar("x", x, step=0)
        return x

    f(tg.constant(1.0))  # no default writer while tracing: no summary node, as in TF
    assert "write_summary" not in str(f.get_concrete_function(tg.constant(1.0)).graph)


def test_closed_and_noop_writers(tmp_path):
    writer = tg.summary.create_file_writer(tmp_path / "closed")
    writer.close()
    with pytest.raises(RuntimeError, match="closed"):
        writer.as_default().__enter__()
    with tg.summary.create_noop_writer().as_default(step=0):
        tg.summary.scalar("nothing", 1.0)
        tg.summary.flush()
    assert not (tmp_path / "nothing").exists()


def test_event_files_are_tf2_s(writer, tmp_path):
    with writer.as_default(step=0):
        tg.summary.scalar("x", 1.0)
    files = list((tmp_path / "run").iterdir())
    assert len(files) == 1 and files[0].name.startswith("events.out.tfevents.") and files[0].name.endswith(".v2")
    assert read(tmp_path / "run").file_version == 2.0


def test_the_file_is_flushed_past_max_queue_events_and_at_exit(tmp_path):
    writer = tg.summary.create_file_writer(tmp_path / "queue", max_queue=2, flush_millis=10**9)
    with writer.as_default(step=0):
        for k in range(3):
            tg.summary.scalar("x", float(k))
        assert len(values(read(tmp_path / "queue"), "x")) == 3  # 3 > max_queue pending: flushed while open
    writer.close()
    code = ("import tracegraph as tg\n"
            f"tg.summary.create_file_writer({str(tmp_path / 'exit')!r}).set_as_default(step=1)\n"
            "tg.summary.scalar('y', 2.0)\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
    assert [(s, float(v)) for s, v in values(read(tmp_path / "exit"), "y")] == [(1, 2.0)]


def test_write_takes_any_tensor_with_the_caller_s_metadata(writer, tmp_path):
    from tensorboard.compat.proto.summary_pb2 import SummaryMetadata
    metadata = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="my_plugin", content=b"\x00\xff"))
    with writer.as_default(step=2):
        assert bool(tg.summary.write("matrix", [[1, 2], [3, 4]], metadata=metadata))
        tg.summary.write("words", ["a", "b"], metadata=metadata.SerializeToString())
    run = read(tmp_path / "run")
    step, matrix = values(run, "matrix")[0]
    assert step == 2 and matrix.tolist() == [[1, 2], [3, 4]]
    assert values(run, "words")[0][1].tolist() == [b"a", b"b"]
    assert run.SummaryMetadata("matrix").plugin_data.content == b"\x00\xff"
