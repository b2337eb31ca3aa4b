"""Loaded functions answer at once: their compiled plans are started at load time.

In a fresh process the first call of a loaded model would otherwise wait for the compiling backend
to start (importing numba alone takes ~0.3 s) and to read its kernels from the disk cache. `load`
queues every loaded function's compile with tiered execution (`trace/tiering.py`) right away, not
at its first call: a call made before its plan is ready runs the graph on NumPy's plan (the
reference implementation: the same results up to the kernels' documented accuracy), and that call's
inputs are what the compiled plan warms its kernels up on. Where tiered execution does not apply
(turned off, the NumPy backend, a device backend such as CuPy) the first call compiles as usual.
"""
from ..trace import tiering

__all__ = ["start_compiling"]


def start_compiling(functions):
    """Queue the background compile of each loaded ConcreteFunction that tiers up; returns how many."""
    started = [function for function in functions if tiering.tiers_up(function)]
    for function in started:
        tiering.start(function)
    return len(started)
