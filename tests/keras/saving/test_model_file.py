"""model.save / keras.models.load_model: Sequential, functional and subclassed models round-trip."""
import json
import zipfile

import numpy as np
import pytest

import tracegraph as tg
from tracegraph import keras

X = np.random.default_rng(0).normal(size=(16, 4)).astype(np.float32)
Y = X.sum(axis=1)


def test_a_trained_sequential_model_round_trips_with_its_optimizer(tmp_path):
    model = keras.Sequential([keras.layers.Dense(3, activation="relu", input_shape=(4,)), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    model.fit(X, Y, epochs=2, batch_size=8, verbose=0)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), model.predict(X, verbose=0))
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    for saved, restored in zip(model.optimizer.variables, loaded.optimizer.variables):
        np.testing.assert_array_equal(saved.numpy(), restored.numpy())
    np.testing.assert_allclose(loaded.evaluate(X, Y, verbose=0), model.evaluate(X, Y, verbose=0))


def test_a_functional_model_with_a_shared_layer_and_two_outputs_round_trips(tmp_path):
    inputs = keras.Input(shape=(4,))
    shared = keras.layers.Dense(4, name="shared")
    first = shared(inputs)
    second = shared(keras.layers.Dense(4)(first))
    model = keras.Model(inputs, [keras.layers.Concatenate()([first, second]), first])
    model.save(tmp_path / "functional.keras")
    loaded = keras.models.load_model(tmp_path / "functional.keras")
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
    for ours, theirs in zip(model(X), loaded(X)):
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


class Scaled(keras.Model):
    def __init__(self, units=2, scale=1.0, **kwargs):
        super().__init__(**kwargs)
        self.units, self.scale = units, scale
        self.dense = keras.layers.Dense(units)

    def call(self, x):
        return self.dense(x) * self.scale


def test_a_subclassed_model_is_rebuilt_from_its_constructor_arguments(tmp_path):
    model = Scaled(units=3, scale=2.0)
    model(X)
    model.save(tmp_path / "subclassed.keras")
    loaded = keras.models.load_model(tmp_path / "subclassed.keras")
    assert (loaded.units, loaded.scale) == (3, 2.0)
    np.testing.assert_array_equal(loaded(X).numpy(), model(X).numpy())


def test_damaged_foreign_and_newer_files_are_clear_errors(tmp_path):
    model = keras.Sequential([keras.layers.Dense(1, input_shape=(4,))])
    path = tmp_path / "m.keras"
    model.save(path)
    data = path.read_bytes()
    truncated = tmp_path / "truncated.keras"
    truncated.write_bytes(data[:len(data) // 2])
    with pytest.raises(ValueError, match="truncated or damaged"):
        keras.models.load_model(truncated)
    newer = tmp_path / "newer.keras"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(newer, "w") as target:
        for name in source.namelist():
            content = source.read(name)
            if name == "tracegraph_model.json":
                header = json.loads(content)
                header["format_version"] = 99
                content = json.dumps(header)
            target.writestr(name, content)
    with pytest.raises(ValueError, match="version 99"):
        keras.models.load_model(newer)
    with pytest.raises(ValueError, match=r"must end in `\.keras`"):
        model.save(tmp_path / "m.h5")


def test_an_unknown_class_names_the_fix(tmp_path):
    class Unregistered(keras.layers.Layer):
        def call(self, x):
            return x
    model = keras.Sequential([keras.layers.Dense(1, input_shape=(4,)), Unregistered()])
    model.save(tmp_path / "m.keras")
    from tracegraph.keras.saving import object_registry
    object_registry._CLASSES.pop("Unregistered")
    with pytest.raises(ValueError, match="custom_objects"):
        keras.models.load_model(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras", custom_objects={"Unregistered": Unregistered})
    np.testing.assert_array_equal(loaded(X).numpy(), model(X).numpy())


def test_a_failed_save_leaves_the_previous_file(tmp_path, monkeypatch):
    model = keras.Sequential([keras.layers.Dense(1, input_shape=(4,))])
    path = tmp_path / "m.keras"
    model.save(path)
    before = path.read_bytes()
    monkeypatch.setattr(tg.Variable, "numpy", lambda self: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError):
        model.save(path)
    assert path.read_bytes() == before
