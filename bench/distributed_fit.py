"""Data-parallel `fit` of the CNN of issue 15 over MPI: 2 processes of 1 thread against 1 process of 1 thread.

The model of `tracegraph.benchmarks.cnn` (Conv2D 16 -> MaxPool -> Conv2D 16 -> GlobalAveragePool ->
Dense 10, Adam, sparse categorical cross-entropy), made in a `MultiWorkerMirroredStrategy` scope.
Weak scaling, as Horovod reports it: each worker's batch is 64 rows, so 2 workers step on global
batches of 128 and an epoch has as many steps. Every process runs with NUMBA_NUM_THREADS=1,
OMP_NUM_THREADS=1 and OPENBLAS_NUM_THREADS=1. The two configurations run alternately `--repeats`
times. Printed: samples/s of each run (median epoch after a first one that traces and compiles), the
best run of each, the scaling (2 workers' samples/s over 1's), and the time per step
spent in the gradients' all-reduce, then split, in one more epoch with a barrier before each all-reduce,
into waiting for the slower worker and moving the data.

    python3 bench/distributed_fit.py [--epochs N] [--steps N] [--repeats N] [--backend numba|numpy]
"""
import argparse
import json
import os
import pathlib
import subprocess
import sys
import sysconfig

_CHILD = r'''
import json, sys, time
import numpy as np
import tracegraph as tg
from tracegraph.benchmarks.cnn import CLASSES, SIDE
EPOCHS, STEPS, BACKEND = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
tg.config.set_backend(BACKEND)
strategy = tg.distribute.MultiWorkerMirroredStrategy()
group = strategy.extended._group
spent = [0.0, 0, 0.0]  # seconds in all-reduces (waiting included), their count, seconds waiting at a barrier
split = [False]
if group is not None:  # time every collective of the run
    inner = group.all_reduce
    def timed(buffer, replica_id=0):
        if split[0]:  # the last epoch: wait for the slower worker first, so the all-reduce alone is timed
            start = time.perf_counter()
            group.barrier()
            spent[2] += time.perf_counter() - start
        start = time.perf_counter()
        try:
            return inner(buffer, replica_id)
        finally:
            spent[0] += time.perf_counter() - start
            spent[1] += 1
    group.all_reduce = timed
workers, rank, batch = strategy.num_replicas_in_sync, strategy.extended.worker_index, 64
rng = np.random.default_rng(0)
rows = STEPS * batch * workers
x = rng.standard_normal((rows, SIDE, SIDE, 1), dtype=np.float32)
y = rng.integers(0, CLASSES, rows).astype(np.int32)
with strategy.scope():
    model = tg.keras.Sequential([tg.keras.Input((SIDE, SIDE, 1)),
        tg.keras.layers.Conv2D(16, 3, activation="relu"), tg.keras.layers.MaxPooling2D(),
        tg.keras.layers.Conv2D(16, 3, activation="relu"), tg.keras.layers.GlobalAveragePooling2D(),
        tg.keras.layers.Dense(CLASSES)])
    model.compile(optimizer=tg.keras.optimizers.Adam(0.001),
                  loss=tg.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
times, waits = [], []
for epoch in range(EPOCHS + 1):
    spent[:] = [0.0, 0, 0.0]
    start = time.perf_counter()
    model.fit(x, y, batch_size=batch * workers, epochs=1, shuffle=False, verbose=0)
    times.append(time.perf_counter() - start)
    waits.append(spent[0])
split[0] = True
spent[:] = [0.0, 0, 0.0]
model.fit(x, y, batch_size=batch * workers, epochs=1, shuffle=False, verbose=0)
if rank == 0:
    median = float(np.median(times[1:]))
    print(json.dumps({"workers": workers, "samples_per_s": rows / median, "epoch_s": median,
                      "first_epoch_s": times[0], "steps": STEPS,
                      "collective_ms_per_step": 1e3 * float(np.median(waits[1:])) / STEPS,
                      "all_reduce_ms_per_step": 1e3 * spent[0] / STEPS, "wait_ms_per_step": 1e3 * spent[2] / STEPS,
                      "collectives_per_step": spent[1] / STEPS}))
'''


def _mpiexec():
    beside = pathlib.Path(sysconfig.get_path("scripts")) / "mpiexec"
    return str(beside) if beside.exists() else "mpiexec"


def run(workers, epochs, steps, backend):
    env = dict(os.environ, NUMBA_NUM_THREADS="1", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               MKL_NUM_THREADS="1", PYTHONWARNINGS="ignore")
    command = [sys.executable, "-c", _CHILD, str(epochs), str(steps), backend]
    if workers > 1:
        command = [_mpiexec(), "-n", str(workers)] + command
    output = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--steps", type=int, default=30, help="steps per epoch")
    parser.add_argument("--backend", default="numba")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each configuration (the best is shown)")
    args = parser.parse_args()
    runs = {1: [], 2: []}
    for _ in range(args.repeats):  # alternating, so a busy spell of the machine hits both alike
        for workers in (1, 2):
            runs[workers].append(run(workers, args.epochs, args.steps, args.backend))
    one, two = (max(runs[w], key=lambda found: found["samples_per_s"]) for w in (1, 2))
    print("samples/s of each run: " + "; ".join(f"{w} worker(s) " + ", ".join(f"{r['samples_per_s']:.0f}"
                                                                              for r in runs[w]) for w in (1, 2)))
    print(f"CNN fit, {args.backend} backend, 1 thread per process, 64 rows per worker per step, "
          f"{args.steps} steps per epoch, median of {args.epochs} epochs")
    for found in (one, two):
        print(f"  {found['workers']} worker(s): {found['samples_per_s']:8.0f} samples/s  epoch {found['epoch_s']:.3f} s"
              f"  first epoch {found['first_epoch_s']:.2f} s")
    print(f"  per step with 2 workers: {two['collective_ms_per_step']:.2f} ms in the gradients' all-reduce "
          f"({two['collectives_per_step']:.0f} fused bucket), of which, timed apart in one more epoch, "
          f"{two['wait_ms_per_step']:.2f} ms waiting for the slower worker and {two['all_reduce_ms_per_step']:.2f} ms "
          "moving the data")
    print(f"  scaling: {two['samples_per_s'] / one['samples_per_s']:.2f}x the single process's samples/s "
          f"(efficiency {two['samples_per_s'] / one['samples_per_s'] / 2:.0%})")


if __name__ == "__main__":
    main()
