"""The Trainer: `compile`, `fit`, `evaluate`, `predict` and the `*_on_batch` calls of every model.

`train_step`, `test_step` and `predict_step` are each traced once into a `tg.function` whose
batch dimension is left unknown, so the last, smaller batch of an epoch reuses the same graph,
and fusion and the compiled backends serve training as they serve any function. The loop
around the step does as little as possible per step: slicing a batch, one call, and the
callbacks that asked for batch hooks.
"""
import functools
import threading
import warnings

import numpy as np

from ... import distribute, nest
from ...autodiff import GradientTape
from ...ops import arithmetic, array_ops, cast
from ...sparse import SparseTensor
from ...tensor import EagerTensor, Tensor
from ...type_spec import CompositeTensor
from ...trace import function
from .. import metrics as metrics_module
from .. import optimizers as optimizers_module
from ..callbacks import CallbackList, CSVLogger, ModelCheckpoint, RemoteMonitor
from ..utils.logs import pythonify_logs
from .compile_utils import CompileLoss, CompileMetrics
from .data_adapter import make_batches, train_validation_split, unpack_x_y_sample_weight, whole_batch

__all__ = ["Trainer"]

#: Callbacks that write files or send logs: under a multi-worker strategy, only the chief runs them.
_CHIEF_ONLY_CALLBACKS = (ModelCheckpoint, CSVLogger, RemoteMonitor)


def _in_strategy_scope(method):
    """Run `method` in the scope of the strategy the model was made under (variables it makes belong to it)."""
    @functools.wraps(method)
    def in_scope(self, *args, **kwargs):
        with self.distribute_strategy.scope():
            return method(self, *args, **kwargs)
    return in_scope


