"""Scalar loops: a while loop with a branch (Collatz steps) and a float32 accumulation.

`model(tf, n)` is written against TensorFlow 2's API with explicit
`tf.while_loop` and `tf.cond`, so the same source runs on tracegraph and, for
`--peers`, on TensorFlow. (AutoGraph turns Python `while`/`if` on tensors into
these same nodes; `bench/loops.py` measures that spelling too.) The baseline is
the loop in plain Python on NumPy scalars; the peers are JAX's `lax` loops under
`jax.jit` and the plain Python loop compiled by `numba.njit`.

The size of a case is the loop's argument: the starting number (Collatz) or the
iteration count (accumulation).
"""
import functools

import numpy as np

import tracegraph as tg

from . import peers
from .base import Implementation, NotApplicable, Workload, format_size, tracegraph_implementation, to_tensors

__all__ = ["ScalarLoopWorkload", "COLLATZ_STEPS", "ACCUMULATE", "collatz_steps", "accumulate"]


class ScalarLoopWorkload(Workload):
    """A loop over int32 and float32 scalars whose argument is one int32 scalar."""

    rtol, atol = 1e-6, 0.0

    def __init__(self, name, description, model, python_fn, jax_fn, size, size_name, output_dtype):
        self.name = name
        self.description = description
        self.model = model
        self.python_fn = python_fn        # the loop on Python/NumPy scalars (also what numba compiles)
        self.jax_fn = jax_fn
        self.sizes = self.quick_sizes = (size,)
        self.probe_size = size
        self.size_name = size_name
        self.output_dtype = np.dtype(output_dtype)

    def size_label(self, size):
        return f"{self.size_name}={format_size(size)}"

    def inputs(self, size, rng):
        return [np.asarray(size, dtype=np.int32)]

    def numpy(self, inputs):
        n = inputs[0][()]
        return Implementation("python + numpy scalars", "numpy", lambda: self.python_fn(n))

    def tracegraph(self, inputs, backend=None):
        # a partial of the model (not a wrapper defined here): AutoGraph converts the model itself
        # where it is user code, as in bench/loops.py
        fn = functools.partial(self.model, tg)
        return tracegraph_implementation(fn, to_tensors(inputs, backend), backend)

    def peer(self, library, module, inputs):
        n = inputs[0][()]
        if library == "numba":
            compiled = module.njit(self.python_fn)
            return [Implementation("numba njit (plain loop)", "peer", lambda: compiled(n), self._as_output)]
        if library == "jax":
            return [peers.jax_implementation(module, lambda n: self.jax_fn(module, n), inputs)]
        if library == "tensorflow":
            return peers.tensorflow_implementations(
                module, lambda: (functools.partial(self.model, module), [module.constant(inputs[0])], None))
        raise NotApplicable(f"no {library} formulation")

    def _as_output(self, result):
        """numba returns Python numbers: the result as an array of the workload's dtype."""
        return (np.asarray(result, dtype=self.output_dtype),)


# ----- Collatz steps: a while loop around an if/else on int32 -----------------------------------

def collatz_steps(tf, n):
    """The number of Collatz steps from n down to 1 (111 from 27)."""
    def body(n, steps):
        n = tf.cond(n % 2 == 0, lambda: n // 2, lambda: 3 * n + 1)
        return n, steps + 1
    return tf.while_loop(lambda n, steps: n > 1, body, (n, tf.constant(0)))[1]


def _collatz_steps_python(n):
    steps = np.int32(0)
    while n > 1:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        steps += 1
    return steps


def _collatz_steps_jax(jax, n):
    lax = jax.lax

    def body(state):
        n, steps = state
        n = lax.cond(n % 2 == 0, lambda n: n // 2, lambda n: 3 * n + 1, n)
        return n, steps + 1
    return lax.while_loop(lambda state: state[0] > 1, body, (n, jax.numpy.int32(0)))[1]


COLLATZ_STEPS = ScalarLoopWorkload(
    "collatz_steps", "steps of n -> n/2 or 3n+1 until 1: if/else in a while, int32 scalars (111 from 27)",
    collatz_steps, _collatz_steps_python, _collatz_steps_jax, size=27, size_name="n", output_dtype=np.int32)


# ----- accumulation: for i in range(n): s += 0.5 * float(i), float32 ---------------------------

def accumulate(tf, n):
    """The sum of 0.5 * i over i < n in a float32 scalar, one addition per iteration."""
    def body(i, total):
        return i + 1, total + 0.5 * tf.cast(i, tf.float32)
    return tf.while_loop(lambda i, total: i < n, body, (tf.constant(0), tf.constant(0.0)))[1]


def _accumulate_python(n):
    total = np.float32(0.0)
    for i in range(n):
        total += np.float32(0.5) * np.float32(i)
    return total


def _accumulate_jax(jax, n):
    jnp = jax.numpy

    def body(i, total):
        return total + jnp.float32(0.5) * i.astype(jnp.float32)
    return jax.lax.fori_loop(0, n, body, jnp.float32(0.0))


ACCUMULATE = ScalarLoopWorkload(
    "accumulate", "for i in range(n): s += 0.5 * float(i), a float32 scalar s",
    accumulate, _accumulate_python, _accumulate_jax, size=100_000, size_name="n", output_dtype=np.float32)
