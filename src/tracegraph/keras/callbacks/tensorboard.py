"""`keras.callbacks.TensorBoard`: losses, metrics, weight histograms and the train step's graph for TensorBoard."""
import contextlib
import os
import time
import warnings

import numpy as np

from ... import summary
from ...variable import Variable
from .callback import Callback

__all__ = ["TensorBoard", "keras_model_summary"]


class TensorBoard(Callback):
    """Write event files for TensorBoard under `log_dir/train` and `log_dir/validation`, as Keras does.

    Args:
        log_dir: the run's directory (`tensorboard --logdir` it or a parent).
        histogram_freq: every this many epochs, write a histogram of each layer's weights
            (`<weight path>/histogram`); 0 writes none.
        write_graph: write the traced train step's graph (after the first epoch) and, for a Sequential or
            Functional model, its layers (the graphs dashboard's conceptual graph, tag `keras`).
        write_images: with `histogram_freq`, also write each weight as an image.
        write_steps_per_second: also write the training speed (`epoch_steps_per_second`,
            and `batch_steps_per_second` with batch-level updates).
        update_freq: `"epoch"`: `epoch_<name>` for the loss and each metric (train and validation)
            and `epoch_learning_rate`, at step = epoch; `"batch"` or an integer n: also `batch_<name>`
            every n batches, at step = the batch's number in the whole run. Summaries a model writes
            itself during `fit` go to the train writer at that step, every n batches.
        profile_batch, embeddings_freq, embeddings_metadata: Keras's profiler and embedding projector,
            which tracegraph does not have: a nonzero value is a ValueError.

    After each evaluation (`fit`'s validation or `evaluate`) the results are also written to
    `validation` as `evaluation_<name>_vs_iterations`, at step = the optimizer's iterations.
    Epoch-level summaries are always recorded (Keras 3 records them under the batch-level
    `record_if`, so with an integer `update_freq` it drops those of epochs whose last batch
    number is not a multiple of it).
    """

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0, embeddings_freq=0,
                 embeddings_metadata=None):
        super().__init__()
        if profile_batch or embeddings_freq or embeddings_metadata:
            raise ValueError("TensorBoard: profiling (profile_batch) and embeddings (embeddings_freq, "
                             "embeddings_metadata) are not available in tracegraph; leave them at 0/None")
        if update_freq not in ("epoch", "batch") and not (isinstance(update_freq, int) and update_freq > 0):
            raise ValueError(f"TensorBoard: update_freq must be 'epoch', 'batch' or a positive int, "
                             f"got {update_freq!r}")
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = histogram_freq
        self.write_graph = write_graph
        self.write_images = write_images
        self.write_steps_per_second = write_steps_per_second
        self.update_freq = 1 if update_freq == "batch" else update_freq
        self._writers = {}
        self._contexts = []
        self._batch_steps = {}  # "train"/"validation" -> the batch count as an int64 Variable
        self._global_train_batch = 0
        self._global_test_batch = 0
        self._graph_written = False
        self._epoch_start = None
        self._evaluated = False
        if self.update_freq != "epoch":
            # Only then batch hooks: epoch-level logging leaves the per-batch path of `fit` untouched.
            self.on_train_batch_begin = self._train_batch_begin
            self.on_train_batch_end = self._train_batch_end
            self.on_test_batch_begin = self._test_batch_begin

    # ----- writers -----------------------------------------------------------------------------

    def _writer(self, kind):
        """The writer of `train` or `validation`, made on first use."""
        if kind not in self._writers:
            self._writers[kind] = summary.create_file_writer(os.path.join(self.log_dir, kind))
        return self._writers[kind]

    def _push_writer(self, kind):
        """Make `kind`'s writer the default for summaries written during batches (batch-level updates only):
        at step = its batch count, recorded every `update_freq` batches. The count is a Variable, so the
        summaries of a traced step (a model's own) read the step and the condition when they run."""
        if self.update_freq == "epoch":
            return
        if kind not in self._batch_steps:
            self._batch_steps[kind] = Variable(0, dtype="int64", trainable=False, name=f"{kind}_batch_step")
        step = self._batch_steps[kind]
        contexts = (self._writer(kind).as_default(step), summary.record_if(lambda: step % self.update_freq == 0))
        for context in contexts:
            context.__enter__()
        self._contexts.append(contexts)

    def _pop_writer(self):
        if self.update_freq == "epoch" or not self._contexts:
            return
        for context in reversed(self._contexts.pop()):
            context.__exit__(None, None, None)

    @contextlib.contextmanager
    def _recording(self, kind):
        """`kind`'s writer as the default, recording even where the batch-level `record_if` would not."""
        with self._writer(kind).as_default(), summary.record_if(True):
            yield

    def _close_writers(self):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    # ----- hooks -------------------------------------------------------------------------------

    def on_train_begin(self, logs=None):
        """Start counting batches; the train writer becomes the default for batch-level summaries."""
        self._global_train_batch = 0
        self._graph_written = False
        if self.write_graph and type(self.model).__name__ in ("Sequential", "Functional"):
            with self._recording("train"):
                keras_model_summary("keras", self.model, step=0)
        self._push_writer("train")

    def on_train_end(self, logs=None):
        """Close the writers (a later run opens new event files)."""
        self._pop_writer()
        self._close_writers()

    def on_test_begin(self, logs=None):
        """The validation writer becomes the default for batch-level summaries of the evaluation."""
        self._push_writer("validation")

    def on_test_end(self, logs=None):
        """Write the evaluation's results against the optimizer's iterations."""
        self._evaluated = True
        self._log_evaluation(logs or {})
        self._pop_writer()

    def _log_evaluation(self, logs):
        optimizer = getattr(self.model, "optimizer", None)
        if logs and optimizer is not None and hasattr(optimizer, "iterations"):
            with self._recording("validation"):
                for name, value in logs.items():
                    summary.scalar(f"evaluation_{name}_vs_iterations", value, step=optimizer.iterations)

    def _train_batch_begin(self, batch, logs=None):
        self._global_train_batch += 1
        self._batch_steps["train"].assign(self._global_train_batch)
        if self.write_steps_per_second:
            self._batch_start = time.perf_counter()

    def _train_batch_end(self, batch, logs=None):
        step = self._global_train_batch
        if self.write_steps_per_second:
            summary.scalar("batch_steps_per_second", 1.0 / max(time.perf_counter() - self._batch_start, 1e-9),
                           step=step)
        for name, value in (logs or {}).items():
            summary.scalar(f"batch_{name}", value, step=step)

    def _test_batch_begin(self, batch, logs=None):
        self._global_test_batch += 1
        self._batch_steps["validation"].assign(self._global_test_batch)

    def on_epoch_begin(self, epoch, logs=None):
        """Note the time and the optimizer's iterations (for the steps per second)."""
        self._evaluated = False
        if self.write_steps_per_second:
            self._epoch_start = time.perf_counter(), self._iterations()

    def on_epoch_end(self, epoch, logs=None):
        """Write the train step's graph (once), the epoch's results and, every `histogram_freq` epochs,
        the weights."""
        if self.write_graph and not self._graph_written:
            self._write_train_graph()
        logs = logs or {}
        train_logs = {name: value for name, value in logs.items() if not name.startswith("val_")}
        val_logs = {name[4:]: value for name, value in logs.items() if name.startswith("val_")}
        self._log_epoch_metrics(epoch, train_logs, val_logs)
        if not self._evaluated:  # fit's validation ran without calling this callback's test hooks
            self._log_evaluation(val_logs)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)

    # ----- what is written ---------------------------------------------------------------------

    def _write_train_graph(self):
        self._graph_written = True
        train_function = getattr(self.model, "train_function", None)
        if train_function is None or not hasattr(train_function, "get_concrete_function"):
            return  # run_eagerly: no traced step, no graph
        with self._recording("train"):
            summary.graph(train_function)

    def _log_epoch_metrics(self, epoch, train_logs, val_logs):
        train_logs = dict(train_logs)
        learning_rate = self._learning_rate()
        if learning_rate is not None:
            train_logs["learning_rate"] = learning_rate
        if self.write_steps_per_second and self._epoch_start is not None:
            start, iterations = self._epoch_start
            train_logs["steps_per_second"] = (self._iterations() - iterations) / (time.perf_counter() - start)
        for kind, values in (("train", train_logs), ("validation", val_logs)):
            if values:
                with self._recording(kind):
                    for name, value in values.items():
                        summary.scalar(f"epoch_{name}", value, step=epoch)

    def _learning_rate(self):
        optimizer = getattr(self.model, "optimizer", None)
        try:
            return float(np.asarray(optimizer.learning_rate))
        except (AttributeError, TypeError, ValueError):  # no optimizer, or a rate that is not a number
            return None

    def _iterations(self):
        optimizer = getattr(self.model, "optimizer", None)
        return int(np.asarray(optimizer.iterations)) if optimizer is not None else 0

    def _log_weights(self, epoch):
        with self._recording("train"):
            for layer in self.model.layers:
                for weight in layer.weights:
                    name = weight.path.replace(":", "_")
                    summary.histogram(f"{name}/histogram", weight, step=epoch)
                    if self.write_images:
                        image = weight_as_image(np.asarray(weight))
                        if image is not None:
                            summary.image(f"{name}/image", image, step=epoch)


