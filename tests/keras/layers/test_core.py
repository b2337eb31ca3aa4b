"""Dense, Activation, Identity, Lambda and Embedding; and the Layer base's contract, seen through them."""
import numpy as np
import pytest
from layer_checks import assert_config_round_trip, assert_layer_gradients, assert_traced_matches_eager

import tracegraph as tg
from tracegraph.keras import constraints, initializers, regularizers
from tracegraph.keras.keras_tensor import KerasTensor
from tracegraph.keras.layers.base import Layer
from tracegraph.keras.layers.core import Activation, Dense, Embedding, Identity, Lambda, Masking

RNG = np.random.default_rng(7)


def rand(*shape):
    return RNG.standard_normal(shape)


def scale_input(x, factor=2.0):
    """A module-level function, so a Lambda of it can be saved by name."""
    return x * factor


# ----- Dense -----------------------------------------------------------------------------------

def test_dense_computes_activation_of_affine_map_on_rank_2_and_3():
    layer = Dense(4, activation="tanh", dtype="float64")
    x2, x3 = rand(3, 5), rand(2, 3, 5)
    y2 = layer(x2)
    kernel, bias = layer.get_weights()
    assert [w.name for w in layer.weights] == ["kernel", "bias"]   # Keras 3: short names, full path in .path
    assert [w.path for w in layer.weights] == [f"{layer.name}/kernel", f"{layer.name}/bias"]
    assert kernel.shape == (5, 4) and bias.shape == (4,)
    np.testing.assert_allclose(y2.numpy(), np.tanh(x2 @ kernel + bias), rtol=1e-12)
    y3 = layer(x3)
    assert y3.shape == (2, 3, 4) and y3.dtype == tg.float64
    np.testing.assert_allclose(y3.numpy(), np.tanh(np.tensordot(x3, kernel, 1) + bias), rtol=1e-12)


def test_dense_without_bias_is_linear_by_default():
    layer = Dense(2, use_bias=False, kernel_initializer="ones")
    y = layer(np.array([[1.0, -3.0, 0.5]], np.float32))
    assert len(layer.weights) == 1 and layer.bias is None
    np.testing.assert_allclose(y.numpy(), [[-1.5, -1.5]])
    integer = layer(np.array([[1, 2, 3]], np.int32))  # promoted to the kernel's dtype, as Keras does
    assert integer.dtype == tg.float32
    np.testing.assert_allclose(integer.numpy(), [[6.0, 6.0]])


def test_dense_default_initializers_are_glorot_uniform_and_zeros():
    layer = Dense(30)
    layer.build((None, 20))
    kernel, bias = layer.get_weights()
    limit = np.sqrt(6.0 / (20 + 30))
    assert np.all(np.abs(kernel) <= limit) and kernel.std() > limit / 3
    assert not bias.any()


@pytest.mark.parametrize("shape", [(3, 4), (2, 3, 4)], ids=["rank2", "rank3"])
def test_dense_gradients_match_finite_differences(shape):
    assert_layer_gradients(Dense(3, activation="sigmoid", dtype="float64"), rand(*shape))


def test_dense_traced_matches_eager_and_symbolic_shapes():
    layer = Dense(3, activation="relu")
    assert_traced_matches_eager(layer, rand(4, 5).astype(np.float32))
    assert layer(KerasTensor((None, 5))).shape == (None, 3)
    assert Dense(7)(KerasTensor((None, 2, 5))).shape == (None, 2, 7)
    assert layer.compute_output_shape((None, 5)) == (None, 3)


def test_dense_config_round_trip_keeps_initializers_regularizers_constraints():
    layer = Dense(5, activation="relu", use_bias=False,
                  kernel_initializer=initializers.RandomNormal(stddev=0.2, seed=3),
                  kernel_regularizer=regularizers.L2(0.3), activity_regularizer="l1",
                  kernel_constraint=constraints.MaxNorm(2.0, axis=0), name="my_dense")
    rebuilt = assert_config_round_trip(layer)
    assert isinstance(rebuilt.kernel_regularizer, regularizers.L2)
    assert rebuilt.kernel_regularizer.l2 == pytest.approx(0.3)
    assert isinstance(rebuilt.kernel_constraint, constraints.MaxNorm) and rebuilt.kernel_constraint.max_value == 2.0
    assert isinstance(rebuilt.activity_regularizer, regularizers.L1)
    # Keras 3.15's keys (it also writes quantization_config, which tracegraph has no use for).
    assert sorted(Dense(3).get_config()) == ["activation", "bias_constraint", "bias_initializer", "bias_regularizer",
                                             "dtype", "kernel_constraint", "kernel_initializer", "kernel_regularizer",
                                             "name", "trainable", "units", "use_bias"]


