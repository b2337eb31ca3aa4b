"""The cost of one eager op on small tensors: the machinery of `bind` around a near-free computation.

    python3 bench/eager_ops.py [--repeats 15] [--torch] [--tf]

Rows (float32, eager, no tape, no graph):

    x * 2 + 1        two elementwise ops on a float32[4] tensor (operators, Python scalars)
    exp(x)           one unary op on float32[4]
    x + y            one binary op on two float32[4] tensors
    reduce_sum(x)    a full reduction of float32[4]
    mlp 32x8         a tutorial-style eager MLP forward: relu(x @ w1 + b1) @ w2 + b2 on a 32x8 batch

Each figure is the median (and best) of repeated measurements, rows measured in turn round
after round (`function_overhead.median_seconds`); NumPy on the raw arrays is shown for scale,
and PyTorch / TensorFlow eager with `--torch` / `--tf` when they are installed.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402 - after the path set-up above

import tracegraph as tg  # noqa: E402
from function_overhead import median_seconds  # noqa: E402


def _mlp_arrays():
    rng = np.random.default_rng(0)
    return {"x": rng.standard_normal((32, 8), dtype=np.float32),
            "w1": rng.standard_normal((8, 16), dtype=np.float32), "b1": np.zeros(16, np.float32),
            "w2": rng.standard_normal((16, 4), dtype=np.float32), "b2": np.zeros(4, np.float32)}


def tracegraph_rows():
    """name -> zero-argument callable running the workload eagerly with tracegraph."""
    x = tg.constant(np.arange(4, dtype=np.float32))
    y = tg.constant(np.ones(4, dtype=np.float32))
    m = {k: tg.constant(v) for k, v in _mlp_arrays().items()}

    def mlp():
        h = tg.nn.relu(tg.matmul(m["x"], m["w1"]) + m["b1"])
        return tg.matmul(h, m["w2"]) + m["b2"]

    return {"x * 2 + 1": lambda: x * 2 + 1, "exp(x)": lambda: tg.exp(x), "x + y": lambda: x + y,
            "reduce_sum(x)": lambda: tg.reduce_sum(x), "mlp 32x8": mlp}


def numpy_rows():
    """The same workloads on the NumPy arrays themselves."""
    x, y = np.arange(4, dtype=np.float32), np.ones(4, dtype=np.float32)
    m = _mlp_arrays()

    def mlp():
        h = np.maximum(m["x"] @ m["w1"] + m["b1"], 0)
        return h @ m["w2"] + m["b2"]

    return {"x * 2 + 1": lambda: x * 2 + 1, "exp(x)": lambda: np.exp(x), "x + y": lambda: x + y,
            "reduce_sum(x)": lambda: np.sum(x), "mlp 32x8": mlp}


def torch_rows():
    """The same workloads in PyTorch eager (None when torch is not installed)."""
    try:
        import torch  # noqa: PLC0415 - optional peer, only with --torch
    except ImportError:
        return None
    torch.set_num_threads(1)  # tensors this small run on one thread; idle pool threads only add noise
    x, y = torch.arange(4, dtype=torch.float32), torch.ones(4)
    m = {k: torch.from_numpy(v) for k, v in _mlp_arrays().items()}

    def mlp():
        h = torch.relu(m["x"] @ m["w1"] + m["b1"])
        return h @ m["w2"] + m["b2"]

    return {"x * 2 + 1": lambda: x * 2 + 1, "exp(x)": lambda: torch.exp(x), "x + y": lambda: x + y,
            "reduce_sum(x)": lambda: torch.sum(x), "mlp 32x8": mlp}


def main():
    """Print one table row per workload: seconds per call for tracegraph and its peers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--torch", action="store_true", help="also measure PyTorch eager")
    args = parser.parse_args()
    columns = {"tracegraph": tracegraph_rows(), "numpy": numpy_rows()}
    if args.torch and (rows := torch_rows()) is not None:
        columns["torch"] = rows
    results = {name: {row: (median, best) for row, median, best in median_seconds(rows, args.repeats)}
               for name, rows in columns.items()}
    print(f"{'workload':<16}" + "".join(f"{name + ' med/best us':>26}" for name in columns))
    for row in columns["tracegraph"]:
        cells = "".join(f"{results[name][row][0] * 1e6:>16.2f} / {results[name][row][1] * 1e6:>6.2f}"
                        for name in columns)
        print(f"{row:<16}{cells}")


if __name__ == "__main__":
    main()