def keras_model_summary(name, data, step=None):
    """Write a Keras model's JSON config (`model.to_json()`) for the graphs dashboard's conceptual graph,
    as Keras does; False (with a warning) when the model cannot be serialized or there is no writer."""
    from tensorboard.compat.proto.summary_pb2 import SummaryMetadata  # noqa: PLC0415 - optional, heavy (protobuf)
    try:
        json_string = data.to_json()
    except Exception as error:  # noqa: BLE001 - any failure to serialize means "skip it", as Keras does
        warnings.warn(f"Model failed to serialize as JSON. Ignoring... {error}", stacklevel=2)
        return False
    metadata = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="graph_keras_model", content=b"1"))
    return summary.write(name, json_string, step=step, metadata=metadata)


def weight_as_image(weight):
    """A weight as a `[k, h, w, 1]` image batch, as Keras draws it: a bias as one column, a kernel
    taller than wide transposed to lie wide, a 3-D kernel one image per channel; None otherwise."""
    image = np.squeeze(weight)
    if image.ndim == 1:
        return image.reshape(1, image.shape[0], 1, 1)
    if image.ndim == 2:
        if image.shape[0] > image.shape[1]:
            image = image.T
        return image.reshape(1, image.shape[0], image.shape[1], 1)
    if image.ndim == 3:
        image = np.transpose(image, (2, 0, 1))
        return image.reshape(image.shape[0], image.shape[1], image.shape[2], 1)
    return None
