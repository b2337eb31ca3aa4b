"""`keras.activations`: activation functions by name, as Keras 3 names them."""
from .. import nn
from ..convert import convert_to_tensor
from .losses.common import remember_logits
from ..ops import arithmetic, comparison, creation, join_split, unary_math

__all__ = ["get", "serialize", "deserialize", "linear", "relu", "relu6", "sigmoid", "hard_sigmoid",
           "softmax", "log_softmax", "tanh", "softplus", "softsign", "elu", "selu", "gelu", "silu",
           "swish", "exponential", "leaky_relu", "mish", "celu", "glu", "hard_silu", "hard_swish", "hard_tanh",
           "log_sigmoid", "hard_shrink", "soft_shrink", "tanh_shrink", "squareplus", "sparse_plus", "threshold"]


def linear(x):
    """The identity: `x`."""
    return x


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """`max(x, 0)`; with Keras's options: values up to `threshold` become 0, positive values are
    clipped at `max_value`, and `negative_slope * (threshold - x)` is subtracted below the threshold."""
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return nn.relu(x)
    x = convert_to_tensor(x)
    if negative_slope != 0.0 and max_value is None and threshold == 0.0:
        return nn.leaky_relu(x, alpha=negative_slope)
    negative_part = nn.relu(arithmetic.subtract(threshold, x)) if negative_slope != 0.0 else None
    if threshold != 0.0:
        result = comparison.where(comparison.greater(x, threshold), x, creation.zeros_like(x))
    else:
        result = nn.relu(x)
    if max_value is not None:
        result = comparison.clip_by_value(result, 0.0, float(max_value))
    if negative_part is not None:
        result = arithmetic.subtract(result, arithmetic.multiply(negative_slope, negative_part))
    return result


def relu6(x):
    """`min(max(x, 0), 6)`."""
    return nn.relu6(x)


def sigmoid(x):
    """`1 / (1 + exp(-x))` (a crossentropy of the result is computed from `x`, as in Keras 3)."""
    return remember_logits(nn.sigmoid(x), x)


def hard_sigmoid(x):
    """Keras 3's piecewise-linear sigmoid: `relu6(x + 3) / 6`."""
    return arithmetic.divide(nn.relu6(arithmetic.add(x, 3.0)), 6.0)


def softmax(x, axis=-1):
    """`exp(x) / sum(exp(x))` along `axis` (a crossentropy of the result is computed from `x`, as in Keras 3)."""
    return remember_logits(nn.softmax(x, axis=axis), x)


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


def celu(x, alpha=1.0):
    """`x` where non-negative, `alpha * (exp(x / alpha) - 1)` elsewhere."""
    x = convert_to_tensor(x)
    return comparison.where(comparison.greater_equal(x, 0.0), x,
                            arithmetic.multiply(alpha, unary_math.expm1(arithmetic.divide(x, alpha))))


def glu(x, axis=-1):
    """The gated linear unit: `a * sigmoid(b)` for the two halves `a, b` of `x` along `axis`."""
    a, b = join_split.split(convert_to_tensor(x), 2, axis=axis)
    return arithmetic.multiply(a, nn.sigmoid(b))


def hard_silu(x):
    """`x * hard_sigmoid(x)`."""
    return arithmetic.multiply(x, hard_sigmoid(x))


hard_swish = hard_silu


def hard_tanh(x):
    """`x` clipped to [-1, 1]."""
    return comparison.clip_by_value(convert_to_tensor(x), -1.0, 1.0)


def log_sigmoid(x):
    """`log(sigmoid(x))`, computed as `-softplus(-x)`."""
    return nn.log_sigmoid(x)


def hard_shrink(x, threshold=0.5):
    """`x` where `|x| > threshold`, 0 elsewhere."""
    x = convert_to_tensor(x)
    return comparison.where(comparison.greater(arithmetic.abs(x), threshold), x, creation.zeros_like(x))


def soft_shrink(x, threshold=0.5):
    """`x` moved toward 0 by `threshold`, and 0 within `threshold` of it."""
    x = convert_to_tensor(x)
    shrunk = arithmetic.subtract(x, arithmetic.multiply(arithmetic.sign(x), threshold))
    return comparison.where(comparison.greater(arithmetic.abs(x), threshold), shrunk, creation.zeros_like(x))


def tanh_shrink(x):
    """`x - tanh(x)`."""
    return arithmetic.subtract(x, unary_math.tanh(x))


def squareplus(x, b=4):
    """`(x + sqrt(x**2 + b)) / 2`, a smooth relu."""
    x = convert_to_tensor(x)
    return arithmetic.multiply(arithmetic.add(x, unary_math.sqrt(arithmetic.add(unary_math.square(x), b))), 0.5)


def sparse_plus(x):
    """0 below -1, `x` above 1, `(x + 1)**2 / 4` between."""
    x = convert_to_tensor(x)
    middle = arithmetic.multiply(unary_math.square(arithmetic.add(x, 1.0)), 0.25)
    upper = comparison.where(comparison.greater_equal(x, 1.0), x, middle)
    return comparison.where(comparison.less_equal(x, -1.0), creation.zeros_like(x), upper)


def threshold(x, threshold, default_value):
    """`x` where `x > threshold`, `default_value` elsewhere."""
    x = convert_to_tensor(x)
    return comparison.where(comparison.greater(x, threshold), x, arithmetic.add(creation.zeros_like(x), default_value))


_BY_NAME = {fn.__name__: fn for fn in (linear, relu, relu6, sigmoid, hard_sigmoid, softmax, log_softmax,
                                       tanh, softplus, softsign, elu, selu, gelu, silu, exponential,
                                       leaky_relu, mish, celu, glu, hard_silu, hard_tanh, log_sigmoid,
                                       hard_shrink, soft_shrink, tanh_shrink, squareplus, sparse_plus,
                                       threshold)}
_BY_NAME["swish"] = silu
_BY_NAME["hard_swish"] = hard_silu


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
