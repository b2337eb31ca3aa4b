"""Saving and loading fail clearly: a newer format version, a damaged or missing file is a SavedModelError
naming the file; a save that fails leaves the previous saved model as it was and no temporary files."""
import json
import os

import numpy as np
import pytest

import tracegraph as tg
import tracegraph.saved_model as saved_model
from tracegraph.saved_model import SavedModelError, export


class Doubler(tg.Module):
    def __init__(self, factor=2.0):
        super().__init__()
        self.factor = tg.Variable([factor, factor], name="factor")

    @tg.function(input_signature=[tg.TensorSpec([2], tg.float32)])
    def __call__(self, x):
        return x * self.factor


@pytest.fixture
def export_dir(tmp_path):
    path = str(tmp_path / "doubler")
    saved_model.save(Doubler(), path)
    return path


def _edit_metadata(export_dir, change):
    path = os.path.join(export_dir, "saved_model.json")
    with open(path) as f:
        data = json.load(f)
    change(data)
    with open(path, "w") as f:
        json.dump(data, f)
    return path


def test_a_newer_format_version_asks_for_a_newer_tracegraph(export_dir):
    path = _edit_metadata(export_dir, lambda d: d.update(version=saved_model.FORMAT_VERSION + 1))
    with pytest.raises(SavedModelError, match=f"{path}: saved with format version 2, newer"):
        saved_model.load(export_dir)


def test_damaged_metadata_names_the_file(export_dir):
    path = os.path.join(export_dir, "saved_model.json")
    with open(path, "r+") as f:
        f.truncate(40)
    with pytest.raises(SavedModelError, match=f"{path}: damaged, not valid JSON"):
        saved_model.load(export_dir)
    with open(path, "w") as f:
        json.dump({"format": "something.else"}, f)
    with pytest.raises(SavedModelError, match="not a tracegraph saved model"):
        saved_model.load(export_dir)


def test_a_truncated_or_altered_variables_file_is_detected(export_dir):
    path = os.path.join(export_dir, "variables.bin")
    raw = open(path, "rb").read()
    with open(path, "wb") as f:
        f.write(raw[:-1])
    with pytest.raises(SavedModelError, match=f"{path}: truncated or damaged: variable 'v0'"):
        saved_model.load(export_dir)
    with open(path, "wb") as f:
        f.write(raw[:-1] + bytes([raw[-1] ^ 1]))
    with pytest.raises(SavedModelError, match=f"{path}: damaged: the checksum of variable 'v0'"):
        saved_model.load(export_dir)


def test_a_missing_or_damaged_graph_file_names_it(export_dir):
    path = os.path.join(export_dir, "functions", "0.json")
    text = open(path).read()
    with open(path, "w") as f:
        f.write(text.replace('"multiply"', '"no_such_op"'))
    with pytest.raises(SavedModelError, match=f"{path}: damaged: .*unknown op 'no_such_op'"):
        saved_model.load(export_dir)
    os.unlink(path)
    with pytest.raises(SavedModelError, match=f"{path}: missing"):
        saved_model.load(export_dir)


def test_loading_a_directory_that_is_not_a_saved_model(tmp_path):
    with pytest.raises(SavedModelError, match="not a directory"):
        saved_model.load(str(tmp_path / "nothing"))
    with pytest.raises(SavedModelError, match="saved_model.json: missing"):
        saved_model.load(str(tmp_path))


def test_a_failed_save_leaves_the_previous_model_and_no_temporary_files(export_dir, monkeypatch):
    def fail(f, variables):
        raise OSError("disk full")

    monkeypatch.setattr(export, "write_variables", fail)
    with pytest.raises(OSError, match="disk full"):
        saved_model.save(Doubler(5.0), export_dir)
    monkeypatch.undo()
    assert os.listdir(os.path.dirname(export_dir)) == ["doubler"]
    np.testing.assert_array_equal(saved_model.load(export_dir)(tg.constant([1.0, 3.0])).numpy(), [2.0, 6.0])
    saved_model.save(Doubler(5.0), export_dir)  # a save over an existing model replaces it
    assert os.listdir(os.path.dirname(export_dir)) == ["doubler"]
    np.testing.assert_array_equal(saved_model.load(export_dir)(tg.constant([1.0, 3.0])).numpy(), [5.0, 15.0])


def test_saving_over_something_that_is_not_a_saved_model_is_refused(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "notes.txt").write_text("keep me")
    with pytest.raises(FileExistsError, match="is not a saved model"):
        saved_model.save(Doubler(), str(tmp_path / "data"))
    assert (tmp_path / "data" / "notes.txt").read_text() == "keep me"


def test_bad_signatures_are_rejected_at_save(tmp_path):
    plain = tg.function(lambda x: x + 1)
    with pytest.raises(ValueError, match="signature 'serving_default' is a tg.function without an input_signature"):
        saved_model.save(Doubler(), str(tmp_path / "a"), signatures=plain)
    with pytest.raises(TypeError, match="must be a tg.function or a ConcreteFunction"):
        saved_model.save(Doubler(), str(tmp_path / "a"), signatures={"f": len})


def test_an_object_without_call_says_so(tmp_path):
    class NoCall(tg.Module):
        @tg.function(input_signature=[tg.TensorSpec([], tg.float32)])
        def f(self, x):
            return x

    saved_model.save(NoCall(), str(tmp_path / "m"))
    with pytest.raises(TypeError, match="is not callable"):
        saved_model.load(str(tmp_path / "m"))(1.0)
