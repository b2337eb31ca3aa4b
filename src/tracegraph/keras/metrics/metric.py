"""The `Metric` base class: state in non-trainable Variables, changed only by tg ops.

Because every update is an `assign`/`assign_add` on a Variable, a metric updated inside a
`tg.function` (the train step) changes its state at every call of the traced function, and
its result is read at call time, like any captured Variable.
"""
import re

from ... import distribute, dtypes
from ...module import Module
from ...ops.creation import zeros
from ...ops.state_ops import init_scope
from ...variable import Variable, VariableAggregation, VariableSynchronization
from .. import initializers
from ..losses.common import floatx
from ..losses.naming import auto_name

__all__ = ["Metric"]

_NOT_IN_MODULE_NAMES = re.compile(r"[^A-Za-z0-9_.\-]")


class Metric(Module):
    """Base class of stateful metrics (Keras 3's `keras.metrics.Metric`).

    Subclasses create their state with `add_variable` in `__init__` and implement
    `update_state(...)` and `result()`; calling a metric updates it and returns the result.
    `reset_state()` (TF 2.0's `reset_states()`) sets every variable back to zero.
    """

    def __init__(self, dtype=None, name=None):
        name = name or auto_name(type(self).__name__)
        # tg.Module's names are identifiers; Keras's metric names may hold any character.
        super().__init__(name=_NOT_IN_MODULE_NAMES.sub("_", name) if name[0].isalpha() else f"metric_{name}")
        self._metric_name = name
        self._dtype = dtypes.as_dtype(dtype) if dtype is not None else floatx()
        self._variables = []

    @property
    def name(self):
        """The metric's name (the key of its value in the training logs); compile may rename it."""
        return self._metric_name

    @name.setter
    def name(self, value):
        self._metric_name = value

    @property
    def dtype(self):
        """The dtype of the metric's state and result (float32 unless given)."""
        return self._dtype

    @property
    def variables(self):
        """The metric's Variables in the order they were made, then those of metrics it holds."""
        found = list(self._variables)
        for metric in self.submodules:
            if isinstance(metric, Metric):
                found.extend(v for v in metric._variables if not any(v is f for f in found))
        return found

    def add_variable(self, shape, initializer="zeros", dtype=None, aggregation="sum", name=None):
        """A new non-trainable state Variable, made eagerly even while a function is traced."""
        initializer = initializers.get(initializer if initializer is not None else "zeros")
        dtype = dtypes.as_dtype(dtype) if dtype is not None else self._dtype
        aggregation = {"sum": VariableAggregation.SUM, "mean": VariableAggregation.MEAN,
                       "none": VariableAggregation.NONE}.get(aggregation, VariableAggregation.SUM)
        with init_scope(), self.name_scope:
            variable = distribute.create_variable(  # a copy per replica in a strategy's scope, summed on read
                Variable, initializer(tuple(shape), dtype=dtype), trainable=False, name=name, dtype=dtype,
                aggregation=aggregation, synchronization=VariableSynchronization.ON_READ)
        self._variables.append(variable)
        return variable

    def add_weight(self, shape=(), initializer=None, dtype=None, name=None):
        """`add_variable` under TF 2's name."""
        return self.add_variable(shape=shape, initializer=initializer, dtype=dtype, name=name)

    def update_state(self, *args, **kwargs):
        """Accumulate statistics of a batch; subclasses implement it."""
        raise NotImplementedError(f"{type(self).__name__} must implement update_state()")

    def result(self):
        """The metric's value from the state accumulated so far; subclasses implement it."""
        raise NotImplementedError(f"{type(self).__name__} must implement result()")

    def reset_state(self):
        """Set every state Variable to zero."""
        for variable in self.variables:
            variable.assign(zeros(variable.shape, dtype=variable.dtype))

    def reset_states(self):
        """`reset_state()` under its TF 2.0 name."""
        return self.reset_state()

    def __call__(self, *args, **kwargs):
        """Update with one batch, then return the result so far."""
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self):
        """The constructor arguments that rebuild this metric."""
        return {"name": self.name, "dtype": self.dtype.name}

    @classmethod
    def from_config(cls, config):
        """A metric built from `get_config()`'s dict."""
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"

    __str__ = __repr__
