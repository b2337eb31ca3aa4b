"""What `compile` turns its `loss` and `metrics` arguments into (Keras 3's rules).

Losses and metrics are given per output as a single value, a list (by output position) or a
dict (by output name); strings are resolved when the first batch shows the shapes, because
'accuracy' means binary, categorical or sparse categorical accuracy depending on them.
"""
from ... import nest
from ...ops import arithmetic
from .. import losses as losses_module
from .. import metrics as metrics_module

__all__ = ["CompileLoss", "CompileMetrics"]


def _metric_for(identifier, y_true, y_pred):
    """A Metric for a compile entry, named as Keras names it in the logs."""
    if str(identifier).lower() in ("accuracy", "acc"):
        return metrics_module.accuracy_for(y_true.shape, y_pred.shape, name=str(identifier))
    metric = metrics_module.get(identifier)
    name = identifier if isinstance(identifier, str) else getattr(metric, "name", None) or metric.__name__
    if not isinstance(metric, metrics_module.Metric):
        metric = metrics_module.MeanMetricWrapper(metric, name=name)
    metric.name = name
    return metric


def _loss_for(identifier, y_true, y_pred):
    """A Loss object for a compile entry ('crossentropy' resolved by the shapes, as Keras 3 does)."""
    if isinstance(identifier, str) and identifier.lower() in ("crossentropy", "ce"):
        identifier = losses_module.crossentropy_for(y_true.shape, y_pred.shape)
    loss = losses_module.get(identifier)
    return loss if isinstance(loss, losses_module.Loss) else losses_module.LossFunctionWrapper(loss)


def _per_output(value, output_names, what):
    """`value` spread over the outputs: by name for a dict, by position for a list when there
    are several outputs, the same for every output otherwise."""
    if isinstance(value, dict):
        unknown = set(value) - set(output_names)
        if unknown:
            raise ValueError(f"compile: `{what}` names outputs {sorted(unknown)}, but the model's "
                             f"outputs are {output_names}")
        return [value.get(name) for name in output_names]
    if isinstance(value, (list, tuple)) and len(output_names) > 1:
        if len(value) != len(output_names):
            raise ValueError(f"For a model with multiple outputs, when providing the `{what}` argument as "
                             f"a list, it should have as many entries as the model has outputs. "
                             f"Received: {what}={value!r} for {len(output_names)} outputs")
        return list(value)
    return [value] * len(output_names)


class CompileLoss:
    """The total loss of `compile(loss=..., loss_weights=...)` over every output."""

    def __init__(self, loss, loss_weights=None, output_names=None):
        self._loss = loss
        self._loss_weights = loss_weights
        self._output_names = output_names
        self._losses = None

    def _build(self, y_true, y_pred):
        targets, outputs = nest.flatten(y_true), nest.flatten(y_pred)
        names = self._output_names or [f"output_{i}" for i in range(len(outputs))]
        entries = _per_output(self._loss, names, "loss")
        weights = _per_output(self._loss_weights, names, "loss_weights") if self._loss_weights is not None \
            else [1.0] * len(outputs)
        self._losses = [(_loss_for(entry, target, output), 1.0 if weight is None else float(weight))
                        if entry is not None else None
                        for entry, weight, target, output in zip(entries, weights, targets, outputs)]

    def __call__(self, y_true, y_pred, sample_weight=None):
        if self._losses is None:
            self._build(y_true, y_pred)
        targets, predictions = nest.flatten(y_true), nest.flatten(y_pred)
        weights = nest.flatten(sample_weight) if sample_weight is not None else [None] * len(predictions)
        if len(weights) == 1 and len(predictions) > 1:
            weights = weights * len(predictions)
        total = None
        for entry, target, prediction, weight in zip(self._losses, targets, predictions, weights):
            if entry is None:
                continue
            loss_fn, loss_weight = entry
            value = loss_fn(target, prediction, sample_weight=weight)
            value = value if loss_weight == 1.0 else arithmetic.multiply(value, loss_weight)
            total = value if total is None else arithmetic.add(total, value)
        return total


class CompileMetrics:
    """The metrics of `compile(metrics=..., weighted_metrics=...)`, made when the first batch is seen."""

    def __init__(self, metrics=None, weighted_metrics=None, output_names=None):
        self._metrics = metrics
        self._weighted_metrics = weighted_metrics
        self._output_names = output_names
        self.built = False
        self.metrics = []
        self._assignments = []

    def build(self, y_true, y_pred):
        """Resolve the metric entries against the shapes of one batch."""
        targets, predictions = nest.flatten(y_true), nest.flatten(y_pred)
        names = self._output_names or [f"output_{i}" for i in range(len(predictions))]
        for weighted, entries in ((False, self._metrics), (True, self._weighted_metrics)):
            if entries is None:
                continue
            per_output = _per_output(entries, names, "metrics")
            for index, output_entries in enumerate(per_output):
                for entry in nest.flatten(output_entries) if output_entries is not None else ():
                    metric = _metric_for(entry, targets[index], predictions[index])
                    if len(predictions) > 1:
                        metric.name = f"{names[index]}_{metric.name}"
                    if weighted:
                        metric.name = f"weighted_{metric.name}" if metric.name in [m.name for m in self.metrics] \
                            else metric.name
                    self.metrics.append(metric)
                    self._assignments.append((metric, index, weighted))
        self.built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Update every metric with its output's targets and predictions."""
        if not self.built:
            self.build(y_true, y_pred)
        targets, predictions = nest.flatten(y_true), nest.flatten(y_pred)
        for metric, index, weighted in self._assignments:
            metric.update_state(targets[index], predictions[index],
                                sample_weight=sample_weight if weighted else None)

    def reset_state(self):
        """Reset every metric."""
        for metric in self.metrics:
            metric.reset_state()
