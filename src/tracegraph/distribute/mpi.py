"""Workers in separate processes (one machine or many), joined by MPI through mpi4py.

Every collective is waited for against a deadline: a non-blocking MPI request polled, or, for a large
all-reduce, MPI's blocking all-reduce run on a thread of the group's own (MPICH's blocking algorithm
moves a 4 MB bucket in ~1.4 ms, its non-blocking one in ~2.2 ms) while the caller waits for that
thread in short slices. When the deadline passes, the worker holds a roll call (a tiny message to
every other worker, on a communicator of its own) and names the ranks that did not answer within a
grace period: a worker that died or hangs makes the others raise `WorkerLostError` naming it,
instead of waiting forever. A worker that is
itself waiting in a collective answers roll calls while it polls, so survivors recognise each other.
After such a failure MPI cannot be shut down cleanly (MPI_Finalize would wait for the lost worker),
so the process exits without it.

A traced step's gradient buckets are all-reduced in the background (`start_all_reduce`): begun on the
group's thread as soon as the backward pass has made them, and waited for, with the same deadline,
where the update needs them.
"""
import atexit
import os
import queue
import shutil
import signal
import sys
import sysconfig
import threading
import time

import numpy as np

from ..buffer_pool import BUFFERS, MIN_BYTES
from .errors import WorkerLostError
from .sentinel import join_sentinel

__all__ = ["MPIGroup", "mpi_world_size", "mpiexec_path"]

_ROLL_CALL_TAG = 7321
#: Poll without pausing for this long first. Longer spins help on a moderately busy machine (a 4 MB
#: all-reduce: 2 ms spinning 1.9-2.4 ms, 0.05 ms 3.1-3.3 ms at load 4.5) and hurt on a quiet one (6.0 ms
#: against 2.7 ms at load 1.5; Test() in a Python loop slows MPICH's progress): see bench/results.
_SPIN_SECONDS = 0.00005
#: The pause between two polls of a request, and after how long waiting the pauses grow.
_PAUSE_SECONDS = 0.0001
_BACKOFF_AFTER_SECONDS = 0.05
#: All-reduces of at least this many bytes run MPI's blocking Allreduce on the group's thread; smaller ones
#: stay non-blocking (handing a call to a thread costs more than the faster algorithm saves on them).
_BLOCKING_THREAD_BYTES = 1 << 20
#: How often a caller waiting for the group's thread checks the deadline, roll calls and the launcher's notice.
_SLICE_SECONDS = 0.05
#: How long a worker that lost contact waits before exiting, so the other survivors report too.
_REPORT_SECONDS = 2.0


def _mpi():
    from mpi4py import MPI  # noqa: PLC0415 - optional dependency (the `distributed` extra), loaded when used
    return MPI


def mpiexec_path():
    """The `mpiexec` launcher: the `mpich` wheel's, next to this Python, else the one on PATH (None if neither)."""
    beside = os.path.join(sysconfig.get_path("scripts"), "mpiexec")
    return beside if os.path.exists(beside) else shutil.which("mpiexec")


def mpi_world_size():
    """The number of processes MPI launched this one with (1 without a launcher or without mpi4py).

    Launchers announce themselves in the environment, so a plain `python train.py` never loads MPI.
    """
    for name in ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "MPI_LOCALNRANKS"):
        if os.environ.get(name, "1") not in ("", "1"):
            try:
                return _mpi().COMM_WORLD.Get_size()
            except ImportError:
                raise ImportError(f"This process was started by an MPI launcher ({name}={os.environ[name]}) but "
                                  "mpi4py is not installed, so the workers cannot reach each other: "
                                  "pip install 'tracegraph[distributed]'") from None
    if os.environ.get("SLURM_NTASKS", "1") not in ("", "1"):  # srun; mpi4py may be missing outside MPI jobs
        try:
            return _mpi().COMM_WORLD.Get_size()
        except ImportError:
            return 1
    return 1


