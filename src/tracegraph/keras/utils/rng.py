"""`keras.utils.set_random_seed`: one call that makes a training run repeatable."""
import random as _python_random

import numpy as np

from ... import random as tg_random

__all__ = ["set_random_seed"]


def set_random_seed(seed):
    """Seed Python's `random`, NumPy's global generator and tracegraph's (`tg.random.set_seed`).

    After it, weight initializers, dropout, `fit`'s shuffling and NumPy-made data repeat from run
    to run, as after Keras 3's `keras.utils.set_random_seed`.
    """
    if not isinstance(seed, int):
        raise ValueError(f"Expected `seed` argument to be an integer. Received: seed={seed} (of type {type(seed)})")
    _python_random.seed(seed)
    np.random.seed(seed)
    tg_random.set_seed(seed)
