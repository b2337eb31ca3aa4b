"""Sequential, functional and subclassed models: structure, shapes, summary, weights."""
import numpy as np
import pytest

import tracegraph as tg
from tracegraph import keras

X = np.random.default_rng(1).normal(size=(5, 8)).astype(np.float32)


def mlp(**first):
    return keras.Sequential([keras.layers.Dense(30, activation="relu", **first), keras.layers.Dense(1)])


def test_sequential_with_input_shape_is_built_at_once_and_counts_parameters():
    model = mlp(input_shape=(8,))
    assert model.built and model.output_shape == (None, 1)
    assert model.count_params() == 8 * 30 + 30 + 30 + 1
    assert [w.shape.as_list() for w in model.weights] == [[8, 30], [30], [30, 1], [1]]
    assert model.layers[0].name.startswith("dense")


def test_sequential_without_a_shape_builds_on_its_first_call_with_an_unknown_batch():
    model = mlp()
    assert not model.built
    with pytest.raises(ValueError, match="not yet been built"):
        model.summary()
    assert model(X).shape == (5, 1)
    assert model.output_shape == (None, 1)


def test_sequential_accepts_an_input_first_and_add_and_pop():
    model = keras.Sequential([keras.Input(shape=(8,))])
    model.add(keras.layers.Dense(4))
    model.add(keras.layers.Dense(2))
    assert model.output_shape == (None, 2)
    model.pop()
    assert model.output_shape == (None, 4) and len(model.layers) == 1
    with pytest.raises(TypeError, match="Only instances of `keras.Layer`"):
        model.add("dense")


def test_the_model_computes_what_its_layers_compute():
    model = mlp(input_shape=(8,))
    kernel, bias, kernel2, bias2 = model.get_weights()
    expected = np.maximum(X @ kernel + bias, 0) @ kernel2 + bias2
    np.testing.assert_allclose(model(X).numpy(), expected, rtol=1e-5)
    np.testing.assert_allclose(model.predict(X, verbose=0), expected, rtol=1e-5)


def test_summary_prints_keras_table_and_totals():
    lines = []
    mlp(input_shape=(8,)).summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "Layer (type)" in text and "Output Shape" in text and "Param #" in text
    assert "(None, 30)" in text and "270" in text and "31" in text
    assert " Total params: 301 (1.18 KB)" in lines and " Non-trainable params: 0 (0.00 B)" in lines


def test_functional_model_with_two_inputs_two_outputs_and_a_shared_layer():
    left, right = keras.Input(shape=(8,), name="left"), keras.Input(shape=(8,), name="right")
    shared = keras.layers.Dense(3, name="shared")
    merged = keras.layers.Concatenate(name="merged")([shared(left), shared(right)])
    total = keras.layers.Dense(1, name="total")(merged)
    model = keras.Model(inputs=[left, right], outputs=[total, merged])
    assert [layer.name for layer in model.layers] == ["left", "right", "shared", "merged", "total"]
    assert model.get_layer("shared") is shared and model.get_layer(index=4).name == "total"
    assert model.count_params() == 8 * 3 + 3 + 6 + 1
    out_total, out_merged = model([X, 2 * X])
    kernel, bias = shared.get_weights()
    np.testing.assert_allclose(out_merged.numpy(), np.concatenate([X @ kernel + bias, 2 * X @ kernel + bias], 1),
                               rtol=1e-5)
    by_name = model({"left": X, "right": 2 * X})
    np.testing.assert_allclose(by_name[0].numpy(), out_total.numpy())
    with pytest.raises(ValueError, match="No such layer"):
        model.get_layer("missing")


def test_subclassed_model_tracks_layers_and_passes_training():
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden = keras.layers.Dense(4)
            self.dropout = keras.layers.Dropout(0.5)
            self.out = keras.layers.Dense(1)

        def call(self, x, training=None):
            return self.out(self.dropout(self.hidden(x), training=training))
    model = Net()
    inference = model(X)
    np.testing.assert_allclose(model(X, training=False).numpy(), inference.numpy())
    assert len(model.weights) == 4 and [layer.name for layer in model.layers][0].startswith("dense")
    ones = np.ones((200, 8), np.float32)
    assert not np.allclose(model(ones, training=True).numpy(), model(ones).numpy())


def test_freezing_a_layer_moves_its_weights_to_non_trainable():
    model = mlp(input_shape=(8,))
    model.layers[0].trainable = False
    assert len(model.trainable_weights) == 2 and len(model.non_trainable_weights) == 2
    lines = []
    model.summary(print_fn=lines.append)
    assert " Non-trainable params: 270 (1.05 KB)" in lines


def test_set_weights_checks_counts_and_shapes():
    model = mlp(input_shape=(8,))
    with pytest.raises(ValueError, match="expecting 4 weights"):
        model.set_weights([np.zeros((8, 30))])
    with pytest.raises(ValueError, match="not compatible"):
        model.set_weights([np.zeros((8, 31)), np.zeros(30), np.zeros((30, 1)), np.zeros(1)])


def test_model_inputs_convert_float64_arrays_to_the_model_dtype():
    model = mlp(input_shape=(8,))
    assert model(X.astype(np.float64)).dtype == tg.float32


def test_a_model_called_inside_a_function_traces_once_per_shape():
    model = mlp(input_shape=(8,))
    call = tg.function(lambda x: model(x))
    np.testing.assert_allclose(call(X).numpy(), model(X).numpy(), rtol=1e-6)
    call(X + 1)
    assert call.experimental_get_tracing_count() == 1


def test_layer_input_and_output_of_a_functional_model():
    inputs = keras.Input(shape=(8,))
    dense = keras.layers.Dense(3)
    outputs = dense(inputs)
    model = keras.Model(inputs, outputs)
    assert dense.input is inputs and dense.output is outputs
    assert model.layers[0].output.shape == (None, 8)
    with pytest.raises(AttributeError, match="never called on a symbolic input"):
        keras.layers.Dense(2).output


def test_clone_model_and_json_give_the_architecture_with_fresh_weights():
    model = mlp(input_shape=(8,))
    for clone in (keras.models.clone_model(model), keras.models.model_from_json(model.to_json())):
        assert [w.shape.as_list() for w in clone.weights] == [w.shape.as_list() for w in model.weights]
        assert all(a is not b for a, b in zip(clone.weights, model.weights))
        assert clone(X).shape == (5, 1)
    renamed = keras.models.clone_model(model, clone_function=lambda layer: layer.__class__.from_config(
        {**layer.get_config(), "name": layer.name + "_copy"}))
    assert [layer.name for layer in renamed.layers] == [layer.name + "_copy" for layer in model.layers]
