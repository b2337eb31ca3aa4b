"""`tg.random`: random numbers with TF2's names and seed rules.

`tg.random.set_seed(s)` makes a program's random numbers the same in every run
while successive calls still differ; an op's `seed=` argument picks a stream of
its own. See `tracegraph.ops.random_ops` for the full rules. A
`tg.random.Generator` is an independent stream with its own state, as in TF.
"""
import itertools
import weakref

import numpy as np

from . import dtypes
from .ops import random_ops
from .ops.random_ops import (categorical, normal, set_seed, shuffle, stateless_normal,  # noqa: F401
                             stateless_truncated_normal, stateless_uniform, truncated_normal, uniform)

__all__ = ["set_seed", "normal", "uniform", "truncated_normal", "shuffle", "categorical",
           "stateless_normal", "stateless_uniform", "stateless_truncated_normal", "Generator",
           "get_global_generator", "set_global_generator"]

_generator_ids = itertools.count()


class Generator:
    """An independent random-number stream (TF's `tf.random.Generator`).

    Make one with `Generator.from_seed(seed)` (the same seed gives the same
    numbers in every run) or `Generator.from_non_deterministic_state()`. Each
    draw advances the generator, also when it happens inside a traced function.
    """

    def __init__(self, copy_from=None, state=None, alg=None):
        if copy_from is not None:
            raise NotImplementedError("Generator(copy_from=...) is not supported; use Generator.from_seed")
        if state is not None:
            raise NotImplementedError("Generator(state=...) is not supported; use Generator.from_seed")
        self._id = next(_generator_ids)
        self._reset(None)
        weakref.finalize(self, random_ops.RANDOM_STATE.release_generator, self._id)

    @classmethod
    def from_seed(cls, seed, alg=None):
        """A generator whose numbers are determined by the integer `seed`."""
        generator = cls()
        generator.reset_from_seed(seed)
        return generator

    @classmethod
    def from_non_deterministic_state(cls, alg=None):
        """A generator seeded from the operating system's entropy."""
        return cls()

    def reset_from_seed(self, seed):
        """Restart the generator as if it had been made by `from_seed(seed)`."""
        self._reset([int(seed) % 2**64])

    def _reset(self, entropy):
        if entropy is None:
            entropy = [np.random.SeedSequence().entropy]
        random_ops.RANDOM_STATE.register_generator(self._id, list(entropy))

    @property
    def _stream(self):
        return ("generator", self._id)

    def normal(self, shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, name=None):
        """Samples from N(mean, stddev**2), like `tg.random.normal`."""
        dtype = random_ops.float_dtype("Generator.normal", dtype)
        values = random_ops.sample("Generator.normal", "normal", shape, dtype, stream=self._stream)
        return random_ops.scale_and_shift(values, stddev, mean, dtype)

    def truncated_normal(self, shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, name=None):
        """Normal samples within 2 standard deviations of the mean."""
        dtype = random_ops.float_dtype("Generator.truncated_normal", dtype)
        values = random_ops.sample("Generator.truncated_normal", "truncated_normal", shape, dtype,
                                   stream=self._stream)
        return random_ops.scale_and_shift(values, stddev, mean, dtype)

    def uniform(self, shape, minval=0, maxval=None, dtype=dtypes.float32, name=None):
        """Samples uniform in [minval, maxval), like `tg.random.uniform` (ints need `maxval`)."""
        dtype = dtypes.as_dtype(dtype)
        if dtype in random_ops.INTEGER_DTYPES:
            bounds = random_ops.integer_bounds("Generator.uniform", minval, maxval, dtype)
            return random_ops.sample("Generator.uniform", "integers", shape, dtype, bounds=bounds,
                                     stream=self._stream)
        dtype = random_ops.float_dtype("Generator.uniform", dtype)
        values = random_ops.sample("Generator.uniform", "uniform", shape, dtype, stream=self._stream)
        return random_ops.scale_uniform(values, minval, 1 if maxval is None else maxval, dtype)

    def split(self, count=1):
        """`count` new generators, seeded from (and advancing) this one."""
        seeds = self.uniform([count], 0, np.iinfo(np.int64).max, dtype=dtypes.int64).numpy()
        return [Generator.from_seed(int(s)) for s in seeds]


_global_generator = None


def get_global_generator():
    """The process-wide Generator (made from non-deterministic state on first use)."""
    global _global_generator
    if _global_generator is None:
        _global_generator = Generator.from_non_deterministic_state()
    return _global_generator


def set_global_generator(generator):
    """Replace the process-wide Generator."""
    global _global_generator
    _global_generator = generator
