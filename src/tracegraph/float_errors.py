"""Running NumPy code with floating-point errors ignored, as TF does (log(0) is -inf, silently).

`np.errstate(all="ignore")` costs about 1.3 us per use, as much as the rest of
a cached function call; setting NumPy's error-state context variable directly
costs a quarter of that. Where that private variable does not exist (another
NumPy version), `np.errstate` is used.
"""
import numpy as np

__all__ = ["call_ignoring_float_errors", "ERROR_STATE", "IGNORING"]

try:
    from numpy._core._ufunc_config import _extobj_contextvar as ERROR_STATE
except ImportError:  # pragma: no cover - depends on NumPy's internals
    ERROR_STATE = None

#: NumPy's error-state context variable (None on a NumPy without it) and its "ignore all" value: the
#: eager fast path (core/dispatch.py) sets and resets it inline, saving a call per op.
IGNORING = None

if ERROR_STATE is not None:
    with np.errstate(all="ignore"):
        IGNORING = ERROR_STATE.get()

    def call_ignoring_float_errors(fn, *args, **kwargs):
        """`fn(*args, **kwargs)` with NumPy's floating-point error handling set to "ignore"."""
        token = ERROR_STATE.set(IGNORING)
        try:
            return fn(*args, **kwargs)
        finally:
            ERROR_STATE.reset(token)
else:  # pragma: no cover
    def call_ignoring_float_errors(fn, *args, **kwargs):
        """`fn(*args, **kwargs)` with NumPy's floating-point error handling set to "ignore"."""
        with np.errstate(all="ignore"):
            return fn(*args, **kwargs)
