"""The `.weights.tgw` file: round trip, the documented layout, atomic writes and clear load errors."""
import io
import json
import os
import zipfile

import numpy as np
import pytest

import tracegraph as tg
from tracegraph.keras.saving import load_weights, read_weights, save_weights
from tracegraph.keras.saving import weights_file


class Model:
    """What save/load use: `weights` (tg.Variables) and `name`."""

    def __init__(self, shapes=((2, 3), (3,)), dtypes=(np.float32, np.float32), seed=0, optimizer=None):
        rng = np.random.default_rng(seed)
        self.name = "model"
        self.weights = [tg.Variable(rng.standard_normal(s).astype(d), name=f"w{i}")
                        for i, (s, d) in enumerate(zip(shapes, dtypes))]
        self.optimizer = optimizer


class Optimizer:
    """Keras 3's optimizer state interface: `variables` (iterations, learning rate, one slot per weight)."""

    def __init__(self, model_shapes=None, step=0):
        self.name = "adam"
        self.variables = []
        if model_shapes is not None:
            self.variables = [tg.Variable(np.int64(step)), tg.Variable(np.float32(0.001))]
            self.variables += [tg.Variable(np.full(s, step, np.float32)) for s in model_shapes]


def values(model):
    return [w.numpy() for w in model.weights]


def test_round_trip_restores_every_value_and_dtype(tmp_path):
    path = tmp_path / "m.weights.tgw"
    source = Model(shapes=((4, 2), (2,), (), (3, 1, 2)), dtypes=(np.float32, np.float64, np.int32, np.float32))
    save_weights(source, path)
    target = Model(shapes=((4, 2), (2,), (), (3, 1, 2)), dtypes=(np.float32, np.float64, np.int32, np.float32),
                   seed=1)
    load_weights(target, path)
    for got, want in zip(values(target), values(source)):
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)


def test_the_file_is_an_npz_with_the_documented_header(tmp_path):
    path = tmp_path / "m.weights.tgw"
    model = Model()
    save_weights(model, str(path))
    with zipfile.ZipFile(path) as archive:
        assert archive.namelist() == ["tracegraph_weights.json", "weight_00000.npy", "weight_00001.npy"]
        header = json.loads(archive.read("tracegraph_weights.json"))
    assert header["format"] == "tracegraph.keras.weights" and header["format_version"] == 1
    assert header["model_name"] == "model" and isinstance(header["tracegraph_version"], str)
    assert header["weights"] == [
        {"name": model.weights[0].name, "shape": [2, 3], "dtype": "float32", "member": "weight_00000.npy"},
        {"name": model.weights[1].name, "shape": [3], "dtype": "float32", "member": "weight_00001.npy"}]
    assert header["optimizer"] is None
    with np.load(path) as npz:
        np.testing.assert_array_equal(npz["weight_00001"], model.weights[1].numpy())
    assert read_weights(path)[0] == header


def test_other_suffixes_are_refused_with_the_reason(tmp_path):
    with pytest.raises(ValueError, match=r"must end in `\.weights\.tgw`\. tracegraph does not write HDF5"):
        save_weights(Model(), tmp_path / "m.weights.h5")
    with pytest.raises(ValueError, match=r"must end in `\.weights\.tgw`"):
        save_weights(Model(), tmp_path / "m.npz")


