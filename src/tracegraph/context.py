"""Per-thread execution state: the graph being traced, the active tapes, the device.

Kept in one small object so the dispatch hot path reads plain attributes.
"""
import threading

__all__ = ["state", "executing_eagerly"]


class _State(threading.local):
    def __init__(self):
        super().__init__()
        self.graph = None          # the innermost graph being traced, or None when eager
        self.tapes = []            # GradientTapes recording in the current scope (innermost last)
        self.device = None         # the device spec of the innermost `tg.device` context
        self.backend = None        # a backend name forced by `tg.config.set_backend`, or None


state = _State()


def executing_eagerly():
    """Whether ops run at once (True) or are being traced into a graph by `tg.function` (False),
    as TF's `tf.executing_eagerly`: True outside functions, inside `tg.init_scope`, and in
    functions run with `tg.config.run_functions_eagerly(True)`."""
    return state.graph is None
