"""Scalar loops, issue 13's benchmark: Collatz steps and a float32 accumulation, two spellings.

`tracegraph bench` has both loops written with explicit `tf.while_loop` and
`tf.cond` (`tracegraph.benchmarks.loops`). Here they are also written as a user
writes them, Python `while`/`if`/`for` on tensors, which AutoGraph converts when
`tg.function` traces them. (The models must live outside the tracegraph package
for that: AutoGraph never converts tracegraph's own code.) Rows for every CPU
backend; `--peers` adds JAX's `lax` loops under `jax.jit`, TensorFlow's
`tf.function` (which converts the same Python source with its own AutoGraph)
and `numba.njit` of the plain Python loop, where importable.

    python3 bench/loops.py [--peers] [--repeats N] [--json]
"""
import argparse
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(ROOT, "src"), os.path.join(ROOT, "backends")]

from tracegraph import benchmarks  # noqa: E402 - after the path set-up above
from tracegraph.backend import get_backend  # noqa: E402
from tracegraph.benchmarks import loops  # noqa: E402
from tracegraph.benchmarks.runner import traced_backends  # noqa: E402


def collatz_steps(tf, n):
    """Collatz steps from n down to 1, as Python control flow on tensors."""
    steps = tf.constant(0)
    while n > 1:
        if n % 2 == 0:
            n = n // 2
        else:
            n = 3 * n + 1
        steps += 1
    return steps


def accumulate(tf, n):
    """`for i in range(n): s += 0.5 * float(i)` in a float32 scalar."""
    total = tf.constant(0.0)
    for i in range(n):
        total += 0.5 * float(i)
    return total


def autograph_variant(workload, model):
    """`workload` with its model written in Python syntax (the same baseline and peers)."""
    return loops.ScalarLoopWorkload(
        f"{workload.name}_autograph", f"{workload.description}, Python syntax (AutoGraph)", model,
        workload.python_fn, workload.jax_fn, size=workload.sizes[0], size_name=workload.size_name,
        output_dtype=workload.output_dtype)


WORKLOADS = (loops.COLLATZ_STEPS, autograph_variant(loops.COLLATZ_STEPS, collatz_steps),
             loops.ACCUMULATE, autograph_variant(loops.ACCUMULATE, accumulate))


def main(argv=None):
    """Run the loop benchmarks and print their table (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, help="a fixed number of timed repeats (default: adaptive)")
    parser.add_argument("--peers", action="store_true", help="add JAX, TensorFlow and numba where importable")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    args = parser.parse_args(argv)
    cpu_backends = [b for b in traced_backends() if get_backend(b).device_type == "CPU"]
    report = benchmarks.run_benchmarks(WORKLOADS, repeats=args.repeats, peers=args.peers,
                                       compile_times=False, backends=cpu_backends)
    print(benchmarks.report_to_json(report) if args.json else benchmarks.format_report(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
