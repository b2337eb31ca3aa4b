"""Sparse tensors: a sparse matrix times a dense matrix (`tf.sparse.sparse_dense_matmul`).

`sparse_matmul(tf, indices, values, dense)` is written against TensorFlow 2's API, so the
same source runs on tracegraph and, for `--peers`, on TensorFlow. The sparse operand is a
10000 x 10000 matrix given by its row-major COO components (as a SparseTensor holds it), the
dense one 10000 x 64. The baseline is scipy.sparse: the COO matrix converted and multiplied,
as a SciPy user writes it. The size of a case is the number of non-zeros.
"""
import functools

import numpy as np
import scipy.sparse

import tracegraph as tg

from .base import Implementation, NotApplicable, Workload, format_size, tracegraph_implementation, to_tensors

__all__ = ["SparseDenseMatmul", "SPARSE_DENSE_MATMUL", "sparse_matmul"]

_ROWS = _COLUMNS = 10_000
_DENSE_COLUMNS = 64


def sparse_matmul(tf, indices, values, dense):
    """The product of the sparse matrix (`indices`, `values`) of shape [rows, columns] and `dense`."""
    matrix = tf.SparseTensor(indices, values, [_ROWS, _COLUMNS])
    return tf.sparse.sparse_dense_matmul(matrix, dense)


class SparseDenseMatmul(Workload):
    """`sparse_matmul` of a random sparse matrix by a random dense one (float32)."""

    name = "sparse_dense_matmul"
    description = "sparse_dense_matmul: 10000x10000 sparse (COO) @ 10000x64 dense, float32"
    sizes = quick_sizes = (100_000,)
    probe_size = 1000
    rtol, atol = 1e-4, 1e-4

    def size_label(self, size):
        return f"{format_size(size)} non-zeros"

    def inputs(self, size, rng):
        flat = np.unique(rng.choice(_ROWS * _COLUMNS, size=size, replace=False))
        indices = np.stack([flat // _COLUMNS, flat % _COLUMNS], axis=1).astype(np.int64)
        values = rng.standard_normal(len(flat)).astype(np.float32)
        dense = rng.standard_normal((_COLUMNS, _DENSE_COLUMNS)).astype(np.float32)
        return [indices, values, dense]

    def numpy(self, inputs):
        indices, values, dense = inputs

        def product():
            matrix = scipy.sparse.coo_matrix((values, (indices[:, 0], indices[:, 1])), shape=(_ROWS, _COLUMNS))
            return matrix.tocsr() @ dense
        return Implementation("scipy.sparse coo -> csr @ dense", "numpy", product)

    def tracegraph(self, inputs, backend=None):
        return tracegraph_implementation(functools.partial(sparse_matmul, tg), to_tensors(inputs, backend), backend)

    def peer(self, library, module, inputs):
        if library != "tensorflow":
            raise NotApplicable(f"{library} has no sparse tensors")
        args = [module.constant(a) for a in inputs]
        fn = module.function(functools.partial(sparse_matmul, module))
        eager = functools.partial(sparse_matmul, module)
        return [Implementation("tensorflow eager", "peer", lambda: eager(*args)),
                Implementation("tensorflow tf.function", "peer", lambda: fn(*args))]


SPARSE_DENSE_MATMUL = SparseDenseMatmul()
