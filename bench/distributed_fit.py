"""Data-parallel `fit` over MPI: 2 processes of 1 thread against 1 process of 1 thread.

Two models, made in a `MultiWorkerMirroredStrategy` scope:
- `--model cnn` (default): the CNN of `tracegraph.benchmarks.cnn` (Conv2D 16 -> MaxPool -> Conv2D 16 ->
  GlobalAveragePool -> Dense 10, Adam), whose gradients are 2.9k floats: one 11 KB bucket.
- `--model mlp`: Dense 1024 -> Dense 1024 -> Dense 10 on 784 inputs (Adam), 1.86M floats of gradients
  (7.4 MB): with `--bytes-per-pack` 4 MB, three buckets, the first two begun during the backward pass.

Weak scaling, as Horovod reports it: each worker's batch is 64 rows, so 2 workers step on global
batches of 128 and an epoch has as many steps. Every process runs with NUMBA_NUM_THREADS=1,
OMP_NUM_THREADS=1 and OPENBLAS_NUM_THREADS=1. The configurations run alternately `--repeats` times.
With `--compare-overlap`, a third configuration runs 2 workers with the overlap_asynchronous pass
taken out of the pipeline, so each bucket is reduced where the step first needs it instead of from
where its gradients exist.

Printed: samples/s of each run (median epoch after a first one that traces and compiles), the best run
of each, the scaling (2 workers' samples/s over 1's), and the time per step the step spent waiting for
the gradients' all-reduce (what the overlap leaves exposed), then split, in one more epoch with a
barrier before each all-reduce begins, into waiting for the slower worker and waiting for the data.

    python3 bench/distributed_fit.py [--model cnn|mlp] [--bytes-per-pack B] [--compare-overlap]
                                     [--epochs N] [--steps N] [--repeats N] [--backend numba|numpy]
"""
import argparse
import json
import os
import subprocess
import sys

from tracegraph.distribute.mpi import mpiexec_path

_CHILD = r'''
import json, os, sys, time
import numpy as np
import tracegraph as tg
from tracegraph.benchmarks.cnn import CLASSES, SIDE
from tracegraph.passes import pipeline
EPOCHS, STEPS, BACKEND, MODEL, BYTES_PER_PACK = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
if os.environ.get("BENCH_NO_OVERLAP") == "1":
    pipeline.DEFAULT_PIPELINE[:] = [(n, p) for n, p in pipeline.DEFAULT_PIPELINE if n != "overlap_asynchronous"]
tg.config.set_backend(BACKEND)
options = tg.distribute.experimental.CommunicationOptions(bytes_per_pack=BYTES_PER_PACK)
strategy = tg.distribute.MultiWorkerMirroredStrategy(communication_options=options)
group = strategy.extended._group
spent = [0.0, 0, 0.0]  # seconds waiting for all-reduces, their count, seconds waiting at a barrier
split = [False]


def barrier_first():
    if split[0]:  # the last epoch: wait for the slower worker first, so the all-reduce alone is timed
        start = time.perf_counter()
        group.barrier()
        spent[2] += time.perf_counter() - start


def timed(wait):
    start = time.perf_counter()
    try:
        return wait()
    finally:
        spent[0] += time.perf_counter() - start
        spent[1] += 1


if group is not None:  # time every collective of the run: the blocking ones and the waits of begun ones
    blocking, begin = group.all_reduce, group.start_all_reduce
    def timed_all_reduce(buffer, replica_id=0):
        barrier_first()
        return timed(lambda: blocking(buffer, replica_id))
    def timed_start(buffer, replica_id=0):
        barrier_first()
        started = begin(buffer, replica_id)
        wait = started.wait
        started.wait = lambda: timed(wait)
        return started
    group.all_reduce, group.start_all_reduce = timed_all_reduce, timed_start
workers, rank, batch = strategy.num_replicas_in_sync, strategy.extended.worker_index, 64
rng = np.random.default_rng(0)
rows = STEPS * batch * workers
with strategy.scope():
    if MODEL == "cnn":
        x = rng.standard_normal((rows, SIDE, SIDE, 1), dtype=np.float32)
        model = tg.keras.Sequential([tg.keras.Input((SIDE, SIDE, 1)),
            tg.keras.layers.Conv2D(16, 3, activation="relu"), tg.keras.layers.MaxPooling2D(),
            tg.keras.layers.Conv2D(16, 3, activation="relu"), tg.keras.layers.GlobalAveragePooling2D(),
            tg.keras.layers.Dense(CLASSES)])
    else:
        x = rng.standard_normal((rows, 784), dtype=np.float32)
        model = tg.keras.Sequential([tg.keras.Input((784,)), tg.keras.layers.Dense(1024, activation="relu"),
            tg.keras.layers.Dense(1024, activation="relu"), tg.keras.layers.Dense(CLASSES)])
    y = rng.integers(0, CLASSES, rows).astype(np.int32)
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


def run(workers, args, overlap=True):
    env = dict(os.environ, NUMBA_NUM_THREADS="1", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               MKL_NUM_THREADS="1", PYTHONWARNINGS="ignore", BENCH_NO_OVERLAP="0" if overlap else "1")
    command = [sys.executable, "-c", _CHILD, str(args.epochs), str(args.steps), args.backend, args.model,
               str(args.bytes_per_pack)]
    if workers > 1:
        command = [(mpiexec_path() or "mpiexec"), "-n", str(workers)] + command
    output = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", choices=("cnn", "mlp"), default="cnn")
    parser.add_argument("--bytes-per-pack", type=int, default=0, help="the largest bucket (0: the default)")
    parser.add_argument("--compare-overlap", action="store_true",
                        help="also run 2 workers without the overlap_asynchronous pass")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--steps", type=int, default=30, help="steps per epoch")
    parser.add_argument("--backend", default="numba")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each configuration (the best is shown)")
    args = parser.parse_args()
    configurations = {"1 worker": (1, True), "2 workers": (2, True)}
    if args.compare_overlap:
        configurations["2 workers, no overlap"] = (2, False)
    runs = {name: [] for name in configurations}
    for _ in range(args.repeats):  # alternating, so a busy spell of the machine hits all alike
        for name, (workers, overlap) in configurations.items():
            runs[name].append(run(workers, args, overlap))
    best = {name: max(found, key=lambda f: f["samples_per_s"]) for name, found in runs.items()}
    print("samples/s of each run: " + "; ".join(f"{name} " + ", ".join(f"{r['samples_per_s']:.0f}" for r in found)
                                                for name, found in runs.items()))
    print(f"{args.model.upper()} fit, {args.backend} backend, 1 thread per process, 64 rows per worker per step, "
          f"{args.steps} steps per epoch, median of {args.epochs} epochs; best run of each:")
    for name, found in best.items():
        print(f"  {name:22s} {found['samples_per_s']:8.0f} samples/s  step {1e3 * found['epoch_s'] / args.steps:6.2f} ms"
              f"  first epoch {found['first_epoch_s']:.2f} s")
        if found["workers"] > 1:
            print(f"  {'':22s} per step: {found['collective_ms_per_step']:.2f} ms waiting for the gradients' "
                  f"all-reduce ({found['collectives_per_step']:.0f} bucket(s)); timed apart in one more epoch, "
                  f"{found['wait_ms_per_step']:.2f} ms waiting for the slower worker and "
                  f"{found['all_reduce_ms_per_step']:.2f} ms for the data")
            print(f"  {'':22s} scaling: {found['samples_per_s'] / best['1 worker']['samples_per_s']:.2f}x "
                  "the single process's samples/s")


if __name__ == "__main__":
    main()
