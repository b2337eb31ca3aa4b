"""`tg.train`: checkpoints of training state (TF 2's `tf.train.Checkpoint` and friends).

`Checkpoint` saves and restores the variables of Modules, Keras models, optimizers (slots
included), metrics and Variables by attribute path; `CheckpointManager` numbers and rotates
checkpoints in a directory; `latest_checkpoint` finds the newest. The file format is in
docs/formats/checkpoint.md.
"""
from .checkpoint import Checkpoint
from .checkpoint_file import CheckpointFormatError
from .manager import CheckpointManager
from .options import CheckpointOptions
from .reader import CheckpointReader, list_variables, load_checkpoint, load_variable
from .state_file import CheckpointState, get_checkpoint_state, latest_checkpoint

__all__ = ["Checkpoint", "CheckpointFormatError", "CheckpointManager", "CheckpointOptions", "CheckpointReader",
           "CheckpointState", "get_checkpoint_state", "latest_checkpoint", "list_variables", "load_checkpoint",
           "load_variable"]

from . import example  # noqa: E402 - the Example classes, below


def __getattr__(name):
    """`Example`, `Features`, ...: protobuf message classes built (loading protobuf) on first use."""
    if name in example.__all__:
        value = globals()[name] = getattr(example, name)   # later lookups find it without this function
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ += example.__all__
