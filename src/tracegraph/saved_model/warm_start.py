"""Loaded functions answer at once: until the compiling backend's plan is ready, calls run NumPy's.

In a fresh process the first call of a loaded model would otherwise wait for the compiling backend
to start (importing numba alone takes ~0.1 s) and to read its kernels from the disk cache.
`load` hands every loaded function to one background thread that compiles it for the default
backend; a call made before that plan is ready runs the graph through the NumPy backend's plan
(the reference implementation: the same results, up to floating-point rounding), and every call
after it uses the compiled plan. Only backends that work on NumPy arrays (numba) warm up this way;
on NumPy itself, or on a device backend (CuPy), the first call compiles as usual. A function
given its own `backend=` never gets here: loaded functions use the default backend.
"""
import threading

import numpy as np

from ..backend import default_backend_name, get_backend
from ..trace import ConcreteFunction

__all__ = ["LoadedConcreteFunction", "start_compiling"]


class LoadedConcreteFunction(ConcreteFunction):
    """A ConcreteFunction that runs on NumPy's plan while its own plan compiles in the background."""

    _warming = False    # True while the background thread may still set `_plan`
    _interim = None     # the NumPy plan used meanwhile

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_warming", None)
        state.pop("_interim", None)
        return state

    def compile(self):
        """The compiled plan if ready; while it is being compiled, NumPy's plan (made on first need)."""
        if self._plan is not None or not self._warming:
            return super().compile()
        interim = self._interim
        if interim is None:
            interim = self._interim = get_backend("numpy").compile(self.optimized_graph)
        return interim


def start_compiling(functions):
    """Compile `functions` (LoadedConcreteFunctions) for the default backend on a background thread."""
    backend = get_backend(default_backend_name())
    if backend.name == "numpy" or backend.xp() is not np or not functions:
        return None
    for function in functions:
        function._warming = True
    thread = threading.Thread(target=_compile_all, args=(functions, backend), daemon=True,
                              name="tracegraph-saved-model-compile")
    thread.start()
    return thread


def _compile_all(functions, backend):
    """Set each function's plan; on any failure stop, so the next call compiles (and reports) it itself."""
    try:
        for function in functions:
            plan = backend.compile(function.optimized_graph)
            with function._compile_lock:
                if function._plan is None:
                    function._plan = plan
    except Exception:  # noqa: BLE001 - the call that compiles on its own thread raises it to the user
        pass
    finally:
        for function in functions:
            function._warming = False
            function._interim = None
