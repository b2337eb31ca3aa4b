"""Damaged, foreign and mismatched checkpoints give errors naming the file and the key."""
import glob
import json
import os

import numpy as np
import pytest

import tracegraph as tg
import tracegraph.train

train = tracegraph.train
KEY_A = "a/.ATTRIBUTES/VARIABLE_VALUE"
KEY_B = "b/.ATTRIBUTES/VARIABLE_VALUE"


@pytest.fixture
def saved(tmp_path):
    checkpoint = train.Checkpoint(a=tg.Variable(np.arange(4, dtype=np.float32)),
                                  b=tg.Variable(np.ones((100, 10), np.float32)))
    return checkpoint.write(str(tmp_path / "ck"))


def data_file(prefix):
    (path,) = glob.glob(prefix + ".data-*")
    return path


def fresh():
    return train.Checkpoint(a=tg.Variable(np.zeros(4, np.float32)), b=tg.Variable(np.zeros((100, 10), np.float32)))


def edit_index(prefix, change):
    with open(prefix + ".index") as f:
        index = json.load(f)
    change(index)
    with open(prefix + ".index", "w") as f:
        json.dump(index, f)


def test_a_newer_format_version_is_refused_naming_the_file(saved):
    edit_index(saved, lambda index: index.update(format_version=99))
    with pytest.raises(train.CheckpointFormatError, match=r"ck\.index.*version 99 is newer"):
        fresh().read(saved)


def test_a_foreign_index_is_refused(saved):
    edit_index(saved, lambda index: index.update(format="something.else"))
    with pytest.raises(train.CheckpointFormatError, match=r"ck\.index.*not a tracegraph checkpoint"):
        fresh().read(saved)


def test_a_truncated_data_file_names_the_file_and_the_cut_key(saved):
    path = data_file(saved)
    os.truncate(path, os.path.getsize(path) - 100)
    with pytest.raises(train.CheckpointFormatError, match=rf"{os.path.basename(path)}.*truncated.*{KEY_B}"):
        fresh().read(saved)


def test_a_truncated_index_is_a_clear_error(saved):
    size = os.path.getsize(saved + ".index")
    os.truncate(saved + ".index", size // 2)
    with pytest.raises(train.CheckpointFormatError, match=r"ck\.index.*truncated or damaged"):
        fresh().read(saved)


def test_a_missing_data_file_is_named(saved):
    path = data_file(saved)
    os.remove(path)
    with pytest.raises(train.CheckpointFormatError, match=rf"data file .*{os.path.basename(path)}.* is missing"):
        fresh().read(saved)


def test_a_missing_checkpoint_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nowhere\.index"):
        fresh().restore(str(tmp_path / "nowhere"))


def test_a_missing_key_names_the_file_and_the_key(saved):
    with pytest.raises(KeyError, match=r"ck\.index.*'c/\.ATTRIBUTES/VARIABLE_VALUE'"):
        train.load_variable(saved, "c/.ATTRIBUTES/VARIABLE_VALUE")
    np.testing.assert_array_equal(train.load_variable(saved, KEY_A), np.arange(4, dtype=np.float32))


def test_a_shape_mismatch_names_the_key_and_both_shapes(saved):
    checkpoint = train.Checkpoint(a=tg.Variable(np.zeros(5, np.float32)), b=tg.Variable(np.zeros((100, 10))))
    with pytest.raises(ValueError, match=rf"{KEY_A}.*shape \(4,\).*shape \(5,\)"):
        checkpoint.read(saved)


def test_a_dtype_mismatch_names_the_key(saved):
    checkpoint = train.Checkpoint(a=tg.Variable(np.zeros(4, np.int32)))
    with pytest.raises(ValueError, match=rf"{KEY_A}.*float32.*int32"):
        checkpoint.read(saved)


def test_a_variable_where_the_checkpoint_has_an_object_is_named(saved):
    checkpoint = train.Checkpoint(a=[tg.Variable(0.0)])
    with pytest.raises(ValueError, match=r"'a/\.ATTRIBUTES/VARIABLE_VALUE' is a variable in the checkpoint"):
        checkpoint.read(saved)


def test_a_damaged_state_file_is_named(tmp_path):
    (tmp_path / "checkpoint").write_text("model_checkpoint_path ck-1\n")
    with pytest.raises(ValueError, match="checkpoint: line 1"):
        train.latest_checkpoint(str(tmp_path))


def test_no_state_file_means_no_latest_checkpoint(tmp_path):
    assert train.latest_checkpoint(str(tmp_path)) is None
    assert train.get_checkpoint_state(str(tmp_path)) is None


def test_string_variables_are_refused_naming_the_key(tmp_path):
    with pytest.raises(TypeError, match="'s/.ATTRIBUTES/VARIABLE_VALUE'.*string"):
        train.Checkpoint(s=tg.Variable(["x"])).write(str(tmp_path / "ck"))
    assert not glob.glob(str(tmp_path / "ck*"))
