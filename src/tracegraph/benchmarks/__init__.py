"""tracegraph's benchmarks: the workloads and the runner behind `tracegraph bench`.

Every row is a median time and a ratio against NumPy eager measured in the
same run, after a first call whose result is checked against NumPy. Usage
from Python::

    from tracegraph import benchmarks
    report = benchmarks.run_benchmarks(benchmarks.WORKLOADS, quick=True)
    print(benchmarks.format_report(report))
"""
from .elementwise import CHAIN10, GELU_TANH, MSE, SCALED_ELU
from .mlp import MLP_STEP
from .report import format_report, report_to_json
from .runner import run_benchmarks

__all__ = ["WORKLOADS", "get_workload", "run_benchmarks", "format_report", "report_to_json"]

#: Every workload, in the order the table shows them.
WORKLOADS = (SCALED_ELU, GELU_TANH, CHAIN10, MSE, MLP_STEP)


def get_workload(name):
    """The workload called `name` (ValueError naming the known ones otherwise)."""
    for workload in WORKLOADS:
        if workload.name == name:
            return workload
    raise ValueError(f"unknown workload {name!r}; known: {', '.join(w.name for w in WORKLOADS)}")
