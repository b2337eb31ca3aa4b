"""Train steps of the convolution-family layers (issue 20), tracegraph against Keras 3 on TensorFlow.

Each case is one layer at a MobileNet-like shape; its step is the TF2 idiom, traced with `function`:
a GradientTape around `reduce_sum(square(layer(x)))`, then the gradient with respect to the layer's
weights and (the "+dx" rows, as for any layer but the first of a network) its input. Every framework
runs in a new process (so no library's threads disturb another's), with the interpreter given for it;
the weights are the same in both, and the first step's loss is printed to show that they agree.
Printed: the best and median time of `--repeats` steps per row (over all `--rounds`: the frameworks
run in turn, a new process each, so that a change of the machine's load meets both), and
TensorFlow's median over tracegraph's (above 1: tracegraph is faster).

    python3 bench/conv_family.py [--repeats N] [--rounds N] [--blas-threads N] [--peer-python PATH]
                                 [--backend numba] [--case NAME] [--no-peer] [--json]

OpenBLAS's thread count decides the BLAS-bound rows (Conv2D, the transposed and the pointwise
convolutions) on a shared machine: see bench/results/conv_family_session7.txt.

`--peer-python` is the interpreter with TensorFlow and Keras 3 (default /tmp/tfvenv/bin/python);
LocallyConnected2D (gone from Keras 3) comes from `tf_keras` there.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

#: (name, layer constructor source with `L` the layers module, input shape)
CASES = [
    ("DepthwiseConv2D", "L.DepthwiseConv2D(3, padding='same')", (8, 64, 64, 32)),
    ("DepthwiseConv2D s2", "L.DepthwiseConv2D(3, strides=2, padding='same')", (8, 64, 64, 32)),
    ("SeparableConv2D", "L.SeparableConv2D(64, 3, padding='same')", (8, 64, 64, 32)),
    ("Conv2DTranspose", "L.Conv2DTranspose(32, 3, strides=2, padding='same')", (8, 32, 32, 64)),
    ("Conv2D", "L.Conv2D(32, 3, padding='same')", (8, 64, 64, 32)),
    ("LocallyConnected2D", "LC(8, 3)", (32, 16, 16, 4)),
]

#: The program each framework runs in its own process: one JSON line per case and step kind.
_CHILD = r'''
import json, os, sys, time
import numpy as np
FRAMEWORK, REPEATS, CASES = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
if FRAMEWORK == "tensorflow":
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    import tensorflow as tf, keras
    L = keras.layers
    def LC(*args, **kwargs):
        import tf_keras
        return tf_keras.layers.LocallyConnected2D(*args, **kwargs)
else:
    import tracegraph as tf
    tf.config.set_backend(FRAMEWORK.split()[1])
    tf.config.experimental.set_tiered_execution(False)
    L = tf.keras.layers
    LC = L.LocallyConnected2D
for name, source, shape in CASES:
    rng = np.random.default_rng(0)
    layer = eval(source)
    layer.build(tuple(shape))
    layer.set_weights([(rng.standard_normal(w.shape) * 0.1).astype(np.float32) for w in layer.weights])
    x = tf.constant(rng.standard_normal(shape).astype(np.float32))
    for with_input in (False, True):
        @tf.function
        def step(x):
            with tf.GradientTape() as tape:
                tape.watch(x)
                loss = tf.reduce_sum(tf.square(layer(x)))
            sources = list(layer.trainable_weights) + ([x] if with_input else [])
            return loss, tape.gradient(loss, sources)
        loss = float(step(x)[0].numpy())
        for _ in range(3):
            step(x)
        times = []
        for _ in range(REPEATS):
            start = time.perf_counter()
            outputs = step(x)
            outputs[1][0].numpy()
            times.append(time.perf_counter() - start)
        print(json.dumps({"case": name + (" +dx" if with_input else ""), "loss": loss, "times": times}), flush=True)
'''


def run_framework(python, framework, repeats, cases, blas_threads=None):
    """{case: {"loss", "times"}} of one framework, run in a new process (or {"error": ...})."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([os.path.join(ROOT, "src"), os.path.join(ROOT, "backends")]))
    if blas_threads is not None:
        env["OPENBLAS_NUM_THREADS"] = str(blas_threads)
    try:
        process = subprocess.run([python, "-c", _CHILD, framework, str(repeats), json.dumps(cases)],
                                 capture_output=True, text=True, env=env)
    except OSError as error:
        return {"error": f"{python}: {error}"}
    rows = [json.loads(line) for line in process.stdout.splitlines() if line.startswith("{")]
    if process.returncode != 0:
        return {"error": process.stderr.strip().splitlines()[-1] if process.stderr.strip() else "failed"}
    return {row["case"]: row for row in rows}