def test_dense_losses_match_keras():
    # Recorded from Keras 3.15 on TF 2.21: the activity loss is divided by the batch size, and the
    # call's losses come before the weight penalties.
    layer = Dense(2, activity_regularizer=regularizers.L2(0.1), kernel_regularizer=regularizers.L1(0.01))
    x = np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5]], np.float32)
    layer.build(x.shape)
    layer.set_weights([np.array([[1.0, -1.0], [0.5, 2.0]], np.float32), np.array([0.1, -0.2], np.float32)])
    y = layer(x)
    np.testing.assert_allclose(y.numpy(), [[2.1, 2.8], [2.6, -5.2], [0.85, 0.3]], rtol=1e-6)
    np.testing.assert_allclose([float(loss) for loss in layer.losses], [1.5620832443237305, 0.045], rtol=1e-6)


def test_dense_constraint_goes_on_the_kernel_variable():
    layer = Dense(3, kernel_constraint="unit_norm")
    layer.build((None, 4))
    assert isinstance(layer.kernel.constraint, constraints.UnitNorm)
    projected = layer.kernel.constraint(layer.kernel).numpy()
    np.testing.assert_allclose(np.linalg.norm(projected, axis=0), 1.0, rtol=1e-5)


def test_dense_rejects_bad_arguments():
    for units in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="units"):
            Dense(units)
    with pytest.raises(ValueError, match="last dimension"):
        Dense(2)(KerasTensor((None, None)))
    with pytest.raises(TypeError, match="Unrecognized keyword"):
        Dense(2, not_an_argument=1)


# ----- Activation, Identity ------------------------------------------------------------------

def test_activation_by_name_and_function():
    x = rand(2, 3).astype(np.float32)
    softmax = Activation("softmax")(x).numpy()
    np.testing.assert_allclose(softmax, np.exp(x) / np.exp(x).sum(-1, keepdims=True), rtol=1e-6)
    np.testing.assert_allclose(Activation(tg.nn.relu)(x).numpy(), np.maximum(x, 0))
    assert_config_round_trip(Activation("gelu"))
    assert Activation("elu").compute_output_shape((None, 3)) == (None, 3)
    with pytest.raises(ValueError, match="Unknown activation"):
        Activation("not_an_activation")


def test_activation_gradients_match_finite_differences():
    assert_layer_gradients(Activation("softplus", dtype="float64"), rand(2, 3))


def test_identity_returns_its_input():
    x = tg.constant(rand(2, 3).astype(np.float32))
    np.testing.assert_array_equal(Identity()(x).numpy(), x.numpy())
    assert Identity()(KerasTensor((None, 4))).shape == (None, 4)
    assert_config_round_trip(Identity(name="keep"))


# ----- Lambda --------------------------------------------------------------------------------

def test_lambda_passes_arguments_and_training():
    x = np.ones((2, 2), np.float32)
    np.testing.assert_allclose(Lambda(lambda t, k: t * k, arguments={"k": 3.0})(x).numpy(), 3 * x)
    noisy = Lambda(lambda t, training=None: t * (10.0 if training else 1.0))
    np.testing.assert_allclose(noisy(x).numpy(), x)
    np.testing.assert_allclose(noisy(x, training=True).numpy(), 10 * x)
    assert Lambda(lambda t: tg.concat([t, t], -1))(KerasTensor((None, 3))).shape == (None, 6)
    assert Lambda(lambda t: t, output_shape=(5,)).compute_output_shape((None, 2)) == (None, 5)