class Trainer:
    """Training, evaluation and inference for a model (mixed into `keras.Model`)."""

    def _init_trainer(self):
        self.compiled = False
        self.optimizer = None
        self.loss = None
        self._compile_loss = None
        self._compile_metrics = None
        self._loss_tracker = None
        self._step_functions = {}
        self.stop_training = False
        self.history = None
        self.run_eagerly = False
        self._distribute_strategy = distribute.get_strategy()

    @property
    def distribute_strategy(self):
        """The `tg.distribute` strategy in force when the model was made (TF's `model.distribute_strategy`)."""
        return getattr(self, "_distribute_strategy", None) or distribute.get_strategy()

    # ----- compile ---------------------------------------------------------------------------

    @_in_strategy_scope
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None, weighted_metrics=None,
                run_eagerly=False, steps_per_execution=1, jit_compile="auto", auto_scale_loss=True):
        """Configure training: the optimizer, the loss (per output), and the metrics to report."""
        self.optimizer = optimizers_module.get(optimizer)
        self.loss = loss
        self._compile_metrics_argument = metrics
        self._compile_loss_weights = loss_weights
        output_names = self._output_names()
        self._compile_loss = CompileLoss(loss, loss_weights, output_names) if loss is not None else None
        self._compile_metrics = CompileMetrics(metrics, weighted_metrics, output_names) \
            if metrics is not None or weighted_metrics is not None else None
        self._loss_tracker = metrics_module.Mean(name="loss")
        self.run_eagerly = bool(run_eagerly)
        self._step_functions = {}
        self.compiled = True

    def _output_names(self):
        """The names of a functional model's outputs (their layers'), else None."""
        outputs = getattr(self, "outputs", None)
        if not outputs or len(outputs) < 2:
            return None
        return [tensor.node.layer.name for tensor in outputs]

    def _assert_compiled(self):
        if not self.compiled:
            raise RuntimeError("You must call `compile()` before using the model for training or evaluation.")

    @property
    def metrics(self):
        """The loss tracker and the compiled metrics (and those of sub-layers that keep some)."""
        found = [self._loss_tracker] if self._loss_tracker is not None else []
        if self._compile_metrics is not None:
            found.extend(self._compile_metrics.metrics)
        return found

    @property
    def metrics_names(self):
        """The names of `metrics`, in the order `evaluate` returns their values."""
        return [m.name for m in self.metrics]

    def reset_metrics(self):
        """Reset every metric's state."""
        for metric in self.metrics:
            metric.reset_state()

    # ----- the steps -------------------------------------------------------------------------

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The compiled loss plus every `add_loss` value and regularization penalty."""
        total = self._compile_loss(y, y_pred, sample_weight) if self._compile_loss is not None else None
        for extra in self.losses:
            extra = cast.cast(extra, "float32") if isinstance(extra, Tensor) and extra.dtype.name != "float32" \
                else extra
            total = extra if total is None else arithmetic.add(total, extra)
        if total is None:
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")
        return total

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Update the compiled metrics with this batch and return every metric's result."""
        if self._compile_metrics is not None and y is not None:
            self._compile_metrics.update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def get_metrics_result(self):
        """Each metric's current result, by name."""
        results = {}
        for metric in self.metrics:
            result = metric.result()
            if isinstance(result, dict):
                results.update(result)
            else:
                results[metric.name] = result
        return results

    def _track_loss(self, loss, x):
        """Add this batch's loss to the running mean, weighted by the batch size (as Keras)."""
        self._loss_tracker.update_state(loss, sample_weight=_batch_size(nest.flatten(x)[0]))

    def train_step(self, data):
        """One step of training on a batch: forward, loss, gradients, update; returns the metrics."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        with GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight)
            replica_loss = distribute.scale_loss_for_distribution(loss)  # the optimizer sums over replicas
        self._track_loss(loss, x)
        trainable = self.trainable_weights
        if trainable:
            self.optimizer.apply(tape.gradient(replica_loss, trainable), trainable)
        else:
            warnings.warn("The model does not have any trainable weights.", stacklevel=2)
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def test_step(self, data):
        """One step of evaluation on a batch; returns the metrics."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        y_pred = self(x, training=False)
        loss = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=False)
        self._track_loss(loss, x)
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def predict_step(self, data):
        """The model's output for a batch."""
        x, _, _ = unpack_x_y_sample_weight(data)
        return self(x, training=False)

    def _step_function(self, kind):
        """The traced `<kind>_step`, made on first use (the method itself with `run_eagerly`).

        Its traces are keyed by the batch's shapes: an epoch's full batches share one, its last,
        smaller batch gets a second, and later epochs reuse both. (Static shapes let the graph
        optimizer fold the shape arithmetic away, which makes each step cheaper than a trace with
        an unknown batch dimension would be.) The step waits for its compiled plan instead of
        starting on NumPy's (tiered execution): it runs hundreds of times an epoch, and a compile in
        the background slows those calls for longer than the compile itself would take.
        """
        step = self._step_functions.get(kind)
        if step is None:
            method = getattr(self, f"{kind}_step")
            step = method if self.run_eagerly else function(method, experimental_tiered_execution=False)
            self._step_functions[kind] = step
        return step

    @property
    def train_function(self):
        """The traced train step (Keras's `model.train_function`), once `fit` or `train_on_batch` made it;
        None before (and the plain method with `run_eagerly`). Callbacks read its graph from it."""
        return self._step_functions.get("train")

    def _step_runner(self, kind):
        """A callable running `<kind>_step` on a batch: the traced step's concrete function for the
        batch's layout, called on the batch's arrays directly (the loop has already made every batch
        of one layout, so matching the arguments against the signature again each step is waste)."""
        step = self._step_function(kind)
        if self.run_eagerly:
            return self._distributed(step, kind)
        concretes = {}
        trace_lock = threading.Lock()  # replicas on threads (MirroredStrategy) trace a new layout once

        def run(batch):
            if type(batch) is tuple and all(type(leaf) is np.ndarray for leaf in batch):
                leaves = batch  # the common case, (x, y) arrays: checked once
            else:
                leaves = nest.flatten(batch)
                if not all(type(leaf) is np.ndarray or type(leaf) is EagerTensor for leaf in leaves):
                    return step(batch)  # composite values (ragged, sparse) take the full signature matching
            layout = tuple([(leaf.shape, leaf.dtype) for leaf in leaves])
            concrete = concretes.get(layout)
            if concrete is None:
                with trace_lock:
                    concrete = concretes.get(layout) or step.get_concrete_function(batch)
                    concretes[layout] = concrete
            return concrete.call_flat([EagerTensor(leaf) if type(leaf) is np.ndarray else leaf for leaf in leaves])
        return self._distributed(run, kind)

    def _distributed(self, run, kind="train"):
        """`run` on a global batch split over the strategy's replicas (itself with one replica). A predict
        step's outputs are the replicas' rows in order; other steps' logs are averaged."""
        strategy = self.distribute_strategy
        if strategy.num_replicas_in_sync == 1:
            return run
        if kind == "predict":
            return functools.partial(strategy.extended.run_step_gathering_rows, run)
        return functools.partial(strategy.extended.run_step, run)

    def _synchronize_workers(self, batches):
        """Give every worker the chief's variables and the same shuffling order (one worker: nothing)."""
        extended = self.distribute_strategy.extended
        if extended.num_workers == 1:
            return
        extended.broadcast_variables(self.weights + (self.optimizer.variables if self.optimizer else []))
        seed = int(self.distribute_strategy.reduce("SUM", np.int64(np.random.randint(1 << 30))
                                                  if extended.should_checkpoint else np.int64(0)))
        batches.rng = np.random.RandomState(seed)

    def _global_logs(self, logs):
        """The epoch's logs from the metrics' state summed over every replica and worker (as TF's)."""
        strategy = self.distribute_strategy
        if strategy.num_replicas_in_sync == 1:
            return logs
        variables = [v for metric in self.metrics for v in metric.variables]
        with strategy.extended.synchronized_on_read(variables):
            return {**logs, **self.get_metrics_result()}

    def _prepare(self, batch, training):
        """Build the model, the compiled metrics and the optimizer's slots eagerly from one batch, so the
        traced step creates no state."""
        x, y, sample_weight = unpack_x_y_sample_weight(batch)
        y_pred = self(x, training=False)
        if self._compile_metrics is not None and not self._compile_metrics.built and y is not None:
            self._compile_metrics.build(y, y_pred)
        if training and self.optimizer is not None and not getattr(self.optimizer, "built", True):
            self.optimizer.build(self.trainable_weights)

    # ----- fit / evaluate / predict ------------------------------------------------------------

    @_in_strategy_scope
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None, sample_weight=None,
            initial_epoch=0, steps_per_epoch=None, validation_steps=None, validation_batch_size=None,
            validation_freq=1):
        """Train for `epochs` epochs; returns the `History` of the logs."""
        self._assert_compiled()
        if validation_split and validation_data is None:
            (x, y, sample_weight), validation_data = train_validation_split((x, y, sample_weight), validation_split)
        batches = make_batches(x, y, sample_weight, batch_size, shuffle, class_weight, steps_per_epoch)
        first = batches.first_batch()
        self._prepare(first, training=True)
        self._synchronize_workers(batches)
        train_function = self._step_runner("train")
        callback_list = self._callback_list(callbacks, verbose, epochs, batches.steps, add_history=True)
        self.stop_training = False
        callback_list.on_train_begin()
        initial_epoch = getattr(self, "_initial_epoch", None) or initial_epoch  # set by BackupAndRestore
        logs = {}
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            callback_list.on_epoch_begin(epoch)
            logs = self._run_epoch(train_function, batches, callback_list, "train")
            epoch_logs = pythonify_logs(self._global_logs(logs))
            if validation_data is not None and (epoch + 1) % validation_freq == 0:
                validation_logs = self._evaluate_validation(validation_data, validation_batch_size or batch_size,
                                                            validation_steps, callback_list)
                epoch_logs.update({"val_" + name: value for name, value in validation_logs.items()})
            callback_list.on_epoch_end(epoch, epoch_logs)
            logs = epoch_logs
            if self.stop_training:
                break
        callback_list.on_train_end(logs)
        return self.history

    def _run_epoch(self, step_function, batches, callback_list, kind):
        """Run the step over one epoch of batches; returns the last step's logs."""
        logs = {}
        hooks = getattr(callback_list, f"has_{kind}_batch_hooks", True)
        begin = getattr(callback_list, f"on_{kind}_batch_begin")
        end = getattr(callback_list, f"on_{kind}_batch_end")
        for index, batch in enumerate(batches.epoch()):
            if hooks:
                begin(index)
            logs = step_function(batch)
            if hooks:
                end(index, logs)
            if kind == "train" and self.stop_training:
                break
        return logs

    def _evaluate_validation(self, validation_data, batch_size, steps, callback_list):
        """The validation logs (by metric name) for `fit`'s `validation_data`; `fit`'s callbacks see
        its test hooks, as in Keras (the progress bar stays silent)."""
        if isinstance(validation_data, tuple):
            vx, vy, vsw = unpack_x_y_sample_weight(validation_data)
            return self.evaluate(vx, vy, sample_weight=vsw, batch_size=batch_size, steps=steps, verbose=0,
                                 callbacks=callback_list, return_dict=True)
        return self.evaluate(validation_data, batch_size=batch_size, steps=steps, verbose=0,
                             callbacks=callback_list, return_dict=True)

    @_in_strategy_scope
    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None,
                 callbacks=None, return_dict=False):
        """The loss and metrics over the data: a scalar (loss only), a list in `metrics_names` order,
        or a dict with `return_dict=True`."""
        self._assert_compiled()
        batches = make_batches(x, y, sample_weight, batch_size, False, None, steps)
        first = batches.first_batch()
        self._prepare(first, training=False)
        test_function = self._step_runner("test")
        callback_list = self._callback_list(callbacks, verbose, 1, batches.steps)
        self.reset_metrics()
        callback_list.on_test_begin()
        logs = pythonify_logs(self._global_logs(self._run_epoch(test_function, batches, callback_list, "test")))
        callback_list.on_test_end(logs)
        if return_dict:
            return logs
        values = [logs[name] for name in self.metrics_names if name in logs]
        values += [value for name, value in logs.items() if name not in self.metrics_names]
        return values[0] if len(values) == 1 else values

    @_in_strategy_scope
    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """The model's outputs for `x`, computed in batches, as NumPy arrays."""
        batches = make_batches(x, None, None, batch_size, False, None, steps)
        predict_function = self._step_runner("predict")
        callback_list = self._callback_list(callbacks, verbose, 1, batches.steps)
        callback_list.on_predict_begin()
        outputs = []
        hooks = getattr(callback_list, "has_predict_batch_hooks", True)
        for index, batch in enumerate(batches.epoch()):
            if hooks:
                callback_list.on_predict_batch_begin(index)
            result = predict_function(batch)
            outputs.append(nest.map_structure(np.asarray, result))
            if hooks:
                callback_list.on_predict_batch_end(index, {"outputs": result})
        callback_list.on_predict_end()
        if not outputs:
            raise ValueError("Expected input data to be non-empty.")
        return nest.map_structure(lambda *parts: np.concatenate(parts, axis=0), *outputs)

    @_in_strategy_scope
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One training step on one batch; returns the metrics (running since the last reset)."""
        self._assert_compiled()
        batch = whole_batch(x, y, sample_weight, class_weight)
        self._prepare(batch, training=True)
        logs = pythonify_logs(self._distributed(self._step_function("train"))(batch))
        return logs if return_dict else self._in_metric_order(logs)

    @_in_strategy_scope
    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """One evaluation step on one batch; returns the metrics of that batch."""
        self._assert_compiled()
        batch = whole_batch(x, y, sample_weight)
        self._prepare(batch, training=False)
        self.reset_metrics()
        logs = pythonify_logs(self._distributed(self._step_function("test"))(batch))
        return logs if return_dict else self._in_metric_order(logs)

    def predict_on_batch(self, x):
        """The model's output for one batch, as NumPy arrays."""
        batch = whole_batch(x)
        return nest.map_structure(np.asarray, self._step_function("predict")(batch))

    def _in_metric_order(self, logs):
        values = [logs[name] for name in self.metrics_names if name in logs]
        return values[0] if len(values) == 1 else values

    def _callback_list(self, callbacks, verbose, epochs, steps, add_history=False):
        verbose = 1 if verbose == "auto" else int(verbose)
        if isinstance(callbacks, CallbackList):
            return callbacks
        if not self.distribute_strategy.extended.should_checkpoint:  # not the chief: no files, no progress bar
            verbose = 0
            callbacks = [c for c in callbacks or [] if not isinstance(c, _CHIEF_ONLY_CALLBACKS)]
        return CallbackList(callbacks, add_history=add_history, add_progbar=verbose != 0, model=self,
                            verbose=verbose, epochs=epochs, steps=steps)


def _batch_size(value):
    """The number of samples in a batch's first input: its first dimension (rows of a ragged or
    sparse tensor)."""
    if isinstance(value, SparseTensor):
        return value.dense_shape[0]
    if isinstance(value, CompositeTensor):
        return value.nrows()
    return array_ops.shape(value)[0]
