"""`keras.initializers`: how a layer's weights start, with Keras 3's names, defaults and fan rules.

A seeded initializer gives the same values on every call (Keras 3's rule); an unseeded one
draws from tracegraph's global random stream, so `keras.utils.set_random_seed` fixes it.
"""
import math as _pymath

from .. import dtypes, linalg, random
from ..ops import arithmetic, array_ops, cast, creation

__all__ = ["Initializer", "Zeros", "Ones", "Constant", "RandomNormal", "RandomUniform", "TruncatedNormal",
           "VarianceScaling", "GlorotUniform", "GlorotNormal", "HeUniform", "HeNormal", "LecunUniform",
           "LecunNormal", "Orthogonal", "Identity", "get", "serialize", "deserialize", "compute_fans"]


def compute_fans(shape):
    """`(fan_in, fan_out)` of a weight shape: a conv kernel's receptive field multiplies both."""
    shape = tuple(int(d) for d in shape)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive_field = _pymath.prod(shape[:-2])
    return shape[-2] * receptive_field, shape[-1] * receptive_field


class Initializer:
    """Base class: `initializer(shape, dtype)` returns a tensor of that shape and dtype."""

    def __call__(self, shape, dtype=None):
        raise NotImplementedError(f"{type(self).__name__} must implement __call__(shape, dtype)")

    def get_config(self):
        """The constructor arguments, as a dict."""
        return {}

    @classmethod
    def from_config(cls, config):
        """An initializer made from `get_config()`'s dict."""
        return cls(**config)


def _float_dtype(dtype):
    return dtypes.as_dtype(dtype or dtypes.float32)


class Zeros(Initializer):
    """All zeros."""

    def __call__(self, shape, dtype=None):
        return creation.zeros(shape, dtype=_float_dtype(dtype))


class Ones(Initializer):
    """All ones."""

    def __call__(self, shape, dtype=None):
        return creation.ones(shape, dtype=_float_dtype(dtype))


class Constant(Initializer):
    """Every element `value`."""

    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        return creation.fill(shape, cast.cast(self.value, _float_dtype(dtype)))

    def get_config(self):
        return {"value": self.value}


class _Seeded(Initializer):
    """An initializer with a `seed`: seeded draws are stateless, so they repeat on every call."""

    def __init__(self, seed=None):
        self.seed = seed

    def _draw(self, kind, shape, dtype, **bounds):
        if self.seed is None:
            return getattr(random, kind)(shape, dtype=dtype, **bounds)
        return getattr(random, "stateless_" + kind)(shape, seed=[int(self.seed), 0], dtype=dtype, **bounds)

    def get_config(self):
        return {"seed": self.seed}


class RandomNormal(_Seeded):
    """Normal draws with `mean` and `stddev` (Keras's default stddev 0.05)."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype=None):
        return self._draw("normal", shape, _float_dtype(dtype), mean=self.mean, stddev=self.stddev)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class TruncatedNormal(RandomNormal):
    """Normal draws redrawn beyond two standard deviations."""

    def __call__(self, shape, dtype=None):
        return self._draw("truncated_normal", shape, _float_dtype(dtype), mean=self.mean, stddev=self.stddev)


class RandomUniform(_Seeded):
    """Uniform draws in `[minval, maxval)` (Keras's default ±0.05)."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        super().__init__(seed)
        self.minval, self.maxval = minval, maxval

    def __call__(self, shape, dtype=None):
        return self._draw("uniform", shape, _float_dtype(dtype), minval=self.minval, maxval=self.maxval)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


# The stddev of a unit normal truncated to [-2, 2]: dividing by it keeps the variance `scale / fan`.
_TRUNCATED_NORMAL_STDDEV = 0.87962566103423978


class VarianceScaling(_Seeded):
    """Draws with variance `scale / fan` (fan_in, fan_out or their mean), the family of glorot/he/lecun."""

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        super().__init__(seed)
        if scale <= 0.0:
            raise ValueError(f"VarianceScaling: `scale` must be positive, got {scale}")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"VarianceScaling: `mode` must be fan_in, fan_out or fan_avg, got {mode!r}")
        distribution = distribution.lower()
        if distribution == "normal":  # tf.keras 2's name for the truncated normal
            distribution = "truncated_normal"
        if distribution not in ("truncated_normal", "untruncated_normal", "uniform"):
            raise ValueError("VarianceScaling: `distribution` must be truncated_normal, untruncated_normal "
                             f"or uniform, got {distribution!r}")
        self.scale, self.mode, self.distribution = scale, mode, distribution

    def __call__(self, shape, dtype=None):
        fan_in, fan_out = compute_fans(shape)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        variance = self.scale / max(1.0, fan)
        dtype = _float_dtype(dtype)
        if self.distribution == "uniform":
            limit = _pymath.sqrt(3.0 * variance)
            return self._draw("uniform", shape, dtype, minval=-limit, maxval=limit)
        if self.distribution == "truncated_normal":
            stddev = _pymath.sqrt(variance) / _TRUNCATED_NORMAL_STDDEV
            return self._draw("truncated_normal", shape, dtype, mean=0.0, stddev=stddev)
        return self._draw("normal", shape, dtype, mean=0.0, stddev=_pymath.sqrt(variance))

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution, "seed": self.seed}


