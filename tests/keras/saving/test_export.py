"""`Model.export` and TF 2's `model.save(path, save_format="tf")`: a SavedModel directory for serving."""
import numpy as np
import pytest

import tracegraph as tg


def _trained_linear():
    tg.keras.utils.set_random_seed(0)
    model = tg.keras.Sequential([tg.keras.layers.Dense(1, input_shape=(2,))])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((8, 2), np.float32), np.ones((8, 1), np.float32), epochs=1, verbose=0)
    return model


@pytest.mark.parametrize("how", ["save_format", "export"])
def test_the_saved_model_serves_what_the_model_computes(tmp_path, how):
    model = _trained_linear()
    path = tmp_path / "linear_model" / "1"
    if how == "save_format":
        model.save(str(path), save_format="tf")  # the tutorials' deployment chapter
    else:
        model.export(path)
    loaded = tg.saved_model.load(str(path))
    x = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)
    (output,) = loaded.signatures["serving_default"](inputs=tg.constant(x)).values()
    np.testing.assert_allclose(output.numpy(), model.predict(x, verbose=0), rtol=1e-6)


def test_unknown_formats_are_clear_errors(tmp_path):
    model = _trained_linear()
    with pytest.raises(ValueError, match="save_format"):
        model.save(str(tmp_path / "m"), save_format="h5")
    with pytest.raises(ValueError, match="tf_saved_model"):
        model.export(tmp_path / "m", format="onnx")
