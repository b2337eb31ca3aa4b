"""Running the benchmark: every workload, size and implementation, checked, then timed.

For one workload and size, the inputs are made once. The NumPy-eager baseline
runs first; its result (or the workload's exact reference) is what every other
implementation must reproduce on its first call, which also warms it up
(tracing, compiling, loading kernels). Then each implementation is timed and
its ratio to the baseline's median from this same run is recorded.
"""
import gc
import time

import numpy as np

from tracegraph.backend import available_backends, get_backend

from . import peers as peer_libraries
from .base import compare_results
from .compile_probe import measure_compile_times
from .machine import load_average, machine_info
from .timing import TimingPolicy, measure

__all__ = ["run_benchmarks", "FULL", "QUICK", "RATIO_DEFINITION"]

FULL = TimingPolicy(budget_s=1.0, min_repeats=5, max_repeats=200)
QUICK = TimingPolicy(budget_s=0.15, min_repeats=3, max_repeats=50)

#: With --quick, compile times are measured for these only (each costs two new processes).
QUICK_COMPILE_WORKLOADS = ("scaled_elu", "mlp_step")

RATIO_DEFINITION = ("ratio = NumPy-eager median time / this row's median time, both measured in this run "
                    "(> 1 means faster than NumPy)")


def run_benchmarks(workloads, *, quick=False, peers=False, size=None, repeats=None, compile_times=True,
                   backends=None, seed=0, progress=None):
    """Benchmark `workloads` (Workload objects); returns the report as plain data (see `report.py`).

    `size` replaces every workload's sizes; `repeats` fixes the repeat count;
    `compile_times=False` skips the cold/warm compile measurement (two new
    processes per workload and backend); `backends` limits the traced rows to
    those backends (default: every backend available here).
    """
    policy = TimingPolicy(fixed_repeats=repeats) if repeats else (QUICK if quick else FULL)
    report = {
        "machine": machine_info(),
        "settings": {"quick": quick, "peers": peers, "seed": seed, "timer": "time.perf_counter",
                     "statistic": "median", "dtype": "float32", "ratio": RATIO_DEFINITION,
                     "repeats": repeats or f"adaptive: ~{policy.budget_s} s per row, "
                                           f"{policy.min_repeats} to {policy.max_repeats}"},
        "results": [],
        "compile": [],
        "notes": [],
    }
    available = traced_backends()
    unknown = [b for b in backends or () if b not in available]
    if unknown:
        raise ValueError(f"backend(s) {', '.join(unknown)} not available here; "
                         f"available: {', '.join(available)}")
    backends = [b for b in available if backends is None or b in backends]
    if not any(_device_type(name) == "GPU" for name in available):
        report["notes"].append("no usable GPU here: the CuPy backend's rows are omitted")
    modules = {}
    if peers:
        modules, notes = peer_libraries.import_peers()
        report["notes"].extend(notes)
    for workload in workloads:
        report["notes"].extend(workload.notes())
        for case_size in (size,) if size else (workload.quick_sizes if quick else workload.sizes):
            rows, notes = run_case(workload, case_size, backends, modules, policy, seed, progress)
            report["results"].extend(rows)
            report["notes"].extend(notes)
    if compile_times:
        probed = [w for w in workloads if w.name in QUICK_COMPILE_WORKLOADS] if quick else list(workloads)
        compile_backends = ["numba"] if quick else [b for b in backends if _device_type(b) == "CPU"]
        compile_backends = [b for b in compile_backends if b in backends]
        report["compile"] = measure_compile_times(probed or list(workloads[:1]), compile_backends, progress)
    report["machine"]["load_average_end"] = load_average()
    return report


def traced_backends():
    """The backends available here: CPU ones first (numpy, the reference, leading), then GPU ones."""
    order = {"numpy": 0, "numba": 1}
    return sorted(available_backends(), key=lambda name: (_device_type(name) != "CPU", order.get(name, 2), name))


def _device_type(name):
    return get_backend(name).device_type


def run_case(workload, size, backends, modules, policy, seed, progress):
    """([rows], [notes]) for one workload at one size."""
    _settle()
    inputs = workload.inputs(size, np.random.default_rng(seed))
    label = f"{workload.name} {workload.size_label(size)}"
    # the reference comes from its own baseline instance: implementations with state (the MLP's
    # parameters) must all start their checked first call from the same values
    first_baseline = workload.numpy(inputs)
    expected = workload.reference(inputs, first_baseline.result_arrays(first_baseline.call()))
    del first_baseline
    baseline = workload.numpy(inputs)
    factories = [lambda: workload.tracegraph(inputs, None)]
    factories += [lambda b=b: workload.tracegraph(inputs, b) for b in backends]
    notes = []
    rows = [_measure_row(workload, size, baseline, expected, policy, None, progress, label)]
    numpy_median = rows[0]["median_s"]
    for factory in factories:
        try:
            implementation = factory()
        except Exception as error:  # noqa: BLE001 - one broken backend must not hide the others
            notes.append(f"{label}: an implementation could not be set up ({type(error).__name__}: {error})")
            continue
        rows.append(_measure_row(workload, size, implementation, expected, policy, numpy_median,
                                 progress, label))
    if modules:
        implementations, peer_notes = peer_libraries.peer_implementations(workload, inputs, modules)
        notes.extend(peer_notes)
        for implementation in implementations:
            rows.append(_measure_row(workload, size, implementation, expected, policy, numpy_median,
                                     progress, label))
    for row in rows:
        if row.get("error"):
            notes.append(f"{label}: {row['implementation']} failed ({row['error']})")
    return [row for row in rows if not row.get("error")], notes


#: A pause before each workload and size, so the rows are not timed while the machine is still
#: busy with the previous case: right after the 1e7 rows had freed their arrays, the first row
#: of mlp_step at batch 32 took 103 us instead of 44 us.
SETTLE_S = 0.25


def _settle():
    gc.collect()
    time.sleep(SETTLE_S)


def _measure_row(workload, size, implementation, expected, policy, numpy_median, progress, label):
    if progress:
        progress(f"{label}: {implementation.name}")
    row = {"workload": workload.name, "size": size, "size_label": workload.size_label(size),
           "implementation": implementation.name, "kind": implementation.kind}
    try:
        first = implementation.result_arrays(implementation.call())
        matches, worst, message = compare_results(expected, first, workload.rtol, workload.atol)
        del first
        timing = measure(implementation.call, policy)
    except Exception as error:  # noqa: BLE001 - reported as a note, the run goes on
        row["error"] = f"{type(error).__name__}: {_first_line(error)}"
        return row
    row.update({
        "implementation": implementation.name,   # a peer may have changed it (torch.compile -> eager)
        "median_s": timing.median_s, "min_s": timing.min_s, "repeats": timing.repeats,
        "ratio": (numpy_median if numpy_median is not None else timing.median_s) / timing.median_s,
        "matches": matches, "max_abs_error": worst,
    })
    if message:
        row["mismatch"] = message
    if implementation.note:
        row["note"] = implementation.note
    if implementation.stages:
        row["stages"] = implementation.stages
    return row


def _first_line(error):
    lines = str(error).strip().splitlines()
    return lines[0][:160] if lines else ""
