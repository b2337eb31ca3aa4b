"""Keras models exported with tg.saved_model.save: `call` for the model's input spec becomes `__call__` and
the `serving_default` signature; served results equal the model's, and the loaded weights fine-tune."""
import numpy as np

import tracegraph as tg
import tracegraph.saved_model as saved_model
from tracegraph import keras

RNG = np.random.default_rng(7)
X = RNG.normal(size=(6, 4)).astype(np.float32)


def _export(tmp_path, model):
    path = str(tmp_path / "exported")
    saved_model.save(model, path)
    return saved_model.load(path)


def test_a_sequential_model_is_served_through_its_signature(tmp_path):
    model = keras.Sequential([keras.Input((4,), name="features"), keras.layers.Dense(5, activation="relu"),
                              keras.layers.Dense(2, activation="softmax")])
    loaded = _export(tmp_path, model)
    serving = loaded.signatures["serving_default"]
    # the names TF 2.21 gives a Keras 3 model's serving signature (the call's parameter, `inputs`)
    assert serving.structured_input_signature == ((), {"inputs": tg.TensorSpec([None, 4], tg.float32, name="inputs")})
    assert serving.structured_outputs == {"output_0": tg.TensorSpec([None, 2], tg.float32, name="output_0")}
    expected = model.predict(X, verbose=0)
    np.testing.assert_allclose(serving(inputs=X)["output_0"].numpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(loaded(X).numpy(), expected, rtol=1e-6)
    assert len(loaded.trainable_variables) == 4
    for original, restored in zip(model.weights, loaded.variables):
        np.testing.assert_array_equal(restored.numpy(), original.numpy())


def test_a_functional_model_with_two_inputs_takes_them_as_inputs_and_inputs_1(tmp_path):
    a, b = keras.Input((3,), name="a"), keras.Input((2,), name="b")
    hidden = keras.layers.Concatenate()([keras.layers.Dense(4, activation="tanh")(a), b])
    model = keras.Model([a, b], keras.layers.Dense(1)(hidden))
    loaded = _export(tmp_path, model)
    xa, xb = X[:, :3], X[:, 1:3]
    expected = model([xa, xb]).numpy()
    served = loaded.signatures["serving_default"](inputs=xa, inputs_1=xb)  # TF 2.21's names for [a, b]
    np.testing.assert_allclose(served["output_0"].numpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(loaded([xa, xb]).numpy(), expected, rtol=1e-6)


def test_a_functional_model_with_dict_inputs_and_outputs_keeps_their_structure(tmp_path):
    a, b = keras.Input((3,), name="a"), keras.Input((2,), name="b")
    model = keras.Model({"a": a, "b": b}, {"out": keras.layers.Dense(1)(keras.layers.Concatenate()([a, b]))})
    loaded = _export(tmp_path, model)
    inputs = {"a": X[:, :3], "b": X[:, 2:4]}
    expected = model(inputs)["out"].numpy()
    np.testing.assert_allclose(loaded(inputs)["out"].numpy(), expected, rtol=1e-6)
    serving = loaded.signatures["serving_default"]
    assert serving.structured_outputs == {"out": tg.TensorSpec([None, 1], tg.float32, name="out")}  # as TF 2.21
    np.testing.assert_allclose(serving(inputs=inputs["a"], inputs_1=inputs["b"])["out"].numpy(), expected, rtol=1e-6)


def test_a_subclassed_model_built_by_a_call_is_exported_for_the_shape_it_saw(tmp_path):
    class TwoLayers(keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden = keras.layers.Dense(3, activation="relu")
            self.out = keras.layers.Dense(1)

        def call(self, inputs):
            return self.out(self.hidden(inputs))

    model = TwoLayers()
    expected = model(X).numpy()
    loaded = _export(tmp_path, model)
    (name, spec), = loaded.signatures["serving_default"].structured_input_signature[1].items()
    assert spec.shape.as_list() == [None, 4]
    np.testing.assert_allclose(loaded.signatures["serving_default"](**{name: X})["output_0"].numpy(), expected,
                               rtol=1e-6)


def test_a_loaded_keras_model_fine_tunes_with_a_tape(tmp_path):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    loaded = _export(tmp_path, model)
    target = X @ np.array([[1.0], [-1.0], [2.0], [0.5]], np.float32)
    optimizer = keras.optimizers.SGD(0.05)

    def loss():
        return tg.reduce_mean((loaded(X) - target) ** 2)

    before = float(loss())
    for _ in range(30):
        with tg.GradientTape() as tape:
            value = loss()
        optimizer.apply_gradients(zip(tape.gradient(value, loaded.trainable_variables), loaded.trainable_variables))
    assert float(loss()) < 0.2 * before
    np.testing.assert_allclose(model(X).numpy(), model.predict(X, verbose=0))  # the original is untouched
