"""keras.layers.Attention and AdditiveAttention: values and attention scores against Keras 3.15 on TF 2.21
(rnn_recorded.py) with masks, keys, scales, score_mode "concat" and causal masks; a NumPy reference in
float64; gradients against finite differences; eager against tg.function; dropout; configs; fit and .keras."""
import numpy as np
import pytest
from layer_checks import assert_config_round_trip
from rnn_recorded import RECORDED, fill

import tracegraph as tg
from tracegraph import keras
from tracegraph.keras import layers
from tracegraph.test import check_gradients

Q = np.random.default_rng(4).standard_normal((2, 3, 4)).astype(np.float32)
V = np.random.default_rng(5).standard_normal((2, 5, 4)).astype(np.float32)
K = np.random.default_rng(6).standard_normal((2, 5, 4)).astype(np.float32)
QMASK = np.array([[1, 1, 0], [1, 1, 1]], bool)
VMASK = np.array([[1, 1, 1, 0, 0], [1, 0, 1, 1, 1]], bool)


def close(actual, expected, atol=2e-6):
    np.testing.assert_allclose(np.asarray(actual), np.asarray(expected), atol=atol)


def attention(cls, dtype="float32", **kwargs):
    """The layer with the recordings' weights: scalars 0.7, vectors from `fill`."""
    layer = cls(dtype=dtype, **kwargs)
    layer.build([(None, 3, 4), (None, 5, 4), (None, 5, 4)])
    layer.set_weights([np.full(w.shape, 0.7) if len(w.shape) == 0 else fill(tuple(w.shape), 1.0, 0.2)
                       for w in layer.weights])
    return layer


def assert_pair(result, name):
    for r, w in zip(result, RECORDED[name]):
        close(r, w)


def test_dot_product_attention_matches_keras():
    assert_pair(attention(layers.Attention)([Q, V], return_attention_scores=True), "attention_dot")
    layer = attention(layers.Attention, use_scale=True)
    assert_pair(layer([Q, V, K], mask=[QMASK, VMASK], return_attention_scores=True), "attention_scaled_key_masked")
    layer = attention(layers.Attention, score_mode="concat", use_scale=True)
    assert_pair(layer([Q, V[:, :3], K[:, :3]], use_causal_mask=True, return_attention_scores=True),
                "attention_concat_causal")


def test_additive_attention_matches_keras():
    assert_pair(attention(layers.AdditiveAttention)([Q, V, K], mask=[QMASK, VMASK], return_attention_scores=True),
                "additive")
    close(attention(layers.AdditiveAttention, use_scale=False)([Q, V[:, :3]], use_causal_mask=True),
          RECORDED["additive_unscaled_causal"])


def softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def test_float64_against_numpy():
    q, v, k = (x.astype(np.float64) for x in (Q, V, K))
    layer = attention(layers.Attention, dtype="float64", use_scale=True)
    weights = softmax(np.where(VMASK[:, None], 0.7 * q @ k.transpose(0, 2, 1), -1e9))
    output, scores = layer([q, v, k], mask=[None, VMASK], return_attention_scores=True)
    np.testing.assert_allclose(scores.numpy(), weights, rtol=1e-12)
    np.testing.assert_allclose(output.numpy(), weights @ v, rtol=1e-12)
    additive = attention(layers.AdditiveAttention, dtype="float64")
    scale = additive.scale.numpy()
    expected = softmax((scale * np.tanh(q[:, :, None] + k[:, None])).sum(-1)) @ v
    np.testing.assert_allclose(additive([q, v, k]).numpy(), expected, rtol=1e-12)


@pytest.mark.parametrize("cls", [layers.Attention, layers.AdditiveAttention])
def test_gradients_and_tracing(cls, numpy_backend):
    layer = attention(cls, dtype="float64", use_scale=True)
    q, v, k = (tg.constant(x.astype(np.float64)) for x in (Q[:1], V[:1, :3], K[:1, :3]))
    check_gradients(lambda q, v, k: layer([q, v, k], mask=[None, VMASK[:1, :3]], use_causal_mask=True),
                    [q, v, k], rtol=1e-6)
    with tg.GradientTape() as tape:
        loss = tg.reduce_sum(tg.sin(layer([q, v, k])))
    (grad,) = tape.gradient(loss, [layer.scale])
    original = np.array(layer.scale.numpy())
    numeric = np.zeros_like(original)
    for i in np.ndindex(original.shape):
        values = []
        for sign in (1, -1):
            changed = np.array(original)
            changed[i] += sign * 1e-6
            layer.scale.assign(changed)
            values.append(float(tg.reduce_sum(tg.sin(layer([q, v, k])))))
        numeric[i] = (values[0] - values[1]) / 2e-6
    layer.scale.assign(original)
    np.testing.assert_allclose(grad.numpy(), numeric, rtol=1e-6)
    traced = tg.function(lambda q, v: layer([q, v], mask=[QMASK, VMASK], return_attention_scores=True))
    for t, e in zip(traced(Q.astype(np.float64), V.astype(np.float64)),
                    layer([Q, V], mask=[QMASK, VMASK], return_attention_scores=True)):
        close(t, e, 1e-12)


def test_dropout_config_and_errors():
    layer = layers.Attention(dropout=0.5, seed=1)
    plain = layer([Q, V])
    close(layer([Q, V], training=False), plain, 0)
    assert not np.allclose(layer([Q, V], training=True).numpy(), plain.numpy())
    rebuilt = assert_config_round_trip(layers.Attention(use_scale=True, score_mode="concat", dropout=0.1))
    assert rebuilt.score_mode == "concat"
    assert "score_mode" not in assert_config_round_trip(layers.AdditiveAttention(use_scale=False)).get_config()
    assert layers.Attention().compute_output_shape([(None, 3, 4), (None, 5, 6)]) == (None, 3, 6)
    with pytest.raises(ValueError, match="score_mode"):
        layers.Attention(score_mode="general")
    with pytest.raises(ValueError, match="list of inputs"):
        layers.Attention()(Q)
    with pytest.raises(ValueError, match="length 2 or 3"):
        layers.Attention()([Q])


def test_in_a_model_fit_and_model_file(tmp_path, numpy_backend):
    keras.utils.set_random_seed(4)
    query, value = keras.Input((3, 4)), keras.Input((5, 4))
    attended = layers.AdditiveAttention()([query, value])
    both = layers.Concatenate()([layers.GlobalAveragePooling1D()(attended), layers.GlobalAveragePooling1D()(query)])
    model = keras.Model([query, value], layers.Dense(1)(both))
    model.compile(optimizer="adam", loss="mse")
    q = np.random.default_rng(11).standard_normal((32, 3, 4)).astype(np.float32)
    v = np.random.default_rng(12).standard_normal((32, 5, 4)).astype(np.float32)
    y = v.mean(axis=(1, 2))[:, None]
    history = model.fit([q, v], y, epochs=4, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    model.save(tmp_path / "attention.keras")
    restored = keras.models.load_model(tmp_path / "attention.keras")
    close(restored.predict([q, v], verbose=0), model.predict([q, v], verbose=0), 1e-6)
