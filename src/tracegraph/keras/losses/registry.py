"""Losses by name: `get`, `serialize`, `deserialize` (Keras 3's names and aliases)."""
from . import classes, hinge_losses as hinge, probabilistic_losses as probabilistic, regression_losses as regression
from .loss import Loss
from .serialization import deserialize_object, get_object, serialize_object

__all__ = ["ALL_OBJECTS", "get", "serialize", "deserialize", "is_binary_or_sparse_categorical", "crossentropy_for"]

_FUNCTIONS = [regression.mean_squared_error, regression.mean_absolute_error,
              regression.mean_absolute_percentage_error, regression.mean_squared_logarithmic_error,
              regression.huber, regression.log_cosh, regression.cosine_similarity,
              probabilistic.binary_crossentropy, probabilistic.categorical_crossentropy,
              probabilistic.sparse_categorical_crossentropy, probabilistic.kl_divergence, probabilistic.poisson,
              hinge.hinge, hinge.squared_hinge, hinge.categorical_hinge]

#: Every loss class and function by its name, and Keras's short aliases.
ALL_OBJECTS = {obj.__name__: obj for obj in _FUNCTIONS}
ALL_OBJECTS.update({name: getattr(classes, name) for name in classes.__all__})
ALL_OBJECTS["Loss"] = Loss
ALL_OBJECTS.update({
    "bce": probabilistic.binary_crossentropy, "BCE": probabilistic.binary_crossentropy,
    "kld": probabilistic.kl_divergence, "KLD": probabilistic.kl_divergence,
    "kullback_leibler_divergence": probabilistic.kl_divergence,
    "mae": regression.mean_absolute_error, "MAE": regression.mean_absolute_error,
    "mse": regression.mean_squared_error, "MSE": regression.mean_squared_error,
    "mape": regression.mean_absolute_percentage_error, "MAPE": regression.mean_absolute_percentage_error,
    "msle": regression.mean_squared_logarithmic_error, "MSLE": regression.mean_squared_logarithmic_error,
    "logcosh": regression.log_cosh,
})


def serialize(loss):
    """A loss function or `Loss` instance as a Keras 3 config dict."""
    return serialize_object(loss, "keras.losses")


def deserialize(name, custom_objects=None):
    """The loss function or `Loss` instance a config (or name) describes."""
    return deserialize_object(name, ALL_OBJECTS, custom_objects, kind="loss")


def get(identifier):
    """A loss from a name ("mse", "binary_crossentropy", "CategoricalCrossentropy"), a config dict,
    a class (instantiated with its defaults), a `Loss` or a function (returned as it is)."""
    return get_object(identifier, ALL_OBJECTS, deserialize, "loss")


def is_binary_or_sparse_categorical(y_true_shape, y_pred_shape):
    """`(is_binary, is_sparse_categorical)` for labels and predictions of these shapes (Keras 3's rule):
    binary when predictions have one column; sparse when labels have a lower rank, or one column
    against several."""
    y_true_shape, y_pred_shape = tuple(y_true_shape), tuple(y_pred_shape)
    true_last = y_true_shape[-1] if y_true_shape else None
    pred_last = y_pred_shape[-1] if y_pred_shape else None
    is_binary = pred_last == 1
    is_sparse = len(y_true_shape) < len(y_pred_shape) or (true_last == 1 and pred_last is not None and pred_last > 1)
    return is_binary, is_sparse


def crossentropy_for(y_true_shape, y_pred_shape):
    """The loss `compile(loss="crossentropy")` (or "ce") means for data of these shapes (Keras 3's rule):
    binary, sparse categorical or categorical crossentropy."""
    is_binary, is_sparse = is_binary_or_sparse_categorical(y_true_shape, y_pred_shape)
    if is_binary:
        return probabilistic.binary_crossentropy
    if is_sparse:
        return probabilistic.sparse_categorical_crossentropy
    return probabilistic.categorical_crossentropy
