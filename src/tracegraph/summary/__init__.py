"""`tg.summary`: summaries for TensorBoard (TF 2's `tf.summary`).

    writer = tg.summary.create_file_writer("logs/run1")
    with writer.as_default(step=0):
        tg.summary.scalar("loss", 0.25)

Summaries inside a `tg.function` are written each time it runs. Event files are TensorBoard's
own format, written with TensorBoard's libraries (the `tensorboard` extra: `pip install
"tracegraph[tensorboard]"`), which load only when a file writer is made.
"""
from . import experimental
from .defaults import record_if
from .summaries import graph, histogram, image, scalar, should_record_summaries, text, write
from .writer import SummaryWriter, create_file_writer, create_noop_writer, flush

__all__ = ["SummaryWriter", "create_file_writer", "create_noop_writer", "experimental", "flush", "graph",
           "histogram", "image", "record_if", "scalar", "should_record_summaries", "text", "write"]
