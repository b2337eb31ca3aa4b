"""`tg.train.Checkpoint`: save and restore the variables of a graph of objects (TF 2's API).

`Checkpoint(model=model, optimizer=optimizer)` saves every variable reachable from its keyword
arguments under its attribute path (object_graph.py), and `restore` puts the values back into the
same structure of objects, now or, for variables created later, when they are created.
"""
import os

import numpy as np

from .. import dtypes, restoration
from ..ops.state_ops import init_scope
from ..variable import Variable
from ..variable_base import is_variable
from . import checkpoint_file, state_file
from .object_graph import VARIABLE_SUFFIX, children, is_trackable, slot_edges, slot_path, walk
from .restore import Restoration
from .status import CheckpointLoadStatus, InitializationOnlyStatus

__all__ = ["Checkpoint"]


class Checkpoint:
    """Groups trackable objects (Modules, Keras layers, models, optimizers and metrics, Variables,
    lists and dicts of them) to save into and restore from checkpoint files.

    `save(prefix)` writes `prefix-<n>` (n counts the saves, in the `save_counter` variable) and
    records it in the directory's `checkpoint` file; `write(prefix)` writes exactly `prefix`.
    `restore(path)` / `read(path)` return a status object whose assertions check the match.
    """

    def __init__(self, root=None, **kwargs):
        object.__setattr__(self, "_objects", {})
        object.__setattr__(self, "_save_counter", None)
        if root is not None:
            _check_trackable("root", root)
        object.__setattr__(self, "_root", root)
        for name, value in kwargs.items():
            setattr(self, name, value)

    def __setattr__(self, name, value):
        if name.startswith("_"):
            object.__setattr__(self, name, value)
            return
        _check_trackable(name, value)
        self._objects[name] = value
        restoration.variables_created(self)  # a restore may wait for this attribute (TF's deferred restore)

    def __getattr__(self, name):
        objects = self.__dict__.get("_objects", {})
        if name in objects:
            return objects[name]
        raise AttributeError(f"'Checkpoint' object has no attribute {name!r}")

    def _checkpoint_children(self):
        found = dict(children(self._root)) if self._root is not None else {}
        found.update((name, self._objects[name]) for name in sorted(self._objects))
        if self._save_counter is not None:
            found["save_counter"] = self._save_counter
        return found

    @property
    def save_counter(self):
        """The number of `save` calls so far (an int64 Variable, saved with the checkpoint)."""
        if self._save_counter is None:
            with init_scope():
                self._save_counter = Variable(0, dtype=dtypes.int64, trainable=False, name="save_counter")
        return self._save_counter

    # ----- writing -----------------------------------------------------------------------------

    def save(self, file_prefix, options=None):
        """Write `<file_prefix>-<n>` (n = the new `save_counter`) and make it the directory's latest
        checkpoint (the `checkpoint` file, updated after the checkpoint is complete); returns the path."""
        if not file_prefix:
            raise ValueError("Checkpoint.save: `file_prefix` must not be empty")
        counter = self.save_counter
        counter.assign_add(1)
        path = self.write(f"{os.fspath(file_prefix)}-{int(counter.numpy())}", options)
        state_file.write_state(os.path.dirname(os.path.abspath(path)), path, [path])
        return path

    def write(self, file_prefix, options=None):
        """Write a checkpoint at exactly `file_prefix` (`.index` and `.data-*` files); returns it."""
        file_prefix = os.fspath(file_prefix)
        directory = os.path.dirname(os.path.abspath(file_prefix))
        os.makedirs(directory, exist_ok=True)
        index, arrays = self._describe()
        checkpoint_file.write_checkpoint(file_prefix, index, arrays)
        return file_prefix

    def _describe(self):
        """The index (without the data file's fields) and the arrays to write, in the same order."""
        nodes = walk(self)
        edges = slot_edges(nodes)
        index_of = {id(obj): i for i, (obj, _, _) in enumerate(nodes)}
        slots = []
        for optimizer_node, name, variable_node, position, slot in edges:
            if id(slot) not in index_of:
                index_of[id(slot)] = len(nodes)
                nodes.append((slot, slot_path(nodes, optimizer_node, name, variable_node, position), {}))
            slots.append({"optimizer": optimizer_node, "name": name, "variable": variable_node,
                          "position": position, "node": index_of[id(slot)]})
        entries, arrays = [], []
        for node, (obj, path, _) in enumerate(nodes):
            if is_variable(obj):
                array = np.asarray(obj.numpy())
                key = path + VARIABLE_SUFFIX
                if array.dtype.hasobject:
                    raise TypeError(f"Checkpoint: cannot save {key!r}: {obj.dtype.name} variables are not "
                                    "supported in checkpoints")
                entries.append({"key": key, "node": node, "dtype": obj.dtype.name, "shape": list(array.shape),
                                "numpy_dtype": array.dtype.str})
                arrays.append(array)
        index = {"nodes": [{"key": path, "children": edges} for _, path, edges in nodes],
                 "slots": slots, "variables": entries}
        return index, arrays

    # ----- reading -----------------------------------------------------------------------------

    def restore(self, save_path, options=None):
        """Restore from `save_path` (as `save` returned it, or `tg.train.latest_checkpoint(dir)`);
        values of variables not created yet are assigned when they are created. `None` restores
        nothing (the variables keep their initial values). Returns a status to check the match."""
        if save_path is None:
            return InitializationOnlyStatus(self)
        return self.read(save_path, options)

    def read(self, save_path, options=None):
        """Restore from a checkpoint `write` (or `save`) made; returns a status to check the match."""
        index = checkpoint_file.read_index(os.fspath(save_path))
        if "save_counter" in index["nodes"][0]["children"]:
            self.save_counter  # noqa: B018 - created so that it is restored
        restoration = Restoration(index)
        restoration.run(self)
        return CheckpointLoadStatus(self, restoration)


def _check_trackable(name, value):
    if not is_trackable(value):
        raise ValueError(f"`Checkpoint` was expecting a trackable object (a tg.Module, Keras layer, model, "
                         f"optimizer or metric, a tg.Variable, or a list or dict of them) for {name!r}, got "
                         f"{value!r}. If you believe this object should be trackable, make it a tg.Module.")
