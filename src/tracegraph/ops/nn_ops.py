"""Neural-network ops (`tg.nn`): activations, softmax, cross-entropy losses, normalization.

Most are composites of elementwise primitives, so they fuse and differentiate
(to any order) with no code of their own. Primitives are used where TF's
gradient at a kink differs from what a composite would give (relu and relu6
have gradient 0 at 0, where `maximum`'s tie rule would give 1) and for
picking one class per row in the sparse cross-entropy.

Where TF's kernels test `x < 0` (elu, selu) the composites do too, so the
gradient at exactly 0 is TF's.
"""
from . import (arithmetic, array_ops, join_split, cast as cast_ops, comparison, creation, elementwise as ew,
               random_ops, reduction, unary_math)
from .. import dtypes
from ..convert import convert_to_tensor, operands_to_tensors
from ..core.dispatch import bind
from ..core.op import Op
from ..core.rules import broadcast_shapes, check_dtype, normalize_axis, spec_of
from ..errors import InvalidArgumentError
from ..shape import TensorShape

__all__ = ["relu", "relu6", "crelu", "elu", "selu", "gelu", "silu", "swish", "leaky_relu",
           "softmax", "log_softmax", "sigmoid_cross_entropy_with_logits",
           "softmax_cross_entropy_with_logits", "sparse_softmax_cross_entropy_with_logits",
           "l2_normalize", "l2_loss", "moments", "batch_normalization", "bias_add", "dropout"]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_SELU_SCALE_ALPHA = 1.7580993408473768599402175208123


def _float_tensor(op_name, value, arg):
    """`value` as a tensor, TypeError naming `op_name` unless it is floating point."""
    x = convert_to_tensor(value)
    check_dtype(op_name, x.spec, "float", arg=arg)
    return x


def _zeros(g):
    return creation.zeros_like(g)


# ----- rectifiers: primitives, for TF's gradient 0 at the kinks ------------------------------

def _grad_relu(ctx, g):
    y = ctx.outputs[0]
    return (comparison.where(comparison.greater(y, 0), g, _zeros(g)),)


def _grad_relu6(ctx, g):
    x = ctx.inputs[0]
    inside = comparison.logical_and(comparison.greater(x, 0), comparison.less(x, 6))
    return (comparison.where(inside, g, _zeros(g)),)


_relu = ew.unary("relu", lambda xp, x: xp.maximum(x, 0), "max({0}, 0)", _grad_relu, kinds="real",
                 into=lambda xp, x, out: xp.maximum(x, 0, out=out))
_relu6 = ew.unary("relu6", lambda xp, x: xp.minimum(xp.maximum(x, 0), 6), "min(max({0}, 0), 6)",
                  _grad_relu6, kinds="real")


def relu(features, name=None):
    """max(features, 0) elementwise; the gradient at 0 is 0, as in TF."""
    return ew.apply_unary(_relu, features)


def relu6(features, name=None):
    """min(max(features, 0), 6) elementwise; the gradient is 0 at 0 and 6."""
    return ew.apply_unary(_relu6, features)


def crelu(features, axis=-1, name=None):
    """Concatenated ReLU: [relu(features), relu(-features)] joined along `axis`."""
    x = convert_to_tensor(features)
    return join_split.concat([relu(x), relu(arithmetic.negative(x))], axis)


# ----- smooth activations: composites --------------------------------------------------------

def _negative_part_exp_minus_one(x):
    """exp(x) - 1 for x < 0, as TF's Elu and Selu kernels compute it (exp, not expm1), on min(x, 0)
    so that large positive x cannot overflow into the gradient."""
    return unary_math.exp(arithmetic.minimum(x, 0)) - 1


def elu(features, name=None):
    """Exponential linear unit: features if features >= 0, else exp(features) - 1."""
    x = _float_tensor("elu", features, "features")
    return comparison.where(comparison.less(x, 0), _negative_part_exp_minus_one(x), x)


def selu(features, name=None):
    """Scaled ELU: scale * features if features >= 0, else scale * alpha * (exp(features) - 1).

    As TF's kernel: the product scale * alpha is one constant.
    """
    x = _float_tensor("selu", features, "features")
    negative = _negative_part_exp_minus_one(x) * _SELU_SCALE_ALPHA
    return comparison.where(comparison.less(x, 0), negative, x * _SELU_SCALE)