def test_lambda_saves_a_simple_python_lambda_as_keras_does():
    layer = Lambda(lambda t, k=2.5: t * k + 1.0, name="affine")
    restored = Lambda.from_config(layer.get_config(), safe_mode=False)
    x = rand(2, 3).astype(np.float32)
    np.testing.assert_allclose(restored(x).numpy(), x * 2.5 + 1.0, rtol=1e-6)
    with pytest.raises(ValueError, match="safe_mode=False"):
        Lambda.from_config(layer.get_config())


def test_lambda_saves_a_named_function_by_name():
    layer = Lambda(scale_input, arguments={"factor": 4.0})
    rebuilt = assert_config_round_trip(layer)
    assert rebuilt.function is scale_input
    np.testing.assert_allclose(rebuilt(np.ones(3, np.float32)).numpy(), [4.0, 4.0, 4.0])
    replaced = Lambda.from_config(layer.get_config(), custom_objects={"scale_input": lambda x, factor: -x * factor})
    np.testing.assert_allclose(replaced(np.ones(2, np.float32)).numpy(), [-4.0, -4.0])


def test_lambda_that_cannot_be_saved_says_so():
    table = tg.constant([1.0, 2.0])
    with pytest.raises(ValueError, match="not plain data"):
        Lambda(lambda t: t * table).get_config()

    def local_function(t):
        return t
    with pytest.raises(ValueError, match="module level"):
        Lambda(local_function).get_config()


# ----- Embedding -----------------------------------------------------------------------------

def test_embedding_looks_up_rows():
    layer = Embedding(6, 4)
    ids = np.array([[0, 5, 2], [2, 2, 1]])
    y = layer(ids)
    table = layer.get_weights()[0]
    assert y.shape == (2, 3, 4) and y.dtype == tg.float32
    assert layer.weights[0].name == "embeddings"
    np.testing.assert_array_equal(y.numpy(), table[ids])
    np.testing.assert_array_equal(layer(ids.astype(np.float32)).numpy(), table[ids])  # float ids are cast
    assert layer(KerasTensor((None, 7), "int32")).shape == (None, 7, 4)
    assert_traced_matches_eager(layer, ids.astype(np.int32))


def test_embedding_default_initializer_is_uniform_within_0_05():
    layer = Embedding(50, 8)
    layer.build()
    table = layer.get_weights()[0]
    assert isinstance(layer.embeddings_initializer, initializers.RandomUniform)
    assert np.all(np.abs(table) <= 0.05) and table.std() > 0.02


def test_embedding_gradient_is_indexed_slices():
    layer = Embedding(5, 3, dtype="float64")
    ids = np.array([[1, 3], [1, 0]])
    probe = rand(2, 2, 3)
    with tg.GradientTape() as tape:
        loss = tg.reduce_sum(layer(ids) * probe)
    grad = tape.gradient(loss, layer.embeddings)
    assert isinstance(grad, tg.IndexedSlices)
    expected = np.zeros((5, 3))
    np.add.at(expected, ids.reshape(-1), probe.reshape(-1, 3))
    np.testing.assert_allclose(tg.convert_to_tensor(grad).numpy(), expected, rtol=1e-12)

    @tg.function
    def traced_gradient(ids):
        with tg.GradientTape() as tape:
            loss = tg.reduce_sum(layer(ids) * probe)
        return tape.gradient(loss, layer.embeddings)
    traced = traced_gradient(tg.constant(ids))
    assert isinstance(traced, tg.IndexedSlices)  # a traced train step hands the optimizer sparse rows too
    np.testing.assert_allclose(tg.convert_to_tensor(traced).numpy(), expected, rtol=1e-12)


def test_embedding_mask_input_length_weights_and_config():
    layer = Embedding(4, 2, mask_zero=True, input_length=3, weights=[np.arange(8.0).reshape(4, 2)])
    np.testing.assert_array_equal(layer.compute_mask(tg.constant([[0, 2, 0]])).numpy(), [[False, True, False]])
    np.testing.assert_array_equal(layer(np.array([[3]])).numpy(), [[[6.0, 7.0]]])
    assert layer.get_config()["batch_input_shape"] == (None, 3)
    assert Embedding(4, 2).compute_mask(tg.constant([0])) is None
    assert_config_round_trip(Embedding(9, 3, embeddings_regularizer="l2", embeddings_constraint="non_neg"))
    with pytest.raises(ValueError, match="input_dim"):
        Embedding(0, 2)


