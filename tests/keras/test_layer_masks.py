"""Keras masks: Embedding(mask_zero=True) marks padding, Layer.__call__ passes the mask to the layers that
take one and on to their outputs, and losses and metrics leave masked timesteps out. Expected values are
TF 2.21 / Keras 3.15's on the same weights."""
import warnings

import numpy as np
import pytest

import tracegraph as tg

X = np.array([[3, 5, 0, 0], [1, 2, 7, 0], [4, 0, 0, 0]], np.int32)


def _with_weights(model, seed):
    rng = np.random.default_rng(seed)
    model.set_weights([rng.standard_normal(w.shape).astype("float32") * 0.5 for w in model.get_weights()])
    return model


def _sequence_model():
    return _with_weights(tg.keras.Sequential([
        tg.keras.Input((4,), dtype="int32"), tg.keras.layers.Embedding(10, 4, mask_zero=True),
        tg.keras.layers.LSTM(3, return_sequences=True), tg.keras.layers.Dense(1)]), seed=1)


def test_the_mask_flows_to_the_output_and_the_lstm_holds_its_output_over_padding():
    output = _sequence_model()(X)
    np.testing.assert_allclose(output.numpy()[..., 0], [[-0.550656, -0.534464, -0.534464, -0.534464], [-0.521309, -0.530052, -0.638241, -0.638241], [-0.588989, -0.588989, -0.588989, -0.588989]], atol=1e-5)
    assert output._keras_mask.numpy().tolist() == [[True, True, False, False], [True, True, True, False], [True, False, False, False]]


def test_an_lstm_returning_its_last_output_takes_the_last_real_step():
    model = _with_weights(tg.keras.Sequential([tg.keras.Input((4,), dtype="int32"),
                                               tg.keras.layers.Embedding(10, 4, mask_zero=True),
                                               tg.keras.layers.LSTM(3)]), seed=2)
    output = model(X)
    np.testing.assert_allclose(output.numpy(), [[0.056948, 0.175713, 0.060607], [0.096898, 0.039211, 0.211554], [-0.054622, 0.125059, 0.059848]], atol=1e-5)
    assert getattr(output, "_keras_mask", None) is None


def test_loss_and_metrics_leave_padding_out_in_evaluate_and_fit():
    y = np.random.default_rng(0).standard_normal((3, 4, 1)).astype("float32")
    model = _sequence_model()
    model.compile(optimizer=tg.keras.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
    np.testing.assert_allclose(model.evaluate(X, y, verbose=0), [0.866683, 0.673623], rtol=1e-5)
    model.fit(X, y, batch_size=3, epochs=2, shuffle=False, verbose=0)
    kernel, bias = model.get_weights()[-2:]
    np.testing.assert_allclose(kernel, [[-0.1863500028848648], [-0.45309001207351685], [-0.010370000265538692]], atol=1e-4)
    np.testing.assert_allclose(bias, [-0.335970014333725], atol=1e-4)
    np.testing.assert_allclose(model.get_weights()[3], [1.274459958076477, -0.5065000057220459, -0.6253100037574768, 0.29750001430511475, -0.420879989862442, -0.2529900074005127, -0.19012999534606934, 0.24966000020503998, -0.20187999308109283, 0.13962000608444214, -0.09245000034570694, -0.4223000109195709], atol=1e-4)  # the LSTM's bias


def test_a_layer_without_masking_support_warns_that_it_drops_the_mask():
    model = tg.keras.Sequential([tg.keras.Input((4,), dtype="int32"), tg.keras.layers.Embedding(10, 4, mask_zero=True),
                                 tg.keras.layers.Flatten()])
    with pytest.warns(UserWarning, match="does not support masking"):
        output = model(X)
    assert getattr(output, "_keras_mask", None) is None


def test_an_explicit_mask_argument_wins_over_the_attached_one():
    layer = tg.keras.layers.LSTM(2, return_sequences=True)
    inputs = tg.keras.layers.Embedding(10, 3, mask_zero=True)(X)
    keep_all = tg.constant(np.ones((3, 4), bool))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        unmasked = layer(inputs, mask=keep_all)
    assert unmasked._keras_mask.numpy().all()
