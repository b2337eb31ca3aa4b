"""A saved model loads and runs in a fresh process where the module that defined the saved object
cannot be imported: the graphs, signatures and Variables are all in the saved files."""
import importlib.util
import json
import subprocess
import sys
import textwrap

import numpy as np

import tracegraph.saved_model as saved_model

DEFINITION = textwrap.dedent('''
    import tracegraph as tg

    class Scaler(tg.Module):
        def __init__(self):
            super().__init__()
            self.w = tg.Variable([[1.0, 2.0], [-1.0, 0.5]], name="w")
            self.shift = tg.Variable([0.25, -0.75], name="shift")

        @tg.function(input_signature=[tg.TensorSpec([None, 2], tg.float32)])
        def __call__(self, x):
            return tg.nn.relu(tg.matmul(x, self.w)) + self.shift

        @tg.function(input_signature=[tg.RaggedTensorSpec([None, None], tg.float32)])
        def row_max(self, rows):
            return tg.reduce_max(rows, axis=1) + self.shift[0]
''')

LOADER = textwrap.dedent('''
    import json, sys
    import numpy as np
    try:
        import scaler_definition_for_saved_model_test
    except ImportError:
        pass
    else:
        raise SystemExit("the defining module must not be importable here")
    import tracegraph as tg
    import tracegraph.saved_model as saved_model
    tg.config.set_backend("numpy")
    loaded = saved_model.load(sys.argv[1])
    x = np.array([[1.0, 2.0], [3.0, -4.0], [0.5, 0.5]], np.float32)
    rows = tg.ragged.constant([[1.0, 5.0, 2.0], [-3.0]])
    with tg.GradientTape() as tape:
        loss = tg.reduce_sum(loaded(x))
    gradients = tape.gradient(loss, loaded.trainable_variables)
    print(json.dumps({
        "call": loaded(x).numpy().tolist(),
        "signature": loaded.signatures["serving_default"](x=x)["output_0"].numpy().tolist(),
        "row_max": loaded.row_max(rows).numpy().tolist(),
        "trainable": [v.name for v in loaded.trainable_variables],
        "gradients": [g.numpy().tolist() for g in gradients],
    }))
''')


def test_a_module_loads_and_runs_where_its_source_is_gone(tmp_path):
    source = tmp_path / "scaler_definition_for_saved_model_test.py"
    source.write_text(DEFINITION)
    spec = importlib.util.spec_from_file_location("scaler_definition_for_saved_model_test", source)
    definition = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(definition)
    model = definition.Scaler()
    export_dir = tmp_path / "exported"
    saved_model.save(model, str(export_dir), signatures={"serving_default": model.__call__})
    source.unlink()

    done = subprocess.run([sys.executable, "-c", LOADER, str(export_dir)], capture_output=True, text=True,
                          cwd=str(tmp_path), timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    x = np.array([[1.0, 2.0], [3.0, -4.0], [0.5, 0.5]], np.float32)
    w, shift = np.array([[1.0, 2.0], [-1.0, 0.5]]), np.array([0.25, -0.75])
    expected = np.maximum(x @ w, 0) + shift
    np.testing.assert_allclose(result["call"], expected, rtol=1e-6)
    np.testing.assert_allclose(result["signature"], expected, rtol=1e-6)
    np.testing.assert_allclose(result["row_max"], [5.25, -2.75])
    assert result["trainable"] == [v.name for v in model.trainable_variables]  # the names saved
    active = (x @ w > 0).astype(float)
    np.testing.assert_allclose(result["gradients"][0], [3.0, 3.0])
    np.testing.assert_allclose(result["gradients"][1], x.T @ active, rtol=1e-6)
