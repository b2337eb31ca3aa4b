"""Tiered execution: a new concrete function answers at once while its compiled plan is built.

A compiling CPU backend (Numba) makes kernels on demand, and LLVM takes ~0.1-0.5 s per kernel
(importing numba alone ~0.3 s; loading a kernel from the disk cache ~0.05 s). So, as JIT virtual
machines tier up, the first calls of a concrete function run the optimized graph on NumPy's plan
(tier 0: no compiler, the reference implementation), while one background thread of the process
compiles the backend's plan (tier 1) and, for a graph without effects, runs it once on the inputs
of the first call so that its kernels are compiled (or loaded) for exactly those layouts. Then the
plan is published with one attribute store: a call reads the plan once, so calls in flight finish
on the plan they started with. A failure leaves tier 0 in place and warns once (`TieringWarning`).

A graph with effects (assignments, random streams, printing) is never run twice: its plan is
published compiled, and its first tier-1 call loads its kernels on the calling thread.
Saved models start their functions' compiles at load time (`start`, without inputs).
At exit, the worker takes no new job and the exit waits at most `EXIT_GRACE` seconds for the one
in flight (a thread killed inside LLVM's code could crash the process as it unloads).
"""
import atexit
import queue
import threading
import warnings
import weakref

import numpy as np

from .. import config_experimental
from ..backend import get_backend
from ..float_errors import call_ignoring_float_errors

__all__ = ["TieringWarning", "tiers_up", "backend_tiers_up", "start", "prepare", "submit", "offer_inputs", "wait", "busy",
           "EXIT_GRACE"]

#: Seconds the process's exit waits for a compile in flight.
EXIT_GRACE = 2.0
#: Ops with effects that running a plan twice does not repeat harmfully (a read, a check).
_HARMLESS_EFFECTS = frozenset({"read_variable", "assert"})


class TieringWarning(UserWarning):
    """A function's compiled plan could not be made: it keeps running NumPy's plan."""


def tiers_up(function):
    """Whether `function` (a ConcreteFunction) runs its first calls on tier 0 while it compiles:
    tiering is on for it, and its backend compiles for NumPy arrays (Numba, not NumPy or CuPy)."""
    option = function._tiered
    if not (config_experimental.tiered_execution_enabled() if option is None else option):
        return False
    return backend_tiers_up(function.backend)


def backend_tiers_up(backend):
    """Whether `backend` compiles plans for NumPy arrays, so NumPy's plan can stand in while it compiles."""
    return backend.name != "numpy" and backend.xp() is np


_start_lock = threading.Lock()


def start(function, arrays=None):
    """Give `function` its tier-0 plan and queue its compile (once); returns the tier-0 plan.

    `arrays` are what the compiled plan warms up on; a compile queued without them (a saved
    model's, at load) takes those of a call made before it runs.
    """
    tier0 = prepare(function, arrays)
    submit(function)
    return tier0


def prepare(function, arrays=None):
    """Give `function` its tier-0 plan and a compile job (once), queued by `submit`; returns the plan."""
    with _start_lock:
        if function._tier0 is None:
            graph = function.optimized_graph
            tier0 = get_backend("numpy").compile(graph)
            function._warm_inputs = arrays
            function._tiered_up = threading.Event()
            function._tier_job = _Job(function, function.backend, graph)
            function._tier0 = tier0  # last: a call seeing it finds the rest in place
        else:
            offer_inputs(function, arrays)
    return function._tier0


def submit(function):
    """Queue `function`'s prepared compile job on the worker thread, unless queued before."""
    job = function._tier_job
    if job is not None:
        with _start_lock:
            if function._tier_job is job:
                function._tier_job = None
                _submit(job)


def offer_inputs(function, arrays):
    """Let a compile queued without inputs warm up on `arrays` (a call's) if it has not ended."""
    if function._warm_inputs is None and arrays is not None and not function._tiered_up.is_set():
        function._warm_inputs = arrays


def wait(function, timeout=None):
    """Wait until `function`'s background compile has ended (True) or `timeout` passed (False)."""
    event = function._tiered_up
    return True if event is None else event.wait(timeout)


class _Job:
    """Compiling one function's plan, warming it up, and publishing it. It holds the function
    weakly: a function dropped before its compile runs is not compiled."""

    def __init__(self, function, backend, graph):
        self.function, self.backend, self.graph = weakref.ref(function), backend, graph

    def skip(self):
        """Not compiled (the process is exiting): the function stays on tier 0."""
        function = self.function()
        if function is not None:
            function._tiered_up.set()

    def __call__(self):
        function = self.function()
        if function is None:
            return
        try:
            with function._compile_lock:
                if function._plan is None:
                    plan = self.backend.compile(self.graph)
                    arrays = function._warm_inputs
                    if arrays is not None and _without_effects(self.graph):
                        _warm_up(plan, function._tier0, arrays)
                    function._plan = plan
        except Exception as error:  # noqa: BLE001 - tier 0 keeps running; the reason is reported
            warnings.warn(f"{function.name}: its {self.backend.name} plan could not be compiled "
                          f"({type(error).__name__}: {error}); it keeps running on NumPy's plan",
                          TieringWarning, stacklevel=1)
        finally:
            function._warm_inputs = None
            function._tiered_up.set()


def _without_effects(graph):
    return not any(node.op.stateful and node.op.name not in _HARMLESS_EFFECTS for node in graph.all_nodes())


def _warm_up(plan, tier0, arrays):
    """Run `plan` once on `arrays`, compiling its kernels for their layouts. An error there is
    the compiler's only if tier 0 computes the same inputs without one (else the inputs are bad,
    and the caller has had the error from tier 0)."""
    try:
        call_ignoring_float_errors(plan, list(arrays))
    except Exception:  # noqa: BLE001 - re-raised below unless tier 0 fails too
        try:
            call_ignoring_float_errors(tier0, list(arrays))
        except Exception:  # noqa: BLE001 - bad inputs: both tiers raise, the plan is fine
            return
        raise


# ----- the worker thread ------------------------------------------------------------------------

_jobs = queue.SimpleQueue()
_worker = None
_exiting = False
_pending = 0                      # jobs queued or running
_pending_changed = threading.Condition()


def busy():
    """Whether a background compile is queued or running (for measurements: time to full speed)."""
    return _pending > 0


def _submit(job):
    global _worker, _pending
    if _exiting:
        job.skip()
        return
    with _pending_changed:
        _pending += 1
    _jobs.put(job)
    if _worker is None:
        _worker = threading.Thread(target=_work, daemon=True, name="tracegraph-tiering")
        atexit.register(_at_exit)
        _worker.start()


def _work():
    global _pending
    while True:
        job = _jobs.get()
        if job is None:
            return
        try:
            if _exiting:
                job.skip()
            else:
                job()
        finally:
            del job  # (a dropped function's memory must not wait for the next job)
            with _pending_changed:
                _pending -= 1
                _pending_changed.notify_all()


def _at_exit():
    """No new job starts; the exit waits (boundedly) for the one in flight."""
    global _exiting
    _exiting = True
    _jobs.put(None)
    with _pending_changed:
        _pending_changed.wait_for(lambda: _pending == 0, EXIT_GRACE)
