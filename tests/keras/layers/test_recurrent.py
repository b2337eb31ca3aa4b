"""keras.layers.SimpleRNN / LSTM / GRU: outputs against Keras 3's (recorded with the same weights)
and a NumPy reference, return_sequences / return_state / go_backwards / masks / initial_state, weight
layouts, configs, dropout, and gradients against finite differences in float64, eagerly and inside
tg.function (where the time loop is one while_loop node)."""
import numpy as np
import pytest

import tracegraph as tg
from tracegraph.keras.layers.recurrent import GRU, LSTM, SimpleRNN
from tracegraph.test import check_gradients

X_RNN = np.random.default_rng(0).standard_normal((2, 4, 3)).astype(np.float32)
MASK = np.array([[1, 1, 0, 0], [1, 0, 1, 1]], bool)

LAYERS = {
    "SimpleRNN": lambda **kw: SimpleRNN(3, **kw),
    "LSTM": lambda **kw: LSTM(3, **kw),
    "GRU": lambda **kw: GRU(3, **kw),
    "GRU_reset_before": lambda **kw: GRU(3, reset_after=False, **kw),
}


def with_recorded_weights(name, **kwargs):
    """The layer built for X_RNN with the deterministic weights the recordings used."""
    layer = LAYERS[name](**kwargs)
    layer.build((None, 4, 3))
    layer.set_weights([((np.arange(w.numpy().size) * 0.37 % 1.0) - 0.5).reshape(w.shape).astype(np.float32)
                       * (0.8 if i == 0 else 0.6) for i, w in enumerate(layer.weights)])
    return layer


def rand(seed, shape, dtype=np.float64):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def reference_rnn(name, x, weights, states=None):
    """(outputs [batch, steps, units], final states): the cell equations, step by step, in NumPy."""
    kernel, recurrent, bias = weights
    units = recurrent.shape[0]
    batch = x.shape[0]
    states = [np.zeros((batch, units))] * (2 if name == "LSTM" else 1) if states is None else list(states)
    outputs = []
    for t in range(x.shape[1]):
        h = states[0]
        if name == "SimpleRNN":
            h = np.tanh(x[:, t] @ kernel + h @ recurrent + bias)
            states = [h]
        elif name == "LSTM":
            i, f, g, o = np.split(x[:, t] @ kernel + h @ recurrent + bias, 4, axis=-1)
            c = sigmoid(f) * states[1] + sigmoid(i) * np.tanh(g)
            h = sigmoid(o) * np.tanh(c)
            states = [h, c]
        else:
            x_z, x_r, x_h = np.split(x[:, t] @ kernel + bias[0], 3, axis=-1)
            r_z, r_r, r_h = np.split(h @ recurrent + bias[1], 3, axis=-1)
            z, r = sigmoid(x_z + r_z), sigmoid(x_r + r_r)
            h = z * h + (1 - z) * np.tanh(x_h + r * r_h)
            states = [h]
        outputs.append(h)
    return np.stack(outputs, axis=1), states


# ----- values -----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(LAYERS))
def test_outputs_and_states_match_keras(name):
    recorded = RECORDED[name]
    sequences, *states = with_recorded_weights(name, return_sequences=True, return_state=True)(X_RNN)
    np.testing.assert_allclose(sequences.numpy(), recorded["sequences"], atol=2e-6)
    assert len(states) == len(recorded["states"])
    for state, want in zip(states, recorded["states"]):
        np.testing.assert_allclose(state.numpy(), want, atol=2e-6)
    last = with_recorded_weights(name)(X_RNN)
    np.testing.assert_allclose(last.numpy(), np.asarray(recorded["sequences"])[:, -1], atol=2e-6)


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_go_backwards_and_masks_match_keras(name):
    recorded = RECORDED[name]
    backwards = with_recorded_weights(name, return_sequences=True, go_backwards=True)(X_RNN)
    np.testing.assert_allclose(backwards.numpy(), recorded["backwards"], atol=2e-6)
    np.testing.assert_allclose(with_recorded_weights(name)(X_RNN, mask=MASK).numpy(), recorded["masked_last"],
                               atol=2e-6)
    np.testing.assert_allclose(with_recorded_weights(name, return_sequences=True)(X_RNN, mask=MASK).numpy(),
                               recorded["masked_sequences"], atol=2e-6)


