"""Reading a checkpoint's values by key, without the objects that saved them (TF's
`tf.train.load_checkpoint`, `list_variables`, `load_variable`)."""
import os

from . import checkpoint_file, state_file

__all__ = ["CheckpointReader", "list_variables", "load_checkpoint", "load_variable"]


class CheckpointReader:
    """The values of one checkpoint, by key (`model/kernel/.ATTRIBUTES/VARIABLE_VALUE`)."""

    def __init__(self, prefix):
        self._index = checkpoint_file.read_index(prefix)
        self._entries = {entry["key"]: entry for entry in self._index["variables"]}

    def get_variable_to_shape_map(self):
        """{key: shape list}."""
        return {key: list(entry["shape"]) for key, entry in self._entries.items()}

    def get_variable_to_dtype_map(self):
        """{key: dtype name}."""
        return {key: entry["dtype"] for key, entry in self._entries.items()}

    def has_tensor(self, key):
        """True if the checkpoint has a value under `key`."""
        return key in self._entries

    def get_tensor(self, key):
        """The value under `key` as a NumPy array; a missing key is a KeyError naming the file."""
        if key not in self._entries:
            raise KeyError(f"{self._index['path']}: no value for key {key!r} (the checkpoint has "
                           f"{len(self._entries)} keys; list them with tg.train.list_variables)")
        return checkpoint_file.read_arrays(self._index, [self._entries[key]])[key]


def _prefix(ckpt_dir_or_file):
    path = os.fspath(ckpt_dir_or_file)
    if os.path.isdir(path):
        latest = state_file.latest_checkpoint(path)
        if latest is None:
            raise ValueError(f"Couldn't find 'checkpoint' file or checkpoints in given directory {path}")
        return latest
    return path


def load_checkpoint(ckpt_dir_or_file):
    """A `CheckpointReader` of the checkpoint at a prefix, or of the latest one in a directory."""
    return CheckpointReader(_prefix(ckpt_dir_or_file))


def list_variables(ckpt_dir_or_file):
    """[(key, shape)] of every value in the checkpoint, sorted by key."""
    return sorted((key, shape) for key, shape in load_checkpoint(ckpt_dir_or_file)
                  .get_variable_to_shape_map().items())


def load_variable(ckpt_dir_or_file, name):
    """The value under key `name` (a trailing `:0` is ignored) as a NumPy array."""
    name = name[:-2] if name.endswith(":0") else name
    return load_checkpoint(ckpt_dir_or_file).get_tensor(name)
