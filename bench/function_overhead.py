"""The cost of the `tg.function` machinery itself: per-call overhead and trace time.

    python3 bench/function_overhead.py [--backend numpy] [--repeats 15] [--quick]

Part 1 calls `x * 2 + 1` on a 4-element float32 tensor, where the arithmetic
is nearly free, so what is measured is the machinery around it:

    numpy            `array * 2 + 1` on the NumPy array itself
    plan             the compiled plan alone, arrays in and out (what the ops cost)
    concrete (flat)  ConcreteFunction.call_flat([x]): wrap, run the plan, unwrap
    concrete         cf(x): the same, with the argument checked against the signature
    function         f(x): tg.function's call path, cache lookup included
    eager python     the plain Python function run eagerly, op by op

Part 2 traces a function of 100 ops (elementwise ops on a small tensor),
against running that Python function eagerly once:

    eager once       the Python function run eagerly, once
    trace            get_concrete_function on a fresh tg.function: the trace alone
    first call       a fresh tg.function's first call: trace, optimize, compile, run

Every figure is the median of repeated measurements in this one run (the
rows of a table are measured in turn, round after round); each measurement of
a fast call times a loop of calls and divides. Ratios are against the row
marked `=1`; the best (minimum) measurement is shown too, as it is the figure
least disturbed by other work on the machine.
"""
import argparse
import gc
import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(ROOT, "src"), os.path.join(ROOT, "backends")]

import numpy as np  # noqa: E402 - after the path set-up above

import tracegraph as tg  # noqa: E402

#: Each measurement of a fast call lasts at least this long (so timer resolution does not matter).
MIN_MEASUREMENT_S = 0.02


def median_seconds(calls, repeats):
    """[(name, median seconds per call, best seconds per call)] for `calls` (a dict name -> callable).

    The rows are measured in turn, round after round, so a burst of load from
    elsewhere on the machine spreads over all rows instead of skewing one.
    """
    for call in calls.values():
        call()  # warm up (and compile)
    numbers = {name: _loop_length(call) for name, call in calls.items()}
    times = {name: [] for name in calls}
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeats):
            for name, call in calls.items():
                number = numbers[name]
                start = time.perf_counter()
                for _ in range(number):
                    call()
                times[name].append((time.perf_counter() - start) / number)
    finally:
        if gc_was_enabled:
            gc.enable()
    return [(name, statistics.median(values), min(values)) for name, values in times.items()]


def _loop_length(call):
    number = 1
    while True:
        start = time.perf_counter()
        for _ in range(number):
            call()
        if time.perf_counter() - start >= MIN_MEASUREMENT_S:
            return number
        number *= 2


def tiny(x):
    return x * 2 + 1


def hundred_ops(x):
    """100 elementwise ops: 25 rounds of multiply, add, sin, maximum."""
    y = x
    for _ in range(25):
        y = tg.maximum(tg.sin(y * 1.01 + 0.1), -0.5)
    return y


def call_overhead(backend, repeats):
    """Rows (name, seconds per call) for the tiny function."""
    array = np.arange(4, dtype=np.float32)
    x = tg.constant(array)
    f = tg.function(tiny, backend=backend)
    f(x)
    concrete = f.get_concrete_function(x)
    plan = concrete.compile()
    arrays = [array]
    flat = (x,)
    return median_seconds({
        "numpy": lambda: array * 2 + 1,
        "plan": lambda: plan(arrays),
        "concrete (flat)": lambda: concrete.call_flat(flat),
        "concrete": lambda: concrete(x),
        "function": lambda: f(x),
        "eager python": lambda: tiny(x),
    }, repeats)


def trace_time(backend, repeats):
    """Rows (name, seconds) for the 100-op function."""
    x = tg.constant(np.linspace(-1, 1, 4, dtype=np.float32))

    def trace():
        tg.function(hundred_ops, backend=backend).get_concrete_function(x)

    def first_call():
        tg.function(hundred_ops, backend=backend)(x)

    graph = tg.function(hundred_ops).get_concrete_function(x).graph
    n_ops = sum(1 for node in graph.nodes if node.op.name != "const")
    assert n_ops == 100, n_ops
    return median_seconds({"eager once": lambda: hundred_ops(x), "trace": trace, "first call": first_call},
                          repeats)


def print_table(title, rows, baseline, unit_scale, unit):
    """Median and best of each row, and the ratio of the medians to the baseline row's."""
    reference = next(median for name, median, _ in rows if name == baseline)
    print(f"\n{title}")
    print(f"  {'':<18}{'median ' + unit:>12}{'best ' + unit:>12}{'ratio':>8}")
    for name, median, best in rows:
        mark = "  =1" if name == baseline else ""
        print(f"  {name:<18}{median * unit_scale:>12.2f}{best * unit_scale:>12.2f}{median / reference:>8.2f}{mark}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", default="numpy", help="backend of the traced function (default numpy)")
    parser.add_argument("--repeats", type=int, default=15, help="measurements per row (median)")
    parser.add_argument("--quick", action="store_true", help="5 repeats per row")
    args = parser.parse_args(argv)
    repeats = 5 if args.quick else args.repeats
    print(f"tracegraph {tg.__version__}, backend {args.backend}, NumPy {np.__version__}, "
          f"Python {sys.version.split()[0]}, median of {repeats}")
    rows = call_overhead(args.backend, repeats)
    print_table("Per call, x * 2 + 1 on 4 float32 elements", rows, "numpy", 1e6, "us")
    medians = {name: median for name, median, _ in rows}
    print(f"  above the plan (medians): concrete {1e6 * (medians['concrete'] - medians['plan']):.2f} us, "
          f"function {1e6 * (medians['function'] - medians['plan']):.2f} us")
    print_table("A function of 100 elementwise ops on 4 elements", trace_time(args.backend, repeats),
                "eager once", 1e3, "ms")


if __name__ == "__main__":
    main()
