"""Running one fused node on the GPU with our generated CUDA C (through `cupy.RawKernel`)."""
import math

from tracegraph import dtypes
from tracegraph.ops.fused import evaluate_expression, is_row_broadcast

from .codegen import BLOCK_SIZE, KERNEL_NAME, UnsupportedExpression, divides_integers, render_cuda_kernel

__all__ = ["CudaFusedKernel"]

#: Enough blocks to fill a large GPU; the grid-stride loop covers the rest.
MAX_BLOCKS = 4096


class CudaFusedKernel:
    """A callable `(cupy, *arrays) -> tuple of device arrays` for one fused node."""

    def __init__(self, node):
        self.expression = node.attrs["expression"]
        self.output_specs = node.attrs["output_specs"]
        self.input_dtypes = [v.spec.dtype.name for v in node.inputs]
        self.divides_integers = divides_integers(self.expression)
        self.kernels = {}
        self.sources = {}

    def __call__(self, cp, *arrays):
        shape = cp.broadcast_shapes(*[a.shape for a in arrays]) if arrays else ()
        n = math.prod(shape)
        kinds, prepared, inner = _classify(cp, arrays, shape, n)
        kernel = self._kernel(tuple(kinds))
        if kernel is None:
            return evaluate_expression(cp, self.expression, arrays)
        outputs = [cp.empty(n, dtype=self.output_specs[i].dtype.numpy_dtype)
                   for i in range(len(self.expression["outputs"]))]
        args = [cp.int64(n), cp.int64(inner), *prepared, *outputs]
        reduction = self.expression["reduction"]
        if reduction is not None:
            total = cp.zeros((), dtype=cp.float64)
            args.append(total)
        if self.divides_integers:
            divided_by_zero = cp.zeros((), dtype=cp.int32)
            args.append(divided_by_zero)
        blocks = max(1, min(MAX_BLOCKS, -(-n // BLOCK_SIZE)))
        kernel((blocks,), (BLOCK_SIZE,), tuple(args))
        if self.divides_integers and int(divided_by_zero):
            # The ops' own implementations raise the error eager mode raises for it, naming the op.
            return evaluate_expression(cp, self.expression, arrays)
        results = [out.reshape(shape) for out in outputs]
        if reduction is not None:
            results.append(total.astype(dtypes.as_dtype(reduction[2]).numpy_dtype))
        return tuple(results)

    def _kernel(self, kinds):
        if kinds not in self.kernels:
            try:
                source = render_cuda_kernel(self.expression, kinds, self.input_dtypes,
                                            [s.dtype.name for s in self.output_specs])
            except UnsupportedExpression:
                self.kernels[kinds] = None
                return None
            import cupy  # noqa: PLC0415 - only on a machine with a GPU
            self.sources[kinds] = source
            self.kernels[kinds] = cupy.RawKernel(source, KERNEL_NAME)
        return self.kernels[kinds]


def _classify(cp, arrays, shape, n):
    kinds, prepared, inner = [], [], 1
    for a in arrays:
        if a.size == 1 and n != 1 or a.ndim == 0:
            kinds.append("scalar")
            prepared.append(cp.ascontiguousarray(a.reshape(-1)))
        elif a.shape == shape and a.flags.c_contiguous:
            kinds.append("full")
            prepared.append(a.reshape(-1))
        elif is_row_broadcast(a.shape, shape) and inner in (1, a.size):
            inner = a.size
            kinds.append("row")
            prepared.append(cp.ascontiguousarray(a).reshape(-1))
        else:
            kinds.append("full")
            prepared.append(cp.ascontiguousarray(cp.broadcast_to(a, shape)).reshape(-1))
    return kinds, prepared, inner
