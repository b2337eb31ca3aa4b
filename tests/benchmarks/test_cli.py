"""`tracegraph bench`: structure of the table and the JSON, and every workload's results against NumPy.

The workloads run at tiny sizes with one repeat. Nothing here asserts a time:
timings belong in the benchmark's output, never in pass/fail tests.
"""
import json
import subprocess
import sys

import numpy as np
import pytest

from tracegraph import benchmarks
from tracegraph.backend import available_backends
from tracegraph.benchmarks import peers
from tracegraph.benchmarks.base import compare_results, format_size, missing_op_notes
from tracegraph.benchmarks.compile_probe import measure_compile_times
from tracegraph.benchmarks.report import format_seconds
from tracegraph.cli import main

TINY = 64
CPU_BACKENDS = [b for b in ("numpy", "numba") if b in available_backends()]
#: The baseline rows not named "numpy eager": the MLP step by hand, the loops in plain Python.
BASELINES = {"mlp_step": "numpy by hand", "cnn_step": "numpy by hand", "fit_epoch": "numpy by hand",
             "ragged_column_sums": "numpy bincount of the columns", "collatz_steps": "python + numpy scalars",
             "accumulate": "python + numpy scalars", "word_lengths": "python str.split",
             "sparse_dense_matmul": "scipy.sparse coo -> csr @ dense",
             "ragged_row_sums": "numpy add.reduceat", "ragged_plus_one": "numpy values + 1",
             "data_pipeline": "numpy by hand"}


def run_json(capsys, *arguments):
    status = main(["bench", "--json", "--size", str(TINY), "--repeats", "1", "--no-compile-times", *arguments])
    assert status == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture(scope="module")
def tiny_report():
    """Every workload at the tiny size, on every CPU backend, one repeat (computed once for the module)."""
    return benchmarks.run_benchmarks(benchmarks.WORKLOADS, size=TINY, repeats=1, compile_times=False,
                                     backends=CPU_BACKENDS)


def test_every_workload_has_the_baseline_eager_and_one_row_per_backend(tiny_report):
    names = {w.name: [r["implementation"] for r in tiny_report["results"] if r["workload"] == w.name]
             for w in benchmarks.WORKLOADS}
    for workload, rows in names.items():
        baseline = BASELINES.get(workload, "numpy eager")
        expected = [baseline, "tracegraph eager"] + [f"tracegraph {b}" for b in CPU_BACKENDS]
        assert rows == expected, workload


@pytest.mark.parametrize("workload", [w.name for w in benchmarks.WORKLOADS])
def test_every_tracegraph_result_equals_the_numpy_reference(tiny_report, workload):
    rows = [r for r in tiny_report["results"] if r["workload"] == workload]
    assert rows
    for row in rows:
        assert row["matches"], f"{workload} / {row['implementation']}: {row.get('mismatch')}"


def test_rows_carry_times_ratios_and_repeat_counts(tiny_report):
    for row in tiny_report["results"]:
        assert row["repeats"] == 1
        assert row["median_s"] > 0 and row["min_s"] <= row["median_s"]
        assert row["size"] == TINY
        if row["kind"] == "numpy":
            assert row["ratio"] == 1.0
        else:
            assert row["ratio"] > 0
    traced = [r for r in tiny_report["results"] if r["implementation"].startswith("tracegraph ")
              and r["implementation"] != "tracegraph eager"]
    assert traced and all(set(r["stages"]) == {"trace_s", "compile_s"} for r in traced)


def test_report_header_describes_machine_and_ratio(tiny_report):
    machine = tiny_report["machine"]
    assert machine["cores"] >= 1 and machine["numpy"] == np.__version__
    assert "numba" in machine and "load_average_start" in machine and "load_average_end" in machine
    assert "NumPy-eager median time / this row's median time" in tiny_report["settings"]["ratio"]


def test_json_output_has_the_same_data_as_the_report(capsys):
    report = run_json(capsys, "--workload", "mse", "--backend", "numpy")
    assert set(report) == {"machine", "settings", "results", "compile", "notes"}
    assert [r["implementation"] for r in report["results"]] == ["numpy eager", "tracegraph eager",
                                                                 "tracegraph numpy"]
    assert report["compile"] == []
    assert all(r["matches"] for r in report["results"])


