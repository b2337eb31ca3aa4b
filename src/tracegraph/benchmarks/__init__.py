"""tracegraph's benchmarks: the workloads and the runner behind `tracegraph bench`.

Every row is a median time and a ratio against NumPy eager measured in the
same run, after a first call whose result is checked against NumPy. Usage
from Python::

    from tracegraph import benchmarks
    report = benchmarks.run_benchmarks(benchmarks.WORKLOADS, quick=True)
    print(benchmarks.format_report(report))
"""
from .plot import plot_report
from .report import format_report, report_to_json
from .runner import run_benchmarks
from .workloads import WORKLOADS, get_workload

__all__ = ["WORKLOADS", "get_workload", "run_benchmarks", "format_report", "report_to_json", "plot_report"]
