"""Running one fused node with generated Numba kernels.

For each layout of the inputs (their shapes and strides), worked out once and
remembered: each input is classified ("full", "row", "scalar"; anything else is
made contiguous), and the kernel for that classification is rendered, loaded
and cached. A call then only prepares views and output buffers. Outputs come
from the process's pool (`tracegraph.buffer_pool`): a buffer is reused when
nothing outside still refers to it, which saves the page faults of a fresh
allocation.
"""
import functools
import math
import sys

import numba
import numpy as np

from tracegraph import dtypes
from tracegraph.buffer_pool import BUFFERS
from tracegraph.ops.fused import CompiledExpression, is_row_broadcast

from .cache import load_kernel_module
from .codegen import APPROXIMATED, LIBM, UnsupportedExpression, literal_arguments, render_kernel

__all__ = ["FusedKernel", "always_on_numpy", "numpy_limit", "parallel_threshold", "PARALLEL_THRESHOLD",
           "PARALLEL_THRESHOLD_ARITHMETIC", "BLOCK"]

#: Below this many elements a serial kernel runs: waking and joining the other thread (TBB) costs
#: ~2-5 us, so the split pays once a serial kernel takes ~12 us. With a transcendental function
#: (0.3-0.8 ns per element) that is near 45000 elements for exp, less for tanh (2 cores, the other
#: idle; scaled_elu on 45000: 13.7 us on 2 threads, 14.2 on one; on 1e5: 22.3 against 30.2)...
PARALLEL_THRESHOLD = 1 << 16
#: ...and for plain arithmetic (sqrt included: one instruction, ~0.15-0.2 ns per element) near
#: 60000 (chain10 on 60000: 11.6 us on 2 threads, 13.2 on one; on 1e5: 15.7 against 21.5; mse on
#: 1e5: 12.9 against 14.2). With the other core busy, 2 threads cost ~2 us more at these sizes.
PARALLEL_THRESHOLD_ARITHMETIC = 1 << 16
#: Elements per block when no input is row-broadcast: large enough to vectorize, small enough to balance.
BLOCK = 1 << 14
#: Parallel blocks are whole multiples of this many elements (64 float32 values: a few cache lines).
VECTOR_ALIGNMENT = 64
#: Short rows are tiled to about this many elements, and a block is that many (whole rows).
ROW_TILE = 1 << 10
#: At most this many elements, the ops run one by one on NumPy: calling a compiled kernel
#: (argument typing, dispatch) costs more than the arithmetic on a few values.
TINY = 64
#: Expressions of plain arithmetic (no transcendental function) run on NumPy up to this many
#: elements. A kernel call costs ~2 us and NumPy ~1 us per op: a long expression wins in a kernel
#: from a few hundred elements (chain10 on 4000: 3.0 us against 17.8), but the short ones a training
#: step is full of (1-3 ops on a few thousand values) do not: with a limit of 256 the tutorial MLP's
#: train step took 50-56 us instead of 39-43.
SMALL_ARITHMETIC = 1 << 12
#: Fused reductions over fewer elements than this also run on NumPy (its summation is
#: fast on small arrays; the kernel's per-call set-up is not).
SMALL_REDUCTION = 1 << 13


def numpy_limit(expression):
    """The largest element count at which the fused `expression` is better run op by op on NumPy."""
    if expression["reduction"] is not None:
        return SMALL_REDUCTION - 1
    return TINY if _calls_any(expression, APPROXIMATED | set(LIBM)) else SMALL_ARITHMETIC


def parallel_threshold(expression):
    """The element count from which the fused `expression` runs on all cores."""
    transcendental = _calls_any(expression, (APPROXIMATED - {"sqrt"}) | set(LIBM))
    return PARALLEL_THRESHOLD if transcendental else PARALLEL_THRESHOLD_ARITHMETIC


def _calls_any(expression, names):
    return any(ins[0] in names for ins in expression["instructions"])


def always_on_numpy(node):
    """True if the fused `node` iterates over a static number of elements at which a kernel
    call never pays off. (The iteration space is the inputs' broadcast shape: the outputs may
    be a reduction's scalar alone.)"""
    shapes = [v.spec.shape for v in node.inputs]
    if not all(shape.is_fully_defined() for shape in shapes):
        return False
    size = math.prod(np.broadcast_shapes(*[shape.as_tuple() for shape in shapes])) if shapes else 1
    return size <= numpy_limit(node.attrs["expression"])


