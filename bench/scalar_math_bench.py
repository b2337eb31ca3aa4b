"""Benchmark: vectorizable scalar math vs libm calls vs NumPy eager (float32).

For 1e6 and 1e7 float32 elements, prints the median time of

* exp:        np.exp(x)  |  numba prange loop calling math.exp  |  loop calling exp_f32
* scaled_elu: NumPy eager ``scale * np.where(x >= 0, x, alpha * (np.exp(x) - 1))``
              |  fused numba loop with math.exp  |  fused loop with exp_f32
              |  fused loop with expm1_f32 (the accurate way to write exp(x) - 1)

and the speedup of each over NumPy (median and minimum of the runs).  The numba loops write into a
preallocated output (a fresh 40 MB array costs ~10,000 page faults at 1e7,
more than the kernel itself); NumPy eager allocates, as user code does.

Run:  python bench/scalar_math_bench.py
"""
import math
import statistics
import time

import numba
import numpy as np

from tracegraph_backends.numba.scalar_math import exp_f32, expm1_f32

SCALE = np.float32(1.0507009873554805)
ALPHA = np.float32(1.6732632423543772)
ZERO = np.float32(0.0)
ONE = np.float32(1.0)


@numba.njit(parallel=True)
def exp_libm(x, out):
    for i in numba.prange(x.shape[0]):
        out[i] = math.exp(x[i])


@numba.njit(parallel=True)
def exp_poly(x, out):
    for i in numba.prange(x.shape[0]):
        out[i] = exp_f32(x[i])


@numba.njit(parallel=True)
def elu_libm(x, out):
    for i in numba.prange(x.shape[0]):
        v = x[i]
        out[i] = SCALE * (v if v >= ZERO else ALPHA * (np.float32(math.exp(v)) - ONE))


@numba.njit(parallel=True)
def elu_poly(x, out):
    for i in numba.prange(x.shape[0]):
        v = x[i]
        out[i] = SCALE * (v if v >= ZERO else ALPHA * (exp_f32(v) - ONE))


@numba.njit(parallel=True)
def elu_poly_expm1(x, out):
    for i in numba.prange(x.shape[0]):
        v = x[i]
        out[i] = SCALE * (v if v >= ZERO else ALPHA * expm1_f32(v))


def elu_numpy(x):
    return SCALE * np.where(x >= 0, x, ALPHA * (np.exp(x) - 1))


def timings(fn, repeats):
    """(median, min) wall time of fn() over `repeats` runs after a warm-up.

    The minimum is printed too: on a shared 2-core machine a second busy
    process stalls the 2-thread prange loops at random, which inflates the
    median but not the minimum."""
    fn()                                    # warm up (and compile)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times)


def main():
    print(f"numba {numba.__version__}, numpy {np.__version__}")
    max_threads = numba.get_num_threads()
    # The 1-thread pass is less sensitive to other processes competing for
    # the cores (a stalled thread holds up the whole parallel loop).
    for threads in sorted({max_threads, 1}, reverse=True):
        numba.set_num_threads(threads)
        print(f"\n=== numba loops on {threads} thread(s) ===")
        run_sizes()
    numba.set_num_threads(max_threads)


def run_sizes():
    rng = np.random.default_rng(0)
    for n in (10 ** 6, 10 ** 7):
        repeats = 41 if n == 10 ** 6 else 11
        x = rng.uniform(-5.0, 5.0, n).astype(np.float32)
        out = np.empty_like(x)
        rows = [
            ("exp", "np.exp(x)", timings(lambda: np.exp(x), repeats)),
            ("exp", "numba math.exp", timings(lambda: exp_libm(x, out), repeats)),
            ("exp", "numba exp_f32", timings(lambda: exp_poly(x, out), repeats)),
            ("scaled_elu", "numpy eager", timings(lambda: elu_numpy(x), repeats)),
            ("scaled_elu", "numba math.exp", timings(lambda: elu_libm(x, out), repeats)),
            ("scaled_elu", "numba exp_f32", timings(lambda: elu_poly(x, out), repeats)),
            ("scaled_elu", "numba expm1_f32", timings(lambda: elu_poly_expm1(x, out), repeats)),
        ]
        print(f"\nn = {n:.0e} float32, {repeats} runs: median (ratio vs NumPy) | min (ratio vs NumPy)")
        baseline = {}
        for group, name, (med, best) in rows:
            bmed, bbest = baseline.setdefault(group, (med, best))
            print(f"  {group:10s} {name:16s} {med * 1e3:8.3f} ms ({bmed / med:5.1f}x) | "
                  f"{best * 1e3:8.3f} ms ({bbest / best:5.1f}x)")


if __name__ == "__main__":
    main()
