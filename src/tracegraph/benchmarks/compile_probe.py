"""Compile time, cold and warm, each measured in a new process.

Cold: a process with an empty kernel cache (a fresh temporary
`TRACEGRAPH_CACHE_DIR`) traces, optimizes, compiles and calls the function
once. Warm: a second process with that cache populated does the same; for
the Numba backend it loads the compiled kernels instead of compiling them.
Both start numba (import it and compile a trivial function: a one-time
cost of any process's first numba compilation or cache load, 1-2 s here)
before the clock starts, and report that separately, so the figures are
about tracegraph's work.

Tiered execution (Numba only): two more new processes, cold and warm again, start nothing
ahead and call the function as a user does (`probe_tiered`): time to first result is from
before tracing to the end of the first call (NumPy's plan, tier 0, while the kernels compile
on a background thread); time to full speed is until the end of the first call on the compiled
plan (tier 1), the function being called in a loop meanwhile. `tiering_table` renders them.

The child process runs `main`, which prints one JSON object.
"""
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time

import tracegraph
import tracegraph_backends

from .workloads import get_workload

__all__ = ["measure_compile_times", "probe", "probe_tiered", "tiering_table", "main", "TIERED_SIZES"]

#: Element counts of the tiered probe per workload (the issue's figure: scaled_elu on 1000 x 1000).
TIERED_SIZES = {"scaled_elu": 10**6}


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


def probe_tiered(workload_name, size, backend):
    """In this process, nothing started ahead: time to the first result and to full speed with
    tiered execution (on, as users get it), and the steady call time after."""
    import numpy as np  # noqa: PLC0415
    from ..trace import ConcreteFunction, tiering  # noqa: PLC0415 - the child process's own work

    workload = get_workload(workload_name)
    inputs = workload.inputs(size, np.random.default_rng(0))
    start = time.perf_counter()
    with _no_compile_ahead(ConcreteFunction):   # (the bench harness compiles ahead; a user does not)
        implementation = workload.tracegraph(inputs, backend)
    implementation.call()
    first = time.perf_counter()
    tier0_calls = 1
    while True:
        compiling = tiering.busy()
        implementation.call()
        if not compiling:
            break
        tier0_calls += 1
    full = time.perf_counter()
    steady = []
    for _ in range(5):
        call_start = time.perf_counter()
        implementation.call()
        steady.append(time.perf_counter() - call_start)
    return {"first_result_s": first - start, "full_speed_s": full - start, "tier0_calls": tier0_calls,
            "steady_call_s": sorted(steady)[len(steady) // 2]}


@contextlib.contextmanager
def _no_compile_ahead(concrete_class):
    """`ConcreteFunction.compile` does nothing meanwhile, so the first call compiles as a user's would."""
    compile_now = concrete_class.compile
    concrete_class.compile = lambda self: None
    try:
        yield
    finally:
        concrete_class.compile = compile_now


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
    if backend == "numba":
        row.update(_tiered_cold_and_warm(workload, backend))
    return row


def _tiered_cold_and_warm(workload, backend):
    """The tiered probe in a process with an empty kernel cache, then in one with it populated."""
    size = TIERED_SIZES.get(workload.name, workload.probe_size)
    with tempfile.TemporaryDirectory(prefix="tracegraph-bench-cache-") as cache:
        try:
            return {"tiered_size_label": workload.size_label(size),
                    "tiered_cold": _run_child(workload.name, size, backend, cache, tiered=True),
                    "tiered_warm": _run_child(workload.name, size, backend, cache, tiered=True)}
        except RuntimeError as error:
            return {"tiered_error": str(error)}


def tiering_table(compile_rows):
    """The tiered probes of `compile_rows` as text lines (empty if none ran)."""
    lines = []
    for row in compile_rows:
        if row.get("tiered_error"):
            lines.append(f"  {row['workload']} on {row['backend']}: failed: {row['tiered_error']}")
        elif "tiered_cold" in row:
            for label in ("cold", "warm"):
                probe_row = row[f"tiered_{label}"]
                lines.append(f"  {row['workload']:<12} {row['tiered_size_label']:>6} {row['backend']:<6} {label}: "
                             f"first result {probe_row['first_result_s'] * 1e3:7.1f} ms, full speed "
                             f"{probe_row['full_speed_s']:6.3f} s (after {probe_row['tier0_calls']} calls on "
                             f"NumPy's plan), then {probe_row['steady_call_s'] * 1e3:.2f} ms per call")
    if not lines:
        return ""
    return "\n".join(["Tiered execution, each in a new process: time to first result (trace + first call on "
                      "NumPy's plan)\nand to full speed (the first call on the compiled plan, calling in a "
                      "loop meanwhile).", *lines])


def _run_child(workload_name, size, backend, cache, tiered=False):
    # `-c` rather than `-m`: the package already imports this module, which `-m` would run twice
    command = [sys.executable, "-c", "import sys; from tracegraph.benchmarks.compile_probe import main; "
               "main(sys.argv[1:])", workload_name, str(size), backend] + (["tiered"] if tiered else [])
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
    """The child process: `main([workload, size, backend])` prints the probe's stage times as JSON;
    `main([workload, size, backend, "tiered"])` the tiered probe's."""
    workload_name, size, backend = argv[:3]
    measure = probe_tiered if argv[3:] == ["tiered"] else probe
    print(json.dumps(measure(workload_name, int(size), backend)))
