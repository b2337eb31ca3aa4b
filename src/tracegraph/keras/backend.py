"""`keras.backend`: the session-wide settings Keras code asks for (float type, epsilon, object names)."""
import collections

from .. import dtypes

__all__ = ["floatx", "set_floatx", "epsilon", "set_epsilon", "clear_session", "unique_object_name",
           "image_data_format"]

_settings = {"floatx": "float32", "epsilon": 1e-7}
_name_counts = collections.Counter()


def floatx():
    """The default float type of weights and inputs, as a string ('float32')."""
    return _settings["floatx"]


def set_floatx(value):
    """Make `value` ('float16', 'float32', 'float64') the default float type."""
    dtype = dtypes.as_dtype(value)
    if not dtype.is_floating:
        raise ValueError(f"set_floatx: expected a float type, got {value!r}")
    _settings["floatx"] = dtype.name


def epsilon():
    """The fuzz factor used to avoid division by zero (1e-7)."""
    return _settings["epsilon"]


def set_epsilon(value):
    """Change the fuzz factor."""
    _settings["epsilon"] = float(value)


def image_data_format():
    """Always 'channels_last' (NHWC), the only layout tracegraph's convolutions take."""
    return "channels_last"


def unique_object_name(base):
    """`base`, then `base_1`, `base_2`, ... on later calls with the same base (Keras's layer names)."""
    count = _name_counts[base]
    _name_counts[base] += 1
    return base if count == 0 else f"{base}_{count}"


def clear_session():
    """Forget the names given so far, so the next Dense is 'dense' again."""
    _name_counts.clear()
