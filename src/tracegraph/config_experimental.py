"""`tg.config.experimental`: switches that TF keeps under `tf.config.experimental`, AutoGraph's,
and tiered execution's."""
from .config_state import flags

__all__ = ["enable_autograph", "autograph_enabled", "set_tiered_execution", "tiered_execution_enabled"]

_tiered_execution = True


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


def set_tiered_execution(enabled):
    """Let new concrete functions answer at once (True, the default) or wait for the compiler (False).

    On, the first calls of a new trace on a compiling CPU backend (Numba) run
    the graph on NumPy's plan (tier 0) while its kernels compile on a background
    thread; the compiled plan (tier 1) replaces it when ready. The tiers agree
    within the kernels' documented accuracy, not bit for bit. Off, the first call
    compiles (or loads from the disk cache) and every call runs the compiled plan.
    `tg.function(..., experimental_tiered_execution=False)` does the same for one function.
    """
    global _tiered_execution
    _tiered_execution = bool(enabled)


def tiered_execution_enabled():
    """Whether `set_tiered_execution(False)` is not in force."""
    return _tiered_execution
