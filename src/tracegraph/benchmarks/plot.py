"""`tracegraph bench --plot FILE`: speed-up over NumPy eager against size, one panel per workload.

Each line is an implementation (a backend's `tg.function`, tracegraph eager, a peer); each point
is the ratio the report's table prints (NumPy eager's median time / the row's, from the same run).
Needs matplotlib (the `plot` extra), imported only here.
"""
__all__ = ["plot_report"]


def plot_report(report, path):
    """Draw `report`'s ratios to `path` (the format from its extension: .png, .svg, .pdf)."""
    # optional (the plot extra) and heavy: only when plotting. A bare Figure needs no GUI backend and
    # leaves the caller's pyplot state (and its backend) alone.
    from matplotlib.figure import Figure  # noqa: PLC0415

    workloads = list(dict.fromkeys(r["workload"] for r in report["results"]))
    if not workloads:
        raise ValueError("the report has no timings to plot")
    columns = min(3, len(workloads))
    rows = -(-len(workloads) // columns)
    figure = Figure(figsize=(5 * columns, 3.6 * rows))
    axes = figure.subplots(rows, columns, squeeze=False)
    for ax, workload in zip(axes.flat, workloads):
        _plot_workload(ax, [r for r in report["results"] if r["workload"] == workload], workload)
    for ax in list(axes.flat)[len(workloads):]:
        ax.set_visible(False)
    figure.suptitle(f"tracegraph bench ({report['machine']['date_utc']}): speed-up over NumPy eager")
    figure.tight_layout()
    figure.savefig(path, dpi=120)


def _plot_workload(ax, results, workload):
    for implementation in dict.fromkeys(r["implementation"] for r in results):
        points = sorted((r["size"], r["ratio"]) for r in results if r["implementation"] == implementation)
        ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=implementation)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.axhline(1.0, color="grey", linewidth=0.8, linestyle=":")
    ax.set_title(workload)
    ax.set_xlabel("size (elements, or batch)")
    ax.set_ylabel("speed-up over NumPy eager")
    ax.legend(fontsize="x-small")
