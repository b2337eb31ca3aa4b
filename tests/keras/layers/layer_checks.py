"""Checks every layer test repeats: gradients against central differences (float64), eager against
traced calls, and the get_config/from_config round trip."""
import json

import numpy as np

import tracegraph as tg


def _numeric(evaluate, array, step):
    """Central-difference gradient of the scalar `evaluate(array)` with respect to `array`."""
    grad = np.zeros_like(array)
    flat, out = array.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        saved = flat[i]
        flat[i] = saved + step
        plus = evaluate(array)
        flat[i] = saved - step
        minus = evaluate(array)
        flat[i] = saved
        out[i] = (plus - minus) / (2 * step)
    return grad


def assert_layer_gradients(layer, inputs, rtol=1e-6, atol=1e-8, step=1e-6, **call_kwargs):
    """The tape's gradients of `sum(layer(inputs) * probe)` with respect to the (float) inputs and every
    trainable weight match central differences; the layer must compute in float64."""
    inputs = np.asarray(inputs, dtype=np.float64)
    probe = np.random.default_rng(0).standard_normal(np.shape(layer(inputs, **call_kwargs)))

    def objective(x):
        return float(tg.reduce_sum(layer(x, **call_kwargs) * probe).numpy())

    x = tg.constant(inputs)
    with tg.GradientTape() as tape:
        tape.watch(x)
        value = tg.reduce_sum(layer(x, **call_kwargs) * probe)
    weights = layer.trainable_weights
    grads = tape.gradient(value, [x] + weights)
    np.testing.assert_allclose(np.asarray(grads[0]), _numeric(objective, inputs.copy(), step), rtol=rtol,
                               atol=atol, err_msg="gradient with respect to the inputs")
    for weight, grad in zip(weights, grads[1:]):
        original = weight.numpy()

        def with_weight(value, weight=weight):
            weight.assign(value)
            return objective(inputs)
        numeric = _numeric(with_weight, original.copy(), step)
        weight.assign(original)
        np.testing.assert_allclose(np.asarray(tg.convert_to_tensor(grad)), numeric, rtol=rtol, atol=atol,
                                   err_msg=f"gradient with respect to {weight.name}")


def assert_traced_matches_eager(layer, inputs, **call_kwargs):
    """`layer(inputs)` inside a `tg.function` gives the eager result (same shape, dtype and values)."""
    eager = layer(inputs, **call_kwargs)
    traced = tg.function(lambda x: layer(x, **call_kwargs))(tg.constant(inputs))
    assert traced.dtype == eager.dtype and traced.shape == eager.shape
    np.testing.assert_allclose(traced.numpy(), eager.numpy(), rtol=1e-6, atol=1e-7)


def assert_config_round_trip(layer):
    """`from_config` of the config, after a trip through JSON (as in a saved model), rebuilds a layer
    with the same config."""
    saved = json.loads(json.dumps(layer.get_config()))
    rebuilt = type(layer).from_config(saved)
    assert json.loads(json.dumps(rebuilt.get_config())) == saved
    return rebuilt
