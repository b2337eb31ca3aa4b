"""One MLP training step (8 -> 30 relu -> 1, MSE, SGD), issue 4's benchmark.

Times the step written with a GradientTape and `assign_sub` - eagerly in
tracegraph, and traced with `tg.function` on each CPU backend - against the
same step written by hand in NumPy (forward, manual backward, in-place update),
at batch 32 and 4096, with ratios against the NumPy step from the same run.
Every implementation's first step is checked against NumPy's (loss and updated
parameters). The step itself is `tracegraph.benchmarks.mlp.make_train_step`.

    python3 bench/mlp_step.py [--repeats N] [--peers] [--json]
"""
import argparse
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(ROOT, "src"), os.path.join(ROOT, "backends")]

from tracegraph import benchmarks  # noqa: E402 - after the path set-up above
from tracegraph.backend import get_backend  # noqa: E402
from tracegraph.benchmarks.runner import traced_backends  # noqa: E402


def main(argv=None):
    """Run the MLP-step benchmark and print its table (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, help="a fixed number of timed repeats (default: adaptive)")
    parser.add_argument("--peers", action="store_true", help="add JAX, PyTorch, TensorFlow where importable")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    args = parser.parse_args(argv)
    cpu_backends = [b for b in traced_backends() if get_backend(b).device_type == "CPU"]
    report = benchmarks.run_benchmarks([benchmarks.get_workload("mlp_step")], repeats=args.repeats,
                                       peers=args.peers, compile_times=False, backends=cpu_backends)
    print(benchmarks.report_to_json(report) if args.json else benchmarks.format_report(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
