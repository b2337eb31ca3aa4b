"""MultiWorkerMirroredStrategy over MPI on loopback: `mpiexec` runs of tests/distribute/mpi_worker.py.

Each launch runs several checks (a launch costs about a second of imports per process); the workers
write what they found to JSON files, asserted on here.
"""
import json
import os
import pathlib
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import tracegraph as tg
from tracegraph.context import state
from tracegraph.distribute.mpi import _host_buffer, mpiexec_path

WORKER = pathlib.Path(__file__).with_name("mpi_worker.py")
sys.path.insert(0, str(WORKER.parent))
import mpi_worker  # noqa: E402 - the worker module, for the 1-process restore


def _mpiexec():
    """mpiexec from the `mpich` wheel (next to this Python), else from PATH."""
    found = mpiexec_path()
    if found is None:
        pytest.fail("mpiexec not found: pip install 'tracegraph[distributed]' (mpi4py and the mpich wheel)")
    return found


def _environment(**extra):
    env = dict(os.environ, OMP_NUM_THREADS="1", NUMBA_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               PYTHONWARNINGS="ignore")
    env.update(extra)
    return env


def _launch(processes, scenario, directory, **popen):
    return subprocess.Popen([_mpiexec(), "-n", str(processes), sys.executable, str(WORKER), scenario,
                             str(directory)], **popen)


def _run(processes, scenario, directory):
    process = _launch(processes, scenario, directory, env=_environment(), stdout=subprocess.PIPE,
                      stderr=subprocess.STDOUT, text=True)
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 0, output
    assert "was lost" not in output, output  # workers that finish are not reported by the sentinel
    return [json.loads((directory / f"{scenario}_{rank}.json").read_text()) for rank in range(processes)]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Two workers: fit on arrays and on a dataset with validation, a custom loop; the chief's checkpoint."""
    directory = tmp_path_factory.mktemp("mpi")
    return directory, _run(2, "train", directory)


def test_two_workers_fit_equals_one_process_on_the_same_global_batches(trained):
    _, results = trained
    for found in results:
        assert found["workers"] == 2
        assert found["fit_weight_difference"] < 1e-5
        np.testing.assert_allclose(found["fit_loss"], found["reference_loss"], rtol=1e-5)
        assert found["train_traces"] == 1  # one traced train step per replica


def test_predict_splits_every_batch_over_the_workers_and_returns_all_rows(trained):
    _, results = trained
    for found in results:
        assert found["predict_shape"] == [13, 1] and found["predict_difference"] < 1e-6


def test_fit_and_predict_on_a_distributed_dataset(trained):
    _, results = trained
    for found in results:
        assert found["distributed_dataset_weight_difference"] < 1e-5
        assert found["distributed_predict_difference"] < 1e-6


def test_the_gradient_buckets_start_while_the_backward_pass_runs(trained):
    _, results = trained
    for found in results:
        names = found["train_step_ops"]
        starts = [k for k, name in enumerate(names) if name == "collective_all_reduce_start"]
        last_matmul = max(k for k, name in enumerate(names) if name == "matmul")
        assert len(starts) == 3 and starts[0] < last_matmul  # (64-byte buckets: see mpi_worker.py)


def test_fit_on_a_dataset_with_validation(trained):
    _, results = trained
    for found in results:
        assert found["dataset_weight_difference"] < 1e-5
        np.testing.assert_allclose(found["val_loss"], found["reference_val_loss"], rtol=1e-5)
    assert results[0]["val_loss"] == results[1]["val_loss"]  # epoch logs are reduced over the workers


def test_only_the_chief_writes_files(trained):
    directory, results = trained
    assert [found["wrote_csv"] for found in results] == [True, False]
    assert (directory / "chief.weights.tgw").exists()


def test_custom_loop_with_strategy_run_of_one_traced_step(trained):
    _, results = trained
    for found in results:
        assert found["custom_loop_difference"] < 1e-5
        assert found["custom_loop_traces"] == 1
    assert results[0]["custom_loop_losses"] == results[1]["custom_loop_losses"]


def test_the_chiefs_checkpoint_restored_by_three_workers(trained):
    directory, trained_results = trained
    saved = trained_results[0]["checkpoint_weights"]
    for found in _run(3, "restore", directory):
        assert found["workers"] == 3
        for a, b in zip(found["restored_weights"], saved):
            np.testing.assert_array_equal(a, b)
        assert found["resumed_weight_difference"] < 1e-5


@pytest.mark.filterwarnings("ignore:Skipping variable loading for optimizer")  # not built yet: Keras warns too
def test_the_chiefs_checkpoint_restored_by_one_process(trained):
    directory, trained_results = trained
    previous = state.backend
    tg.config.set_backend("numpy")
    try:
        found = mpi_worker.restore(str(directory), tg.distribute.MultiWorkerMirroredStrategy(), 0)
    finally:
        tg.config.set_backend(previous)
    for a, b in zip(found["restored_weights"], trained_results[0]["checkpoint_weights"]):
        np.testing.assert_array_equal(a, b)
    assert found["resumed_weight_difference"] < 1e-5


