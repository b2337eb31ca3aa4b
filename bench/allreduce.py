"""All-reduce of a 4 MB float32 bucket: tracegraph's MPI group against raw mpi4py `Allreduce`, same run.

Launched under MPI by itself (`python3 bench/allreduce.py` starts `mpiexec -n 2`). Both sides reduce the
same buffers, alternating in rounds so a busy machine disturbs both alike; printed: the median time per
all-reduce of each, the throughput (the bucket's bytes over that time), and tracegraph's share of raw
mpi4py's throughput. tracegraph's path is what a train step runs: `collectives.all_reduce_arrays` on a
bucket (packing included; one tensor here, so no copy), a non-blocking request polled against the
collective timeout.

    python3 bench/allreduce.py [--processes N] [--megabytes MB] [--rounds N]
"""
import argparse
import pathlib
import subprocess
import sys
import sysconfig
import time

import numpy as np


def measure(megabytes, rounds, repeats=20):
    from mpi4py import MPI  # noqa: PLC0415 - only the MPI child needs it

    import tracegraph as tg  # noqa: PLC0415 - the child's import (the launcher does not need tracegraph)
    from tracegraph.distribute import collectives  # noqa: PLC0415
    from tracegraph.distribute.reduce_op import ReduceOp  # noqa: PLC0415

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


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--megabytes", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        measure(args.megabytes, args.rounds)
        return
    mpiexec = pathlib.Path(sysconfig.get_path("scripts")) / "mpiexec"
    subprocess.run([str(mpiexec) if mpiexec.exists() else "mpiexec", "-n", str(args.processes), sys.executable,
                    __file__, "--child", "--megabytes", str(args.megabytes), "--rounds", str(args.rounds)],
                   check=True)


if __name__ == "__main__":
    main()