def test_a_failing_write_leaves_the_previous_file_and_no_temporary(tmp_path):
    path = tmp_path / "m.weights.tgw"
    model = Model()
    save_weights(model, path)
    before = path.read_bytes()

    class Broken:
        name = "broken:0"
        shape = (2,)
        dtype = tg.float32

        def numpy(self):
            raise RuntimeError("device lost")

    model.weights.append(Broken())
    with pytest.raises(RuntimeError, match="device lost"):
        save_weights(model, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.weights.tgw"]


def test_a_crash_while_writing_the_archive_leaves_the_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "m.weights.tgw"
    save_weights(Model(), path)
    before = path.read_bytes()

    def fail_midway(f, header, entries, arrays):
        f.write(b"PK\x03\x04 half an archive")
        raise OSError("disk full")

    monkeypatch.setattr(weights_file, "_write_archive", fail_midway)
    with pytest.raises(OSError, match="disk full"):
        save_weights(Model(seed=3), path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.weights.tgw"]


@pytest.mark.parametrize("keep", [0.3, 0.9, 0.99])
def test_a_truncated_file_is_a_clear_error(tmp_path, keep):
    path = tmp_path / "m.weights.tgw"
    save_weights(Model(), path)
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    model = Model(seed=5)
    before = values(model)
    with pytest.raises(ValueError, match=r"m\.weights\.tgw: the weights file is truncated or damaged"):
        load_weights(model, path)
    for got, want in zip(values(model), before):
        np.testing.assert_array_equal(got, want)


def test_a_damaged_array_is_caught_by_its_checksum(tmp_path):
    path = tmp_path / "m.weights.tgw"
    save_weights(Model(), path)
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("weight_00001.npy")
    data = bytearray(path.read_bytes())
    name_length, extra_length = np.frombuffer(bytes(data[info.header_offset + 26: info.header_offset + 30]), "<u2")
    last_byte = info.header_offset + 30 + int(name_length) + int(extra_length) + info.compress_size - 1
    data[last_byte] ^= 0xFF  # the array's last value byte: only the CRC can tell
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="truncated or damaged"):
        load_weights(Model(), path)


def test_not_our_format(tmp_path):
    text = tmp_path / "notes.weights.tgw"
    text.write_text("hello")
    with pytest.raises(ValueError, match=r"notes\.weights\.tgw: not a tracegraph weights file"):
        load_weights(Model(), text)
    npz = tmp_path / "plain.npz"
    np.savez(npz, a=np.zeros(2))
    with pytest.raises(ValueError, match=r"plain\.npz: not a tracegraph weights file .*without the"):
        load_weights(Model(), npz)


def rewrite_header(path, change):
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    header = json.loads(members["tracegraph_weights.json"])
    change(header)
    members["tracegraph_weights.json"] = json.dumps(header).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    path.write_bytes(buffer.getvalue())


def test_a_newer_format_version_is_refused(tmp_path):
    path = tmp_path / "m.weights.tgw"
    save_weights(Model(), path)
    rewrite_header(path, lambda h: h.update(format_version=2, tracegraph_version="9.0"))
    with pytest.raises(ValueError, match=r"format version 2, written by tracegraph 9\.0; .*reads versions up to 1"):
        load_weights(Model(), path)


def test_count_and_shape_mismatches_name_the_first_one(tmp_path):
    path = tmp_path / "m.weights.tgw"
    save_weights(Model(), path)
    with pytest.raises(ValueError, match=r"m\.weights\.tgw: the file holds 2 weights but the model has 3"):
        load_weights(Model(shapes=((2, 3), (3,), (1,)), dtypes=(np.float32,) * 3), path)
    with pytest.raises(ValueError, match=r"weight 1 has shape \(3,\) in the file \('w1.*'\) but \(4,\) in the model"):
        load_weights(Model(shapes=((2, 3), (4,))), path)


def test_loading_casts_to_the_variables_dtype(tmp_path):
    path = tmp_path / "m.weights.tgw"
    source = Model(dtypes=(np.float64, np.float64))
    save_weights(source, path)
    target = Model()
    load_weights(target, path)
    assert target.weights[0].dtype == tg.float32
    np.testing.assert_allclose(target.weights[0].numpy(), source.weights[0].numpy(), rtol=1e-6)


def test_optimizer_state_is_saved_and_restored_like_keras(tmp_path):
    path = tmp_path / "m.weights.tgw"
    save_weights(Model(optimizer=Optimizer([(2, 3), (3,)], step=7)), path)
    assert [m for m in zipfile.ZipFile(path).namelist() if m.startswith("optimizer")] == [
        "optimizer_00000.npy", "optimizer_00001.npy", "optimizer_00002.npy", "optimizer_00003.npy"]
    target = Model(seed=2, optimizer=Optimizer([(2, 3), (3,)], step=0))
    load_weights(target, path)
    assert int(target.optimizer.variables[0].numpy()) == 7
    np.testing.assert_array_equal(target.optimizer.variables[3].numpy(), np.full(3, 7.0))


def test_an_unbuilt_optimizer_is_skipped_with_keras_warning(tmp_path):
    path = tmp_path / "m.weights.tgw"
    source = Model(optimizer=Optimizer([(2, 3), (3,)], step=7))
    save_weights(source, path)
    target = Model(seed=2, optimizer=Optimizer())
    with pytest.warns(UserWarning, match="Skipping variable loading for optimizer 'adam', because it has 0 "
                                         "variables whereas the saved optimizer has 4 variables"):
        load_weights(target, path)
    np.testing.assert_array_equal(target.weights[0].numpy(), source.weights[0].numpy())
    load_weights(Model(), path)  # a model without an optimizer takes the weights only
