"""The benchmark report as a readable table (for people) or JSON (for machines); same data."""
import json

from .compile_probe import tiering_table

__all__ = ["format_report", "report_to_json", "format_seconds"]

_TIMING_COLUMNS = (("workload", "<"), ("size", "<"), ("implementation", "<"), ("median", ">"),
                   ("ratio", ">"), ("min", ">"), ("n", ">"), ("check", "<"))
_COMPILE_COLUMNS = (("workload", "<"), ("size", "<"), ("backend", "<"), ("cold", ">"), ("warm", ">"),
                    ("cold/warm", ">"), ("trace", ">"), ("plan", ">"), ("1st call cold", ">"),
                    ("1st call warm", ">"), ("numba start-up", ">"))


def report_to_json(report):
    """The report as indented JSON text."""
    return json.dumps(report, indent=2, sort_keys=False, default=str)


def format_report(report):
    """The report as text: a header about the machine, the timing table, compile times, notes."""
    sections = [_header(report), _timing_table(report["results"])]
    if report.get("compile"):
        sections.append(_compile_table(report["compile"]))
    if report.get("notes"):
        sections.append("Notes:\n" + "\n".join(f"- {note}" for note in dict.fromkeys(report["notes"])))
    return "\n\n".join(sections) + "\n"


def format_seconds(seconds):
    """A duration with a unit a person reads at a glance: 812 ns, 12.3 us, 4.56 ms, 1.23 s."""
    if seconds is None:
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            value = seconds / scale
            return f"{value:.3g} {unit}" if value < 100 else f"{value:.0f} {unit}"
    return f"{seconds * 1e9:.0f} ns"


def _header(report):
    machine, settings = report["machine"], report["settings"]
    numba = (f"Numba {machine['numba']} ({machine['numba_threads']} threads)" if machine.get("numba")
             else "Numba not installed")
    flags = "".join(f" --{name}" for name in ("quick", "peers") if settings.get(name))
    lines = [
        f"tracegraph bench{flags}  ({machine['date_utc']})",
        f"machine:  {machine['processor']}, {machine['usable_cores']} of {machine['cores']} cores usable, "
        f"{machine['platform']}",
        f"software: Python {machine['python']}, NumPy {machine['numpy']}, {numba}, "
        f"tracegraph {machine['tracegraph']}",
        f"load:     {machine.get('load_average_start')} at start, {machine.get('load_average_end')} at end "
        f"(1-minute load average; above {machine['cores']} the cores are shared and timings are noisy)",
        "ratio:    NumPy-eager median time / this row's median time, both from this run; > 1 is faster "
        "than NumPy",
        f"timing:   median (and min) of n repeats ({settings['repeats']}) after a checked first call and "
        f"warm-up calls (10% of the row's time);\n          {settings['timer']}; {settings['dtype']} inputs made once; NumPy eager "
        f"makes fresh outputs",
    ]
    if machine.get("environment"):
        lines.append("env:      " + ", ".join(f"{k}={v}" for k, v in machine["environment"].items()))
    return "\n".join(lines)


def _timing_table(results):
    rows, previous = [], None
    for result in results:
        case = (result["workload"], result["size_label"])
        check = "ok" if result["matches"] else f"MISMATCH: {result.get('mismatch', '')}"
        if result.get("note"):
            check += f" ({result['note']})"
        rows.append([case[0] if case != previous else "", case[1] if case != previous else "",
                     result["implementation"], format_seconds(result["median_s"]),
                     f"{result['ratio']:.2f}x", format_seconds(result["min_s"]), str(result["repeats"]), check])
        previous = case
    return _render_table(_TIMING_COLUMNS, rows, group_breaks=_group_breaks(results))


def _group_breaks(results):
    """Row indices where a new workload starts (a blank line before them reads better)."""
    breaks, previous = set(), None
    for i, result in enumerate(results):
        if previous is not None and result["workload"] != previous:
            breaks.add(i)
        previous = result["workload"]
    return breaks


def _compile_table(compile_rows):
    rows, errors = [], []
    for row in compile_rows:
        if row.get("error"):
            errors.append(f"{row['workload']} on {row['backend']}: {row['error']}")
            continue
        cold, warm = row["cold"], row["warm"]
        rows.append([row["workload"], row["size_label"], row["backend"], format_seconds(row["cold_s"]),
                     format_seconds(row["warm_s"]), f"{row['cold_over_warm']:.1f}x",
                     format_seconds(cold["trace_s"]), format_seconds(cold["compile_s"]),
                     format_seconds(cold["first_call_s"]), format_seconds(warm["first_call_s"]),
                     format_seconds(warm["numba_startup_s"]) if warm["numba_startup_s"] else "-"])
    title = ("Compile time, each in a new process: trace + optimize + plan + first call.\n"
             "cold = an empty kernel cache (a fresh TRACEGRAPH_CACHE_DIR); warm = a second process with that "
             "cache populated.\ntrace and plan are the cold process's; the first call is where the Numba "
             "backend compiles or loads its kernels.\nnumba start-up (import numba + its first compilation, "
             "a one-time cost of any process using numba) runs before\nthe clock and is not included; "
             "add it for what a new process pays in all.")
    text = title + "\n\n" + _render_table(_COMPILE_COLUMNS, rows) if rows else title + "\n(no rows)"
    if errors:
        text += "\n" + "\n".join(f"failed: {e}" for e in errors)
    tiered = tiering_table(compile_rows)
    return text + "\n\n" + tiered if tiered else text


def _render_table(columns, rows, group_breaks=()):
    widths = [max([len(name)] + [len(row[i]) for row in rows]) for i, (name, _) in enumerate(columns)]
    last = len(columns) - 1

    def line(cells):
        parts = [cell.ljust(w) if align == "<" else cell.rjust(w)
                 for cell, w, (_, align) in zip(cells, widths, columns)]
        parts[last] = cells[last]   # no padding after the last column
        return "  ".join(parts).rstrip()

    out = [line([name for name, _ in columns]), line(["-" * w for w in widths])]
    for i, row in enumerate(rows):
        if i in group_breaks:
            out.append("")
        out.append(line(row))
    return "\n".join(out)
