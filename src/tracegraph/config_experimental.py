"""`tg.config.experimental`: switches that TF keeps under `tf.config.experimental`, and AutoGraph's."""
from .config_state import flags

__all__ = ["enable_autograph", "autograph_enabled"]


def enable_autograph(enabled):
    """Turn AutoGraph's source conversion on (the default) or off for every `tg.function`.

    Off, a traced function runs its Python code as written: a Python `if` or
    `while` on a tensor then cannot be traced (the function falls back to eager
    with a warning). `tg.function(autograph=False)` does the same for one function.
    TF has no such global switch (only the per-function argument); it is here for debugging.
    """
    flags.autograph = bool(enabled)


def autograph_enabled():
    """Whether `enable_autograph(False)` is not in force."""
    return flags.autograph
