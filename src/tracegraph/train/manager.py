"""`tg.train.CheckpointManager`: numbered checkpoints in a directory, the oldest deleted (TF 2's API)."""
import collections
import os
import time

from . import checkpoint_file, state_file

__all__ = ["CheckpointManager"]


class CheckpointManager:
    """Saves `checkpoint` as `<directory>/<checkpoint_name>-<n>` and keeps the newest `max_to_keep`.

    Args:
        checkpoint: the `tg.train.Checkpoint` to save and restore.
        directory: where the checkpoints and the `checkpoint` state file go.
        max_to_keep: how many checkpoints to keep (None keeps all).
        keep_checkpoint_every_n_hours: also keep, forever, one checkpoint per this many hours.
        checkpoint_name: the prefix of the files' names.
        step_counter, checkpoint_interval: with both, `save` does nothing until `checkpoint_interval`
            steps have passed since the last save.
        init_fn: what `restore_or_initialize` calls when there is no checkpoint yet.

    Checkpoints already listed in the directory's state file are picked up, so a restarted program
    keeps deleting the old ones. Each save is complete on disk before the state file names it, and
    a checkpoint is dropped from the state file before its files are deleted.
    """

    def __init__(self, checkpoint, directory, max_to_keep, keep_checkpoint_every_n_hours=None,
                 checkpoint_name="ckpt", step_counter=None, checkpoint_interval=None, init_fn=None):
        if max_to_keep is not None and max_to_keep <= 0:
            raise ValueError(f"Expected a positive integer or `None` for `max_to_keep`, got {max_to_keep}.")
        if checkpoint_interval is not None and step_counter is None:
            raise ValueError("`step_counter` should be passed if `checkpoint_interval` is not None.")
        self._checkpoint = checkpoint
        self._directory = os.fspath(directory)
        self._max_to_keep = max_to_keep
        self._keep_checkpoint_every_n_hours = keep_checkpoint_every_n_hours
        self._prefix = os.path.join(self._directory, checkpoint_name)
        self._step_counter = step_counter
        self._checkpoint_interval = checkpoint_interval
        self._init_fn = init_fn
        self._last_checkpoint_step = None
        self._maybe_delete = collections.OrderedDict()
        self._recover_state()

    def _recover_state(self):
        now = time.time()
        state = state_file.get_checkpoint_state(self._directory)
        if state is None:
            self._latest_checkpoint = None
            self._last_preserved_timestamp = now - 1.0  # so a manager made again at once keeps the same rule
            return
        self._latest_checkpoint = state.model_checkpoint_path
        preserved = state.last_preserved_timestamp
        self._last_preserved_timestamp = min(preserved, now) if preserved is not None else now - 1.0
        timestamps = state.all_model_checkpoint_timestamps or [self._last_preserved_timestamp] * len(
            state.all_model_checkpoint_paths)
        for path, timestamp in zip(state.all_model_checkpoint_paths, timestamps):
            timestamp = min(timestamp, now)
            if timestamp > self._last_preserved_timestamp or self._max_to_keep is None:
                self._maybe_delete[path] = timestamp

    @property
    def directory(self):
        """The directory of the checkpoints."""
        return self._directory

    @property
    def latest_checkpoint(self):
        """The prefix of the newest checkpoint, or None."""
        return self._latest_checkpoint

    @property
    def checkpoints(self):
        """The prefixes of the kept checkpoints, oldest first (those kept by
        `keep_checkpoint_every_n_hours` are not listed, as in TF)."""
        return list(self._maybe_delete)

    @property
    def checkpoint_interval(self):
        """The number of steps between saves, or None."""
        return self._checkpoint_interval

    def save(self, checkpoint_number=None, check_interval=True, options=None):
        """Save a new checkpoint, numbered `checkpoint_number` (an int or an integer Variable) or,
        without one, by the checkpoint's incremented `save_counter`; delete the ones beyond
        `max_to_keep`. Returns the new prefix, or None when `checkpoint_interval` says not yet."""
        if self._checkpoint_interval is not None:
            step = int(self._step_counter.numpy())
            if check_interval and self._last_checkpoint_step is not None and \
                    step < self._last_checkpoint_step + self._checkpoint_interval:
                return None
            self._last_checkpoint_step = step
        counter = self._checkpoint.save_counter
        counter.assign_add(1)
        if checkpoint_number is None:
            checkpoint_number = counter
        number = int(checkpoint_number.numpy()) if hasattr(checkpoint_number, "numpy") else int(checkpoint_number)
        path = self._checkpoint.write(f"{self._prefix}-{number}", options)
        self._maybe_delete.pop(path, None)  # an overwritten checkpoint goes to the end of the queue
        self._maybe_delete[path] = time.time()
        self._latest_checkpoint = path
        doomed = self._sweep()
        self._record_state()
        for prefix in doomed:
            checkpoint_file.remove_checkpoint(prefix)
        return path

    def _sweep(self):
        """Drop the checkpoints beyond `max_to_keep` from the list; returns those to delete."""
        doomed = []
        if not self._max_to_keep:
            return doomed
        hours = self._keep_checkpoint_every_n_hours
        while len(self._maybe_delete) > self._max_to_keep:
            path, timestamp = self._maybe_delete.popitem(last=False)
            if hours and timestamp - hours * 3600.0 >= self._last_preserved_timestamp:
                self._last_preserved_timestamp = timestamp
                continue
            doomed.append(path)
        return doomed

    def _record_state(self):
        state_file.write_state(self._directory, self._latest_checkpoint, list(self._maybe_delete),
                               list(self._maybe_delete.values()), self._last_preserved_timestamp)

    def restore_or_initialize(self):
        """Restore the latest checkpoint and return its prefix; without one, call `init_fn` (if
        given) and return None."""
        if self._latest_checkpoint is not None and os.path.exists(checkpoint_file.index_path(
                self._latest_checkpoint)):
            self._checkpoint.restore(self._latest_checkpoint)
            return self._latest_checkpoint
        if self._init_fn is not None:
            self._init_fn()
        return None
