"""One epoch of `fit` for the tutorial's regression MLP, each framework in its own process.

8 -> 30 (relu) -> 1, SGD(0.01), MSE, batch 32, 20640 rows (645 steps), not shuffled, verbose 0.
Rows: tracegraph (Numba and NumPy backends), Keras 3 on TensorFlow, Keras 3 on JAX, and the
training loop a PyTorch user writes. Each runs in a new process (so no library's threads or
allocator disturb another's), with the interpreter given for it; a framework that does not import
there is skipped with the reason. Printed: the first epoch (tracing and compiling included) and
the median of the next epochs, with the ratio of Keras-on-TensorFlow's median to each row's.

    python3 bench/fit_epoch.py [--epochs N] [--python PATH] [--peer-python PATH] [--json]

`--peer-python` is the interpreter that has TensorFlow/JAX/PyTorch (e.g. a separate venv); by
default the same one runs everything.
"""
import argparse
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

#: The program each row runs in its own process: it prints one JSON line {"first": s, "epochs": [s, ...]}.
_CHILD = r'''
import json, os, sys, time
import numpy as np
FRAMEWORK, EPOCHS = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(0)
x = rng.standard_normal((20640, 8), dtype=np.float32)
y = (np.sin(x[:, :1]) + 0.1 * rng.standard_normal((20640, 1))).astype(np.float32)
if FRAMEWORK.startswith("tracegraph"):
    import tracegraph as tg
    from tracegraph import keras
    tg.config.set_backend(FRAMEWORK.split()[1])
elif FRAMEWORK.startswith("keras"):
    os.environ["KERAS_BACKEND"] = FRAMEWORK.split()[1]
    import keras
if FRAMEWORK == "torch loop":
    import torch
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(8, 30), torch.nn.ReLU(), torch.nn.Linear(30, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = torch.nn.MSELoss()
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    def epoch():
        for start in range(0, len(xt), 32):
            optimizer.zero_grad()
            loss_fn(model(xt[start:start + 32]), yt[start:start + 32]).backward()
            optimizer.step()
else:
    model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(30, activation="relu"),
                              keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01), loss="mse")
    def epoch():
        model.fit(x, y, batch_size=32, epochs=1, shuffle=False, verbose=0)
start = time.perf_counter(); epoch(); first = time.perf_counter() - start
times = []
for _ in range(EPOCHS):
    start = time.perf_counter(); epoch(); times.append(time.perf_counter() - start)
print(json.dumps({"first": first, "epochs": times}))
'''

ROWS = (("tracegraph numba", "self"), ("tracegraph numpy", "self"), ("keras tensorflow", "peer"),
        ("keras jax", "peer"), ("torch loop", "peer"))


def run_row(framework, python, epochs):
    """`(first, median)` seconds for one row, or the reason it could not run."""
    environment = dict(os.environ, PYTHONPATH=os.pathsep.join([os.path.join(ROOT, "src"),
                                                               os.path.join(ROOT, "backends")]))
    completed = subprocess.run([python, "-c", _CHILD, framework, str(epochs)], capture_output=True, text=True,
                               env=environment, timeout=900, check=False)
    if completed.returncode != 0:
        lines = [line for line in completed.stderr.strip().splitlines() if line.strip()]
        return lines[-1] if lines else f"exit status {completed.returncode}"
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    epochs_run = sorted(result["epochs"])
    return result["first"], epochs_run[len(epochs_run) // 2]


def main(argv=None):
    """Run every row and print the table (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=7, help="timed epochs after the first (median printed)")
    parser.add_argument("--python", default=sys.executable, help="interpreter for the tracegraph rows")
    parser.add_argument("--peer-python", default=sys.executable, help="interpreter with TensorFlow/JAX/PyTorch")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    args = parser.parse_args(argv)
    results = {}
    for framework, which in ROWS:
        results[framework] = run_row(framework, args.python if which == "self" else args.peer_python, args.epochs)
    if args.json:
        print(json.dumps(results, indent=1))
        return 0
    reference = results.get("keras tensorflow")
    reference = reference[1] if isinstance(reference, tuple) else None
    with open("/proc/loadavg") if os.path.exists("/proc/loadavg") else open(os.devnull) as f:
        load = f.read().split()[:1]
    print(f"fit, one epoch of the tutorial MLP (645 steps)  {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
          f"  load {load[0] if load else '?'}")
    print(f"{'row':<18} {'first epoch':>12} {'epoch (median)':>15} {'per step':>10} {'vs keras-tf':>12}")
    for framework, outcome in results.items():
        if not isinstance(outcome, tuple):
            print(f"{framework:<18} skipped: {outcome}")
            continue
        first, median = outcome
        ratio = f"{reference / median:.1f}x" if reference else "-"
        print(f"{framework:<18} {first:>11.3f}s {median:>14.4f}s {median / 645 * 1e6:>8.0f}us {ratio:>12}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
