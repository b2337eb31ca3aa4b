"""`keras.constraints`: projections the optimizer applies to a weight after each update (Keras 3's).

A constraint is a callable `constraint(w) -> w'`; a layer hands it to `add_weight`, which
stores it on the Variable as `variable.constraint`.
"""
import inspect

from .. import math
from ..convert import convert_to_tensor
from ..module import camel_to_snake
from . import backend

__all__ = ["Constraint", "MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm", "max_norm", "min_max_norm",
           "non_neg", "unit_norm", "get", "serialize", "deserialize"]


class Constraint:
    """Base class: `constraint(w)` returns the projected weight (the base returns `w` unchanged)."""

    def __call__(self, w):
        return w

    def get_config(self):
        """The constructor arguments, as a dict."""
        return {}

    @classmethod
    def from_config(cls, config):
        """A constraint made from `get_config()`'s dict."""
        return cls(**config)


def _norms(w, axis):
    """The L2 norms of `w` along `axis`, kept as size-1 axes so they broadcast against `w`."""
    return math.sqrt(math.reduce_sum(math.square(w), axis=axis, keepdims=True))


class MaxNorm(Constraint):
    """Rescale each slice along `axis` whose norm exceeds `max_value` down to `max_value`."""

    def __init__(self, max_value=2, axis=0):
        self.max_value, self.axis = max_value, axis

    def __call__(self, w):
        w = convert_to_tensor(w)
        norms = _norms(w, self.axis)
        desired = math.clip_by_value(norms, 0.0, float(self.max_value))
        return w * (desired / (backend.epsilon() + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class MinMaxNorm(Constraint):
    """Move each slice's norm toward `[min_value, max_value]`: to `rate * clipped + (1 - rate) * norm`."""

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value, self.max_value, self.rate, self.axis = min_value, max_value, rate, axis

    def __call__(self, w):
        w = convert_to_tensor(w)
        norms = _norms(w, self.axis)
        clipped = math.clip_by_value(norms, float(self.min_value), float(self.max_value))
        desired = self.rate * clipped + (1.0 - self.rate) * norms
        return w * (desired / (backend.epsilon() + norms))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate, "axis": self.axis}


class NonNeg(Constraint):
    """Negative weights become zero."""

    def __call__(self, w):
        return math.maximum(convert_to_tensor(w), 0.0)


class UnitNorm(Constraint):
    """Rescale each slice along `axis` to unit norm."""

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        w = convert_to_tensor(w)
        return w / (backend.epsilon() + _norms(w, self.axis))

    def get_config(self):
        return {"axis": self.axis}


max_norm, min_max_norm, non_neg, unit_norm = MaxNorm, MinMaxNorm, NonNeg, UnitNorm
_CLASSES = {cls.__name__: cls for cls in (Constraint, MaxNorm, MinMaxNorm, NonNeg, UnitNorm)}
_CLASSES.update({camel_to_snake(name): cls for name, cls in list(_CLASSES.items())})


def get(identifier):
    """A constraint from a name ('max_norm', 'MaxNorm'), a config dict, a class, an instance or a
    callable; None stays None."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        if identifier not in _CLASSES:
            raise ValueError(f"Unknown constraint: '{identifier}'. Known: {', '.join(sorted(_CLASSES))}")
        return _CLASSES[identifier]()
    if inspect.isclass(identifier):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret constraint identifier: {identifier!r}")


def serialize(constraint):
    """Keras 3's `{"module", "class_name", "config", "registered_name"}` for a constraint; None stays None."""
    if constraint is None:
        return None
    return {"module": "keras.constraints", "class_name": type(constraint).__name__,
            "config": constraint.get_config(), "registered_name": None}


def deserialize(config):
    """The constraint `serialize` described."""
    cls = _CLASSES.get(config["class_name"])
    if cls is None:
        raise ValueError(f"Unknown constraint class: '{config['class_name']}'")
    return cls.from_config(config.get("config", {}))
