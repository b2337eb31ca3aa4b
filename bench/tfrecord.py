"""TFRecord throughput: write and read 100k small `tf.train.Example`s, tracegraph against TensorFlow.

Each framework runs in its own process (TensorFlow from `--peer-python`, e.g. a venv with TF 2.21) on
the same files' worth of work, and the table gives the best of `--repeats` times and TF's time over
tracegraph's (above 1: tracegraph is faster). An Example holds an int64 `id`, four float32 `vec`
values and a bytes `label` (~50 bytes serialized). The rows:

- `build+serialize`: make each Example with the `train.Example` classes and `SerializeToString()` it;
- `write plain` / `write gzip`: `io.TFRecordWriter` over the serialized records;
- `read plain` / `read gzip`: one pass of `data.TFRecordDataset` (no parsing), iterated in Python;
- `count plain (reduce)`: `TFRecordDataset(...).reduce(0, count)`, where TF's loop runs in C++;
- `read+parse_example`: `TFRecordDataset(...).batch(256).map(parse_example)`, the fast path TF recommends;
- `read+parse_single`: `TFRecordDataset(...).map(parse_single_example)`, one Example per call.

    python3 bench/tfrecord.py [--count 100000] [--repeats 3] [--peer-python /tmp/tfvenv/bin/python]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _framework(name):
    if name == "tf":
        import tensorflow as tf  # noqa: PLC0415 - only in the peer's process
        return tf
    sys.path.insert(0, os.path.join(ROOT, "src"))
    import tracegraph as tg  # noqa: PLC0415 - only in tracegraph's process
    return tg


def _examples(tf, count):
    t = tf.train
    return [t.Example(features=t.Features(feature={
        "id": t.Feature(int64_list=t.Int64List(value=[i])),
        "vec": t.Feature(float_list=t.FloatList(value=[i * 0.5, 1.0, -2.0, 0.25])),
        "label": t.Feature(bytes_list=t.BytesList(value=[b"class-%d" % (i % 10)]))})).SerializeToString()
        for i in range(count)]


def _best(run, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def measure(name, count, repeats, directory):
    """{row: seconds} for one framework."""
    tf = _framework(name)
    records = _examples(tf, count)
    spec = {"id": tf.io.FixedLenFeature([], tf.int64), "vec": tf.io.FixedLenFeature([4], tf.float32),
            "label": tf.io.FixedLenFeature([], tf.string)}
    paths = {kind: os.path.join(directory, f"{name}_{kind or 'plain'}.tfrecord") for kind in ("", "GZIP")}

    def write(kind):
        with tf.io.TFRecordWriter(paths[kind], kind) as writer:
            for record in records:
                writer.write(record)

    def consume(dataset):
        for _ in dataset:
            pass

    rows = {"build+serialize": _best(lambda: _examples(tf, count), repeats)}
    rows["write plain"] = _best(lambda: write(""), repeats)
    rows["write gzip"] = _best(lambda: write("GZIP"), repeats)
    rows["read plain"] = _best(lambda: consume(tf.data.TFRecordDataset(paths[""])), repeats)
    rows["read gzip"] = _best(lambda: consume(tf.data.TFRecordDataset(paths["GZIP"], "GZIP")), repeats)
    counted = tf.data.TFRecordDataset(paths[""])
    rows["count plain (reduce)"] = _best(lambda: counted.reduce(tf.constant(0, tf.int64), lambda n, _: n + 1), repeats)
    batched = tf.data.TFRecordDataset(paths[""]).batch(256).map(lambda r: tf.io.parse_example(r, spec))
    rows["read+parse_example"] = _best(lambda: consume(batched), repeats)
    single = tf.data.TFRecordDataset(paths[""]).map(lambda r: tf.io.parse_single_example(r, spec))
    rows["read+parse_single"] = _best(lambda: consume(single), repeats)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--peer-python", default=None, help="a Python with TensorFlow installed")
    parser.add_argument("--framework", choices=["tg", "tf"], default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.framework:
        with tempfile.TemporaryDirectory(prefix="tg-tfrecord-bench-") as directory:
            print(json.dumps(measure(args.framework, args.count, args.repeats, directory)))
        return
    results = {}
    for name, python in (("tg", sys.executable), ("tf", args.peer_python)):
        if python is None:
            continue
        out = subprocess.run([python, os.path.abspath(__file__), "--framework", name, "--count", str(args.count),
                              "--repeats", str(args.repeats)], capture_output=True, text=True, check=True)
        results[name] = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"{args.count} Examples, best of {args.repeats}; records/s, and TF's time over tracegraph's")
    print(f"{'row':<20}{'tracegraph':>14}{'TensorFlow':>14}{'TF/tg':>8}")
    for row, seconds in results["tg"].items():
        peer = results.get("tf", {}).get(row)
        line = f"{row:<20}{args.count / seconds:>12,.0f}/s"
        if peer:
            line += f"{args.count / peer:>12,.0f}/s{peer / seconds:>8.2f}"
        print(line)


if __name__ == "__main__":
    main()