def test_masking_zeroes_padded_timesteps():
    x = np.array([[[1.0, 2.0], [0.0, 0.0], [0.0, 3.0]], [[-1.0, -1.0], [5.0, -1.0], [0.0, 0.0]]], np.float32)
    np.testing.assert_array_equal(Masking()(x).numpy(), x)
    layer = Masking(mask_value=-1.0)
    np.testing.assert_array_equal(layer(x).numpy(), x * np.array([[1, 1, 1], [0, 1, 1]])[..., None])
    np.testing.assert_array_equal(layer.compute_mask(tg.constant(x)).numpy(), [[True, True, True], [False, True, True]])
    assert layer(KerasTensor((None, 3, 2))).shape == (None, 3, 2)
    assert_traced_matches_eager(layer, x)
    assert_config_round_trip(layer)


# ----- the Layer base --------------------------------------------------------------------------

class _Block(Layer):
    """A layer with sub-layers, a non-trainable weight of its own and an add_loss."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.first = Dense(3)
        self.noise = Lambda(lambda t, training=None: t + (100.0 if training else 0.0))
        self.second = Dense(2)

    def build(self, input_shape):
        self.counter = self.add_weight(shape=(), initializer="zeros", trainable=False, name="counter")
        self.offset = self.add_weight(shape=(2,), initializer="ones", name="offset")

    def call(self, inputs, training=None):
        hidden = self.noise(self.first(inputs))
        self.add_loss(tg.reduce_sum(hidden) * 0.0 + 1.5)
        return self.second(hidden) + self.offset


def test_layer_weights_order_trainable_flag_and_count_params():
    block = _Block()
    with pytest.raises(ValueError, match="isn't built"):
        block.count_params()
    block(np.ones((1, 4), np.float32))
    names = [w.name for w in block.weights]
    # Keras 3's order: own trainable, own non-trainable, then each sub-layer's.
    assert names == ["offset", "counter", "kernel", "bias", "kernel", "bias"]
    assert len(block.trainable_weights) == 5 and block.non_trainable_weights == [block.counter]
    assert block.count_params() == 2 + 1 + (4 * 3 + 3) + (3 * 2 + 2)
    block.first.trainable = False
    assert [id(w) for w in block.non_trainable_weights] == [id(block.counter)] + [id(w) for w in block.first.weights]
    block.trainable = False
    assert block.trainable_weights == [] and not block.second.trainable


def test_layer_training_reaches_nested_layers_and_losses_are_collected():
    block = _Block()
    x = np.zeros((1, 4), np.float32)
    inference = block(x).numpy()
    trained = block(x, training=True).numpy()
    kernel, bias = block.second.get_weights()
    np.testing.assert_allclose(trained - inference, np.full((1, 3), 100.0) @ kernel, rtol=1e-5)
    assert [float(loss) for loss in block.losses] == [1.5]
    traced = tg.function(lambda x: block(x, training=True))(tg.constant(x))
    np.testing.assert_allclose(traced.numpy(), trained, rtol=1e-6)


def test_layer_set_weights_checks_count_and_shapes():
    layer = Dense(2)
    layer.build((None, 3))
    with pytest.raises(ValueError, match="expecting 2 weights"):
        layer.set_weights([np.zeros((3, 2))])
    with pytest.raises(ValueError, match="not compatible"):
        layer.set_weights([np.zeros((2, 3)), np.zeros(2)])
    layer.set_weights([np.ones((3, 2)), np.full(2, 0.5)])
    np.testing.assert_allclose(layer(np.ones((1, 3))).numpy(), [[3.5, 3.5]])


def test_layer_regularizer_losses_follow_the_weights():
    layer = Dense(2, kernel_regularizer=regularizers.L2(0.5), bias_regularizer="l1", bias_initializer="ones")
    layer.build((None, 2))
    layer.set_weights([np.array([[1.0, 2.0], [0.0, -1.0]]), np.array([1.0, -3.0])])
    np.testing.assert_allclose([float(v) for v in layer.losses], [0.5 * 6.0, 0.01 * 4.0], rtol=1e-6)
