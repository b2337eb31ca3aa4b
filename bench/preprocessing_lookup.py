"""Keras preprocessing layers on 1e5 values per call: tracegraph against Keras 3 on TensorFlow.

Each framework runs in its own process (TensorFlow from `--peer-python`, e.g. a venv with TF 2.21) on the same
inputs, and the table gives the best of `--repeats` calls' times (after a warm-up call; tracegraph's tiered
execution is off, so that call loads its kernels) and TF's time over tracegraph's (above 1: tracegraph is
faster). The layer is called inside a traced function (`tg.function` / `tf.function`) on a tensor made
beforehand. The inputs: `--count` tokens drawn (Zipf-like) from 1000 words
of 3 to 12 letters, a tenth of them out of the vocabulary; integers the same way from 1000 values.

- `StringLookup`: the 1000 words as vocabulary, one OOV index (`num_oov_indices=3` in the second row);
- `Hashing`: `num_bins=1024` (the second row with `mask_value`);
- `IntegerLookup`: the 1000 integers as vocabulary.

    python3 bench/preprocessing_lookup.py [--count 100000] [--repeats 20] [--peer-python /tmp/tfvenv/bin/python]
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VOCABULARY_SIZE = 1000


def _framework(name):
    if name == "tf":
        import keras  # noqa: PLC0415 - only in the peer's process
        import tensorflow as tf  # noqa: PLC0415 - only in the peer's process
        return tf, keras
    sys.path.insert(0, os.path.join(ROOT, "src"))
    import tracegraph as tg  # noqa: PLC0415 - only in tracegraph's process
    # The steady state: kernels loaded on the first call (not on a background thread while it is timed).
    tg.config.experimental.set_tiered_execution(False)
    return tg, tg.keras


def _data(count):
    """(vocabulary words, tokens, integer vocabulary, integers): the same in both processes."""
    rng = np.random.default_rng(0)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    words = sorted({"".join(rng.choice(letters, rng.integers(3, 13))) for _ in range(2 * VOCABULARY_SIZE)})
    words = [words[i] for i in rng.permutation(len(words))]
    vocabulary, unknown = words[:VOCABULARY_SIZE], words[VOCABULARY_SIZE:]
    ranks = np.minimum(rng.zipf(1.3, count), VOCABULARY_SIZE) - 1
    oov = rng.random(count) < 0.1
    tokens = np.where(oov, np.array(unknown, dtype=object)[ranks % len(unknown)],
                      np.array(vocabulary, dtype=object)[ranks]).astype(str)
    integers = rng.permutation(10 * VOCABULARY_SIZE)[:VOCABULARY_SIZE].astype(np.int64)
    values = np.where(oov, 10 * VOCABULARY_SIZE + ranks, integers[ranks]).astype(np.int64)
    return vocabulary, tokens, integers, values


def _best(run, repeats):
    run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def measure(name, count, repeats):
    """{row: seconds} for one framework."""
    tf, keras = _framework(name)
    vocabulary, tokens, integers, values = _data(count)
    text, numbers = tf.constant(tokens), tf.constant(values)
    layers = keras.layers
    rows = {
        "StringLookup": (layers.StringLookup(vocabulary=vocabulary), text),
        "StringLookup oov=3": (layers.StringLookup(vocabulary=vocabulary, num_oov_indices=3), text),
        "Hashing": (layers.Hashing(num_bins=1024), text),
        "Hashing mask": (layers.Hashing(num_bins=1024, mask_value=vocabulary[0]), text),
        "IntegerLookup": (layers.IntegerLookup(vocabulary=integers), numbers),
    }
    results, checks = {}, {}
    for row, (layer, inputs) in rows.items():
        call = tf.function(lambda x, layer=layer: layer(x))
        results[row] = _best(lambda: call(inputs).numpy(), repeats)
        checks[row] = int(np.asarray(call(inputs)).astype(np.int64).sum())
    return results, checks


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--peer-python", default=None, help="a Python with TensorFlow and Keras 3 installed")
    parser.add_argument("--framework", choices=["tg", "tf"], default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.framework:
        print(json.dumps(measure(args.framework, args.count, args.repeats)))
        return
    results = {}
    for name, python in (("tg", sys.executable), ("tf", args.peer_python)):
        if python is None:
            continue
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", KERAS_BACKEND="tensorflow")
        out = subprocess.run([python, os.path.abspath(__file__), "--framework", name, "--count", str(args.count),
                              "--repeats", str(args.repeats)], capture_output=True, text=True, check=True, env=env)
        results[name] = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"{args.count} values per call, traced, best of {args.repeats}; ms, and TF's time over tracegraph's")
    print(f"{'layer':<22}{'tracegraph':>12}{'TensorFlow':>12}{'TF/tg':>8}  same result")
    times, checks = results["tg"]
    for row, seconds in times.items():
        line = f"{row:<22}{1e3 * seconds:>12.2f}"
        if "tf" in results:
            peer, peer_checks = results["tf"]
            line += f"{1e3 * peer[row]:>12.2f}{peer[row] / seconds:>8.2f}  {checks[row] == peer_checks[row]}"
        print(line)


if __name__ == "__main__":
    main()