def gelu(features, approximate=False, name=None):
    """Gaussian error linear unit: x * Phi(x); with `approximate`, the tanh formula."""
    x = convert_to_tensor(features)
    if not x.dtype.is_floating:
        raise ValueError(f"gelu: `features.dtype` must be a floating point tensor, got {x.dtype.name}")
    if approximate:
        inner = (x + 0.044715 * (x * x * x)) * 0.7978845608028654
        return 0.5 * x * (1.0 + unary_math.tanh(inner))
    return 0.5 * x * (1.0 + unary_math.erf(x / 1.4142135623730951))


def silu(features, beta=1.0, name=None):
    """SiLU / swish: features * sigmoid(beta * features)."""
    x = _float_tensor("silu", features, "features")
    scaled = x if _is_one(beta) else arithmetic.multiply(beta, x)
    return x * unary_math.sigmoid(scaled)


def _is_one(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == 1


swish = silu


def leaky_relu(features, alpha=0.2, name=None):
    """features if features > 0 else alpha * features; integers are computed in float32, as in TF."""
    x = convert_to_tensor(features)
    if x.dtype.is_integer:
        x = cast_ops.cast(x, dtypes.float32)
    check_dtype("leaky_relu", x.spec, "float", arg="features")
    alpha = float(alpha.item() if hasattr(alpha, "item") else alpha)
    return comparison.where(comparison.greater(x, 0), x, x * alpha)


# ----- softmax family ------------------------------------------------------------------------

def _class_axis(op_name, x, axis):
    rank = x.shape.rank
    axis = -1 if axis is None else int(axis)
    if rank == 0:
        raise ValueError(f"{op_name}: `logits` must have at least one dimension, got a scalar")
    if rank is None and axis < 0 and axis != -1:
        raise ValueError(f"{op_name}: a negative axis other than -1 needs `logits` of known rank")
    return axis if rank is None else normalize_axis(op_name, axis, rank)


def _shifted_logits(x, axis):
    """x - max(x) along `axis`: exp of it cannot overflow. Softmax does not depend on the shift,
    so its gradient is stopped (exact, and cheaper than differentiating the max)."""
    peak = reduction.reduce_max(x, axis, keepdims=True)
    return x - cast_ops.stop_gradient(peak)


def softmax(logits, axis=None, name=None):
    """exp(logits) / sum(exp(logits)) along `axis` (default: the last), computed stably."""
    x = _float_tensor("softmax", logits, "logits")
    axis = _class_axis("softmax", x, axis)
    e = unary_math.exp(_shifted_logits(x, axis))
    return e / reduction.reduce_sum(e, axis, keepdims=True)


def log_softmax(logits, axis=None, name=None):
    """logits - log(sum(exp(logits))) along `axis` (default: the last), computed stably."""
    x = _float_tensor("log_softmax", logits, "logits")
    axis = _class_axis("log_softmax", x, axis)
    shifted = _shifted_logits(x, axis)
    return shifted - unary_math.log(reduction.reduce_sum(unary_math.exp(shifted), axis, keepdims=True))


# ----- cross-entropy losses ------------------------------------------------------------------

def sigmoid_cross_entropy_with_logits(labels=None, logits=None, name=None):
    """Elementwise logistic loss max(x, 0) - x * z + log(1 + exp(-|x|)) for logits x, labels z.

    Written as TF writes it, with `where` rather than abs/max, so the gradient
    at x = 0 is sigmoid(0) - z.
    """
    if labels is None or logits is None:
        raise ValueError("sigmoid_cross_entropy_with_logits: both `labels` and `logits` must be given")
    x = _float_tensor("sigmoid_cross_entropy_with_logits", logits, "logits")
    z = operands_to_tensors(x, labels)[1]
    if not x.shape.is_compatible_with(z.shape):
        raise ValueError(f"sigmoid_cross_entropy_with_logits: `logits` and `labels` must have the same "
                         f"shape, got {x.shape} and {z.shape}")
    non_negative = comparison.greater_equal(x, 0)
    zeros = creation.zeros_like(x)
    relu_logits = comparison.where(non_negative, x, zeros)
    neg_abs_logits = comparison.where(non_negative, arithmetic.negative(x), x)
    return relu_logits - x * z + unary_math.log1p(unary_math.exp(neg_abs_logits))


def softmax_cross_entropy_with_logits(labels, logits, axis=-1, name=None):
    """-sum(labels * log_softmax(logits)) along `axis`; gradients flow to labels too (TF2)."""
    x = _float_tensor("softmax_cross_entropy_with_logits", logits, "logits")
    z = operands_to_tensors(x, labels)[1]
    broadcast_shapes("softmax_cross_entropy_with_logits", x.shape, z.shape)
    axis = _class_axis("softmax_cross_entropy_with_logits", x, axis)
    return arithmetic.negative(reduction.reduce_sum(z * log_softmax(x, axis), axis))


def _pick_infer(x, labels):
    if x.shape.rank is None:
        return spec_of(None, x.dtype)
    return spec_of(x.shape[:-1], x.dtype)


def _pick_impl(xp, x, labels):
    n = x.shape[-1]
    bad = (labels < 0) | (labels >= n)
    if bool(xp.any(bad)):
        value = int(labels[bad].reshape(-1)[0])
        raise InvalidArgumentError(f"Received a label value of {value} which is outside the valid range "
                                   f"of [0, {n}).  Label values: {labels.reshape(-1).tolist()}")
    return xp.take_along_axis(x, labels[..., None].astype(xp.intp), axis=-1)[..., 0]


def _scatter_impl(xp, g, labels, like):
    classes = xp.arange(like.shape[-1])
    return xp.where(classes == labels[..., None], g[..., None], xp.zeros((), dtype=g.dtype))


def _scatter_infer(g, labels, like):
    return spec_of(like.shape, g.dtype)


#: x[..., labels]: one element of the last axis per row (labels already checked by the caller).
_pick = Op("pick_last_axis", infer=_pick_infer, impl=_pick_impl,
           grad=lambda ctx, g: (bind(_scatter, [g, ctx.inputs[1], ctx.inputs[0]]), None))
#: The adjoint of `_pick`: g placed at the labels of a zero tensor shaped like `like`.
_scatter = Op("scatter_last_axis", infer=_scatter_infer, impl=_scatter_impl,
              grad=lambda ctx, g: (bind(_pick, [g, ctx.inputs[1]]), None, None))


def sparse_softmax_cross_entropy_with_logits(labels, logits, name=None):
    """-log_softmax(logits)[..., labels]: cross entropy with integer class labels.

    `labels` (int32 or int64) has the shape of `logits` without its last axis,
    and each label must lie in [0, num_classes) (InvalidArgumentError otherwise).
    """
    x = _float_tensor("sparse_softmax_cross_entropy_with_logits", logits, "logits")
    labels = convert_to_tensor(labels)
    if labels.dtype not in (dtypes.int32, dtypes.int64):
        raise TypeError(f"sparse_softmax_cross_entropy_with_logits: `labels` must be int32 or int64, "
                        f"got {labels.dtype.name}")
    _check_sparse_shapes(x.shape, labels.shape)
    return arithmetic.negative(bind(_pick, [log_softmax(x), labels]))


def _check_sparse_shapes(logits_shape, labels_shape):
    op_name = "sparse_softmax_cross_entropy_with_logits"
    if logits_shape.rank == 0:
        raise ValueError(f"{op_name}: `logits` must have rank >= 1, got a scalar")
    if logits_shape.rank is None or labels_shape.rank is None:
        return
    if labels_shape.rank != logits_shape.rank - 1:
        raise ValueError(f"{op_name}: the rank of `labels` (shape {labels_shape}) must be the rank of "
                         f"`logits` (shape {logits_shape}) minus 1")
    if not labels_shape.is_compatible_with(logits_shape[:-1]):
        raise ValueError(f"{op_name}: `labels` shape {labels_shape} must equal the shape of `logits` "
                         f"{logits_shape} without its last dimension")


# ----- normalization -------------------------------------------------------------------------

def l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None):
    """x / sqrt(max(sum(x**2, axis), epsilon)): unit L2 norm along `axis` (all axes if None)."""
    if dim is not None:
        axis = dim
    x = _float_tensor("l2_normalize", x, "x")
    square_sum = reduction.reduce_sum(unary_math.square(x), axis, keepdims=True)
    return x * unary_math.rsqrt(arithmetic.maximum(square_sum, epsilon))