class MPIGroup:
    """All the processes of `MPI.COMM_WORLD`, one replica each; collectives time out after `timeout` s."""

    def __init__(self, timeout=None, roll_call_seconds=5.0):
        mpi = _mpi()
        self._mpi = mpi
        world = mpi.COMM_WORLD
        self.comm = world.Dup()
        self.comm.Set_errhandler(mpi.ERRORS_RETURN)
        self._roll_call = world.Dup()
        self._roll_call.Set_errhandler(mpi.ERRORS_RETURN)
        # Collectives begun in the background get a communicator of their own: MPI matches collectives by
        # the order each worker issues them on a communicator, and these are issued from another thread.
        self._background = world.Dup()
        self._background.Set_errhandler(mpi.ERRORS_RETURN)
        self.rank = self.comm.Get_rank()
        self.num_replicas = self.comm.Get_size()
        self.timeout = timeout
        self.roll_call_seconds = roll_call_seconds
        self._answered = set()   # ranks whose roll call this worker has heard
        self._sends = []         # roll-call messages in flight (kept until the process ends)
        self._launcher_reported_a_death = False
        # The thread's blocking call runs beside the caller's roll calls: only with MPI_THREAD_MULTIPLE.
        self._thread_multiple = mpi.Query_thread() == mpi.THREAD_MULTIPLE
        self._thread = None
        _listen_for_the_launchers_death_notice(self)
        self._sentinel = join_sentinel(self.comm)

    # ----- collectives on flat NumPy buffers ---------------------------------------------------------

    def all_reduce(self, buffer, replica_id=0):
        """The sum of every worker's `buffer`."""
        buffer = _host_buffer(buffer)
        out = _output_like(buffer)
        if buffer.nbytes >= _BLOCKING_THREAD_BYTES and self._thread_multiple:
            job = self._collective_thread().submit(lambda: self.comm.Allreduce(buffer, out, op=self._mpi.SUM))
            self._wait_for_job(job, "all-reduce")
        else:
            self._wait(self.comm.Iallreduce(buffer, out, op=self._mpi.SUM), "all-reduce")
        return out

    def start_all_reduce(self, buffer, replica_id=0):
        """`all_reduce` begun in the background: the returned object's `wait()` gives the sum.

        The reduction runs MPI's blocking Allreduce on the group's thread, so it moves while the caller
        computes (MPICH progresses a non-blocking collective only inside MPI calls, so `Iallreduce`
        would move nothing until the wait). Without MPI_THREAD_MULTIPLE it is an `Iallreduce`.
        `buffer` must not change until the wait."""
        buffer = _host_buffer(buffer)
        out = _output_like(buffer)
        if self._thread_multiple:
            job = self._collective_thread().submit(lambda: self._background.Allreduce(buffer, out, op=self._mpi.SUM))
            return _Started(lambda: self._wait_for_job(job, "all-reduce"), out)
        request = self._background.Iallreduce(buffer, out, op=self._mpi.SUM)
        return _Started(lambda: self._wait(request, "all-reduce"), out)

    def broadcast(self, buffer, replica_id=0, root=0):
        """Worker `root`'s `buffer`."""
        buffer = _host_buffer(buffer).copy()
        self._wait(self.comm.Ibcast(buffer, root=root), "broadcast")
        return buffer

    def all_gather(self, buffer, replica_id=0):
        """Every worker's `buffer` (all of one shape), in rank order (a list)."""
        buffer = _host_buffer(buffer)
        out = np.empty((self.num_replicas,) + buffer.shape, buffer.dtype)
        self._wait(self.comm.Iallgather(buffer, out), "all-gather")
        return list(out)

    def barrier(self):
        """Wait until every worker has arrived."""
        self._wait(self.comm.Ibarrier(), "barrier")

    # ----- deadlines and fault detection -------------------------------------------------------------

    def _wait(self, request, what):
        start = time.monotonic()
        deadline = None if self.timeout is None else start + self.timeout
        pause, next_probe = _PAUSE_SECONDS, start + 0.5
        while True:
            try:
                if request.Test():
                    return
            except self._mpi.Exception as error:
                self._fail(what, f"MPI reported an error ({error})")
            now = time.monotonic()
            if now - start < _SPIN_SECONDS:
                continue  # a small bucket completes within microseconds on an idle machine
            # Short sleeps, not a busy loop: Test() in a tight loop slows MPI's own progress (a 4 MB
            # all-reduce took 21 ms spinning against 10 ms with 0.1 ms sleeps) and takes the core from
            # the other workers of a shared machine. Long waits back off to 2 ms.
            if now - start > _BACKOFF_AFTER_SECONDS:
                pause = min(0.002, pause * 1.5)
            time.sleep(pause)
            next_probe = self._keep_watch(what, now, deadline, next_probe)

    def _collective_thread(self):
        if self._thread is None:
            self._thread = _CollectiveThread()
        return self._thread

    def _wait_for_job(self, job, what):
        """Wait for a job of the group's thread with the deadline `_wait` keeps (from when the wait begins)."""
        start = time.monotonic()
        deadline = None if self.timeout is None else start + self.timeout
        next_probe = start + 0.5
        while not job.done.wait(_SLICE_SECONDS):
            next_probe = self._keep_watch(what, time.monotonic(), deadline, next_probe)
        if isinstance(job.error, self._mpi.Exception):
            self._fail(what, f"MPI reported an error ({job.error})")
        if job.error is not None:
            raise job.error

    def _keep_watch(self, what, now, deadline, next_probe):
        """While waiting: answer roll calls every 0.5 s, and fail past the deadline or on the launcher's
        notice of a death. Returns when to answer roll calls next."""
        if now > next_probe:
            self._answer_roll_calls()
            next_probe = now + 0.5
        if deadline is not None and now > deadline:
            self._fail(what, f"it did not complete within {self.timeout:g} s")
        if self._launcher_reported_a_death:
            self._fail(what, "the launcher reported that a worker died")
        return next_probe

    def _answer_roll_calls(self):
        """Reply to the roll calls of workers that timed out already (they are checking who is alive)."""
        status = self._mpi.Status()
        while self._roll_call.Iprobe(source=self._mpi.ANY_SOURCE, tag=_ROLL_CALL_TAG, status=status):
            source = status.Get_source()
            self._roll_call.Recv(np.empty(1, np.int32), source=source, tag=_ROLL_CALL_TAG)
            if source not in self._answered:
                self._answered.add(source)
                self._sends.append(self._roll_call.Isend(np.array([self.rank], np.int32), dest=source,
                                                         tag=_ROLL_CALL_TAG))

    def lost_ranks(self):
        """The ranks that do not answer a roll call within `roll_call_seconds`."""
        others = [r for r in range(self.num_replicas) if r != self.rank]
        token = np.array([self.rank], np.int32)
        for r in others:
            self._sends.append(self._roll_call.Isend(token, dest=r, tag=_ROLL_CALL_TAG))
        buffers = {r: np.empty(1, np.int32) for r in others if r not in self._answered}
        pending = {r: self._roll_call.Irecv(buffers[r], source=r, tag=_ROLL_CALL_TAG) for r in buffers}
        deadline = time.monotonic() + self.roll_call_seconds
        while pending and time.monotonic() < deadline:
            for r in [r for r, request in pending.items() if request.Test()]:
                del pending[r]
            time.sleep(0.01)
        return sorted(pending)

    def _fail(self, what, reason):
        lost = self.lost_ranks()
        if self._sentinel is not None:
            self._sentinel.stopping()  # this worker stops on purpose and names the lost ranks itself
        _exit_without_finalize()
        who = (f"lost contact with rank{'s' if len(lost) > 1 else ''} {', '.join(map(str, lost))} of "
               f"{self.num_replicas} (dead or hung)") if lost else "every other worker answered a roll call"
        raise WorkerLostError(f"Worker {self.rank}: the {what} failed: {reason}; {who}. The workers stop; "
                              "restart the job from the last checkpoint (BackupAndRestore does it in fit).", lost)


