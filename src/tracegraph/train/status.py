"""What `Checkpoint.restore` returns: a status whose assertions check how well the match went.

The checks look at the restoration as it stands when they are called, so a check made after a
model is built sees the values that were waiting for its weights (TF's semantics).
"""
from ..variable_base import is_variable
from .object_graph import VARIABLE_SUFFIX, slot_edges, slot_path, walk

__all__ = ["CheckpointLoadStatus", "InitializationOnlyStatus"]

_LISTED = 10  # keys named in an error message before "and N more"


def _listing(keys):
    shown = ", ".join(repr(k) for k in keys[:_LISTED])
    return shown + (f" and {len(keys) - _LISTED} more" if len(keys) > _LISTED else "")


class CheckpointLoadStatus:
    """The status of a restore from a checkpoint file."""

    def __init__(self, checkpoint, restoration):
        self._checkpoint = checkpoint
        self._restoration = restoration

    def assert_consumed(self):
        """Raise AssertionError unless every value in the checkpoint went to a variable and every
        variable reachable now got a value; returns self."""
        self.assert_existing_objects_matched()
        pending = self._restoration.pending_keys()
        if pending:
            raise AssertionError(f"Unresolved values in checkpoint {self._restoration.index['path']}: "
                                 f"{_listing(pending)} (no variable of the restored objects matched them, or "
                                 "not yet: values for variables created later wait for them; when only part "
                                 "of the checkpoint is wanted, check with assert_existing_objects_matched())")
        return self

    def assert_existing_objects_matched(self):
        """Raise AssertionError if a variable reachable from the checkpoint's objects now got no
        value from the file (the program's objects differ from the saved ones); returns self."""
        restoration = self._restoration
        matched = {id(obj) for obj in restoration.bound_objects()}
        missing = [path + VARIABLE_SUFFIX for obj, path in _current_variables(self._checkpoint)
                   if id(obj) not in matched and not self._unsaved_counter(obj)]
        if missing:
            raise AssertionError(f"Some variables were not restored from {restoration.index['path']}: "
                                 f"{_listing(missing)} (the checkpoint has no value for them)")
        return self

    def assert_nontrivial_match(self):
        """Raise AssertionError unless at least one variable (other than `save_counter`) was restored."""
        restoration = self._restoration
        counter = self._checkpoint._save_counter
        if not any(is_variable(obj) and obj is not counter for obj in restoration.bound_objects()):
            raise AssertionError(f"Nothing except the root object matched a value in "
                                 f"{restoration.index['path']}")
        return self

    def expect_partial(self):
        """Declare that part of the checkpoint may stay unused (TF silences its warnings); returns self."""
        return self

    def _unsaved_counter(self, obj):
        """The checkpoint's save_counter when the file has none (a `write` made before any `save`)."""
        return obj is self._checkpoint._save_counter and \
            "save_counter" not in self._restoration.index["nodes"][0]["children"]

    def run_restore_ops(self, session=None):
        """Nothing to run: values are assigned eagerly (TF 1's graph-mode call)."""

    def initialize_or_restore(self, session=None):
        """Nothing to run: values are assigned eagerly (TF 1's graph-mode call)."""


class InitializationOnlyStatus:
    """The status of `restore(None)`: nothing was restored, variables keep their initial values."""

    def __init__(self, checkpoint):
        self._checkpoint = checkpoint

    def assert_consumed(self):
        """Always raises: no checkpoint was given."""
        raise AssertionError("No checkpoint specified (save_path=None); nothing is being restored.")

    def assert_existing_objects_matched(self):
        """Always raises: no checkpoint was given."""
        raise AssertionError("No checkpoint specified (save_path=None); nothing is being restored.")

    def assert_nontrivial_match(self):
        """Always raises: no checkpoint was given."""
        raise AssertionError("No checkpoint specified (save_path=None); nothing is being restored.")

    def expect_partial(self):
        """Returns self."""
        return self

    def run_restore_ops(self, session=None):
        """Nothing to run."""

    def initialize_or_restore(self, session=None):
        """Nothing to run: variables are initialized when created."""


def _current_variables(root):
    """(variable, path) of every variable reachable from `root` now, slots included."""
    nodes = walk(root)
    found = [(obj, path) for obj, path, _ in nodes if is_variable(obj)]
    seen = {id(obj) for obj, _ in found}
    for optimizer_node, name, variable_node, position, slot in slot_edges(nodes):
        if id(slot) not in seen:
            found.append((slot, slot_path(nodes, optimizer_node, name, variable_node, position)))
    return found