def _fault_run(tmp_path, processes, stop, victim=1, timeout=4, notify=False, scenario="fault"):
    """Launch `processes` workers, wait for an epoch, `stop` worker `victim` (a signal) and, with `notify`,
    send the others SIGUSR1 as mpiexec -disable-auto-cleanup does; returns the output lines, the seconds
    from the signal to the end of the run, and mpiexec's exit status."""
    process = _launch(processes, scenario, tmp_path, env=_environment(TRACEGRAPH_COLLECTIVE_TIMEOUT=str(timeout)),
                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    lines, pids, signalled, deadline = [], {}, None, time.monotonic() + 100
    try:
        for line in process.stdout:
            lines.append(line)
            for rank, pid in re.findall(r"worker (\d+) pid (\d+)", line):  # two workers' lines may interleave
                pids[int(rank)] = int(pid)
            if signalled is None and f"worker {victim} epoch 1" in line:
                signalled, signalled_pid = time.monotonic(), pids[victim]
                os.kill(signalled_pid, stop)
                for rank in (pids.keys() - {victim}) if notify else ():
                    os.kill(pids[rank], signal.SIGUSR1)
            survivors_done = len(re.findall(r"worker \d+ stopped after", "".join(lines))) == processes - 1
            if stop == signal.SIGSTOP and survivors_done and pids.pop(victim, None):
                os.kill(signalled_pid, signal.SIGKILL)  # the hung worker never exits by itself
            if time.monotonic() > deadline:
                break
        process.wait(timeout=30)
        return lines, time.monotonic() - signalled, process.returncode
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)


@pytest.mark.parametrize("scenario", ["fault", "fault_large"], ids=["training", "large-bucket"])
def test_a_hung_worker_makes_the_others_stop_naming_it(tmp_path, scenario):
    # large-bucket: the survivors wait in MPI's blocking Allreduce, run on the group's thread
    lines, seconds, status = _fault_run(tmp_path, 3, signal.SIGSTOP, scenario=scenario)
    text = "".join(lines)
    if scenario == "fault_large":
        assert sorted(re.findall(r"worker (\d+) large all-reduce right: True", text)) == ["0", "1", "2"], text
    stopped = re.findall(r"worker (\d+) stopped after [\d.]+ s: Worker \d+: the all-reduce failed: it did not complete "
                         r"within 4 s; lost contact with rank 1 of 3 \(dead or hung\)", text)
    assert sorted(stopped) == ["0", "2"], text
    assert text.count("lost=[1]") == 2  # WorkerLostError.lost_ranks
    assert seconds < 60 and status != 0


def test_the_launchers_death_notice_makes_the_others_stop_at_once_naming_the_lost_worker(tmp_path):
    # What the survivors see across machines under mpiexec -disable-auto-cleanup (on one machine mpich's
    # proxy SIGKILLs them first): SIGUSR1, then a roll call, long before the collective's 300 s timeout.
    # In a large bucket's all-reduce: the notice reaches a caller waiting for the group's thread too.
    lines, seconds, status = _fault_run(tmp_path, 3, signal.SIGSTOP, timeout=300, notify=True,
                                        scenario="fault_large")
    text = "".join(lines)
    assert sorted(re.findall(r"worker (\d+) large all-reduce right: True", text)) == ["0", "1", "2"], text
    stopped = re.findall(r"worker (\d+) stopped after [\d.]+ s: Worker \d+: the all-reduce failed: the launcher "
                         r"reported that a worker died; lost contact with rank 1 of 3 \(dead or hung\)", text)
    assert sorted(stopped) == ["0", "2"], text
    assert seconds < 60 and status != 0


@pytest.mark.parametrize("killed", [1, 0], ids=["worker", "chief"])
def test_a_killed_worker_is_named_and_the_job_ends(tmp_path, killed):
    # mpich's launcher kills the survivors at once (SIGKILL: they cannot speak); the sentinel names the lost one.
    lines, seconds, status = _fault_run(tmp_path, 3, signal.SIGKILL, victim=killed)
    text = "".join(lines)
    assert status != 0 and seconds < 60, text
    named = re.findall(r"tracegraph.distribute: worker (\d+) of 3 \(pid \d+ on .+?\) was lost: it died without "
                       r"finishing", text)
    assert named == [str(killed)], text


def test_a_worker_failing_with_an_error_is_not_reported_as_lost(tmp_path):
    # It exits through Python (its traceback is the report; MPI_Finalize then waits for the others, which
    # time out and name it); the launcher then kills the rest: the sentinel must not name one of them.
    process = _launch(3, "error", tmp_path, env=_environment(TRACEGRAPH_COLLECTIVE_TIMEOUT="4"),
                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        output, _ = process.communicate(timeout=100)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode != 0, output
    assert "RuntimeError: worker 1 fails on purpose" in output, output
    assert "lost contact with rank 1 of 3" in output, output
    assert "was lost" not in output, output


def test_a_gpu_array_is_refused_with_the_reason_not_a_numpy_error():
    class GpuArray:  # what CuPy arrays expose
        __cuda_array_interface__ = {"shape": (2,), "typestr": "<f4", "data": (0, False), "version": 3}

    with pytest.raises(TypeError, match="CuPy backend is not supported under it"):
        _host_buffer(GpuArray())
