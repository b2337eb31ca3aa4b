"""Random sparse arrays for the tests: a dense NumPy reference and its COO parts."""
import numpy as np


def random_sparse(shape, density=0.3, seed=0, dtype=np.float64):
    """(dense array, indices [N, rank] int64 in row-major order, values [N]) with about `density` stored."""
    rng = np.random.default_rng(seed)
    dense = rng.normal(size=shape).astype(dtype)
    dense[rng.random(shape) >= density] = 0
    indices = np.argwhere(dense != 0).astype(np.int64)
    flat = dense.reshape(-1)
    return dense, indices, flat[flat != 0]  # row-major, as argwhere lists the coordinates