def l2_loss(t, name=None):
    """sum(t ** 2) / 2, a scalar."""
    t = _float_tensor("l2_loss", t, "t")
    return reduction.reduce_sum(unary_math.square(t)) / 2


def moments(x, axes, shift=None, keepdims=False, name=None):
    """(mean, variance) of `x` over `axes`; the variance is the biased (population) one.

    float16 is computed in float32 and the results cast back, as TF does.
    """
    x = convert_to_tensor(x)
    y = cast_ops.cast(x, dtypes.float32) if x.dtype == dtypes.float16 else x
    axes = list(axes) if isinstance(axes, (list, tuple)) else [axes]
    mean = reduction.reduce_mean(y, axes, keepdims=True)
    # The mean's own gradient through the variance is zero, so stopping it changes nothing but cost.
    variance = reduction.reduce_mean(arithmetic.squared_difference(y, cast_ops.stop_gradient(mean)),
                                     axes, keepdims=True)
    if not keepdims:
        mean = array_ops.squeeze(mean, axes)
        variance = array_ops.squeeze(variance, axes)
    if x.dtype == dtypes.float16:
        return cast_ops.cast(mean, dtypes.float16), cast_ops.cast(variance, dtypes.float16)
    return mean, variance


def batch_normalization(x, mean, variance, offset, scale, variance_epsilon, name=None):
    """(x - mean) / sqrt(variance + variance_epsilon) * scale + offset (offset, scale may be None)."""
    x = _float_tensor("batch_normalization", x, "x")
    inv = unary_math.rsqrt(arithmetic.add(variance, variance_epsilon))
    if scale is not None:
        inv = inv * scale
    shift = arithmetic.negative(mean * inv) if offset is None else offset - mean * inv
    return x * inv + shift


