"""All-reduce of a 4 MB float32 bucket: tracegraph's MPI group against raw mpi4py `Allreduce`, same run.

Launched under MPI by itself (`python3 bench/allreduce.py` starts `mpiexec -n 2`). Both sides reduce the
same buffers, alternating in rounds so a busy machine disturbs both alike; printed: the median time per
all-reduce of each, the throughput (the bucket's bytes over that time), and tracegraph's share of raw
mpi4py's throughput. tracegraph's path is what a train step runs: `collectives.all_reduce_arrays` on a
bucket (packing included; one tensor here, so no copy), a non-blocking request polled against the
collective timeout.

With `--overlap`, it measures instead how much of a non-blocking all-reduce hides behind computation
that makes no MPI call (what a step would gain by starting a bucket's reduction during the backward
pass and waiting for it before the update): the computation alone (C), the all-reduce alone (A), the
computation then the all-reduce (S, as a step without the overlap runs), Iallreduce started, the
computation, then the wait (O), and tracegraph's `start_all_reduce` (MPI's blocking Allreduce on the
group's thread, what a traced step's start and finish nodes do), the computation, then its wait (T);
hidden = (S - O) / A and (S - T) / A. Run it with and without MPIR_CVAR_ASYNC_PROGRESS=1 in the
environment (MPICH's progress thread).

    python3 bench/allreduce.py [--processes N] [--megabytes MB] [--rounds N] [--overlap]
"""
import argparse
import subprocess
import sys
import time

import numpy as np

import tracegraph as tg
from tracegraph.distribute import collectives
from tracegraph.distribute.mpi import mpiexec_path
from tracegraph.distribute.reduce_op import ReduceOp


def measure(megabytes, rounds, repeats=20):
    from mpi4py import MPI  # noqa: PLC0415 - only the MPI child needs it


    strategy = tg.distribute.MultiWorkerMirroredStrategy()
    group = strategy.extended._group
    comm = MPI.COMM_WORLD
    buffer = np.random.default_rng(comm.rank).standard_normal(megabytes * (1 << 20) // 4).astype(np.float32)
    out = np.empty_like(buffer)

    def raw():
        comm.Allreduce(buffer, out, op=MPI.SUM)

    def ours():
        collectives.all_reduce_arrays(group, [buffer], ReduceOp.SUM, 0)

    ours()  # the results must agree before any timing
    expected = np.empty_like(buffer)
    comm.Allreduce(buffer, expected, op=MPI.SUM)
    assert np.array_equal(collectives.all_reduce_arrays(group, [buffer], ReduceOp.SUM, 0)[0], expected)
    times = {"mpi4py Allreduce": [], "tracegraph all_reduce": []}
    for _ in range(rounds):
        for name, fn in (("mpi4py Allreduce", raw), ("tracegraph all_reduce", ours)):
            comm.Barrier()
            start = time.perf_counter()
            for _ in range(repeats):
                fn()
            times[name].append((time.perf_counter() - start) / repeats)
    if comm.rank == 0:
        medians = {name: float(np.median(t)) for name, t in times.items()}
        print(f"all-reduce of {megabytes} MB float32 over {comm.size} processes (median of {rounds} rounds "
              f"of {repeats})")
        for name, seconds in medians.items():
            print(f"  {name:22s} {seconds * 1e3:7.3f} ms  {buffer.nbytes / seconds / 1e9:6.2f} GB/s")
        share = medians["mpi4py Allreduce"] / medians["tracegraph all_reduce"]
        print(f"  tracegraph's throughput: {share:.0%} of raw mpi4py's")


def measure_overlap(kilobytes, rounds, compute_ms=20.0):
    from mpi4py import MPI  # noqa: PLC0415 - only the MPI child needs it


    group = tg.distribute.MultiWorkerMirroredStrategy().extended._group
    comm = MPI.COMM_WORLD
    buffer = np.ones(kilobytes * 1024 // 4, np.float32)
    out = np.empty_like(buffer)
    a = np.random.default_rng(0).standard_normal((160, 160))
    matmuls = 1
    start = time.perf_counter()
    while time.perf_counter() - start < compute_ms / 1e3:  # calibrate: matmuls in compute_ms
        a @ a
        matmuls += 1
    matmuls = comm.allreduce(matmuls, op=MPI.MAX)  # a rank descheduled while counting counts too few

    def compute():
        for _ in range(matmuls):
            a @ a

    def reduce_alone():
        request = comm.Iallreduce(buffer, out, op=MPI.SUM)
        while not request.Test():
            time.sleep(0.0001)

    def overlapped():
        request = comm.Iallreduce(buffer, out, op=MPI.SUM)
        compute()
        while not request.Test():
            time.sleep(0.0001)

    def sequential():
        compute()
        reduce_alone()

    def tracegraph_overlapped():  # what a traced step's start and finish nodes do
        started = group.start_all_reduce(buffer)
        compute()
        started.wait()

    times = {"C": [], "A": [], "S": [], "O": [], "T": []}
    for _ in range(rounds):
        for name, fn in (("C", compute), ("A", reduce_alone), ("S", sequential), ("O", overlapped),
                         ("T", tracegraph_overlapped)):
            comm.Barrier()
            begin = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - begin)
    if comm.rank == 0:
        c, a_, s, o, t = (float(np.median(times[k])) * 1e3 for k in "CASOT")
        print(f"{kilobytes:5d} KB over {comm.size} processes, median of {rounds} rounds: computation {c:6.2f} ms, "
              f"all-reduce {a_:6.2f} ms, one after the other {s:6.2f} ms; started before the computation: "
              f"Iallreduce {o:6.2f} ms (hidden {(s - o) / a_:.0%}), tracegraph's start_all_reduce {t:6.2f} ms "
              f"(hidden {(s - t) / a_:.0%})")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--megabytes", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--overlap", action="store_true", help="measure overlap with computation (below)")
    parser.add_argument("--kilobytes", type=int, nargs="+", default=[11, 4096], help="bucket sizes for --overlap")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        if args.overlap:
            for kilobytes in args.kilobytes:
                measure_overlap(kilobytes, args.rounds)
        else:
            measure(args.megabytes, args.rounds)
        return
    subprocess.run([mpiexec_path() or "mpiexec", "-n", str(args.processes), sys.executable,
                    __file__, "--child", "--megabytes", str(args.megabytes), "--rounds", str(args.rounds),
                    "--kilobytes", *map(str, args.kilobytes)] + (["--overlap"] if args.overlap else []),
                   check=True)


if __name__ == "__main__":
    main()
