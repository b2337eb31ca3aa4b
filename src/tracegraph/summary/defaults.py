"""What a summary call reads when it is not told: the default writer, the step, the recording condition.

As in TF, each is per thread: a writer made the default in one thread is not the default in another.
"""
import threading

__all__ = ["state", "set_step", "get_step", "record_if"]


class _State(threading.local):
    def __init__(self):
        super().__init__()
        self.writer = None      # the default SummaryWriter, or None
        self.step = None        # an int, a tensor or a Variable, or None
        self.conditions = []    # record_if conditions, innermost last


state = _State()


def set_step(step):
    """Set the default step for summaries (`tg.summary.experimental.set_step`): an int64-castable
    value, a tensor or a Variable (read each time a summary is written, also inside a traced
    function), or None."""
    state.step = step


def get_step():
    """The default step set by `set_step` or `as_default(step)`, or None."""
    return state.step


class record_if:  # noqa: N801 - TF's public name
    """Record summaries only where `condition` holds (TF's `tf.summary.record_if`), as a context manager.

    `condition` is a bool, a bool tensor, or a callable returning either; a callable is called at each
    summary. Inside a traced function a symbolic condition is decided when the summary's node runs.
    Nested conditions replace the outer one, as in TF.
    """

    def __init__(self, condition):
        self._condition = condition

    def __enter__(self):
        state.conditions.append(self._condition)
        return self

    def __exit__(self, *exc_info):
        state.conditions.pop()
        return False
