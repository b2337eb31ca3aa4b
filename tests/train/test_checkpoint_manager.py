"""tg.train.CheckpointManager: numbering, retention, the state file, and picking up after a restart."""
import glob
import os

import numpy as np
import pytest

import tracegraph as tg
import tracegraph.train
from tracegraph.train import manager as manager_module

train = tracegraph.train


def files(directory):
    return sorted(os.path.basename(p).split(".")[0] for p in glob.glob(os.path.join(directory, "ckpt-*.index")))


def data_count(directory):
    return len(glob.glob(os.path.join(directory, "ckpt-*.data-*")))


def test_keeps_the_newest_max_to_keep(tmp_path):
    directory = str(tmp_path)
    v = tg.Variable(0.0)
    checkpoint = train.Checkpoint(v=v)
    manager = train.CheckpointManager(checkpoint, directory, max_to_keep=2)
    assert manager.latest_checkpoint is None
    for step in range(1, 5):
        v.assign(float(step))
        assert manager.save() == os.path.join(directory, f"ckpt-{step}")
    assert files(directory) == ["ckpt-3", "ckpt-4"]
    assert data_count(directory) == 2
    assert manager.checkpoints == [os.path.join(directory, "ckpt-3"), os.path.join(directory, "ckpt-4")]
    assert manager.latest_checkpoint == train.latest_checkpoint(directory) == os.path.join(directory, "ckpt-4")
    state = train.get_checkpoint_state(directory)
    assert state.all_model_checkpoint_paths == manager.checkpoints
    assert len(state.all_model_checkpoint_timestamps) == 2
    checkpoint.restore(manager.checkpoints[0])
    assert float(v.numpy()) == 3.0


def test_state_file_is_tf_text_format_with_relative_paths(tmp_path):
    manager = train.CheckpointManager(train.Checkpoint(v=tg.Variable(1.0)), str(tmp_path), max_to_keep=3,
                                      checkpoint_name="model")
    manager.save()
    lines = (tmp_path / "checkpoint").read_text().splitlines()
    assert lines[0] == 'model_checkpoint_path: "model-1"'
    assert lines[1] == 'all_model_checkpoint_paths: "model-1"'
    assert lines[2].startswith("all_model_checkpoint_timestamps: ")
    assert lines[3].startswith("last_preserved_timestamp: ")


def test_checkpoint_number_and_overwrite_move_to_the_end(tmp_path):
    directory = str(tmp_path)
    step = tg.Variable(np.int64(100))
    manager = train.CheckpointManager(train.Checkpoint(step=step), directory, max_to_keep=2)
    manager.save(checkpoint_number=step)
    manager.save(checkpoint_number=7)
    manager.save(checkpoint_number=100)
    assert [os.path.basename(p) for p in manager.checkpoints] == ["ckpt-7", "ckpt-100"]
    assert data_count(directory) == 2  # the overwritten checkpoint left no stale data file


def test_a_new_manager_picks_up_the_directory_and_keeps_deleting(tmp_path):
    directory = str(tmp_path)
    checkpoint = train.Checkpoint(v=tg.Variable(0.0))
    first = train.CheckpointManager(checkpoint, directory, max_to_keep=2)
    for _ in range(3):
        first.save()
    restored = train.Checkpoint(v=tg.Variable(0.0))
    second = train.CheckpointManager(restored, directory, max_to_keep=2)
    assert second.checkpoints == first.checkpoints
    assert second.restore_or_initialize() == os.path.join(directory, "ckpt-3")
    assert int(restored.save_counter.numpy()) == 3
    second.save()
    assert files(directory) == ["ckpt-3", "ckpt-4"]


def test_max_to_keep_none_keeps_everything(tmp_path):
    manager = train.CheckpointManager(train.Checkpoint(v=tg.Variable(0.0)), str(tmp_path), max_to_keep=None)
    for _ in range(4):
        manager.save()
    assert files(str(tmp_path)) == ["ckpt-1", "ckpt-2", "ckpt-3", "ckpt-4"]
    assert len(manager.checkpoints) == 4


def test_keep_checkpoint_every_n_hours_preserves_one_per_period(tmp_path, monkeypatch):
    clock = [1_000_000.0]
    monkeypatch.setattr(manager_module.time, "time", lambda: clock[0])
    manager = train.CheckpointManager(train.Checkpoint(v=tg.Variable(0.0)), str(tmp_path), max_to_keep=1,
                                      keep_checkpoint_every_n_hours=1)
    for _ in range(6):  # one save every 25 minutes
        manager.save()
        clock[0] += 25 * 60
    # TF 2.21 with the same clock keeps ['ckpt-4', 'ckpt-6'] (ckpt-4 is the first to leave the active set at
    # least an hour after the manager's start) and lists ['.../ckpt-6'] in `checkpoints`.
    assert files(str(tmp_path)) == ["ckpt-4", "ckpt-6"]
    assert [os.path.basename(p) for p in manager.checkpoints] == ["ckpt-6"]


def test_restore_or_initialize_calls_init_fn_without_checkpoints(tmp_path):
    called = []
    manager = train.CheckpointManager(train.Checkpoint(v=tg.Variable(0.0)), str(tmp_path), max_to_keep=1,
                                      init_fn=lambda: called.append(True))
    assert manager.restore_or_initialize() is None
    assert called == [True]


def test_checkpoint_interval_skips_saves_until_enough_steps(tmp_path):
    step = tg.Variable(0)
    manager = train.CheckpointManager(train.Checkpoint(step=step), str(tmp_path), max_to_keep=5,
                                      step_counter=step, checkpoint_interval=10)
    saved = []
    for value in range(0, 25, 5):
        step.assign(value)
        saved.append(manager.save() is not None)
    assert saved == [True, False, True, False, True]


def test_bad_arguments():
    checkpoint = train.Checkpoint(v=tg.Variable(0.0))
    with pytest.raises(ValueError, match="max_to_keep"):
        train.CheckpointManager(checkpoint, "/tmp/unused", max_to_keep=0)
    with pytest.raises(ValueError, match="step_counter"):
        train.CheckpointManager(checkpoint, "/tmp/unused", max_to_keep=1, checkpoint_interval=3)


def test_deleting_a_checkpoint_also_removes_leftovers_of_interrupted_writes(tmp_path):
    directory = str(tmp_path)
    manager = train.CheckpointManager(train.Checkpoint(v=tg.Variable(0.0)), directory, max_to_keep=1)
    manager.save()
    leftovers = [tmp_path / ".ckpt-1.index.k3j2.tmp", tmp_path / ".ckpt-1.data-0123.x9.tmp"]
    for path in leftovers:
        path.write_bytes(b"partial")
    (tmp_path / ".ckpt-11.index.zz.tmp").write_bytes(b"another checkpoint's")
    manager.save()
    assert not any(path.exists() for path in leftovers)
    assert (tmp_path / ".ckpt-11.index.zz.tmp").exists()
