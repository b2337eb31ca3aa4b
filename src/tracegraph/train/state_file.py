"""The `checkpoint` state file of a directory: which checkpoint is the latest, and which are kept.

It is TF's text format, so TF's tools and people can read it:

    model_checkpoint_path: "ckpt-3"
    all_model_checkpoint_paths: "ckpt-2"
    all_model_checkpoint_paths: "ckpt-3"
    all_model_checkpoint_timestamps: 1765100000.5
    all_model_checkpoint_timestamps: 1765100060.25
    last_preserved_timestamp: 1765099990.0

Paths inside the directory are written relative to it. The file is replaced atomically, and only
after the checkpoints it names are complete.
"""
import collections
import json
import os
import re

from ..atomic_files import write_atomically
from . import checkpoint_file

__all__ = ["CheckpointState", "get_checkpoint_state", "latest_checkpoint", "write_state", "STATE_FILENAME"]

STATE_FILENAME = "checkpoint"
_LINE = re.compile(r"^\s*(\w+)\s*:\s*(.+?)\s*$")

CheckpointState = collections.namedtuple(
    "CheckpointState", ["model_checkpoint_path", "all_model_checkpoint_paths", "all_model_checkpoint_timestamps",
                        "last_preserved_timestamp"])
CheckpointState.__doc__ = "The contents of a `checkpoint` state file, with paths made absolute."


def write_state(directory, latest, paths, timestamps=(), last_preserved_timestamp=None, latest_filename=None):
    """Replace `directory`'s state file: `latest` is the newest checkpoint, `paths` those kept."""
    directory = os.path.abspath(directory)
    lines = [f"model_checkpoint_path: {_quote(_relative(latest, directory))}"]
    lines += [f"all_model_checkpoint_paths: {_quote(_relative(p, directory))}" for p in paths]
    lines += [f"all_model_checkpoint_timestamps: {float(t)!r}" for t in timestamps]
    if last_preserved_timestamp is not None:
        lines.append(f"last_preserved_timestamp: {float(last_preserved_timestamp)!r}")
    text = ("\n".join(lines) + "\n").encode("utf8")
    write_atomically(os.path.join(directory, latest_filename or STATE_FILENAME), lambda f: f.write(text))


def _relative(path, directory):
    path = os.path.abspath(path)
    return os.path.relpath(path, directory) if os.path.dirname(path) == directory else path


def _quote(text):
    return json.dumps(text, ensure_ascii=False)


def get_checkpoint_state(checkpoint_dir, latest_filename=None):
    """The `CheckpointState` in `checkpoint_dir`'s state file, or None if there is none.

    A damaged state file is a ValueError naming it.
    """
    path = os.path.join(os.fspath(checkpoint_dir), latest_filename or STATE_FILENAME)
    try:
        with open(path, encoding="utf8") as f:
            text = f.read()
    except FileNotFoundError:
        return None
    fields = collections.defaultdict(list)
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        match = _LINE.match(line)
        try:
            fields[match.group(1)].append(json.loads(match.group(2)))
        except (AttributeError, ValueError):
            raise ValueError(f"{path}: line {number} is not a checkpoint state field: {line!r}") from None
    if not fields.get("model_checkpoint_path"):
        raise ValueError(f"{path}: no model_checkpoint_path")

    def absolute(p):
        return p if os.path.isabs(p) else os.path.join(os.fspath(checkpoint_dir), p)

    return CheckpointState(absolute(fields["model_checkpoint_path"][-1]),
                           [absolute(p) for p in fields["all_model_checkpoint_paths"]],
                           [float(t) for t in fields["all_model_checkpoint_timestamps"]],
                           float(fields["last_preserved_timestamp"][-1]) if fields["last_preserved_timestamp"]
                           else None)


def latest_checkpoint(checkpoint_dir, latest_filename=None):
    """The prefix of the newest checkpoint in `checkpoint_dir` (from its state file), or None if
    there is none or its files are gone."""
    state = get_checkpoint_state(checkpoint_dir, latest_filename)
    if state is None:
        return None
    path = state.model_checkpoint_path
    return path if os.path.exists(checkpoint_file.index_path(path)) else None
