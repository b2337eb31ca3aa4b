"""keras.layers.Bidirectional and TimeDistributed: values against Keras 3.15 on TF 2.21 (rnn_recorded.py),
gradients against finite differences in float64, eager against tg.function, fit, configs and the .keras
round trip."""
import numpy as np
import pytest
from layer_checks import assert_config_round_trip, assert_layer_gradients, assert_traced_matches_eager
from rnn_recorded import MASK, RECORDED, X, fixed_weights

import tracegraph as tg
from tracegraph import keras
from tracegraph.keras import layers

IMG = np.random.default_rng(1).standard_normal((2, 3, 5, 5, 2)).astype(np.float32)


def close(actual, expected, atol=2e-6):
    np.testing.assert_allclose(np.asarray(actual), np.asarray(expected), atol=atol)


def built(layer, shape):
    layer.build(shape)
    return fixed_weights(layer)


# ----- Bidirectional ----------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["concat", "sum", "mul", "ave", None])
def test_bidirectional_merge_modes_match_keras(mode):
    layer = built(layers.Bidirectional(layers.LSTM(3, return_sequences=True), merge_mode=mode), (None, 4, 3))
    result = layer(X, mask=MASK)  # masked steps give zeros in both directions (zero_output_for_mask)
    want = RECORDED[f"bidirectional_{mode}"]
    if mode is None:
        assert len(result) == 2
        for r, w in zip(result, want):
            close(r, w)
    else:
        close(result, want)


def test_bidirectional_with_backward_layer_and_states_matches_keras():
    layer = layers.Bidirectional(layers.LSTM(3, return_state=True),
                                 backward_layer=layers.GRU(2, return_state=True, go_backwards=True))
    result = built(layer, (None, 4, 3))(X)
    assert [tuple(r.shape) for r in result] == [(2, 5), (2, 3), (2, 3), (2, 2)]
    for r, w in zip(result, RECORDED["bidirectional_states"]):
        close(r, w)
    assert layer.forward_layer.name.startswith("forward_lstm") and layer.backward_layer.name.startswith("gru")
    assert [w.name for w in layer.weights] == ["kernel", "recurrent_kernel", "bias"] * 2
    assert layer.compute_output_shape((None, 4, 3)) == ((None, 5), (None, 3), (None, 3), (None, 2))


def test_bidirectional_initial_state_and_errors():
    layer = layers.Bidirectional(layers.SimpleRNN(2, return_state=True), merge_mode="sum")
    states = [np.ones((2, 2), np.float32), -np.ones((2, 2), np.float32)]
    output, forward, backward = layer(X, initial_state=states)
    alone = layers.SimpleRNN(2, return_state=True)
    alone.build((None, 4, 3))
    alone.set_weights(layer.forward_layer.get_weights())
    close(forward, alone(X, initial_state=states[:1])[1], 1e-6)
    with pytest.raises(ValueError, match="merge mode"):
        layers.Bidirectional(layers.LSTM(2), merge_mode="max")
    with pytest.raises(ValueError, match="go_backwards"):
        layers.Bidirectional(layers.LSTM(2), backward_layer=layers.LSTM(2))
    with pytest.raises(ValueError, match="return_sequences"):
        layers.Bidirectional(layers.LSTM(2), backward_layer=layers.LSTM(2, go_backwards=True, return_sequences=True))


def test_bidirectional_gradients_traced_and_config():
    x = np.random.default_rng(2).standard_normal((2, 3, 2))
    layer = layers.Bidirectional(layers.GRU(1, return_sequences=True, dtype="float64"), merge_mode="mul",
                                 dtype="float64")
    assert_layer_gradients(layer, x)
    assert_traced_matches_eager(layers.Bidirectional(layers.LSTM(3)), X)
    rebuilt = assert_config_round_trip(layers.Bidirectional(layers.LSTM(3, return_sequences=True), merge_mode="ave",
                                                            backward_layer=layers.GRU(3, go_backwards=True,
                                                                                      return_sequences=True)))
    assert type(rebuilt.backward_layer).__name__ == "GRU" and rebuilt.merge_mode == "ave"


# ----- TimeDistributed --------------------------------------------------------------------------

def test_time_distributed_matches_keras():
    dense = built(layers.TimeDistributed(layers.Dense(4, activation="tanh")), (None, 4, 3))
    close(dense(X), RECORDED["time_distributed_dense"])
    conv = built(layers.TimeDistributed(layers.Conv2D(2, 3)), (None, 3, 5, 5, 2))
    close(conv(IMG), RECORDED["time_distributed_conv"], 5e-6)
    assert conv.compute_output_shape((None, 3, 5, 5, 2)) == (None, 3, 3, 3, 2)


def test_time_distributed_unknown_steps_gradients_and_config():
    layer = layers.TimeDistributed(layers.Dense(2, dtype="float64"), dtype="float64")
    traced = tg.function(lambda x: layer(x), input_signature=[tg.TensorSpec([None, None, 3], tg.float64)])
    for steps in (2, 5):
        x = np.random.default_rng(steps).standard_normal((3, steps, 3))
        close(traced(x), layer(x), 1e-12)
    assert traced.experimental_get_tracing_count() == 1
    assert_layer_gradients(layer, np.random.default_rng(3).standard_normal((2, 3, 3)))
    with pytest.raises(ValueError, match="at least 3"):
        layers.TimeDistributed(layers.Dense(2))(X[:, 0])
    rebuilt = assert_config_round_trip(layers.TimeDistributed(layers.Dense(2, activation="relu")))
    assert rebuilt.layer.get_config()["activation"] == "relu"


# ----- in a model -------------------------------------------------------------------------------

def test_fit_and_model_file_round_trip(tmp_path, numpy_backend):
    keras.utils.set_random_seed(2)
    model = keras.Sequential([keras.Input((4, 3)), layers.Bidirectional(layers.LSTM(4, return_sequences=True)),
                              layers.TimeDistributed(layers.Dense(1))])
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(9).standard_normal((32, 4, 3)).astype(np.float32)
    y = np.cumsum(x[..., :1], axis=1) * 0.3
    history = model.fit(x, y, epochs=4, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    model.save(tmp_path / "wrappers.keras")
    restored = keras.models.load_model(tmp_path / "wrappers.keras")
    close(restored.predict(x, verbose=0), model.predict(x, verbose=0), 1e-6)
