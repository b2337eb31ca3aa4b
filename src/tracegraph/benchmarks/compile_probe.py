"""Compile time, cold and warm, each measured in a new process.

Cold: a process with an empty kernel cache (a fresh temporary
`TRACEGRAPH_CACHE_DIR`) traces, optimizes, compiles and calls the function
once. Warm: a second process with that cache populated does the same; for
the Numba backend it loads the compiled kernels instead of compiling them.
Both start numba (import it and compile a trivial function: a one-time
cost of any process's first numba compilation or cache load, 1-2 s here)
before the clock starts, and report that separately, so the figures are
about tracegraph's work.

The child process runs `main`, which prints one JSON object.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

import tracegraph
import tracegraph_backends

from .workloads import get_workload

__all__ = ["measure_compile_times", "probe", "main"]


def probe(workload_name, size, backend):
    """In this process: trace, compile and call `workload_name` once on `backend`; the stage times."""
    import numpy as np  # noqa: PLC0415

    workload = get_workload(workload_name)
    numba_startup_s = _start_numba() if backend == "numba" else 0.0
    inputs = workload.inputs(size, np.random.default_rng(0))
    start = time.perf_counter()
    implementation = workload.tracegraph(inputs, backend)
    ready = time.perf_counter()
    implementation.call()
    first = time.perf_counter()
    implementation.call()
    second = time.perf_counter()
    return {
        "trace_s": implementation.stages.get("trace_s", 0.0),
        "compile_s": implementation.stages.get("compile_s", 0.0),
        "setup_s": ready - start,
        "first_call_s": first - ready,
        "total_s": first - start,
        "second_call_s": second - first,
        "numba_startup_s": numba_startup_s,
    }


def _start_numba():
    """Seconds to import numba and compile a trivial function: numba's one-time start-up, paid by
    the first compilation (or cache load) in a process, whichever kernels it is for."""
    start = time.perf_counter()
    import numba  # noqa: PLC0415

    @numba.njit(cache=False)
    def _increment(x):
        return x + 1
    _increment(1.0)
    return time.perf_counter() - start


def measure_compile_times(workloads, backends, progress=None):
    """For each workload and backend, the cold and the warm process's stage times (a list of rows)."""
    rows = []
    for workload in workloads:
        for backend in backends:
            if progress:
                progress(f"compile time: {workload.name} on {backend}")
            rows.append(_cold_and_warm(workload, backend))
    return rows


def _cold_and_warm(workload, backend):
    row = {"workload": workload.name, "size": workload.probe_size,
           "size_label": workload.size_label(workload.probe_size), "backend": backend}
    with tempfile.TemporaryDirectory(prefix="tracegraph-bench-cache-") as cache:
        try:
            row["cold"] = _run_child(workload.name, workload.probe_size, backend, cache)
            row["warm"] = _run_child(workload.name, workload.probe_size, backend, cache)
        except RuntimeError as error:
            row["error"] = str(error)
            return row
    row["cold_s"] = row["cold"]["total_s"]
    row["warm_s"] = row["warm"]["total_s"]
    row["cold_over_warm"] = row["cold_s"] / row["warm_s"] if row["warm_s"] > 0 else None
    return row


def _run_child(workload_name, size, backend, cache):
    # `-c` rather than `-m`: the package already imports this module, which `-m` would run twice
    command = [sys.executable, "-c", "import sys; from tracegraph.benchmarks.compile_probe import main; "
               "main(sys.argv[1:])", workload_name, str(size), backend]
    started = time.perf_counter()
    completed = subprocess.run(command, env=_child_environment(cache), capture_output=True, text=True,
                               timeout=600, check=False)
    wall = time.perf_counter() - started
    if completed.returncode != 0:
        lines = (completed.stderr or completed.stdout).strip().splitlines()
        raise RuntimeError(f"the probe process failed: {lines[-1] if lines else completed.returncode}")
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    result["process_s"] = wall
    return result


def _child_environment(cache):
    """This environment with its own kernel cache, and tracegraph importable as it is here."""
    env = dict(os.environ, TRACEGRAPH_CACHE_DIR=cache)
    env.pop("NUMBA_CACHE_DIR", None)   # numba must cache beside the kernel modules, inside `cache`
    roots = {os.path.dirname(os.path.dirname(os.path.abspath(m.__file__))) for m in (tracegraph, tracegraph_backends)}
    env["PYTHONPATH"] = os.pathsep.join([*sorted(roots), *filter(None, [env.get("PYTHONPATH")])])
    return env


def main(argv):
    """The child process: `main([workload, size, backend])` prints the probe's stage times as JSON."""
    workload_name, size, backend = argv
    print(json.dumps(probe(workload_name, int(size), backend)))
