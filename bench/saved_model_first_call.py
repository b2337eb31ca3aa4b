"""First call of a loaded saved model in a fresh process, with a warm kernel cache.

A Keras MLP (8 -> 64 relu -> 64 relu -> 1) is exported with `tg.saved_model.save` to a temporary
directory; one process loads and calls it to fill the kernel cache; then each of `--runs` fresh
processes times `import tracegraph`, `tg.saved_model.load`, the first call after `load` returns
(the figure the goal is about: at most 50 ms), a second call, and (2 s later, when the background
compile is done) the median call, on a batch of 32 rows.
With `--tf-python`, the same architecture is exported with `tf.saved_model.save` and timed the
same way in that interpreter (TensorFlow's own first call, for comparison).

    python3 bench/saved_model_first_call.py [--runs N] [--backend NAME] [--tf-python PATH] [--json]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

#: Exports the model (argv: framework, directory).
_EXPORT = r'''
import sys
import numpy as np
FRAMEWORK, PATH = sys.argv[1], sys.argv[2]
if FRAMEWORK == "tracegraph":
    import tracegraph as tg
    from tracegraph import keras
    import tracegraph.saved_model as saved_model
else:
    import tensorflow as tg
    import keras
    saved_model = tg.saved_model
keras.utils.set_random_seed(0)
model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(64, activation="relu"),
                          keras.layers.Dense(64, activation="relu"), keras.layers.Dense(1)])
if FRAMEWORK == "tracegraph":
    saved_model.save(model, PATH)
else:
    model.export(PATH, verbose=False)
'''

#: Loads and calls in a fresh process; prints one JSON line of seconds.
_CHILD = r'''
import time
t0 = time.perf_counter()
import json, sys
import numpy as np
FRAMEWORK, PATH, BACKEND = sys.argv[1], sys.argv[2], sys.argv[3]
if FRAMEWORK == "tracegraph":
    import tracegraph as tg
    import tracegraph.saved_model as saved_model
    if BACKEND != "default":
        tg.config.set_backend(BACKEND)
else:
    import tensorflow as tg
    saved_model = tg.saved_model
x = tg.constant(np.random.default_rng(1).standard_normal((32, 8)).astype(np.float32))
t1 = time.perf_counter()
loaded = saved_model.load(PATH)
serve = loaded.signatures["serving_default"]
name = list(serve.structured_input_signature[1])[0]
t2 = time.perf_counter()
first = serve(**{name: x})
np.asarray(list(first.values())[0])
t3 = time.perf_counter()
second = serve(**{name: x})
np.asarray(list(second.values())[0])
t4 = time.perf_counter()
time.sleep(2.0)  # the background compile of the default backend (warm kernel cache) is done by now
times = []
for _ in range(20):
    t = time.perf_counter()
    np.asarray(list(serve(**{name: x}).values())[0])
    times.append(time.perf_counter() - t)
print(json.dumps({"import": t1 - t0, "load": t2 - t1, "first_call": t3 - t2, "second_call": t4 - t3,
                  "compiled_call": sorted(times)[len(times) // 2]}))
'''


def _run(python, code, *args, env=None):
    done = subprocess.run([python, "-c", code, *args], capture_output=True, text=True, env=env, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"{python} failed:\n{done.stderr[-2000:]}")
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


def measure(framework, python, runs, backend, directory, env):
    """Medians (seconds) of import, load, first and second call over `runs` fresh processes."""
    path = os.path.join(directory, framework)
    _run(python, _EXPORT, framework, path, env=env)
    _run(python, _CHILD, framework, path, backend, env=env)  # warms the kernel cache
    samples = [json.loads(_run(python, _CHILD, framework, path, backend, env=env)) for _ in range(runs)]
    return {key: statistics.median(s[key] for s in samples) for key in samples[0]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="fresh processes to time (median)")
    parser.add_argument("--backend", default="default", help="tracegraph backend (default: the fastest available)")
    parser.add_argument("--tf-python", help="an interpreter with TensorFlow, for TF's row")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args()
    rows = {}
    with tempfile.TemporaryDirectory() as directory:
        env = dict(os.environ)
        env.setdefault("TRACEGRAPH_CACHE_DIR", os.path.join(directory, "kernel-cache"))
        rows[f"tracegraph ({args.backend})"] = measure("tracegraph", sys.executable, args.runs, args.backend,
                                                       directory, env)
        if args.tf_python:
            tf_env = dict(env, TF_CPP_MIN_LOG_LEVEL="3")
            rows["tensorflow"] = measure("tensorflow", args.tf_python, args.runs, "default", directory, tf_env)
    if args.json:
        print(json.dumps(rows, indent=1))
        return
    print(f"{'':24} {'import':>10} {'load':>10} {'first call':>12} {'second call':>12} {'later call':>12}"
          f"   (median of {args.runs} processes)")
    for name, row in rows.items():
        print(f"{name:24} {row['import'] * 1e3:8.1f}ms {row['load'] * 1e3:8.1f}ms "
              f"{row['first_call'] * 1e3:10.2f}ms {row['second_call'] * 1e3:10.3f}ms "
              f"{row['compiled_call'] * 1e3:10.3f}ms")


if __name__ == "__main__":
    main()