def _variance_scaling_preset(class_name, scale, mode, distribution, doc):
    """A VarianceScaling subclass with fixed settings (its config is just the seed)."""
    def __init__(self, seed=None):
        VarianceScaling.__init__(self, scale, mode, distribution, seed)

    def get_config(self):
        return {"seed": self.seed}
    return type(class_name, (VarianceScaling,), {"__init__": __init__, "get_config": get_config,
                                                 "__doc__": doc, "__module__": __name__})


GlorotUniform = _variance_scaling_preset("GlorotUniform", 1.0, "fan_avg", "uniform",
                                         "Uniform in ±sqrt(6 / (fan_in + fan_out)) (Dense's default kernel).")
GlorotNormal = _variance_scaling_preset("GlorotNormal", 1.0, "fan_avg", "truncated_normal",
                                        "Truncated normal with variance 2 / (fan_in + fan_out).")
HeUniform = _variance_scaling_preset("HeUniform", 2.0, "fan_in", "uniform",
                                     "Uniform in ±sqrt(6 / fan_in).")
HeNormal = _variance_scaling_preset("HeNormal", 2.0, "fan_in", "truncated_normal",
                                    "Truncated normal with variance 2 / fan_in.")
LecunUniform = _variance_scaling_preset("LecunUniform", 1.0, "fan_in", "uniform",
                                        "Uniform in ±sqrt(3 / fan_in).")
LecunNormal = _variance_scaling_preset("LecunNormal", 1.0, "fan_in", "truncated_normal",
                                       "Truncated normal with variance 1 / fan_in.")


class Orthogonal(_Seeded):
    """A (semi-)orthogonal matrix times `gain`, from the QR decomposition of a normal draw."""

    def __init__(self, gain=1.0, seed=None):
        super().__init__(seed)
        self.gain = gain

    def __call__(self, shape, dtype=None):
        shape = tuple(int(d) for d in shape)
        if len(shape) < 2:
            raise ValueError(f"Orthogonal: the shape must have at least 2 dimensions, got {shape}")
        rows, cols = _pymath.prod(shape[:-1]), shape[-1]
        dtype = _float_dtype(dtype)
        draw = self._draw("normal", (max(rows, cols), min(rows, cols)), dtype, mean=0.0, stddev=1.0)
        q, r = linalg.qr(draw)
        q = arithmetic.multiply(q, arithmetic.sign(linalg.diag_part(r)))
        if rows < cols:
            q = linalg.matrix_transpose(q)
        return arithmetic.multiply(cast.cast(self.gain, dtype), array_ops.reshape(q, shape))

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer):
    """`gain` times the identity matrix (2-D shapes only)."""

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        if len(shape) != 2:
            raise ValueError(f"Identity: the shape must be 2-D, got {tuple(shape)}")
        eye = creation.eye(int(shape[0]), int(shape[1]), dtype=_float_dtype(dtype))
        return arithmetic.multiply(cast.cast(self.gain, eye.dtype), eye)

    def get_config(self):
        return {"gain": self.gain}


_CLASSES = {cls.__name__: cls for cls in (Zeros, Ones, Constant, RandomNormal, RandomUniform, TruncatedNormal,
                                          VarianceScaling, GlorotUniform, GlorotNormal, HeUniform, HeNormal,
                                          LecunUniform, LecunNormal, Orthogonal, Identity)}
_ALIASES = {"zeros": Zeros, "zero": Zeros, "ones": Ones, "one": Ones, "constant": Constant,
            "random_normal": RandomNormal, "random_uniform": RandomUniform, "normal": RandomNormal,
            "uniform": RandomUniform, "truncated_normal": TruncatedNormal,
            "variance_scaling": VarianceScaling, "glorot_uniform": GlorotUniform, "glorot_normal": GlorotNormal,
            "he_uniform": HeUniform, "he_normal": HeNormal, "lecun_uniform": LecunUniform,
            "lecun_normal": LecunNormal, "orthogonal": Orthogonal, "identity": Identity}


def get(identifier):
    """An initializer from a name ('glorot_uniform', 'GlorotUniform'), a config dict, an instance or a
    callable `(shape, dtype) -> tensor`; None stays None."""
    if identifier is None or isinstance(identifier, Initializer):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Initializer):
        return identifier()
    if isinstance(identifier, str):
        cls = _ALIASES.get(identifier) or _CLASSES.get(identifier)
        if cls is None:
            raise ValueError(f"Unknown initializer: '{identifier}'")
        return cls()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise TypeError(f"Could not interpret initializer identifier: {identifier!r}")


def serialize(initializer):
    """Keras 3's `{"module", "class_name", "config", "registered_name"}` for an initializer; None stays None."""
    if initializer is None:
        return None
    if not isinstance(initializer, Initializer):
        raise ValueError(f"Cannot serialize the initializer {initializer!r}: only `keras.initializers` "
                         "objects have a config (subclass `Initializer` and write `get_config`)")
    return {"module": "keras.initializers", "class_name": type(initializer).__name__,
            "config": initializer.get_config(), "registered_name": None}


def deserialize(config):
    """The initializer `serialize` described."""
    cls = _CLASSES.get(config["class_name"])
    if cls is None:
        raise ValueError(f"Unknown initializer class: '{config['class_name']}'")
    return cls.from_config(config.get("config", {}))
