"""keras.layers.ConvLSTM1D/2D/3D: values against Keras 3.15 on TF 2.21 (rnn_recorded.py), the input
convolution of the whole sequence against one step at a time, channels_first against channels_last,
gradients against finite differences in float64, eager against tg.function, fit, config and .keras."""
import numpy as np
import pytest
from layer_checks import assert_config_round_trip, assert_layer_gradients, assert_traced_matches_eager
from rnn_recorded import RECORDED, fixed_weights

from tracegraph import keras
from tracegraph.keras import layers

IMG = np.random.default_rng(1).standard_normal((2, 3, 5, 5, 2)).astype(np.float32)
CASES = {"valid": {"return_sequences": True}, "same_states": {"padding": "same", "return_state": True},
         "strided_backwards": {"strides": 2, "go_backwards": True, "return_sequences": True}}


def close(actual, expected, atol=3e-6):
    np.testing.assert_allclose(np.asarray(actual), np.asarray(expected), atol=atol)


def conv_lstm(**kwargs):
    layer = layers.ConvLSTM2D(2, 3, **kwargs)
    layer.build((None, 3, 5, 5, 2))
    return fixed_weights(layer)


@pytest.mark.parametrize("case", sorted(CASES))
def test_conv_lstm_2d_matches_keras(case):
    layer = conv_lstm(**CASES[case])
    result = layer(IMG)
    want = RECORDED["conv_lstm_" + case]
    if isinstance(result, tuple):
        assert len(result) == len(want) == 3
        for r, w in zip(result, want):
            close(r, w)
    else:
        close(result, want)
    expected_shape = layer.compute_output_shape((2, 3, 5, 5, 2))
    assert expected_shape == (tuple(r.shape for r in result) if isinstance(result, tuple) else result.shape)


def test_weights_and_the_cell_alone():
    layer = conv_lstm(padding="same")
    assert [tuple(w.shape) for w in layer.weights] == [(3, 3, 2, 8), (3, 3, 2, 8), (8,)]
    fresh = layers.ConvLSTM2D(2, 3)
    fresh.build((None, 3, 5, 5, 2))
    assert fresh.bias.numpy().tolist() == [0, 0, 1, 1, 0, 0, 0, 0]  # unit_forget_bias
    cell = layer.cell
    states = cell.get_initial_state(batch_size=2)
    for t in range(3):  # one step at a time gives the layer's (sequence-at-once) result
        _, states = cell(IMG[:, t], states)
    close(states[0], layer(IMG), 1e-6)


def test_channels_first_and_other_ranks():
    last = conv_lstm(return_sequences=True)
    first = layers.ConvLSTM2D(2, 3, data_format="channels_first", return_sequences=True)
    first.build((None, 3, 2, 5, 5))
    first.set_weights(last.get_weights())
    close(first(np.transpose(IMG, (0, 1, 4, 2, 3))), np.transpose(last(IMG).numpy(), (0, 1, 4, 2, 3)), 1e-6)
    assert layers.ConvLSTM1D(3, 2)(np.ones((2, 4, 6, 1), np.float32)).shape == (2, 5, 3)
    assert layers.ConvLSTM3D(1, 2, padding="same")(np.ones((1, 2, 3, 3, 3, 1), np.float32)).shape == (1, 3, 3, 3, 1)
    with pytest.raises(ValueError, match="ndim=5"):
        layers.ConvLSTM2D(2, 3)(np.ones((2, 3, 5, 5), np.float32))
    with pytest.raises(ValueError, match="static input shapes"):
        layers.ConvLSTM2D(2, 3).build((None, 3, None, 5, 2))


def test_gradients_traced_and_config():
    x = np.random.default_rng(4).standard_normal((1, 2, 3, 3, 1))
    layer = layers.ConvLSTM2D(1, 2, padding="same", return_sequences=True, dtype="float64")
    assert_layer_gradients(layer, x)
    assert_traced_matches_eager(conv_lstm(strides=2), IMG)
    rebuilt = assert_config_round_trip(layers.ConvLSTM2D(4, (3, 2), strides=(1, 2), padding="same", dropout=0.1,
                                                         recurrent_constraint="max_norm"))
    assert rebuilt.kernel_size == (3, 2) and rebuilt.cell.recurrent_constraint.__class__.__name__ == "MaxNorm"


def test_fit_with_dropout_and_model_file_round_trip(tmp_path, numpy_backend):
    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.Input((3, 5, 5, 2)),
                              layers.ConvLSTM2D(2, 3, dropout=0.2, recurrent_dropout=0.2),
                              layers.Flatten(), layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(10).standard_normal((16, 3, 5, 5, 2)).astype(np.float32)
    y = x.mean(axis=(1, 2, 3, 4))[:, None]
    history = model.fit(x, y, epochs=3, batch_size=8, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    model.save(tmp_path / "conv_lstm.keras")
    restored = keras.models.load_model(tmp_path / "conv_lstm.keras")
    close(restored.predict(x, verbose=0), model.predict(x, verbose=0), 1e-6)
