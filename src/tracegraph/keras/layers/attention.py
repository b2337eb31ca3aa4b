"""Keras 3's attention layers: `Attention` (Luong-style dot-product) and `AdditiveAttention` (Bahdanau).

Both take `[query, value]` or `[query, value, key]` ([batch, Tq, dim], [batch, Tv, dim], key like
value), score every query step against every key step ([batch, Tq, Tv]), softmax the scores over
the key steps and return the weighted sum of the values ([batch, Tq, dim]). A `mask=[query_mask,
value_mask]` ([batch, Tq], [batch, Tv]) keeps padded value steps out of the softmax and zeros the
outputs of padded query steps; `use_causal_mask` lets query step i see key steps j <= i only.
"""
from ... import math, nn
from ...ops import arithmetic, array_ops, cast, comparison, creation, linalg, reduction
from .regularization import _RandomLayer

__all__ = ["Attention", "AdditiveAttention"]


class Attention(_RandomLayer):
    """Dot-product attention: scores = query . key (times a learned `scale` with `use_scale`);
    `score_mode="concat"` scores with sum(tanh(query + key)) times a learned weight instead."""

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        if score_mode not in ("dot", "concat"):
            raise ValueError(f"Invalid value for argument score_mode. Expected one of {{'dot', 'concat'}}. "
                             f"Received: score_mode={score_mode}")
        self.use_scale = use_scale
        self.score_mode = score_mode
        self.dropout = dropout
        self.supports_masking = True

    def build(self, input_shape):
        """`scale` (a scalar, with `use_scale`) and `concat_score_weight` (with score_mode "concat")."""
        _validate_shapes(type(self).__name__, input_shape)
        self.scale = None
        self.concat_score_weight = None
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(), initializer="ones")
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight(name="concat_score_weight", shape=(), initializer="ones")

    def _calculate_scores(self, query, key):
        """Scores [batch, Tq, Tv]."""
        if self.score_mode == "dot":
            scores = linalg.matmul(query, key, transpose_b=True)
            return scores if self.scale is None else arithmetic.multiply(scores, self.scale)
        pairs = array_ops.expand_dims(query, -2) + array_ops.expand_dims(key, -3)  # [batch, Tq, Tv, dim]
        if self.scale is not None:
            pairs = arithmetic.multiply(self.scale, pairs)
        return self.concat_score_weight * reduction.reduce_sum(math.tanh(pairs), axis=-1)

    def _apply_scores(self, scores, value, scores_mask=None, training=None):
        """(softmax(scores) @ value, the softmax), masked positions left out of the softmax."""
        if scores_mask is not None:
            # a large negative bias rather than -inf, as Keras: a fully masked row stays finite
            bias = 65504.0 if scores.dtype.name == "float16" else 1.0e9
            scores = comparison.where(scores_mask, scores, scores - bias)
        weights = nn.softmax(scores, axis=-1)
        if training and self.dropout > 0:
            keep = self._uniform(array_ops.shape(weights), weights.dtype) >= self.dropout
            weights = comparison.where(keep, weights / (1.0 - self.dropout), creation.zeros_like(weights))
        return linalg.matmul(weights, value), weights

    def call(self, inputs, mask=None, training=None, return_attention_scores=False, use_causal_mask=False):
        """The attention output [batch, Tq, dim] (and the attention scores [batch, Tq, Tv] on request)."""
        _validate_inputs(type(self).__name__, inputs, mask)
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        query_mask = mask[0] if mask else None
        value_mask = mask[1] if mask else None
        scores = self._calculate_scores(query, key)
        scores_mask = _score_mask(scores, value_mask, use_causal_mask)
        output, weights = self._apply_scores(scores, value, scores_mask, training)
        if query_mask is not None:
            keep = array_ops.expand_dims(cast.cast(query_mask, "bool"), -1)
            output = comparison.where(keep, output, creation.zeros_like(output))
        return (output, weights) if return_attention_scores else output

    def compute_mask(self, inputs, mask=None):
        """The query's mask."""
        if mask is None or mask[0] is None:
            return None
        return mask[0]

    def compute_output_shape(self, input_shape):
        """[*query shape[:-1], value dim]."""
        return (*tuple(input_shape[0])[:-1], tuple(input_shape[1])[-1])

    def get_config(self):
        """Keras 3's config keys."""
        return {**super().get_config(), "use_scale": self.use_scale, "score_mode": self.score_mode,
                "dropout": self.dropout, "seed": self.seed}


def _score_mask(scores, value_mask, use_causal_mask):
    """Which (query, key) pairs count: [batch, 1, Tv] from the value mask, and/or the lower triangle."""
    if value_mask is not None:
        value_mask = array_ops.expand_dims(cast.cast(value_mask, "bool"), -2)
    if not use_causal_mask:
        return value_mask
    shape = array_ops.shape(scores)
    rows = array_ops.expand_dims(creation.range(shape[-2]), -1)
    columns = array_ops.expand_dims(creation.range(shape[-1]), 0)
    causal = array_ops.expand_dims(comparison.greater_equal(rows, columns), 0)  # [1, Tq, Tv]
    return causal if value_mask is None else comparison.logical_and(value_mask, causal)


def _validate_shapes(class_name, input_shape):
    """The build-time check: a list of 2 or 3 shapes."""
    if not isinstance(input_shape, (list, tuple)) or not all(isinstance(s, (list, tuple)) for s in input_shape):
        raise ValueError(f"{class_name} layer must be called on a list of inputs, namely [query, value] or "
                         f"[query, value, key]. Received an input of shape {input_shape}.")
    _validate_inputs(class_name, input_shape)


def _validate_inputs(class_name, inputs, mask=None):
    if not isinstance(inputs, (list, tuple)):
        raise ValueError(f"{class_name} layer must be called on a list of inputs, namely [query, value] or "
                         f"[query, value, key]. Received: inputs={inputs}.")
    if not 2 <= len(inputs) <= 3:
        raise ValueError(f"{class_name} layer accepts inputs list of length 2 or 3, namely [query, value] or "
                         f"[query, value, key]. Received length: {len(inputs)}.")
    if mask is not None:
        if not isinstance(mask, (list, tuple)):
            raise ValueError(f"{class_name} layer mask must be a list, namely [query_mask, value_mask]. "
                             f"Received: mask={mask}.")
        if not 2 <= len(mask) <= 3:
            raise ValueError(f"{class_name} layer accepts mask list of length 2 or 3. Received: inputs={inputs}, "
                             f"mask={mask}.")


class AdditiveAttention(Attention):
    """Additive (Bahdanau) attention: scores = sum(scale * tanh(query + key)) over the features,
    `scale` a learned vector [dim] with `use_scale` (the default)."""

    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape):
        """`scale` [dim] with `use_scale`."""
        _validate_shapes(type(self).__name__, input_shape)
        self.scale = None
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(tuple(input_shape[0])[-1],),
                                         initializer="glorot_uniform")

    def _calculate_scores(self, query, key):
        """sum(scale * tanh(query[:, :, None] + key[:, None])) over the features: [batch, Tq, Tv]."""
        pairs = math.tanh(array_ops.expand_dims(query, -2) + array_ops.expand_dims(key, -3))
        if self.scale is not None:
            pairs = arithmetic.multiply(self.scale, pairs)
        return reduction.reduce_sum(pairs, axis=-1)

    def get_config(self):
        """Keras 3's config (no `score_mode`)."""
        config = super().get_config()
        del config["score_mode"]
        return config
