"""`keras.activations`: activation functions by name, as Keras 3 names them."""
from .. import nn
from ..convert import convert_to_tensor
from ..ops import arithmetic, comparison, unary_math

__all__ = ["get", "serialize", "deserialize", "linear", "relu", "relu6", "sigmoid", "hard_sigmoid",
           "softmax", "log_softmax", "tanh", "softplus", "softsign", "elu", "selu", "gelu", "silu",
           "swish", "exponential", "leaky_relu", "mish"]


def linear(x):
    """The identity: `x`."""
    return x


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """`max(x, 0)`; with `negative_slope`, `max_value` and `threshold` as Keras's relu."""
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return nn.relu(x)
    x = convert_to_tensor(x)
    below = arithmetic.multiply(negative_slope, arithmetic.subtract(x, threshold))
    result = comparison.where(comparison.greater_equal(x, threshold), x, below)
    return result if max_value is None else comparison.minimum(result, max_value)


def relu6(x):
    """`min(max(x, 0), 6)`."""
    return nn.relu6(x)


def sigmoid(x):
    """`1 / (1 + exp(-x))`."""
    return nn.sigmoid(x)


def hard_sigmoid(x):
    """Keras 3's piecewise-linear sigmoid: `relu6(x + 3) / 6`."""
    return arithmetic.divide(nn.relu6(arithmetic.add(x, 3.0)), 6.0)


def softmax(x, axis=-1):
    """`exp(x) / sum(exp(x))` along `axis`."""
    return nn.softmax(x, axis=axis)


def log_softmax(x, axis=-1):
    """`x - log(sum(exp(x)))` along `axis`."""
    return nn.log_softmax(x, axis=axis)


def tanh(x):
    """The hyperbolic tangent."""
    return unary_math.tanh(x)


def softplus(x):
    """`log(exp(x) + 1)`."""
    return nn.softplus(x)


def softsign(x):
    """`x / (abs(x) + 1)`."""
    return nn.softsign(x)


def elu(x, alpha=1.0):
    """`x` where positive, `alpha * (exp(x) - 1)` elsewhere."""
    if alpha == 1.0:
        return nn.elu(x)
    return comparison.where(comparison.greater(x, 0.0), x, arithmetic.multiply(alpha, unary_math.expm1(x)))


def selu(x):
    """The scaled ELU."""
    return nn.selu(x)


def gelu(x, approximate=False):
    """The Gaussian error linear unit."""
    return nn.gelu(x, approximate=approximate)


def silu(x):
    """`x * sigmoid(x)`."""
    return nn.silu(x)


swish = silu


def exponential(x):
    """`exp(x)`."""
    return unary_math.exp(x)


def leaky_relu(x, negative_slope=0.2):
    """`x` where positive, `negative_slope * x` elsewhere (Keras 3's default slope 0.2)."""
    return nn.leaky_relu(x, alpha=negative_slope)


def mish(x):
    """`x * tanh(softplus(x))`."""
    return arithmetic.multiply(x, unary_math.tanh(nn.softplus(x)))


_BY_NAME = {fn.__name__: fn for fn in (linear, relu, relu6, sigmoid, hard_sigmoid, softmax, log_softmax,
                                       tanh, softplus, softsign, elu, selu, gelu, silu, exponential,
                                       leaky_relu, mish)}
_BY_NAME["swish"] = silu


def get(identifier):
    """The activation function for `identifier`: a name, a function (returned as is) or None (linear)."""
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        try:
            return _BY_NAME[identifier]
        except KeyError:
            raise ValueError(f"Unknown activation function: '{identifier}'. Known: "
                             f"{', '.join(sorted(_BY_NAME))}") from None
    if callable(identifier):
        return identifier
    raise TypeError(f"Could not interpret activation function identifier: {identifier!r}")


def serialize(activation):
    """The name of a built-in activation, or the function's own name."""
    return getattr(activation, "__name__", str(activation))


def deserialize(name):
    """The activation for a name `serialize` gave."""
    return get(name)