def bias_add(value, bias, data_format=None, name=None):
    """Add the 1-D `bias` along the channel axis of `value` (last, or axis 1 for "NC..." formats)."""
    value, bias = operands_to_tensors(value, bias)
    if bias.shape.rank is not None and bias.shape.rank != 1:
        raise ValueError(f"bias_add: `bias` must be 1-D, got shape {bias.shape}")
    rank = value.shape.rank
    if rank is not None and rank < 2:
        raise ValueError(f"bias_add: `value` must have rank at least 2, got shape {value.shape}")
    channels_first = _channels_first("bias_add", data_format)
    if channels_first and rank is None:
        raise ValueError("bias_add: a channels-first `data_format` needs `value` of known rank")
    axis = 1 if channels_first else -1
    if rank is not None and not TensorShape([value.shape[axis]]).is_compatible_with(bias.shape):
        raise ValueError(f"bias_add: `bias` of shape {bias.shape} must match the size of dimension "
                         f"{axis % rank} of `value` (shape {value.shape})")
    if channels_first:
        bias = array_ops.reshape(bias, [-1] + [1] * (rank - 2))
    return arithmetic.add(value, bias)


def _channels_first(op_name, data_format):
    if data_format is None:
        return False
    fmt = str(data_format)
    if fmt.startswith("NC"):
        return True
    if fmt.startswith("N") and fmt.endswith("C"):
        return False
    raise ValueError(f"{op_name}: unsupported data_format {data_format!r}; use e.g. 'NHWC' or 'NCHW'")


# ----- dropout -------------------------------------------------------------------------------

def dropout(x, rate, noise_shape=None, seed=None, name=None):
    """Zero each element with probability `rate` and scale the rest by 1 / (1 - rate).

    `noise_shape` (broadcastable to x's shape) shares one random draw along
    axes of size 1, e.g. to drop whole channels.
    """
    x = _float_tensor("dropout", x, "x")
    if isinstance(rate, (int, float)):
        if not 0 <= rate < 1:
            raise ValueError(f"dropout: `rate` must be a scalar tensor or a float in the range [0, 1), "
                             f"got {rate}")
        if rate == 0:
            return x
    rate = convert_to_tensor(rate, dtype_hint=x.dtype)
    if noise_shape is None:
        noise_shape = x.shape.as_list() if x.shape.is_fully_defined() else array_ops.shape(x)
    uniform = random_ops.uniform(noise_shape, dtype=x.dtype, seed=seed)
    kept = x * (1 / (1 - rate))
    return comparison.where(comparison.greater_equal(uniform, rate), kept, creation.zeros_like(kept))