def _merge(rows, more):
    """Add one run's rows to `rows` (their times joined); an error is kept only if nothing ran."""
    if "error" in more:
        if not rows:
            rows.update(more)
        return
    rows.pop("error", None)
    for case, row in more.items():
        rows.setdefault(case, {**row, "times": []})["times"].extend(row["times"])


def format_table(results, load, blas_threads):
    """The table: per case, each framework's best and median step time and TF median / tracegraph median."""
    frameworks = list(results)
    lines = [f"load average (1 min) before/after: {load[0]:.2f} / {load[1]:.2f}; tracegraph's OPENBLAS_NUM_THREADS="
             f"{blas_threads or os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}",
             f"{'case':26s}" + "".join(f"{f + ' best/median ms':>34s}" for f in frameworks) + f"{'TF/tg':>8s}"]
    cases = [row for rows in results.values() if "error" not in rows for row in rows]
    for case in dict.fromkeys(cases):
        cells, medians = [], {}
        for framework in frameworks:
            row = results[framework].get(case)
            if row is None:
                cells.append(f"{'-':>34s}")
                continue
            medians[framework] = statistics.median_high(row["times"])
            cells.append(f"{1e3 * min(row['times']):14.2f} /{1e3 * medians[framework]:8.2f}"
                         f"  (loss {row['loss']:.4g})".rjust(34))
        ratio = ""
        tf_median = medians.get("tensorflow")
        tg_median = next((m for f, m in medians.items() if f.startswith("tracegraph")), None)
        if tf_median and tg_median:
            ratio = f"{tf_median / tg_median:8.2f}"
        lines.append(f"{case:26s}" + "".join(cells) + ratio)
    for framework, rows in results.items():
        if "error" in rows:
            lines.append(f"{framework}: skipped ({rows['error']})")
    return "\n".join(lines)


def main(argv=None):
    """Run every case in each framework's own process and print the table (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=30, help="timed steps per row and round (default 30)")
    parser.add_argument("--rounds", type=int, default=1, help="runs of every framework, alternating (default 1)")
    parser.add_argument("--python", default=sys.executable, help="the interpreter for tracegraph")
    parser.add_argument("--peer-python", default="/tmp/tfvenv/bin/python", help="the interpreter with TensorFlow")
    parser.add_argument("--backend", default="numba", help="tracegraph's backend (default numba)")
    parser.add_argument("--blas-threads", type=int, help="OPENBLAS_NUM_THREADS for tracegraph's process "
                        "(TensorFlow does not use OpenBLAS); default: inherited")
    parser.add_argument("--case", action="append", help="only these cases (by name; repeatable)")
    parser.add_argument("--no-peer", action="store_true", help="tracegraph only")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    args = parser.parse_args(argv)
    cases = [case for case in CASES if not args.case or case[0] in args.case]
    load_start = os.getloadavg()[0]
    runs = {f"tracegraph {args.backend}": (args.python, args.blas_threads)}
    if not args.no_peer:
        runs["tensorflow"] = (args.peer_python, None)
    results = {}
    for _ in range(args.rounds):  # alternating, so that a change of the machine's load meets every framework
        for framework, (python, blas_threads) in runs.items():
            _merge(results.setdefault(framework, {}),
                   run_framework(python, framework, args.repeats, cases, blas_threads))
    load = (load_start, os.getloadavg()[0])
    table = format_table(results, load, args.blas_threads)
    print(json.dumps({"load": load, "results": results}) if args.json else table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