@pytest.mark.parametrize("name", ["SimpleRNN", "LSTM", "GRU"])
def test_float64_values_and_initial_state_against_numpy(name):
    layer = LAYERS[name](return_sequences=True, return_state=True, dtype="float64")
    x = rand(1, (3, 5, 2))
    layer.build(x.shape)
    weights = [w.numpy() for w in layer.weights]
    initial = [rand(2 + k, (3, 3)) for k in range(2 if name == "LSTM" else 1)]
    sequences, *states = layer(x, initial_state=initial)
    want_sequences, want_states = reference_rnn(name, x, weights, initial)
    np.testing.assert_allclose(sequences.numpy(), want_sequences, rtol=1e-12, atol=1e-14)
    for state, want in zip(states, want_states):
        np.testing.assert_allclose(state.numpy(), want, rtol=1e-12, atol=1e-14)


# ----- weights, shapes, configuration -----------------------------------------------------------

def test_weight_layouts_are_keras():
    shapes = {name: [tuple(w.shape) for w in with_recorded_weights(name).weights] for name in LAYERS}
    assert shapes == {"SimpleRNN": [(3, 3), (3, 3), (3,)], "LSTM": [(3, 12), (3, 12), (12,)],
                      "GRU": [(3, 9), (3, 9), (2, 9)], "GRU_reset_before": [(3, 9), (3, 9), (9,)]}
    lstm = LSTM(2)
    lstm(np.ones((1, 3, 4), np.float32))
    assert lstm.bias.numpy().tolist() == [0, 0, 1, 1, 0, 0, 0, 0]  # unit_forget_bias
    u = lstm.recurrent_kernel.numpy()
    np.testing.assert_allclose(u @ u.T, np.eye(2), atol=1e-5)  # orthogonal recurrent_initializer (rows)
    assert LSTM(2, unit_forget_bias=False, bias_initializer="ones")(np.ones((1, 3, 4), np.float32)) is not None
    assert SimpleRNN(2, use_bias=False)(np.ones((1, 3, 4), np.float32)).shape == (1, 2)


def test_output_shapes():
    x = np.ones((2, 5, 3), np.float32)
    for layer, want in [(SimpleRNN(4), [(2, 4)]), (SimpleRNN(4, return_sequences=True), [(2, 5, 4)]),
                        (LSTM(4, return_state=True), [(2, 4), (2, 4), (2, 4)]),
                        (GRU(4, return_sequences=True, return_state=True), [(2, 5, 4), (2, 4)])]:
        result = layer(x)
        result = result if isinstance(result, tuple) else (result,)  # Keras 3: a tuple with return_state
        assert [tuple(r.shape) for r in result] == want
        shape = layer.compute_output_shape((None, 5, 3))
        assert (shape if layer.return_state else (shape,)) == tuple((None,) + w[1:] for w in want)
    mask = np.ones((2, 5), bool)
    assert LSTM(2, return_sequences=True).compute_mask(x, mask) is mask
    assert GRU(2, return_state=True).compute_mask(x, mask) == [None, None]


def test_config_round_trip():
    layer = GRU(5, activation="relu", return_sequences=True, go_backwards=True, reset_after=False, dropout=0.25,
                kernel_regularizer="l2", name="gru_layer")
    config = layer.get_config()
    assert {k: config[k] for k in ("name", "units", "activation", "recurrent_activation", "reset_after",
                                   "return_sequences", "return_state", "go_backwards", "dropout")} == {
        "name": "gru_layer", "units": 5, "activation": "relu", "recurrent_activation": "sigmoid",
        "reset_after": False, "return_sequences": True, "return_state": False, "go_backwards": True,
        "dropout": 0.25}
    assert config["recurrent_initializer"]["class_name"] == "Orthogonal"
    assert GRU.from_config(config).get_config() == config
    lstm = LSTM(2, unit_forget_bias=False)
    assert LSTM.from_config(lstm.get_config()).unit_forget_bias is False


