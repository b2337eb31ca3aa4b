"""Metrics by name (`get`, `serialize`, `deserialize`) and Keras 3's choice of accuracy for 'accuracy'."""
import inspect

from ..losses import registry as losses_registry
from ..losses.registry import is_binary_or_sparse_categorical
from ..losses.naming import to_snake_case
from ..losses.serialization import deserialize_object, get_object, serialize_object
from . import accuracy_metrics, confusion_metrics, iou_metrics, probabilistic_metrics, regression_metrics
from .metric import Metric
from .reduction_metrics import Mean, MeanMetricWrapper, Sum

__all__ = ["ALL_OBJECTS", "get", "serialize", "deserialize", "is_binary_or_sparse_categorical", "accuracy_for"]

_CLASSES = [Metric, Mean, Sum, MeanMetricWrapper]
for _module in (accuracy_metrics, confusion_metrics, iou_metrics, probabilistic_metrics, regression_metrics):
    _CLASSES += [getattr(_module, name) for name in _module.__all__ if inspect.isclass(getattr(_module, name))]

#: Every metric class by its name and its snake-case name, and Keras's short aliases.
ALL_OBJECTS = {cls.__name__: cls for cls in _CLASSES}
ALL_OBJECTS.update({to_snake_case(cls.__name__): cls for cls in _CLASSES})
ALL_OBJECTS.update({
    "bce": probabilistic_metrics.BinaryCrossentropy, "BCE": probabilistic_metrics.BinaryCrossentropy,
    "mse": regression_metrics.MeanSquaredError, "MSE": regression_metrics.MeanSquaredError,
    "mae": regression_metrics.MeanAbsoluteError, "MAE": regression_metrics.MeanAbsoluteError,
    "mape": regression_metrics.MeanAbsolutePercentageError, "MAPE": regression_metrics.MeanAbsolutePercentageError,
    "msle": regression_metrics.MeanSquaredLogarithmicError, "MSLE": regression_metrics.MeanSquaredLogarithmicError,
    "acc": accuracy_metrics.Accuracy,  # TF 2's alias (Keras 3 knows only 'accuracy')
})
# Functions serialized by Keras's metric modules are found among the losses' and metrics' functions.
_FUNCTIONS = {name: fn for name, fn in losses_registry.ALL_OBJECTS.items() if inspect.isfunction(fn)}
_FUNCTIONS.update({name: getattr(accuracy_metrics, name) for name in accuracy_metrics.__all__
                   if inspect.isfunction(getattr(accuracy_metrics, name))})


def serialize(metric):
    """A metric function or `Metric` instance as a Keras 3 config dict."""
    return serialize_object(metric, "keras.metrics")


def deserialize(config, custom_objects=None):
    """The metric function or `Metric` instance a config (or name) describes."""
    return deserialize_object(config, {**_FUNCTIONS, **ALL_OBJECTS}, custom_objects, kind="metric")


def get(identifier):
    """A metric from a name ('mse', 'mean_absolute_error', 'AUC', 'accuracy'), a config dict, a class
    (instantiated with its defaults), a `Metric` or a function (returned as it is).

    'accuracy' gives the exact-match `Accuracy`; `compile` instead picks the accuracy that fits
    the data with `accuracy_for`.
    """
    return get_object(identifier, ALL_OBJECTS, deserialize, "metric")


def accuracy_for(y_true_shape, y_pred_shape, name="accuracy"):
    """The metric `compile(metrics=["accuracy"])` makes for data of these shapes, named `name`:
    BinaryAccuracy, SparseCategoricalAccuracy or CategoricalAccuracy."""
    is_binary, is_sparse = is_binary_or_sparse_categorical(y_true_shape, y_pred_shape)
    if is_binary:
        return accuracy_metrics.BinaryAccuracy(name=name)
    if is_sparse:
        return accuracy_metrics.SparseCategoricalAccuracy(name=name)
    return accuracy_metrics.CategoricalAccuracy(name=name)