class _Started:
    """A collective begun in the background: `wait()` waits for it (`finish`) and returns `result`."""

    def __init__(self, finish, result):
        self._finish, self._result = finish, result

    def wait(self):
        """The result, once every worker has contributed."""
        self._finish()
        return self._result


class _Job:
    """One call handed to a `_CollectiveThread`: `done` is set when it returned or raised (`error`)."""

    def __init__(self, call):
        self.call = call
        self.done = threading.Event()
        self.error = None


class _CollectiveThread:
    """A daemon thread running blocking MPI calls one at a time. A daemon, and not a concurrent.futures
    pool (whose threads are joined at the interpreter's exit): a call stuck on a lost worker must not keep
    the process from exiting."""

    def __init__(self):
        self._jobs = queue.SimpleQueue()
        threading.Thread(target=self._run, name="tracegraph-mpi-collectives", daemon=True).start()

    def submit(self, call):
        """Queue `call` (no arguments); returns its `_Job`."""
        job = _Job(call)
        self._jobs.put(job)
        return job

    def _run(self):
        while True:
            job = self._jobs.get()
            try:
                job.call()
            except BaseException as error:  # noqa: BLE001 - handed to the caller, which raises or reports it
                job.error = error
            job.call = None  # drop the call's arrays before the caller resumes (the buffer pool counts them)
            job.done.set()


def _host_buffer(buffer):
    """`buffer` as a contiguous NumPy array; a GPU array is refused with the reason (MPI moves host memory here)."""
    if hasattr(buffer, "__cuda_array_interface__"):
        raise TypeError("MultiWorkerMirroredStrategy's collectives move NumPy buffers, and this is a GPU array: the "
                        "CuPy backend is not supported under it yet; use the numpy or numba backend "
                        "(docs/distributed.md)")
    return np.ascontiguousarray(buffer)


def _output_like(buffer):
    """An array for a collective's result: from the process's buffer pool when large (measured on 4 MB: MPI
    filling a fresh array took up to 0.5 ms longer than a reused one, its pages faulting in)."""
    return BUFFERS.empty(np, buffer.shape, buffer.dtype) if buffer.nbytes >= MIN_BYTES else np.empty_like(buffer)


def _listen_for_the_launchers_death_notice(group):
    """mpich's launcher run with `-disable-auto-cleanup` sends SIGUSR1 to the workers when one dies (by default
    that signal would end them silently): note it, so a waiting collective holds its roll call at once instead
    of waiting out its timeout. A handler the program installed itself is left alone."""
    if threading.current_thread() is not threading.main_thread() or \
            signal.getsignal(signal.SIGUSR1) is not signal.SIG_DFL:
        return

    def notice(signum, frame):
        group._launcher_reported_a_death = True
    signal.signal(signal.SIGUSR1, notice)


_exiting = []


def _exit_without_finalize():
    """At exit, skip MPI_Finalize (it would wait for the lost worker): flush and leave with status 1."""
    if _exiting:
        return
    _exiting.append(True)

    def leave():
        sys.stdout.flush()
        sys.stderr.flush()
        # The launcher ends the whole job when one process exits with an error: let the other survivors,
        # which time out at about the same moment, report too.
        time.sleep(_REPORT_SECONDS)
        os._exit(1)
    atexit.register(leave)  # registered after mpi4py's finalizer, so it runs first