def test_table_is_aligned_and_names_every_row(capsys):
    status = main(["bench", "--size", str(TINY), "--repeats", "1", "--no-compile-times",
                   "--workload", "scaled_elu", "--workload", "mlp_step", "--backend", "numpy"])
    assert status == 0
    text = capsys.readouterr().out
    assert "machine:" in text and "Numba" in text and "NumPy-eager median time / this row" in text
    lines = text.splitlines()
    header = next(line for line in lines if line.startswith("workload"))
    column = header.index("implementation")
    rows = [line for line in lines if "tracegraph numpy" in line or "numpy eager" in line
            or "numpy by hand" in line]
    assert len(rows) == 4
    for line in rows:
        assert line[column:].split("  ")[0] in ("numpy eager", "numpy by hand", "tracegraph numpy")
    assert "mlp_step" in text and "batch 64" in text


def test_unknown_workload_or_backend_is_a_clear_error(capsys):
    assert main(["bench", "--workload", "no_such_thing", "--no-compile-times"]) == 2
    assert "unknown workload 'no_such_thing'" in capsys.readouterr().err
    assert main(["bench", "--backend", "no_such_backend", "--size", "8", "--no-compile-times"]) == 2
    assert "no_such_backend" in capsys.readouterr().err


def test_no_command_prints_help(capsys):
    assert main([]) == 2
    assert "bench" in capsys.readouterr().out


def test_cli_runs_as_a_module():
    completed = subprocess.run([sys.executable, "-m", "tracegraph.cli", "bench", "--help"],
                               capture_output=True, text=True, timeout=60, check=False)
    assert completed.returncode == 0
    assert "--quick" in completed.stdout and "--peers" in completed.stdout


def test_compile_times_cold_and_warm_in_new_processes():
    rows = measure_compile_times([benchmarks.get_workload("mse")], ["numpy"])
    assert len(rows) == 1
    row = rows[0]
    assert "error" not in row, row.get("error")
    for phase in ("cold", "warm"):
        stages = row[phase]
        assert stages["total_s"] > 0 and stages["first_call_s"] > 0 and stages["process_s"] >= stages["total_s"]
        assert stages["numba_startup_s"] == 0.0   # numba is started only for the numba backend
    assert row["cold_over_warm"] == pytest.approx(row["cold_s"] / row["warm_s"])


def test_missing_peer_libraries_are_skipped_with_a_note(monkeypatch):
    def refuse(name):
        raise ImportError(f"No module named {name!r}")
    monkeypatch.setattr(peers.importlib, "import_module", refuse)
    modules, notes = peers.import_peers()
    assert modules == {}
    assert [note.split(":")[0] for note in notes] == list(peers.LIBRARIES)
    assert all("skipped" in note for note in notes)


def test_compare_results_reports_dtype_and_value_differences():
    want = (np.array([1.0, 2.0], dtype=np.float32),)
    assert compare_results(want, (want[0].copy(),), 1e-6, 0)[0]
    matches, _, message = compare_results(want, (want[0].astype(np.float64),), 1e-6, 0)
    assert not matches and "dtype float64" in message
    matches, worst, message = compare_results(want, (np.array([1.0, 2.5], dtype=np.float32),), 1e-6, 0)
    assert not matches and worst == pytest.approx(0.5) and "off by up to" in message


def test_a_missing_op_is_named_with_the_composite_used_instead():
    notes = missing_op_notes("w", {"nn.no_such_op": "max(z, 0)", "exp": "never used"})
    assert notes == ["w: tg.nn.no_such_op is missing, so it is written as max(z, 0) (in every library)"]


def test_sizes_and_durations_print_readably():
    assert [format_size(n) for n in (10**3, 10**6, 4096, 32)] == ["1e3", "1e6", "4096", "32"]
    assert format_seconds(2.5e-8) == "25 ns"
    assert format_seconds(1.234e-5) == "12.3 us"
    assert format_seconds(0.25) == "250 ms"
    assert format_seconds(3.0) == "3 s"


def test_version_prints_the_package_version(capsys):
    import tracegraph
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"tracegraph {tracegraph.__version__}"


def test_plot_draws_one_panel_per_workload(tmp_path, capsys):
    pytest.importorskip("matplotlib", reason="--plot needs matplotlib (the plot extra, in the test extra)")
    path = tmp_path / "speedup.png"
    status = main(["bench", "--repeats", "1", "--no-compile-times", "--workload", "mse", "--workload",
                   "scaled_elu", "--backend", "numpy", "--size", "64", "--plot", str(path)])
    assert status == 0
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "plot written to" in capsys.readouterr().err
