"""`keras.regularizers`: penalties on weights that a layer adds to its `losses` (Keras 3's defaults)."""
import math as _pymath

from .. import linalg
from ..convert import convert_to_tensor
from ..ops import arithmetic, array_ops, creation, reduction, unary_math
from . import backend

__all__ = ["Regularizer", "L1", "L2", "L1L2", "OrthogonalRegularizer", "l1", "l2", "l1_l2", "orthogonal_regularizer",
           "get", "serialize", "deserialize"]


class Regularizer:
    """Base class: `regularizer(weight)` returns a scalar penalty."""

    def __call__(self, x):
        return 0.0

    def get_config(self):
        """The constructor arguments, as a dict."""
        return {}

    @classmethod
    def from_config(cls, config):
        """A regularizer made from `get_config()`'s dict."""
        return cls(**config)


def _non_negative(value, name):
    """`value` as a float, or Keras's ValueError when it is negative, infinite or NaN."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not _pymath.isfinite(value) or value < 0:
        raise ValueError(f"Invalid value for argument {name}: expected a non-negative float. Received: {name}={value}")
    return float(value)


class L1L2(Regularizer):
    """`l1 * sum(|x|) + l2 * sum(x**2)`, in the weight's dtype."""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1, self.l2 = _non_negative(l1, "l1"), _non_negative(l2, "l2")

    def __call__(self, x):
        x = convert_to_tensor(x)
        penalty = creation.zeros((), x.dtype)
        if self.l1:
            penalty = arithmetic.add(penalty, arithmetic.multiply(self.l1, reduction.reduce_sum(arithmetic.abs(x))))
        if self.l2:
            penalty = arithmetic.add(penalty, arithmetic.multiply(self.l2, reduction.reduce_sum(
                unary_math.square(x))))
        return penalty

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    """`l1 * sum(|x|)` (default 0.01)."""

    def __init__(self, l1=0.01):
        super().__init__(l1=l1)

    def get_config(self):
        return {"l1": self.l1}


class L2(L1L2):
    """`l2 * sum(x**2)` (default 0.01)."""

    def __init__(self, l2=0.01):
        super().__init__(l2=l2)

    def get_config(self):
        return {"l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """`factor` times the mean absolute cosine similarity between the rows (or `mode="columns"`) of a
    2-D weight: it pushes them toward being orthogonal."""

    def __init__(self, factor=0.01, mode="rows"):
        self.factor = _non_negative(factor, "factor")
        if mode not in ("rows", "columns"):
            raise ValueError(f'Invalid value for argument `mode`. Expected one of {{"rows", "columns"}}. '
                             f"Received: mode={mode}")
        self.mode = mode

    def __call__(self, x):
        x = convert_to_tensor(x)
        if x.shape.rank != 2:
            raise ValueError(f"Inputs to OrthogonalRegularizer must have rank 2. Received: inputs.shape={x.shape}")
        if self.mode == "columns":
            x = array_ops.transpose(x)
        norms = unary_math.sqrt(reduction.reduce_sum(unary_math.square(x), axis=1, keepdims=True))
        unit = arithmetic.divide(x, arithmetic.maximum(norms, backend.epsilon()))
        product = linalg.matmul(unit, unit, transpose_b=True)
        size = x.shape[0]
        off_diagonal = arithmetic.multiply(product, arithmetic.subtract(1.0, creation.eye(size, dtype=x.dtype)))
        pairs = size * (size - 1.0) / 2.0
        return arithmetic.multiply(self.factor * 0.5 / pairs, reduction.reduce_sum(arithmetic.abs(off_diagonal)))

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


l1, l2, l1_l2, orthogonal_regularizer = L1, L2, L1L2, OrthogonalRegularizer
_CLASSES = {"L1": L1, "L2": L2, "L1L2": L1L2, "OrthogonalRegularizer": OrthogonalRegularizer, "l1": L1, "l2": L2,
            "l1_l2": L1L2, "orthogonal_regularizer": OrthogonalRegularizer}


def get(identifier):
    """A regularizer from a name ('l2'), a config dict, an instance or a callable; None stays None."""
    if identifier is None or isinstance(identifier, Regularizer):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Regularizer):
        return identifier()
    if isinstance(identifier, str):
        if identifier not in _CLASSES:
            raise ValueError(f"Unknown regularizer: '{identifier}'")
        return _CLASSES[identifier]()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise TypeError(f"Could not interpret regularizer identifier: {identifier!r}")


def serialize(regularizer):
    """Keras 3's `{"module", "class_name", "config", "registered_name"}` for a regularizer; None stays None."""
    if regularizer is None:
        return None
    if not isinstance(regularizer, Regularizer):
        raise ValueError(f"Cannot serialize the regularizer {regularizer!r}: only `keras.regularizers` "
                         "objects have a config (subclass `Regularizer` and write `get_config`)")
    return {"module": "keras.regularizers", "class_name": type(regularizer).__name__,
            "config": regularizer.get_config(), "registered_name": None}


def deserialize(config):
    """The regularizer `serialize` described."""
    cls = _CLASSES.get(config["class_name"])
    if cls is None:
        raise ValueError(f"Unknown regularizer class: '{config['class_name']}'")
    return cls.from_config(config.get("config", {}))
