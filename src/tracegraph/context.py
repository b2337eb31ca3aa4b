"""Per-thread execution state: the graph being traced, the active tapes, the device.

Kept in one small object so the dispatch hot path reads plain attributes.
"""
import threading

__all__ = ["state"]


class _State(threading.local):
    def __init__(self):
        super().__init__()
        self.graph = None          # the innermost graph being traced, or None when eager
        self.tapes = []            # GradientTapes recording in the current scope (innermost last)
        self.device = None         # the device spec of the innermost `tg.device` context
        self.backend = None        # a backend name forced by `tg.config.set_backend`, or None


state = _State()
