"""keras.layers.RNN over cells (stacked, a user's own, AbstractRNNCell) and keras.backend.rnn: values against
Keras 3.15 on TF 2.21 (rnn_recorded.py), unroll against the loop, gradients against finite differences in
float64, eager against tg.function, fit, get_config/from_config and the .keras round trip."""
import numpy as np
import pytest
from layer_checks import assert_config_round_trip, assert_layer_gradients, assert_traced_matches_eager
from rnn_recorded import MASK, RECORDED, X, fill, fixed_weights

import tracegraph as tg
from tracegraph import keras
from tracegraph.keras import layers

ATOL = 2e-6


def close(actual, expected, atol=ATOL):
    np.testing.assert_allclose(np.asarray(actual), np.asarray(expected), atol=atol)


class MinimalRNNCell(layers.Layer):
    """Keras's documented example of a user's cell (with tanh), as the recording used."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), initializer="uniform", name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units), initializer="uniform",
                                                name="recurrent_kernel")

    def call(self, inputs, states):
        output = tg.tanh(tg.matmul(inputs, self.kernel) + tg.matmul(states[0], self.recurrent_kernel))
        return output, [output]


class CountingCell(layers.AbstractRNNCell):
    """A tf.keras-style cell: h = tanh(x W) + h, plus a running count as a second state (as TF's docs
    write one: attributes set before `super().__init__`, no `output_size`, `self.built = True`)."""

    def __init__(self, units, **kwargs):
        self.units = units
        super().__init__(**kwargs)

    @property
    def state_size(self):
        return [self.units, 1]

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
        self.built = True

    def call(self, inputs, states):
        h = tg.tanh(tg.matmul(inputs, self.kernel)) + states[0]
        return h, [h, states[1] + 1.0]


def stacked(**kwargs):
    layer = layers.RNN([layers.SimpleRNNCell(3), layers.GRUCell(2)], **kwargs)
    layer.build((None, 4, 3))
    return fixed_weights(layer)


# ----- values against Keras ---------------------------------------------------------------------

def test_stacked_cells_match_keras():
    sequences, first, second = stacked(return_sequences=True, return_state=True)(X)
    close(sequences, RECORDED["stacked"]["sequences"])
    assert isinstance(first, list) and isinstance(second, list)  # one list of states per cell, as Keras
    close(first[0], RECORDED["stacked"]["states"][0][0])
    close(second[0], RECORDED["stacked"]["states"][1][0])
    close(stacked(return_sequences=True, go_backwards=True)(X, mask=MASK), RECORDED["stacked_backwards_masked"])


def test_users_cell_matches_keras():
    layer = layers.RNN(MinimalRNNCell(4), return_sequences=True, return_state=True)
    layer.build((None, 4, 3))
    fixed_weights(layer)
    sequences, state = layer(X, initial_state=[fill((2, 4), 1.0, 0.3)])
    close(sequences, RECORDED["minimal_cell"]["sequences"])
    close(state, RECORDED["minimal_cell"]["state"])


def _step(x_t, states):
    h, c = states[0], states[1]
    new = tg.tanh(x_t * 0.5 + h) + c
    return new * 2.0, [new, c * 0.9]


BACKEND_CASES = {"plain": {}, "backwards_masked": {"go_backwards": True, "mask": MASK},
                 "masked_zero": {"mask": MASK, "zero_output_for_mask": True},
                 "last_only": {"return_all_outputs": False, "mask": MASK}}


@pytest.mark.parametrize("traced", [False, True])
@pytest.mark.parametrize("case", sorted(BACKEND_CASES))
def test_backend_rnn_matches_keras(case, traced):
    inputs = np.random.default_rng(3).standard_normal((2, 4, 3)).astype(np.float32)
    initial = [fill((2, 3), 1.0, 0.2), fill((2, 3), 1.0, 0.7)]

    def run(inputs, h, c):
        return keras.backend.rnn(_step, inputs, [h, c], **BACKEND_CASES[case])

    last, outputs, states = (tg.function(run) if traced else run)(tg.constant(inputs), *map(tg.constant, initial))
    want = RECORDED["backend_rnn_" + case]
    close(last, want["last"])
    close(outputs, want["outputs"])
    for state, expected in zip(states, want["states"]):
        close(state, expected)


def test_backend_rnn_constants_time_major_and_unroll():
    inputs = tg.constant(np.random.default_rng(3).standard_normal((4, 2, 3)))  # time major
    scale = tg.constant(np.full((2, 3), 0.5))

    def step(x_t, states):
        h, constant = states
        h = tg.tanh(x_t * constant + h)
        return h, [h]

    loop = keras.backend.rnn(step, inputs, [tg.zeros((2, 3), tg.float64)], constants=[scale], time_major=True)
    unrolled = tg.function(lambda x: keras.backend.rnn(step, x, [tg.zeros((2, 3), tg.float64)], constants=[scale],
                                                       time_major=True, unroll=True))(inputs)
    h = np.zeros((2, 3))
    for t in range(4):
        h = np.tanh(inputs.numpy()[t] * 0.5 + h)
    close(loop[0], h, 1e-12)
    assert loop[1].shape == (4, 2, 3)
    for a, b in zip(tg.nest.flatten(loop), tg.nest.flatten(unrolled)):
        close(a, b, 1e-12)
    with pytest.raises(ValueError, match="fixed number of timesteps"):
        tg.function(lambda x: keras.backend.rnn(step, x, [tg.zeros((2, 3), tg.float64)], constants=[scale],
                                                unroll=True),
                    input_signature=[tg.TensorSpec([2, None, 3], tg.float64)]).get_concrete_function()


# ----- behaviour --------------------------------------------------------------------------------

def test_unroll_equals_the_loop():
    for unroll in (False, True):
        layer = layers.LSTM(3, return_sequences=True, return_state=True, go_backwards=True, unroll=unroll)
        layer.build((None, 4, 3))
        fixed_weights(layer)
        result = tg.function(lambda x, layer=layer: layer(x, mask=MASK))(X)
        if not unroll:
            looped = result
    for a, b in zip(looped, result):
        close(a, b, 1e-6)
    with pytest.raises(ValueError, match="Cannot unroll"):
        layer(keras.Input((None, 3)))


def test_abstract_cell_with_two_states_and_unknown_batch():
    layer = layers.RNN(CountingCell(2), return_state=True)
    output, h, count = layer(X)
    assert output.shape == (2, 2) and count.numpy().tolist() == [[4.0], [4.0]]
    assert layer.compute_output_shape((None, 4, 3)) == ((None, 2), (None, 2), (None, 1))
    close(output, h)
    with pytest.raises(NotImplementedError, match="state_size"):
        layers.AbstractRNNCell().state_size
    inputs = keras.Input((None, 3))
    model = keras.Model(inputs, layers.RNN(CountingCell(2))(inputs))
    assert model(X).shape == (2, 2)


def test_cell_alone_is_one_step():
    cell = layers.LSTMCell(3)
    cell.build((None, 3))
    fixed_weights(cell)
    states = cell.get_initial_state(batch_size=2)
    output, (h, c) = cell(X[:, 0], states)
    layer = layers.RNN(cell, return_state=True)
    _, h_layer, c_layer = layer(X[:, :1])
    close(h, h_layer, 1e-7)
    close(c, c_layer, 1e-7)
    assert layers.GRUCell(4).state_size == 4 and layers.LSTMCell(4).state_size == [4, 4]
    with pytest.raises(ValueError, match="state_size"):
        layers.RNN(layers.Dense(2))


def test_errors():
    with pytest.raises(ValueError, match="2 state tensor"):
        layers.RNN(layers.LSTMCell(2))(X, initial_state=[np.zeros((2, 2), np.float32)])
    with pytest.raises(ValueError, match="min_ndim=3"):
        layers.RNN(layers.SimpleRNNCell(2))(X[:, 0])


# ----- gradients, tracing, training, saving -----------------------------------------------------

def test_gradients_match_finite_differences():
    x = np.random.default_rng(7).standard_normal((2, 3, 2))
    layer = layers.RNN([layers.SimpleRNNCell(2, dtype="float64"), layers.LSTMCell(2, dtype="float64")],
                       return_sequences=True, go_backwards=True, dtype="float64")
    assert_layer_gradients(layer, x, mask=np.array([[1, 0, 1], [1, 1, 0]], bool))
    assert_layer_gradients(layers.RNN(MinimalRNNCell(2, dtype="float64"), dtype="float64"), x)


def test_traced_matches_eager():
    assert_traced_matches_eager(stacked(return_sequences=True), X)
    assert_traced_matches_eager(layers.RNN(MinimalRNNCell(3)), X)


def test_fit_and_model_file_round_trip(tmp_path, numpy_backend):
    keras.utils.set_random_seed(1)
    inputs = keras.Input((4, 3))
    hidden = layers.RNN([layers.GRUCell(4, dropout=0.2, recurrent_dropout=0.2), layers.SimpleRNNCell(3)])(inputs)
    model = keras.Model(inputs, layers.Dense(1)(hidden))
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(8).standard_normal((32, 4, 3)).astype(np.float32)
    y = x.sum(axis=(1, 2))[:, None] * 0.1
    history = model.fit(x, y, epochs=4, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    model.save(tmp_path / "rnn.keras")
    restored = keras.models.load_model(tmp_path / "rnn.keras")
    close(restored.predict(x, verbose=0), model.predict(x, verbose=0), 1e-6)


def test_config_round_trip():
    layer = stacked(return_sequences=True, go_backwards=True, zero_output_for_mask=True)
    rebuilt = assert_config_round_trip(layer)
    assert [type(c).__name__ for c in rebuilt.cell.cells] == ["SimpleRNNCell", "GRUCell"]
    cell_config = assert_config_round_trip(layers.LSTMCell(3, kernel_constraint="non_neg", dropout=0.1)).get_config()
    assert cell_config["kernel_constraint"]["class_name"] == "NonNeg"
    custom = layers.RNN(MinimalRNNCell(3)).get_config()
    assert custom["cell"]["class_name"] == "MinimalRNNCell"


def test_stateful_layers_carry_their_states_between_calls():
    whole = layers.LSTM(3, return_sequences=True)
    whole.build((2, 4, 3))
    fixed_weights(whole)
    layer = layers.LSTM(3, return_sequences=True, stateful=True)
    layer.build((2, 4, 3))
    layer.set_weights(whole.get_weights())
    assert len(layer.weights) == 3 and [tuple(s.shape) for s in layer.states] == [(2, 3), (2, 3)]
    traced = tg.function(lambda x: layer(x))
    halves = np.concatenate([layer(X[:, :2]).numpy(), traced(X[:, 2:]).numpy()], axis=1)
    close(halves, whole(X), 1e-6)
    layer.reset_state()
    close(layer(X), whole(X), 1e-6)
    layer.reset_state(states=[np.ones((2, 3)), np.zeros((2, 3))])
    close(layer.states[0], np.ones((2, 3)), 0)
    with pytest.raises(ValueError, match="batch size"):
        layer(np.ones((3, 4, 3), np.float32))
    both = layers.Bidirectional(layers.GRU(2, stateful=True))
    both(X)
    assert len(both.states) == 2 and not np.allclose(both.states[0].numpy(), 0)
    both.reset_state()
    assert all(np.allclose(s.numpy(), 0) for s in both.states)
