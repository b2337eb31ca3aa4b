"""Sample inputs for the shape and indexing op tests: small arrays, non-contiguous views, noise."""
import numpy as np
from hypothesis import settings
from hypothesis.extra import numpy as hnp

import tracegraph as tg

FAST = settings(max_examples=25, deadline=None)
small_shapes = hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4)


def arange(shape, dtype=np.float64):
    """0, 1, 2, ... in `shape`: every element distinct, so misplaced elements show."""
    return np.arange(int(np.prod(shape)), dtype=dtype).reshape(shape)


def noncontiguous(array):
    """A tensor holding `array` as a non-contiguous view (the transpose of a transposed copy)."""
    return tg.transpose(tg.constant(np.array(array.T, order="C")))


def rand(*shape, seed=0):
    """A float64 tensor of standard normal noise (reproducible by `seed`)."""
    return tg.constant(np.asarray(np.random.RandomState(seed).randn(*shape)))