class _Launch:
    """How to run the node for one layout of its inputs (their shapes and strides), worked out once.

    `preparers` is None when every input goes to the kernel as it is (1-D and contiguous), and
    `shape` None when the outputs need no reshaping (1-D): each saves ~0.3 us per call."""

    __slots__ = ("shape", "n", "outer", "inner", "kernel", "preparers")

    def __init__(self, shape, n, inner, kernel, preparers):
        self.n, self.inner, self.kernel = n, inner, kernel
        self.shape = None if len(shape) == 1 else shape
        self.preparers = None if all(p is _unchanged for p in preparers) else preparers
        self.outer = -(-n // inner) if n else 0


#: The launch of a layout that runs op by op on NumPy (too small, or no kernel for it).
ON_NUMPY = None
#: Layouts remembered per node; a node that keeps seeing new ones starts over.
MAX_LAYOUTS = 64


class FusedKernel:
    """A callable `(xp, *arrays) -> tuple of outputs` for one fused node."""

    def __init__(self, node):
        self.expression = node.attrs["expression"]
        self._on_numpy = None  # the expression op by op on NumPy, prepared when first needed
        self.numpy_limit = numpy_limit(self.expression)
        self.parallel_threshold = parallel_threshold(self.expression)
        output_specs = node.attrs["output_specs"]
        # the array outputs' dtypes (a fused reduction's scalar, last, is no kernel output)
        self.output_dtypes = [s.dtype.numpy_dtype for s in output_specs][:len(self.expression["outputs"])]
        self.input_dtypes = [v.spec.dtype.name for v in node.inputs]
        self.literals = None  # the kernels' literal arguments, prepared with the first kernel
        self.kernels = {}
        self.sources = {}
        self.launches = {}
        self.check_shapes = not all(s.shape.is_fully_defined() for s in output_specs)
        reduction = self.expression["reduction"]
        self.reduction_dtype = None if reduction is None else dtypes.as_dtype(reduction[2]).numpy_dtype

    def __call__(self, xp, *arrays):
        layout = tuple([(a.shape, a.strides) for a in arrays])
        try:
            launch = self.launches[layout]
        except KeyError:
            launch = self._launch_for(arrays)
            if len(self.launches) >= MAX_LAYOUTS:
                self.launches.clear()
            self.launches[layout] = launch
        if launch is ON_NUMPY:
            return self.on_numpy(xp, arrays)
        outputs = [BUFFERS.take(np, dtype, launch.n) for dtype in self.output_dtypes]
        args = arrays if launch.preparers is None else [prepare(a) for prepare, a in zip(launch.preparers, arrays)]
        if self.reduction_dtype is None:
            if launch.kernel(launch.n, launch.outer, launch.inner, *args, *self.literals, *outputs):
                return self._divided_by_zero(xp, arrays)
            return tuple(outputs) if launch.shape is None else tuple([out.reshape(launch.shape) for out in outputs])
        # The kernel writes every block's sum (a zero stays only for no block at all).
        partials = np.empty(launch.outer, dtype=np.float64) if launch.outer else np.zeros(1)
        if launch.kernel(launch.n, launch.outer, launch.inner, *args, *self.literals, *outputs, partials):
            return self._divided_by_zero(xp, arrays)
        results = list(outputs) if launch.shape is None else [out.reshape(launch.shape) for out in outputs]
        results.append(np.asarray(_sum(partials), dtype=self.reduction_dtype))
        return tuple(results)

    def on_numpy(self, xp, arrays):
        """The outputs computed op by op with the ops' own implementations (for small inputs)."""
        # Prepared lazily: a function traced for many Python scalars has a kernel per trace,
        # most of which never run on NumPy.
        if self._on_numpy is None:
            self._on_numpy = CompiledExpression(self.expression)
        return self._on_numpy(xp, arrays)

    def _divided_by_zero(self, xp, arrays):
        """The kernel found a zero integer divisor (it returns the number of such blocks, and
        nothing for expressions without integer division). The ops' own implementations raise
        the error eager mode raises for it, naming the op, so they run again to raise it."""
        return self.on_numpy(xp, arrays)

    def _launch_for(self, arrays):
        """The _Launch for inputs laid out like `arrays`, or ON_NUMPY."""
        shape = _iteration_shape(arrays)
        if self.check_shapes and not self._members_have_shape(arrays, shape):
            return ON_NUMPY
        n = math.prod(shape)
        if n <= self.numpy_limit:
            return ON_NUMPY
        kinds, preparers, inner = _classify(arrays, shape, n)
        parallel = n >= self.parallel_threshold
        kernel = self._kernel(tuple(kinds), parallel)
        if parallel and "row" not in kinds and self.reduction_dtype is None:
            # (A reduction keeps BLOCK: its blocks' sums are what it adds up, whatever the threads.)
            inner = _balanced_block(n, numba.get_num_threads())
        return ON_NUMPY if kernel is None else _Launch(shape, n, inner, kernel, preparers)

    def _kernel(self, kinds, parallel):
        key = (kinds, parallel)
        if key not in self.kernels:
            try:
                source = render_kernel(self.expression, kinds, self.input_dtypes, parallel)
            except UnsupportedExpression:
                self.kernels[key] = None
                return None
            self.literals = literal_arguments(self.expression)
            # Traces that differ only in literals render one source: keep one string of it.
            self.sources[key] = sys.intern(source)
            self.kernels[key] = load_kernel_module(source).kernel
        return self.kernels[key]

    def _members_have_shape(self, arrays, shape):
        """With unknown static dims: does every output member really span the whole shape?"""
        member_shapes = []
        for _, refs, _, _ in self.expression["instructions"]:
            shapes = [arrays[r[1]].shape if r[0] == "in" else member_shapes[r[1]] if r[0] == "t" else ()
                      for r in refs]
            member_shapes.append(np.broadcast_shapes(*shapes) if shapes else ())
        return all(member_shapes[j] == shape for j in self.expression["outputs"])


def _balanced_block(n, threads):
    """A block length near BLOCK that splits `n` elements into a multiple of `threads` blocks:
    1e5 elements in 7 blocks of BLOCK left one of 2 threads 4 blocks (a third more than its share)
    while the other waited. Whole multiples of VECTOR_ALIGNMENT elements keep each block's start aligned."""
    blocks = -(-n // BLOCK)
    blocks += -blocks % threads
    length = -(-n // blocks)
    return length + -length % VECTOR_ALIGNMENT


def _sum(partials):
    """partials.sum(), without its ~1 us of set-up for the one block of a mid-size input
    (NumPy's sum of one value x is x + 0.0: a -0.0 becomes 0.0)."""
    return partials[0] + 0.0 if len(partials) == 1 else partials.sum()


def _iteration_shape(arrays):
    """The broadcast shape of the inputs (fast when they all have one shape)."""
    if not arrays:
        return ()
    shape = arrays[0].shape
    for a in arrays:
        if a.shape != shape:
            return np.broadcast_shapes(*[b.shape for b in arrays])
    return shape


def _classify(arrays, shape, n):
    """Input kinds, how to prepare each input for the kernel, and the block length (a row
    length when rows broadcast). The preparers depend only on the inputs' layout."""
    kinds, preparers = [], []
    row_length = None
    for a in arrays:
        if a.size == 1 and n != 1 or a.ndim == 0:
            kinds.append("scalar")
            preparers.append(_first_element if a.size else _unchanged)
        elif a.shape == shape and a.flags.c_contiguous:
            kinds.append("full")
            preparers.append(_unchanged if a.ndim == 1 else _flat_view)
        elif is_row_broadcast(a.shape, shape) and (row_length is None or row_length == a.size):
            row_length = a.size
            kinds.append("row")
            preparers.append(_contiguous_flat)
        elif _is_column_broadcast(a.shape, shape):
            # np.repeat writes it in 18 us for 4096 x 30 elements, a broadcast copy takes 31 us
            kinds.append("full")
            preparers.append(functools.partial(_repeated_flat, repeats=n // a.size))
        else:
            kinds.append("full")
            preparers.append(functools.partial(_broadcast_flat, shape=shape))
    if row_length is None:
        return kinds, preparers, BLOCK
    # A block is a whole number of rows, about ROW_TILE elements: short rows (an MLP's 30 units)
    # would otherwise make a block call per row, 4096 calls of 30 elements in 140 us. The row
    # inputs are tiled to one block's length instead (a few KiB, per call).
    copies = max(1, ROW_TILE // row_length)
    if copies > 1:
        tile = functools.partial(_tiled_flat, copies=copies)
        preparers = [tile if kind == "row" else prepare for kind, prepare in zip(kinds, preparers)]
    return kinds, preparers, row_length * copies


def _is_column_broadcast(a_shape, shape):
    """Whether `a_shape` is `shape` with some trailing axes (not all) of length 1: a column."""
    k = len(a_shape)
    while k and a_shape[k - 1] == 1:
        k -= 1
    return len(a_shape) == len(shape) and 0 < k < len(shape) and a_shape[:k] == shape[:k]


def _first_element(a):
    return a.reshape(-1)[0]


def _unchanged(a):
    return a


def _flat_view(a):
    return a.reshape(-1)


def _contiguous_flat(a):
    return np.ascontiguousarray(a).reshape(-1)


def _tiled_flat(a, copies):
    return np.tile(np.ascontiguousarray(a).reshape(-1), copies)


def _repeated_flat(a, repeats):
    return np.repeat(a.reshape(-1), repeats)


def _broadcast_flat(a, shape):
    return np.ascontiguousarray(np.broadcast_to(a, shape)).reshape(-1)
