"""`tracegraph saved-model show` prints the signatures and functions and writes DOT; `run` feeds .npy files
to a signature and prints and saves its outputs; bad paths and inputs are errors with exit status 1."""
import numpy as np
import pytest

import tracegraph as tg
import tracegraph.saved_model as saved_model
from tracegraph.cli import main


class Affine(tg.Module):
    def __init__(self):
        super().__init__()
        self.w = tg.Variable([[2.0, 0.0, 1.0], [0.0, 3.0, -1.0]], name="w")

    @tg.function(input_signature=[tg.TensorSpec([None, 2], tg.float32, name="x")])
    def __call__(self, x):
        return tg.matmul(x, self.w)

    @tg.function(input_signature=[tg.RaggedTensorSpec([None, None], tg.int32)])
    def lengths(self, rows):
        return rows.row_lengths()


@pytest.fixture
def export_dir(tmp_path):
    model = Affine()
    path = str(tmp_path / "affine")
    saved_model.save(model, path, signatures={"serving_default": model.__call__, "lengths": model.lengths})
    return path


def test_show_prints_every_signature_and_function(export_dir, capsys):
    assert main(["saved-model", "show", export_dir]) == 0
    out = capsys.readouterr().out
    assert "signature_def['serving_default']:" in out and "signature_def['lengths']:" in out
    assert "    inputs['x'] tensor_info:\n        dtype: float32\n        shape: (-1, 2)" in out
    assert "    outputs['output_0'] tensor_info:\n        dtype: float32\n        shape: (-1, 3)" in out
    assert "    inputs['rows'] composite_info:\n        spec: RaggedTensorSpec(" in out
    assert "  Function Name: '__call__'" in out and "  Function Name: 'lengths'" in out
    assert "Argument #1 x: TensorSpec(shape=(None, 2), dtype=tg.float32, name='x')" in out


def test_show_one_signature_and_write_its_graph_as_dot(export_dir, tmp_path, capsys):
    dot = tmp_path / "graph.dot"
    assert main(["saved-model", "show", export_dir, "--signature", "serving_default", "--dot", str(dot)]) == 0
    out = capsys.readouterr().out
    assert "signature_def['lengths']" not in out and "Function Name" not in out
    text = dot.read_text()
    assert text.startswith("digraph tracegraph {") and "matmul" in text and "read_variable" in text


def test_run_prints_and_saves_the_outputs(export_dir, tmp_path, capsys):
    x = np.array([[1.0, 2.0], [0.5, -1.0]], np.float32)
    np.save(tmp_path / "x.npy", x)
    out_dir = tmp_path / "outputs"
    assert main(["saved-model", "run", export_dir, "--signature", "serving_default",
                 "--input", f"x={tmp_path / 'x.npy'}", "--output-dir", str(out_dir)]) == 0
    expected = x @ np.array([[2.0, 0.0, 1.0], [0.0, 3.0, -1.0]], np.float32)
    assert "Result for output key output_0:" in capsys.readouterr().out
    np.testing.assert_allclose(np.load(out_dir / "output_0.npy"), expected)


def test_run_errors_name_the_problem(export_dir, tmp_path, capsys):
    np.save(tmp_path / "wrong.npy", np.ones((2, 5), np.float32))
    assert main(["saved-model", "run", export_dir, "--input", f"x={tmp_path / 'wrong.npy'}"]) == 1
    assert "input 'x'" in capsys.readouterr().err
    assert main(["saved-model", "run", export_dir, "--signature", "nope", "--input",
                 f"x={tmp_path / 'wrong.npy'}"]) == 1
    assert "has no signature 'nope'" in capsys.readouterr().err
    assert main(["saved-model", "run", export_dir, "--input", "x"]) == 1
    assert "NAME=FILE.npy" in capsys.readouterr().err
    assert main(["saved-model", "show", str(tmp_path / "missing")]) == 1
    assert "no saved model here" in capsys.readouterr().err