def test_errors():
    with pytest.raises(ValueError, match="expected ndim=3"):
        LSTM(2)(np.ones((2, 3), np.float32))
    with pytest.raises(ValueError, match="units"):
        GRU(0)
    with pytest.raises(ValueError, match="batch size must be static"):
        SimpleRNN(2, stateful=True).build((None, 3, 2))
    with pytest.raises(ValueError, match="2 state tensor"):
        LSTM(2)(np.ones((1, 3, 2), np.float32), initial_state=[np.zeros((1, 2), np.float32)])


def test_dropout_only_in_training():
    x = rand(4, (4, 6, 3), np.float32)
    plain = LSTM(3)
    plain.build(x.shape)
    for kwargs in ({"dropout": 0.5}, {"recurrent_dropout": 0.5}):
        layer = LSTM(3, seed=1, **kwargs)
        layer.build(x.shape)
        layer.set_weights(plain.get_weights())
        np.testing.assert_allclose(layer(x, training=False).numpy(), plain(x).numpy(), rtol=1e-6)
        assert not np.allclose(layer(x, training=True).numpy(), plain(x).numpy())


# ----- gradients --------------------------------------------------------------------------------

def _weights_gradient_matches(layer, x, call=None):
    """The tape gradients of sum(sin(call(x))) with respect to every weight, against central differences."""
    call = call or layer

    def loss():
        return tg.reduce_sum(tg.sin(call(x)))

    with tg.GradientTape() as tape:
        value = loss()
    grads = tape.gradient(value, layer.trainable_weights)
    for weight, grad in zip(layer.trainable_weights, grads):
        original = weight.numpy()
        numeric = np.zeros(original.shape)
        for i in np.ndindex(original.shape):
            values = []
            for sign in (1, -1):
                changed = original.copy()
                changed[i] += sign * 1e-6
                weight.assign(changed)
                values.append(float(loss()))
            numeric[i] = (values[0] - values[1]) / 2e-6
        weight.assign(original)
        np.testing.assert_allclose(grad.numpy(), numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", ["SimpleRNN", "LSTM", "GRU", "GRU_reset_before"])
def test_gradients_match_finite_differences(name):
    layer = LAYERS[name](return_sequences=True, dtype="float64")
    x = rand(5, (2, 3, 2))
    layer.build(x.shape)
    check_gradients(lambda x: layer(x), [tg.constant(x)], rtol=1e-6)
    _weights_gradient_matches(layer, x)


def test_masked_backwards_gradients_match_finite_differences():
    layer = LSTM(2, go_backwards=True, dtype="float64")
    x = rand(6, (2, 4, 2))
    mask = np.array([[1, 0, 1, 1], [1, 1, 1, 0]], bool)
    layer.build(x.shape)
    check_gradients(lambda x: layer(x, mask=mask), [tg.constant(x)], rtol=1e-6)
    _weights_gradient_matches(layer, x, call=lambda x: layer(x, mask=mask))


@pytest.mark.parametrize("backend", ["numpy", "numba"])
@pytest.mark.parametrize("name", ["SimpleRNN", "LSTM", "GRU"])
def test_traced_training_step_equals_eager(name, backend):
    if backend == "numba":
        pytest.importorskip("numba")
    layer = LAYERS[name](return_sequences=True, dtype="float64")
    x = rand(7, (2, 4, 3))

    def loss_and_grads(x):
        with tg.GradientTape() as tape:
            loss = tg.reduce_sum(tg.square(layer(x)))
        return loss, tape.gradient(loss, layer.trainable_weights)

    eager_loss, eager_grads = loss_and_grads(tg.constant(x))
    traced = tg.function(loss_and_grads, backend=backend,
                         input_signature=[tg.TensorSpec([None, None, 3], tg.float64)])
    loss, grads = traced(x)
    np.testing.assert_allclose(loss.numpy(), eager_loss.numpy(), rtol=1e-12)
    for g, e in zip(grads, eager_grads):
        np.testing.assert_allclose(g.numpy(), e.numpy(), rtol=1e-10, atol=1e-14)
    graph = traced.get_concrete_function().graph
    # the forward loop and its gradient's backward loop, whatever the number of steps
    assert [n.op.name for n in graph.nodes].count("while_loop") == 2
    # another sequence length runs the same trace
    longer = rand(8, (3, 6, 3))
    np.testing.assert_allclose(traced(longer)[0].numpy(), loss_and_grads(tg.constant(longer))[0].numpy(), rtol=1e-12)
    assert traced.experimental_get_tracing_count() == 1


# Recorded from Keras 3.15 on TF 2.21: the layers of LAYERS with the weights of with_recorded_weights, on X_RNN
# (the masked outputs with MASK).
RECORDED = {'SimpleRNN': {'sequences': [[[-0.423977, -0.042826, 0.351213], [-0.175774, -0.001754, 0.172371],
                                         [-0.733041, -0.250924, 0.39901], [0.539158, 0.147209, -0.297154]],
                                        [[0.751921, 0.077443, -0.676245], [0.103111, -0.11154, -0.316264],
                                         [-0.612445, -0.168893, 0.35554], [-0.503706, -0.114657, 0.313058]]],
                          'states': [[[0.539158, 0.147209, -0.297154], [-0.503706, -0.114657, 0.313058]]],
                          'backwards': [[[0.372543, 0.066454, -0.252677], [-0.779587, -0.312162, 0.378612],
                                         [-0.012513, 0.030685, 0.073769], [-0.436865, -0.038242, 0.372936]],
                                        [[-0.615534, -0.182106, 0.335898], [-0.530099, -0.078249, 0.408213],
                                         [0.329553, 0.048383, -0.240671], [0.719981, 0.038298, -0.680998]]],
                          'masked_last': [[-0.175774, -0.001754, 0.172371], [-0.472339, -0.10461, 0.294136]],
                          'masked_sequences': [[[-0.423977, -0.042826, 0.351213], [-0.175774, -0.001754, 0.172371],
                                                [-0.175774, -0.001754, 0.172371], [-0.175774, -0.001754, 0.172371]],
                                               [[0.751921, 0.077443, -0.676245], [0.751921, 0.077443, -0.676245],
                                                [-0.711992, -0.238177, 0.384672], [-0.472339, -0.10461, 0.294136]]]},
            'LSTM': {'sequences': [[[-0.077147, 0.023524, 0.124586], [-0.106117, 0.068372, 0.18207],
                                    [-0.059805, -0.022888, 0.128421], [-0.030429, 0.037087, 0.094505]],
                                   [[0.205783, -0.000315, -0.149215], [0.080953, 0.057833, -0.069132],
                                    [0.020716, -0.047995, 0.024582], [-0.066897, 0.06697, 0.169524]]],
                     'states': [[[-0.030429, 0.037087, 0.094505], [-0.066897, 0.06697, 0.169524]],
                                [[-0.063946, 0.070641, 0.170695], [-0.182228, 0.105355, 0.523278]]],
                     'backwards': [[[0.006072, 0.047946, -0.036026], [-0.011407, -0.027457, 0.052877],
                                    [-0.073719, 0.048505, 0.163757], [-0.118717, 0.03994, 0.225541]],
                                   [[-0.071557, 0.091696, 0.15537], [-0.062699, -0.041838, 0.15388],
                                    [-0.028305, 0.032793, 0.092501], [0.188411, 0.010336, -0.116864]]],
                     'masked_last': [[-0.106117, 0.068372, 0.18207], [-0.057545, 0.055248, 0.156785]],
                     'masked_sequences': [[[-0.077147, 0.023524, 0.124586], [-0.106117, 0.068372, 0.18207],
                                           [-0.106117, 0.068372, 0.18207], [-0.106117, 0.068372, 0.18207]],
                                          [[0.205783, -0.000315, -0.149215], [0.205783, -0.000315, -0.149215],
                                           [0.055604, -0.072447, 0.00038], [-0.057545, 0.055248, 0.156785]]]},
            'GRU': {'sequences': [[[0.004116, 0.007662, 0.171583], [-0.039512, -0.042534, 0.263604],
                                   [-0.416597, 0.250135, 0.356766], [-0.154676, 0.059846, 0.047589]],
                                  [[-0.007323, 0.071035, -0.36253], [-0.079484, 0.067254, -0.183371],
                                   [-0.194894, 0.282188, 0.022759], [-0.301548, 0.125065, 0.302153]]],
                    'states': [[[-0.154676, 0.059846, 0.047589], [-0.301548, 0.125065, 0.302153]]],
                    'backwards': [[[0.053626, -0.061341, -0.073796], [-0.414858, 0.234161, 0.195876],
                                   [-0.20288, 0.070848, 0.248934], [-0.057902, 0.028663, 0.280548]],
                                  [[-0.253154, -0.013194, 0.284479], [-0.217898, 0.232652, 0.208781],
                                   [-0.139129, 0.135857, 0.083032], [-0.081283, 0.165219, -0.344765]]],
                    'masked_last': [[-0.039512, -0.042534, 0.263604], [-0.303167, 0.131842, 0.259843]],
                    'masked_sequences': [[[0.004116, 0.007662, 0.171583], [-0.039512, -0.042534, 0.263604],
                                          [-0.039512, -0.042534, 0.263604], [-0.039512, -0.042534, 0.263604]],
                                         [[-0.007323, 0.071035, -0.36253], [-0.007323, 0.071035, -0.36253],
                                          [-0.185881, 0.285249, -0.050209], [-0.303167, 0.131842, 0.259843]]]},
            'GRU_reset_before': {'sequences': [[[-0.0038, -0.064012, 0.176918], [-0.045267, -0.150493, 0.279636],
                                                [-0.402783, 0.160639, 0.381654], [-0.17246, -0.067313, 0.118858]],
                                               [[-0.013094, 0.022074, -0.308458], [-0.084956, -0.031024, -0.148329],
                                                [-0.200553, 0.185308, 0.048929], [-0.302651, -0.005762, 0.295833]]],
                                 'states': [[[-0.17246, -0.067313, 0.118858], [-0.302651, -0.005762, 0.295833]]],
                                 'backwards': [[[0.043809, -0.128554, -0.038147], [-0.409324, 0.169293, 0.205643],
                                                [-0.21596, -0.043036, 0.27735], [-0.074856, -0.102862, 0.321462]],
                                               [[-0.251268, -0.086077, 0.256769], [-0.224633, 0.152709, 0.238392],
                                                [-0.152289, 0.014393, 0.143549], [-0.099377, 0.027653, -0.254861]]],
                                 'masked_last': [[-0.045267, -0.150493, 0.279636], [-0.306909, 0.015602, 0.246936]],
                                 'masked_sequences': [[[-0.0038, -0.064012, 0.176918],
                                                       [-0.045267, -0.150493, 0.279636],
                                                       [-0.045267, -0.150493, 0.279636],
                                                       [-0.045267, -0.150493, 0.279636]],
                                                      [[-0.013094, 0.022074, -0.308458],
                                                       [-0.013094, 0.022074, -0.308458],
                                                       [-0.19134, 0.216888, -0.028146],
                                                       [-0.306909, 0.015602, 0.246936]]]}}
