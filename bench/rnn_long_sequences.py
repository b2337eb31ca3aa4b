"""An LSTM train step on long sequences: peak memory and time against the sequence length.

One traced train step (`tg.function`: forward through `LSTM(32, return_sequences=True)`
and `Dense(1)`, mean squared error, GradientTape, SGD) at batch 32, 8 features, and
T = 50, 100, 400 steps (`--steps`). Inside the step the time loop is one `while_loop`
node, so its gradient records per-iteration values; this benchmark shows whether that
recording grows with T (linear) or T^2.

Each (framework, T) runs in a process of its own, so its peak resident memory
(`ru_maxrss`) is its own: the table shows the peak and its increase over the process
after building the model (before the first step). Time per step is the median of the
timed steps, as wall time and as process CPU time (the CPU time is steadier on a machine
that other jobs load). `--tf` adds the same step in TensorFlow/Keras, run with the
Python of `--tf-python` (default /tmp/tfvenv/bin/python) where it exists.

    python3 bench/rnn_long_sequences.py [--steps 50 100 400] [--repeats N] [--backend numpy] [--tf]
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BATCH, FEATURES, UNITS = 32, 8, 32


def _maxrss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def measure(framework, steps, repeats, backend):
    """One framework at one sequence length, in this process: a dict of the figures."""
    import numpy as np  # noqa: PLC0415 - the parent process only starts children
    if framework == "tf":
        import tensorflow as tf  # noqa: PLC0415 - only in the TF child
        keras, function = tf.keras, tf.function
    else:
        sys.path[:0] = [os.path.join(ROOT, "src"), os.path.join(ROOT, "backends")]
        import tracegraph as tf  # noqa: PLC0415 - after the path set-up above
        keras = tf.keras

        def function(fn):
            return tf.function(fn, backend=backend)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, steps, FEATURES)).astype("float32")
    y = rng.standard_normal((BATCH, steps, 1)).astype("float32")
    model = keras.Sequential([keras.Input((steps, FEATURES)), keras.layers.LSTM(UNITS, return_sequences=True),
                              keras.layers.Dense(1)])
    optimizer = keras.optimizers.SGD(0.01)

    @function
    def train_step(x, y):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x, training=True) - y))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    x, y = tf.constant(x), tf.constant(y)
    before = _maxrss_mb()
    start = time.perf_counter()
    first_loss = float(train_step(x, y))
    first = time.perf_counter() - start
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        float(train_step(x, y))
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return {"framework": framework, "steps": steps, "first_loss": first_loss, "first_call_s": first,
            "wall_ms": 1e3 * statistics.median(walls), "cpu_ms": 1e3 * statistics.median(cpus),
            "peak_mb": _maxrss_mb(), "peak_increase_mb": _maxrss_mb() - before}


def _child(python, framework, steps, repeats, backend):
    """The figures of one (framework, T), measured in a fresh process (None if it failed)."""
    command = [python, os.path.abspath(__file__), "--child", framework, "--steps", str(steps),
               "--repeats", str(repeats), "--backend", backend]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="")
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        print(f"# {framework} T={steps} failed:\n{done.stderr[-2000:]}", file=sys.stderr)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def _table(rows):
    header = (f"{'framework':<12}{'T':>5}{'wall ms/step':>14}{'cpu ms/step':>13}{'first call s':>14}"
              f"{'peak MB':>10}{'+MB in steps':>14}")
    lines = [header]
    for r in rows:
        lines.append(f"{r['framework']:<12}{r['steps']:>5}{r['wall_ms']:>14.1f}{r['cpu_ms']:>13.1f}"
                     f"{r['first_call_s']:>14.2f}{r['peak_mb']:>10.0f}{r['peak_increase_mb']:>14.0f}")
    return "\n".join(lines)


def main(argv=None):
    """Run the benchmark (or, with --child, one measurement) and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, nargs="+", default=[50, 100, 400])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--backend", default="numpy")
    parser.add_argument("--tf", action="store_true", help="add TensorFlow/Keras, each T in its own process")
    parser.add_argument("--tf-python", default="/tmp/tfvenv/bin/python")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.child, args.steps[0], args.repeats, args.backend)))
        return 0
    runs = [(sys.executable, f"tracegraph/{args.backend}")]
    if args.tf and os.path.exists(args.tf_python):
        runs.append((args.tf_python, "tf"))
    rows = []
    for python, framework in runs:
        for steps in args.steps:
            row = _child(python, framework if framework == "tf" else "tracegraph", steps, args.repeats, args.backend)
            if row is not None:
                row["framework"] = framework
                rows.append(row)
    print(f"# LSTM({UNITS}, return_sequences=True) + Dense(1), batch {BATCH}, {FEATURES} features; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(_table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
