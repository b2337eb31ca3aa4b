"""Global switches set through `tg.config` (kept apart so any module may read them)."""

__all__ = ["flags"]


class _Flags:
    def __init__(self):
        self.run_functions_eagerly = False
        self.explain_gradients = False
        self.autograph = True  # tg.config.experimental.enable_autograph


flags = _Flags()
