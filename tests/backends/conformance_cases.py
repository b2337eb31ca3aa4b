"""The conformance table: every public op family as data, for `test_conformance.py`.

A `Case` is a tracegraph function of tensors (attrs are baked in, so it traces
with one input signature), the NumPy function giving the expected results
(exactly TF's dtypes and shapes), and how its inputs are drawn: a value
description per argument (see `support`), the dtypes the op accepts, and a
strategy for the argument shapes (broadcasting, 0-d and empty included).
Cases whose arguments depend on each other (indices within a dimension,
well-conditioned matrices) draw their arrays with their own strategy.

Results that are random draws are compared through an `invariant` (a
deterministic function of the outputs and inputs): sorted values, ranges.

`xfail` marks known bugs: {(backend, mode): reason}, "*" matching any.
"""
import dataclasses
import functools
import itertools
import math
import warnings
from typing import Callable, Optional

import numpy as np
import scipy.special
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tracegraph as tg
from support import (Values, arrays as value_arrays, booleans, halves, layouts_for, magnitudes, one_of,
                     small_integers, values, with_special_values)

F32, F64, I32, I64, BOOL = (np.dtype(t) for t in (np.float32, np.float64, np.int32, np.int64, np.bool_))
FLOATS = (F32, F64)
REALS = (F32, F64, I32)
INTS = (I32,)
BOOLS = (BOOL,)

#: (rtol, atol) by result precision: about 16 ulp of float32, 50 of float64, room for the Numba
#: backend's polynomial approximations (2 ulp each) over a short composite. Integers are exact.
DEFAULT_TOLERANCE = {"float32": (2e-6, 1e-7), "float64": (1e-14, 1e-15)}
#: The largest dimension, and the default largest rank, drawn. Small keeps the suite fast: each
#: new rank traces the function again.
MAX_SIDE = 3
MAX_DIMS = 2


@dataclasses.dataclass(frozen=True)
class Arg:
    """One tensor argument: the description of its values, and its dtype (None: the case's dtype)."""

    values: Values = values(-10, 10)
    dtype: Optional[np.dtype] = None


@dataclasses.dataclass(frozen=True, eq=False)
class Case:
    """One op (or one variant of an op) under test; see the module docstring."""

    name: str
    fn: Callable
    reference: Callable
    args: tuple = (Arg(),)
    dtypes: tuple = FLOATS
    shapes: Optional[Callable] = None      # () -> strategy of one shape per argument
    arrays: Optional[Callable] = None      # dtype -> strategy of the argument arrays (overrides args)
    tolerance: dict = dataclasses.field(default_factory=dict)
    invariant: Optional[Callable] = None   # (outputs, *inputs) -> what is compared, for random results
    all_kinds: bool = False                # compiling backends get every input kind, too
    xfail: dict = dataclasses.field(default_factory=dict)

    def inputs(self, aligned=False):
        """A strategy of (input arrays, a memory layout for each) for one call.

        `aligned` (unless the case sets `all_kinds`) draws contiguous arguments of one shape with at
        least one dimension, where the case has no shapes of its own: a compiling backend then
        needs one kernel per dtype instead of one per dtype and combination of input kinds
        (contiguous, broadcast row or non-contiguous, scalar). The `all_kinds` cases keep every
        kind on every backend.
        """
        return _inputs(self, aligned and not self.all_kinds)

    def tolerance_for(self, dtype):
        """(rtol, atol) for a result of `dtype`."""
        precision = {"complex64": "float32", "complex128": "float64"}.get(dtype.name, dtype.name)
        return self.tolerance.get(precision, DEFAULT_TOLERANCE.get(precision, (0.0, 0.0)))

    def xfail_reason(self, backend, mode):
        """Why this case is expected to fail on `backend` in `mode`, or None."""
        for key in ((backend, mode), (backend, "*"), ("*", mode), ("*", "*")):
            if key in self.xfail:
                return self.xfail[key]
        return None


# Strategies are cached: hypothesis validates every new strategy object, and shapes repeat.

@functools.lru_cache(maxsize=None)
def _inputs(case, aligned):
    return st.sampled_from(case.dtypes).flatmap(lambda dtype: _inputs_of_dtype(case, dtype, aligned))


@functools.lru_cache(maxsize=None)
def _inputs_of_dtype(case, dtype, aligned):
    """(arrays, layouts) for one dtype of the case."""
    if case.arrays is not None:
        return case.arrays(dtype).flatmap(lambda arrays: _layouts(tuple(a.ndim for a in arrays)).map(
            lambda layouts: (list(arrays), layouts)))
    dtypes = tuple(arg.dtype or dtype for arg in case.args)
    descriptions = tuple(arg.values for arg in case.args)
    n = len(case.args)
    shapes = case.shapes or (same_shapes(n, min_dims=1) if aligned else broadcasting(n))
    return shapes().flatmap(lambda s: _arrays(dtypes, tuple(s), descriptions, aligned))


@functools.lru_cache(maxsize=None)
def _arrays(dtypes, shapes, descriptions, contiguous=False):
    arrays = st.tuples(*[_array(d, s, v) for d, s, v in zip(dtypes, shapes, descriptions)])
    return st.tuples(arrays.map(list), _layouts(tuple(len(s) for s in shapes), contiguous))


@functools.lru_cache(maxsize=None)
def _layouts(ndims, contiguous=False):
    if contiguous:
        return st.just(("contiguous",) * len(ndims))
    return st.tuples(*[st.sampled_from(layouts_for(n)) for n in ndims])


@functools.lru_cache(maxsize=None)
def _array(dtype, shape, description):
    """Arrays of `dtype` and `shape` with values as described."""
    return value_arrays(dtype, shape, description)


# ----- shape strategies ----------------------------------------------------------------------

def _rank_bounds(min_dims, max_dims):
    return min_dims, max(MAX_DIMS, min_dims) if max_dims is None else max_dims


def broadcasting(n, min_dims=0, max_dims=None, min_side=0, max_side=MAX_SIDE):
    """n shapes that broadcast together (0-d and empty included by default): variants of one
    shape (see `broadcasting_to`). Cheaper to draw than hypothesis' mutually_broadcastable_shapes."""
    min_dims, max_dims = _rank_bounds(min_dims, max_dims)
    return lambda: hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                                    max_side=max_side).flatmap(lambda shape: _variants(shape, n))


def same_shapes(n, min_dims=0, max_dims=None, min_side=0, max_side=MAX_SIDE):
    """n equal shapes."""
    min_dims, max_dims = _rank_bounds(min_dims, max_dims)
    return lambda: hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                                    max_side=max_side).map(lambda s: (s,) * n)


def one_shape(**bounds):
    """A single shape."""
    return same_shapes(1, **bounds)


def fitting(n, min_dims=0, max_dims=None):
    """A shape, then n - 1 shapes that broadcast to it (bounds for clipping, say)."""
    min_dims, max_dims = _rank_bounds(min_dims, max_dims)

    def strategy():
        return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=0, max_side=MAX_SIDE).flatmap(
            lambda s: st.tuples(st.just(s), *[broadcasting_to(s)] * (n - 1)))
    return strategy


def broadcasting_to(shape):
    """Shapes that broadcast to `shape`: its trailing dims, some replaced by 1 (one draw each)."""
    return st.integers(0, (len(shape) + 1) * 2 ** len(shape) - 1).map(lambda code: _variant(shape, code))


@functools.lru_cache(maxsize=None)
def _variants(shape, n):
    return st.tuples(*[broadcasting_to(shape)] * n)


def _variant(shape, code):
    """Variant number `code` of `shape`: 0 is the shape itself; others drop leading dims and
    set some dims to 1."""
    dropped, ones = code % (len(shape) + 1), code // (len(shape) + 1)
    return tuple(1 if ones >> i & 1 else d for i, d in enumerate(shape[dropped:]))


def shapes_of(*strategies):
    """Shapes drawn by the given strategies (one per argument)."""
    return lambda: st.tuples(*strategies)


def dims(lo=0, hi=4):
    return st.integers(lo, hi)


# ----- input strategies for arguments that depend on each other ------------------------------

def params_and_indices(index_dims=2):
    """(params, int32 indices into params' first axis)."""
    def strategy(dtype):
        return hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=MAX_SIDE).flatmap(
            lambda shape: st.tuples(
                _array(dtype, shape, values(-10, 10)),
                hnp.array_shapes(min_dims=0, max_dims=index_dims, min_side=0, max_side=3).flatmap(
                    lambda ishape: _array(I32, ishape, values(0, shape[0] - 1)))))
    return strategy


def params_and_nd_indices(dtype):
    """(params, int32 indices of shape (k, depth) addressing params' leading `depth` axes)."""
    def with_shape(shape):
        depth = len(shape) if len(shape) < 3 else 2
        index = st.tuples(*[st.integers(0, d - 1) for d in shape[:depth]]).map(list)
        return st.tuples(_array(dtype, shape, values(-10, 10)),
                         st.lists(index, min_size=0, max_size=4).map(
                             lambda rows: np.array(rows, dtype=np.int32).reshape(len(rows), depth)))
    return hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=MAX_SIDE).flatmap(with_shape)


def scatter_inputs(unique):
    """(tensor of shape (6, m), int32 indices (k, 1), updates (k, m)); unique indices if `unique`."""
    def strategy(dtype):
        def with_sizes(sizes):
            k, m = sizes
            rows = st.lists(st.integers(0, 5), min_size=k, max_size=k, unique=unique)
            return st.tuples(_array(dtype, (6, m), values(-10, 10)),
                             rows.map(lambda r: np.array(r, dtype=np.int32).reshape(k, 1)),
                             _array(dtype, (k, m), values(-10, 10)))
        return st.tuples(st.integers(0, 4), st.integers(0, 3)).flatmap(with_sizes)
    return strategy


def data_and_segments(sorted_ids, num_segments=4):
    """(data (n, m), int32 segment ids (n,) in [0, num_segments)), ids sorted if `sorted_ids`."""
    def strategy(dtype):
        def with_sizes(sizes):
            n, m = sizes
            ids = _array(I32, (n,), values(0, num_segments - 1))
            if sorted_ids:
                ids = ids.map(np.sort)
            return st.tuples(_array(dtype, (n, m), values(-10, 10)), ids)
        return st.tuples(dims(0, 5), dims(0, 3)).flatmap(with_sizes)
    return strategy


def logits_and_labels(dtype):
    """(logits (..., classes), int32 labels in [0, classes) of shape (...))."""
    return hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=MAX_SIDE).flatmap(
        lambda shape: st.tuples(_array(dtype, shape, values(-10, 10)),
                                _array(I32, shape[:-1], values(0, shape[-1] - 1))))


def distinct_rows(dtype):
    """A matrix (n, c >= 2) whose rows hold distinct values (so top-k indices are unique)."""
    def with_shape(shape):
        n, c = shape
        row = st.lists(st.integers(-50, 50), min_size=c, max_size=c, unique=True)
        return st.lists(row, min_size=n, max_size=n).map(lambda rows: (np.array(rows, dtype=dtype).reshape(n, c),))
    return st.tuples(dims(0, 3), dims(2, 5)).flatmap(with_shape)


def predictions_and_targets(dtype):
    """(predictions (n, c) with distinct values per row, int32 targets (n,) in [0, c))."""
    return distinct_rows(dtype).flatmap(
        lambda arrays: st.tuples(st.just(arrays[0]),
                                 _array(I32, arrays[0].shape[:1], values(0, arrays[0].shape[1] - 1))))


def matrices(kind, extra=None, batch=True):
    """A square matrix (with an optional batch axis) of a well-behaved `kind`, plus an optional
    right-hand side with `extra` columns.

    kind: "any"; "dominant" (diagonally dominant: invertible, well conditioned); "spd"
    (symmetric positive definite); "lower" (lower triangular, dominant diagonal).
    """
    def conditioned(a):
        n = a.shape[-1]
        if kind == "dominant":
            return a + (n + 1) * np.eye(n, dtype=a.dtype)
        if kind == "spd":
            return a @ np.swapaxes(a, -1, -2) + n * np.eye(n, dtype=a.dtype)
        if kind == "lower":
            return np.tril(a) + (n + 1) * np.eye(n, dtype=a.dtype)
        return a

    def strategy(dtype):
        def with_sizes(sizes):
            b, n, k = sizes
            lead = (b,) if batch and b else ()
            matrix = _array(dtype, lead + (n, n), values(-1, 1)).map(conditioned)
            if extra is None:
                return st.tuples(matrix)
            return st.tuples(matrix, _array(dtype, lead + (n, k), values(-10, 10)))
        return st.tuples(dims(0, 2), dims(1, 4), dims(0, 3)).flatmap(with_sizes)
    return strategy


def matmul_shapes(batch_a=False, batch_b=False, transpose_a=False, transpose_b=False):
    """Shapes (a, b) for a @ b, batch axes optional, transposed storage as the flags say."""
    def strategy():
        def build(d):
            b, n, k, m = d
            a = (k, n) if transpose_a else (n, k)
            bb = (m, k) if transpose_b else (k, m)
            return ((b,) + a if batch_a else a), ((b,) + bb if batch_b else bb)
        return st.tuples(dims(1, 3), dims(0, 4), dims(0, 4), dims(0, 4)).map(build)
    return strategy


# ----- NumPy references ----------------------------------------------------------------------

def quiet(fn):
    """A reference whose NumPy warnings (inf * 0, log(0), means of nothing) are expected."""
    def reference(*arrays):
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return fn(*arrays)
    return reference


def in_float64(fn):
    """A reference computed in float64 from the inputs and rounded to the first input's dtype."""
    @quiet
    def reference(*arrays):
        result = fn(*[a.astype(np.float64) if a.dtype.kind == "f" else a for a in arrays])
        return np.asarray(result).astype(arrays[0].dtype)
    return reference


def _lowest(dtype):
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def _highest(dtype):
    return np.inf if dtype.kind == "f" else np.iinfo(dtype).max


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _log_softmax(x, axis=-1):
    shifted = x - np.max(x, axis=axis, keepdims=True, initial=-np.inf)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def _truncate_div(x, y):
    return (np.sign(x) * np.sign(y) * (np.abs(x) // np.abs(y))).astype(x.dtype)


def _segment_sum(data, ids, n):
    out = np.zeros((n,) + data.shape[1:], dtype=data.dtype)
    np.add.at(out, ids, data)
    return out


def _segment_max(data, ids, n):
    """TF's unsorted_segment_max: an empty segment gives the dtype's lowest value."""
    lowest = np.finfo(data.dtype).min if data.dtype.kind == "f" else np.iinfo(data.dtype).min
    out = np.full((n,) + data.shape[1:], lowest, dtype=data.dtype)
    np.maximum.at(out, ids, data)
    return out


def _scatter(tensor, indices, updates, add):
    out = tensor.copy()
    if add:
        np.add.at(out, indices[:, 0], updates)
    else:
        out[indices[:, 0]] = updates
    return out


def _one_hot(indices, depth):
    return (indices[..., None] == np.arange(depth)).astype(np.float32)


def _cumulative(x, fn, exclusive=False, reverse=False):
    if reverse:
        x = x[::-1]
    if exclusive:
        identity = np.ones_like(x[:1]) if fn is np.cumprod else np.zeros_like(x[:1])
        x = np.concatenate([identity, x[:-1]], axis=0)
    out = fn(x, axis=0, dtype=x.dtype)
    return out[::-1] if reverse else out


# ----- value descriptions used by several cases ---------------------------------------------

WIDE = values(-100, 100)
TIES = one_of(small_integers(-3, 3), values(-10, 10))
HALVES = one_of(halves(-10, 10), values(-10, 10))
DIVISORS = magnitudes(0.01, 100)
INT_DIVISORS = magnitudes(1, 20)
WITH_ZEROS = with_special_values(values(-10, 10), (0.0,))
IEEE = with_special_values(values(-10, 10), (0.0, -0.0, math.nan, math.inf, -math.inf))
FULL_INT32 = values(-2 ** 31, 2 ** 31 - 1)


def unary(name, fn, reference, domain=values(-10, 10), dtypes=FLOATS, **options):
    """A one-argument elementwise case (shapes: 0-d to 2-d, empty included)."""
    return Case(name, fn, reference, (Arg(domain),), dtypes, **options)


def binary(name, fn, reference, domains=(values(-10, 10), values(-10, 10)), dtypes=FLOATS, **options):
    """A two-argument elementwise case with broadcasting."""
    return Case(name, fn, reference, tuple(Arg(d) for d in domains), dtypes, **options)


# ===== elementwise math ======================================================================

ELEMENTWISE_MATH = [
    unary("exp", tg.exp, np.exp, values(-20, 20), all_kinds=True),
    unary("expm1", tg.math.expm1, np.expm1, values(-20, 20)),
    unary("log", tg.math.log, np.log, values(1e-3, 1e3)),
    unary("log1p", tg.math.log1p, np.log1p, values(-0.999, 1e3)),
    unary("sqrt", tg.sqrt, np.sqrt, values(0, 1e4)),
    unary("rsqrt", tg.math.rsqrt, lambda x: 1 / np.sqrt(x), values(1e-3, 1e4)),
    unary("square", tg.square, np.square, WIDE, REALS),
    unary("sin", tg.sin, np.sin),
    unary("cos", tg.cos, np.cos),
    unary("tan", tg.tan, np.tan, values(-1.5, 1.5)),
    unary("asin", tg.asin, np.arcsin, values(-1, 1)),
    unary("acos", tg.acos, np.arccos, values(-1, 1)),
    unary("atan", tg.atan, np.arctan, WIDE),
    unary("sinh", tg.sinh, np.sinh),
    unary("cosh", tg.cosh, np.cosh),
    unary("tanh", tg.tanh, np.tanh),
    unary("asinh", tg.asinh, np.arcsinh, WIDE),
    unary("acosh", tg.acosh, np.arccosh, values(1, 100)),
    unary("atanh", tg.atanh, np.arctanh, values(-0.99, 0.99)),
    unary("sigmoid", tg.sigmoid, _sigmoid, values(-20, 20)),
    unary("log_sigmoid", tg.math.log_sigmoid, lambda x: -np.logaddexp(0, -x), values(-20, 20)),
    unary("softplus", tg.math.softplus, lambda x: np.logaddexp(0, x), values(-20, 20)),
    unary("softsign", tg.math.softsign, lambda x: x / (1 + np.abs(x))),
    unary("erf", tg.math.erf, scipy.special.erf, values(-5, 5)),
    unary("erfc", tg.math.erfc, scipy.special.erfc, values(-5, 5)),
    unary("floor", tg.floor, np.floor, HALVES),
    unary("ceil", tg.math.ceil, np.ceil, HALVES),
    unary("round", tg.round, np.rint, HALVES),
    unary("rint", tg.math.rint, np.rint, HALVES),
    unary("reciprocal", tg.math.reciprocal, np.reciprocal, DIVISORS),
    unary("reciprocal_no_nan", tg.math.reciprocal_no_nan,
          quiet(lambda x: np.where(x == 0, 0, 1 / x).astype(x.dtype)), WITH_ZEROS),
    unary("negative", tg.negative, np.negative, WIDE, REALS),
    unary("abs", tg.abs, np.abs, WIDE, REALS),
    unary("sign", tg.sign, np.sign, TIES, REALS),
    unary("is_nan", tg.math.is_nan, np.isnan, IEEE),
    unary("is_inf", tg.math.is_inf, np.isinf, IEEE),
    unary("is_finite", tg.math.is_finite, np.isfinite, IEEE),
    unary("identity", tg.identity, lambda x: x, WIDE, REALS + BOOLS),
    unary("stop_gradient", tg.stop_gradient, lambda x: x, WIDE, REALS),
    unary("scalar_mul", lambda x: tg.math.scalar_mul(2.5, x), lambda x: x * 2.5),
    unary("polyval", lambda x: tg.math.polyval([1.5, -2.0, 0.5], x), lambda x: (1.5 * x - 2.0) * x + 0.5),
    binary("add", tg.add, np.add, (WIDE, WIDE), REALS, all_kinds=True),
    binary("subtract", tg.subtract, np.subtract, (WIDE, WIDE), REALS),
    binary("multiply", tg.multiply, np.multiply, (WIDE, WIDE), REALS, all_kinds=True),
    binary("divide", tg.divide, np.true_divide, (WIDE, DIVISORS)),
    binary("divide_int", tg.divide, np.true_divide, (WIDE, INT_DIVISORS), INTS, all_kinds=True),
    binary("floordiv_int", tg.math.floordiv, np.floor_divide, (WIDE, INT_DIVISORS), INTS),
    binary("floordiv_float", tg.math.floordiv, lambda x, y: np.floor(x / y), (WIDE, INT_DIVISORS)),
    binary("floormod", tg.math.floormod, np.mod, (WIDE, INT_DIVISORS), REALS),
    binary("truncatediv", tg.math.truncatediv, _truncate_div, (WIDE, INT_DIVISORS), INTS),
    binary("truncatemod", tg.math.truncatemod, np.fmod, (WIDE, INT_DIVISORS), REALS),
    binary("pow", tg.pow, np.power, (values(0.1, 10), values(-3, 3)), all_kinds=True),
    binary("pow_int", tg.pow, np.power, (values(-5, 5), values(0, 5)), INTS),
    binary("maximum", tg.maximum, np.maximum, (TIES, TIES), REALS, all_kinds=True),
    binary("minimum", tg.minimum, np.minimum, (TIES, TIES), REALS),
    binary("squared_difference", tg.math.squared_difference, lambda x, y: np.square(x - y), (WIDE, WIDE), REALS),
    binary("atan2", tg.atan2, np.arctan2, (WITH_ZEROS, WITH_ZEROS)),
    binary("divide_no_nan", tg.math.divide_no_nan,
           quiet(lambda x, y: np.where(y == 0, 0, x / y).astype(x.dtype)), (WIDE, WITH_ZEROS)),
    binary("multiply_no_nan", tg.math.multiply_no_nan,
           quiet(lambda x, y: np.where(y == 0, 0, x * y).astype(x.dtype)),
           (with_special_values(WIDE, (math.inf, math.nan)), WITH_ZEROS)),
    binary("xlogy", tg.math.xlogy, quiet(lambda x, y: np.where(x == 0, 0, x * np.log(y)).astype(x.dtype)),
           (WITH_ZEROS, values(0.01, 100))),
    binary("xdivy", tg.math.xdivy, quiet(lambda x, y: np.where(x == 0, 0, x / y).astype(x.dtype)),
           (WITH_ZEROS, DIVISORS)),
    Case("add_n", lambda a, b, c: tg.add_n([a, b, c]), lambda a, b, c: a + b + c,
         (Arg(WIDE),) * 3, REALS, shapes=same_shapes(3)),
    binary("complex", tg.complex, lambda x, y: x + 1j * y),
    binary("real", lambda x, y: tg.math.real(tg.complex(x, y)), lambda x, y: np.real(x + 1j * y)),
    binary("imag", lambda x, y: tg.math.imag(tg.complex(x, y)), lambda x, y: np.imag(x + 1j * y)),
    binary("conj", lambda x, y: tg.math.conj(tg.complex(x, y)), lambda x, y: np.conj(x + 1j * y)),
    binary("complex_abs", lambda x, y: tg.abs(tg.complex(x, y)), lambda x, y: np.abs(x + 1j * y)),
]

BITWISE = [
    binary("bitwise_and", tg.bitwise.bitwise_and, np.bitwise_and, (FULL_INT32, FULL_INT32), INTS),
    binary("bitwise_or", tg.bitwise.bitwise_or, np.bitwise_or, (FULL_INT32, FULL_INT32), INTS),
    binary("bitwise_xor", tg.bitwise.bitwise_xor, np.bitwise_xor, (FULL_INT32, FULL_INT32), INTS),
    unary("invert", tg.bitwise.invert, np.invert, FULL_INT32, INTS),
    binary("left_shift", tg.bitwise.left_shift, np.left_shift, (values(-1000, 1000), values(0, 20)), INTS,
           all_kinds=True),
    binary("right_shift", tg.bitwise.right_shift, np.right_shift, (FULL_INT32, values(0, 31)), INTS),
]

# ===== comparisons, logic, selection =========================================================

COMPARISONS = [
    binary("equal", tg.equal, np.equal, (TIES, TIES), REALS + BOOLS, all_kinds=True),
    binary("not_equal", tg.not_equal, np.not_equal, (TIES, TIES), REALS + BOOLS),
    binary("less", tg.less, np.less, (TIES, TIES), REALS),
    binary("less_equal", tg.less_equal, np.less_equal, (TIES, TIES), REALS),
    binary("greater", tg.greater, np.greater, (TIES, TIES), REALS),
    binary("greater_equal", tg.greater_equal, np.greater_equal, (TIES, TIES), REALS),
    binary("logical_and", tg.logical_and, np.logical_and, (booleans(),) * 2, BOOLS, all_kinds=True),
    binary("logical_or", tg.logical_or, np.logical_or, (booleans(),) * 2, BOOLS),
    binary("logical_xor", tg.math.logical_xor, np.logical_xor, (booleans(),) * 2, BOOLS),
    unary("logical_not", tg.logical_not, np.logical_not, booleans(), BOOLS),
    Case("where", tg.where, np.where, (Arg(booleans(), BOOL), Arg(WIDE), Arg(WIDE)), REALS + BOOLS,
         all_kinds=True),
    Case("where_coordinates", lambda c: tg.where(c), lambda c: np.argwhere(c).astype(np.int64),
         (Arg(booleans()),), BOOLS),
    unary("clip_by_value", lambda t: tg.clip_by_value(t, -2, 3), lambda t: np.clip(t, -2, 3).astype(t.dtype),
          TIES, REALS, all_kinds=True),
    Case("clip_by_value_tensors", tg.clip_by_value, lambda t, lo, hi: np.maximum(np.minimum(t, hi), lo),
         (Arg(TIES),) * 3, REALS, shapes=fitting(3)),
    unary("clip_by_norm", lambda t: tg.clip_by_norm(t, 1.5),
          in_float64(lambda t: t * 1.5 / np.maximum(np.sqrt(np.sum(t * t)), 1.5))),
]

# ===== casts =================================================================================

CASTS = [
    unary("cast_float_to_int32", lambda x: tg.cast(x, tg.int32), lambda x: x.astype(np.int32),
          values(-1000, 1000)),
    unary("cast_float_to_uint8", lambda x: tg.cast(x, tg.uint8), lambda x: x.astype(np.uint8), values(0, 255)),
    unary("cast_int32_to_float32", lambda x: tg.cast(x, tg.float32), lambda x: x.astype(np.float32),
          FULL_INT32, INTS),
    unary("cast_int32_to_int64", lambda x: tg.cast(x, tg.int64), lambda x: x.astype(np.int64), FULL_INT32, INTS),
    unary("cast_to_float64", lambda x: tg.cast(x, tg.float64), lambda x: x.astype(np.float64), WIDE, REALS),
    unary("cast_to_float32", lambda x: tg.cast(x, tg.float32), lambda x: x.astype(np.float32), WIDE, REALS),
    unary("cast_to_bool", lambda x: tg.cast(x, tg.bool), lambda x: x != 0, TIES, REALS),
    unary("cast_bool_to_float32", lambda x: tg.cast(x, tg.float32), lambda x: x.astype(np.float32),
          booleans(), BOOLS),
    unary("saturate_cast_uint8", lambda x: tg.saturate_cast(x, tg.uint8),
          lambda x: np.clip(x, 0, 255).astype(np.uint8), values(-1000, 1000), REALS),
    Case("cast_chain_mixed_dtypes", lambda x, n: tg.cast(tg.cast(x, tg.int32) * n, tg.float32) + 0.5,
         lambda x, n: (x.astype(np.int32) * n).astype(np.float32) + np.float32(0.5),
         (Arg(WIDE), Arg(values(-5, 5), I32)), (F32,), all_kinds=True),
]

# ===== nn ====================================================================================

_SELU_ALPHA, _SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def _gelu(x):
    return 0.5 * x * (1 + scipy.special.erf(x / math.sqrt(2)))


def _gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


#: Composites that subtract nearly equal values (1 + tanh(x) for x << 0, say): an error of one
#: ulp in an approximated function becomes an absolute error of about |x| ulp(1).
CANCELLING = {"float32": (2e-6, 2e-6), "float64": (1e-14, 1e-14)}

NN = [
    unary("relu", tg.nn.relu, lambda x: np.maximum(x, 0).astype(x.dtype), WIDE, REALS),
    unary("relu6", tg.nn.relu6, lambda x: np.clip(x, 0, 6).astype(x.dtype), TIES, REALS),
    unary("crelu", tg.nn.crelu, lambda x: np.concatenate([np.maximum(x, 0), np.maximum(-x, 0)], axis=-1),
          shapes=one_shape(min_dims=1)),
    # TF's Elu and Selu kernels compute exp(x) - 1, not expm1
    unary("elu", tg.nn.elu, lambda x: np.where(x < 0, np.exp(np.minimum(x, 0)) - 1, x)),
    unary("selu", tg.nn.selu, in_float64(
        lambda x: np.where(x < 0, _SELU_SCALE * _SELU_ALPHA * (np.exp(np.minimum(x, 0)) - 1), _SELU_SCALE * x))),
    unary("gelu", tg.nn.gelu, in_float64(_gelu), tolerance=CANCELLING),
    unary("gelu_tanh", lambda x: tg.nn.gelu(x, approximate=True), in_float64(_gelu_tanh), tolerance=CANCELLING),
    unary("silu", tg.nn.silu, in_float64(lambda x: x * _sigmoid(x)), values(-20, 20), tolerance=CANCELLING),
    unary("swish_beta", lambda x: tg.nn.silu(x, beta=2.0), in_float64(lambda x: x * _sigmoid(2 * x)),
          tolerance=CANCELLING),
    unary("leaky_relu", tg.nn.leaky_relu, lambda x: np.where(x > 0, x, x * 0.2).astype(x.dtype)),
    unary("leaky_relu_int", tg.nn.leaky_relu, lambda x: np.where(x > 0, x, x * np.float32(0.2)).astype(np.float32),
          WIDE, INTS),
    unary("softmax", tg.nn.softmax, in_float64(lambda x: np.exp(_log_softmax(x))), shapes=one_shape(min_dims=1)),
    unary("log_softmax", tg.nn.log_softmax, in_float64(_log_softmax), shapes=one_shape(min_dims=1),
          tolerance=CANCELLING),
    unary("softmax_axis0", lambda x: tg.nn.softmax(x, axis=0), in_float64(lambda x: np.exp(_log_softmax(x, 0))),
          shapes=one_shape(min_dims=2)),
    binary("sigmoid_cross_entropy_with_logits",
           lambda z, x: tg.nn.sigmoid_cross_entropy_with_logits(labels=z, logits=x),
           in_float64(lambda z, x: np.maximum(x, 0) - x * z + np.log1p(np.exp(-np.abs(x)))),
           (values(0, 1), values(-10, 10)), shapes=same_shapes(2), tolerance=CANCELLING),
    binary("softmax_cross_entropy_with_logits",
           lambda z, x: tg.nn.softmax_cross_entropy_with_logits(labels=z, logits=x),
           in_float64(lambda z, x: -np.sum(z * _log_softmax(x), axis=-1)),
           (values(0, 1), values(-10, 10)), shapes=same_shapes(2, min_dims=1), tolerance=CANCELLING),
    Case("sparse_softmax_cross_entropy_with_logits",
         lambda x, labels: tg.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=x),
         in_float64(lambda x, labels: -np.take_along_axis(_log_softmax(x), labels[..., None], -1)[..., 0]),
         arrays=logits_and_labels),
    unary("l2_normalize", lambda x: tg.nn.l2_normalize(x, axis=-1),
          in_float64(lambda x: x / np.sqrt(np.maximum(np.sum(x * x, axis=-1, keepdims=True), 1e-12))),
          shapes=one_shape(min_dims=1)),
    unary("l2_loss", tg.nn.l2_loss, in_float64(lambda x: np.sum(x * x) / 2)),
    unary("moments", lambda x: tg.nn.moments(x, axes=[0]),
          quiet(lambda x: (np.mean(x, axis=0), np.var(x, axis=0))), shapes=one_shape(min_dims=1)),
    Case("batch_normalization", lambda x, m, v, o, s: tg.nn.batch_normalization(x, m, v, o, s, 1e-3),
         in_float64(lambda x, m, v, o, s: (x - m) / np.sqrt(v + 1e-3) * s + o),
         (Arg(), Arg(), Arg(values(0, 10)), Arg(), Arg()), all_kinds=True, tolerance=CANCELLING),
    Case("bias_add", tg.nn.bias_add, lambda x, b: x + b, (Arg(), Arg()), REALS,
         shapes=lambda: hnp.array_shapes(min_dims=2, max_dims=3, min_side=0, max_side=MAX_SIDE).map(
             lambda s: (s, s[-1:]))),
    unary("dropout", lambda x: tg.nn.dropout(x, 0.5, seed=7),
          lambda x: np.ones(x.shape, bool), values(1, 10),
          invariant=lambda out, x: np.isclose(out, 0) | np.isclose(out, 2 * x, rtol=1e-6)),
]

# ===== reductions ============================================================================

NON_EMPTY_LAST = one_shape(min_dims=1, min_side=1)


def _reduced(fn, dtype_of_input=True, **kwargs):
    """A reduction reference returning a NumPy array of the input's dtype."""
    @quiet
    def reference(x):
        result = np.asarray(fn(x, **kwargs))
        return result.astype(x.dtype) if dtype_of_input else result
    return reference


REDUCTIONS = [
    unary("reduce_sum", tg.reduce_sum, _reduced(np.sum), WIDE, REALS),
    unary("reduce_sum_last_keepdims", lambda x: tg.reduce_sum(x, axis=-1, keepdims=True),
          _reduced(np.sum, axis=-1, keepdims=True), WIDE, REALS, shapes=one_shape(min_dims=1)),
    unary("reduce_sum_axes_0_2", lambda x: tg.reduce_sum(x, axis=[0, 2]), _reduced(np.sum, axis=(0, 2)),
          WIDE, REALS, shapes=one_shape(min_dims=3)),
    unary("reduce_prod", lambda x: tg.reduce_prod(x, axis=0), _reduced(np.prod, axis=0), values(-2, 2), REALS,
          shapes=one_shape(min_dims=1)),
    unary("reduce_max", lambda x: tg.reduce_max(x, axis=-1),
          lambda x: np.max(x, axis=-1, initial=_lowest(x.dtype)), TIES, REALS, shapes=one_shape(min_dims=1)),
    unary("reduce_min", lambda x: tg.reduce_min(x), lambda x: np.asarray(np.min(x, initial=_highest(x.dtype))),
          TIES, REALS),
    unary("reduce_any", lambda x: tg.reduce_any(x, axis=-1), lambda x: np.any(x, axis=-1), booleans(), BOOLS,
          shapes=one_shape(min_dims=1)),
    unary("reduce_all", tg.reduce_all, lambda x: np.asarray(np.all(x)), booleans(), BOOLS),
    unary("reduce_mean", tg.reduce_mean, _reduced(np.mean)),
    unary("reduce_mean_axis", lambda x: tg.reduce_mean(x, axis=0), _reduced(np.mean, axis=0),
          shapes=one_shape(min_dims=1)),
    unary("reduce_mean_int", lambda x: tg.reduce_mean(x, axis=-1),
          lambda x: np.asarray(_truncate_div(np.sum(x, axis=-1, dtype=x.dtype), np.int32(max(x.shape[-1], 1)))),
          WIDE, INTS, shapes=one_shape(min_dims=1)),
    unary("reduce_logsumexp", lambda x: tg.reduce_logsumexp(x, axis=-1),
          _reduced(scipy.special.logsumexp, axis=-1), shapes=one_shape(min_dims=1)),
    unary("reduce_variance", lambda x: tg.math.reduce_variance(x, axis=-1), _reduced(np.var, axis=-1),
          shapes=one_shape(min_dims=1)),
    unary("reduce_std", lambda x: tg.math.reduce_std(x), _reduced(np.std)),
    unary("reduce_euclidean_norm", lambda x: tg.math.reduce_euclidean_norm(x, axis=-1),
          _reduced(lambda x, axis: np.sqrt(np.sum(x * x, axis=axis)), axis=-1), shapes=one_shape(min_dims=1)),
    unary("count_nonzero", lambda x: tg.math.count_nonzero(x, axis=-1),
          lambda x: np.count_nonzero(x, axis=-1).astype(np.int64), TIES, REALS, shapes=one_shape(min_dims=1)),
    unary("argmax", lambda x: tg.argmax(x, axis=-1), lambda x: np.argmax(x, axis=-1).astype(np.int64),
          TIES, REALS, shapes=NON_EMPTY_LAST),
    unary("argmin_int32", lambda x: tg.argmin(x, axis=0, output_type=tg.int32),
          lambda x: np.argmin(x, axis=0).astype(np.int32), TIES, REALS, shapes=one_shape(min_dims=1, min_side=1)),
    unary("cumsum", lambda x: tg.cumsum(x, axis=0), lambda x: _cumulative(x, np.cumsum), WIDE, REALS,
          shapes=one_shape(min_dims=1)),
    unary("cumsum_exclusive_reverse", lambda x: tg.cumsum(x, axis=0, exclusive=True, reverse=True),
          lambda x: _cumulative(x, np.cumsum, exclusive=True, reverse=True), WIDE, REALS,
          shapes=one_shape(min_dims=1)),
    unary("cumprod", lambda x: tg.math.cumprod(x, axis=0), lambda x: _cumulative(x, np.cumprod),
          values(-2, 2), REALS, shapes=one_shape(min_dims=1)),
    unary("cumprod_exclusive", lambda x: tg.math.cumprod(x, axis=0, exclusive=True),
          lambda x: _cumulative(x, np.cumprod, exclusive=True), values(-2, 2), REALS,
          shapes=one_shape(min_dims=1)),
    binary("sum_of_squares_fused", lambda a, b: tg.reduce_sum(tg.square(a - b)),
           in_float64(lambda a, b: np.sum(np.square(a - b))), shapes=same_shapes(2)),
    binary("mean_squared_error", lambda a, b: tg.reduce_mean(tg.square(a - b)),
           in_float64(lambda a, b: np.mean(np.square(a - b))), shapes=same_shapes(2)),
]

# ===== shapes, indexing, creation ============================================================

_ANY = REALS + BOOLS


def _squeeze_ones(x):
    """x without its dimensions of size 1, whose rank is known only at run time, and that rank."""
    shape = tg.shape(x)
    squeezed = tg.reshape(x, tg.boolean_mask(shape, tg.not_equal(shape, 1)))
    return squeezed + 1, tg.rank(squeezed)


def _squeeze_ones_reference(x):
    squeezed = x.reshape([d for d in x.shape if d != 1])
    return squeezed + 1, np.array(squeezed.ndim, np.int32)


SHAPES_AND_INDEXING = [
    unary("reshape_flat", lambda x: tg.reshape(x, [-1]), lambda x: x.reshape(-1), WIDE, _ANY),
    unary("reshape_rows", lambda x: tg.reshape(x, [2, -1]), lambda x: x.reshape(2, -1), WIDE, REALS,
          shapes=shapes_of(st.tuples(dims(0, 3), dims(0, 4)).map(lambda d: (2 * d[0], d[1])))),
    unary("reshape_dynamic", lambda x: tg.reshape(x, tg.shape(x)[::-1]), lambda x: x.reshape(x.shape[::-1]),
          WIDE, REALS, shapes=one_shape(min_dims=1)),
    unary("transpose", tg.transpose, lambda x: x.T, WIDE, _ANY),
    unary("transpose_perm", lambda x: tg.transpose(x, perm=[2, 0, 1]), lambda x: x.transpose(2, 0, 1),
          WIDE, REALS, shapes=one_shape(min_dims=3, max_dims=3)),
    unary("expand_dims", lambda x: tg.expand_dims(x, 1), lambda x: np.expand_dims(x, 1), WIDE, REALS,
          shapes=one_shape(min_dims=1)),
    unary("squeeze", lambda x: tg.squeeze(x, axis=1), lambda x: np.squeeze(x, axis=1), WIDE, REALS,
          shapes=shapes_of(st.tuples(dims(), dims()).map(lambda d: (d[0], 1, d[1])))),
    binary("stack", lambda a, b: tg.stack([a, b], axis=1), lambda a, b: np.stack([a, b], axis=1), (WIDE, WIDE),
           REALS, shapes=same_shapes(2, min_dims=1)),
    unary("unstack", lambda x: tuple(tg.unstack(x, num=3)), lambda x: tuple(x), WIDE, REALS,
          shapes=shapes_of(st.tuples(dims(), dims()).map(lambda d: (3,) + d))),
    binary("concat", lambda a, b: tg.concat([a, b], axis=0), lambda a, b: np.concatenate([a, b], axis=0),
           (WIDE, WIDE), _ANY,
           shapes=lambda: st.tuples(dims(), dims(), dims()).map(lambda d: ((d[0], d[2]), (d[1], d[2])))),
    unary("split", lambda x: tuple(tg.split(x, 2, axis=0)), lambda x: tuple(np.split(x, 2, axis=0)), WIDE, REALS,
          shapes=shapes_of(st.tuples(dims(0, 2), dims()).map(lambda d: (2 * d[0], d[1])))),
    unary("split_sizes", lambda x: tuple(tg.split(x, [1, 2], axis=-1)),
          lambda x: (x[..., :1], x[..., 1:]), WIDE, REALS,
          shapes=shapes_of(hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=3).map(lambda s: s + (3,)))),
    unary("tile", lambda x: tg.tile(x, [2] * x.shape.rank), lambda x: np.tile(x, [2] * x.ndim), WIDE, _ANY),
    unary("pad_constant", lambda x: tg.pad(x, [[1, 2]] * x.shape.rank, constant_values=1),
          lambda x: np.pad(x, [(1, 2)] * x.ndim, constant_values=1), WIDE, REALS, shapes=one_shape(min_dims=1)),
    unary("pad_reflect", lambda x: tg.pad(x, [[1, 1]] * x.shape.rank, mode="REFLECT"),
          lambda x: np.pad(x, [(1, 1)] * x.ndim, mode="reflect"), WIDE, REALS,
          shapes=one_shape(min_dims=1, max_dims=2, min_side=2)),
    unary("broadcast_to", lambda x: tg.broadcast_to(x, [2, 3, 4]), lambda x: np.broadcast_to(x, (2, 3, 4)),
          WIDE, _ANY, shapes=shapes_of(broadcasting_to((2, 3, 4)))),
    unary("reverse", lambda x: tg.reverse(x, axis=[-1]), lambda x: x[..., ::-1], WIDE, _ANY,
          shapes=one_shape(min_dims=1)),
    unary("shape_size_rank", lambda x: (tg.shape(x), tg.size(x), tg.rank(x)),
          lambda x: (np.array(x.shape, np.int32), np.array(x.size, np.int32), np.array(x.ndim, np.int32)),
          WIDE, _ANY),
    binary("broadcast_dynamic_shape", lambda a, b: tg.broadcast_dynamic_shape(tg.shape(a), tg.shape(b)),
           lambda a, b: np.array(np.broadcast_shapes(a.shape, b.shape), np.int32)),
    binary("identity_n", lambda a, b: tuple(tg.identity_n([a, b])), lambda a, b: (a, b), (WIDE, WIDE), _ANY),
    unary("repeat", lambda x: tg.repeat(x, 2, axis=0), lambda x: np.repeat(x, 2, axis=0), WIDE, REALS,
          shapes=one_shape(min_dims=1)),
    binary("meshgrid", lambda a, b: tuple(tg.meshgrid(a, b)), lambda a, b: tuple(np.meshgrid(a, b)),
           (WIDE, WIDE), REALS, shapes=shapes_of(hnp.array_shapes(min_dims=1, max_dims=1, max_side=MAX_SIDE),
                                                 hnp.array_shapes(min_dims=1, max_dims=1, max_side=MAX_SIDE))),
    unary("getitem_slices", lambda x: x[1:, ::-2], lambda x: x[1:, ::-2], WIDE, _ANY,
          shapes=one_shape(min_dims=2)),
    unary("getitem_ellipsis_newaxis", lambda x: x[None, ..., 0], lambda x: x[None, ..., 0], WIDE, REALS,
          shapes=NON_EMPTY_LAST),
    unary("getitem_negative_index", lambda x: x[-1], lambda x: x[-1], WIDE, REALS,
          shapes=one_shape(min_dims=1, min_side=1)),
    unary("slice", lambda x: tg.slice(x, [1, 0], [1, -1]), lambda x: x[1:2, :], WIDE, REALS,
          shapes=one_shape(min_dims=2, max_dims=2, min_side=2)),
    unary("strided_slice", lambda x: tg.strided_slice(x, [0], [-1], [2]), lambda x: x[0:-1:2], WIDE, REALS,
          shapes=one_shape(min_dims=1)),
    Case("gather", lambda p, i: tg.gather(p, i), lambda p, i: p[i], arrays=params_and_indices(), dtypes=REALS),
    Case("gather_axis1", lambda p, i: tg.gather(tg.transpose(p), i, axis=-1), lambda p, i: np.take(p.T, i, -1),
         arrays=params_and_indices(index_dims=1), dtypes=REALS),
    Case("gather_nd", tg.gather_nd, lambda p, i: p[tuple(i.T)], arrays=params_and_nd_indices, dtypes=REALS),
    Case("boolean_mask", tg.boolean_mask, lambda x, m: x[m], (Arg(WIDE), Arg(booleans(), BOOL)), REALS,
         shapes=same_shapes(2, min_dims=1)),
    Case("scatter_nd", lambda i, u: tg.scatter_nd(i, u, [6, tg.shape(u)[1]]),
         lambda i, u: _scatter(np.zeros((6,) + u.shape[1:], u.dtype), i, u, add=True),
         arrays=lambda dtype: scatter_inputs(False)(dtype).map(lambda a: a[1:]), dtypes=REALS),
    Case("tensor_scatter_nd_update", tg.tensor_scatter_nd_update, lambda t, i, u: _scatter(t, i, u, add=False),
         arrays=scatter_inputs(True), dtypes=REALS),
    Case("tensor_scatter_nd_add", tg.tensor_scatter_nd_add, lambda t, i, u: _scatter(t, i, u, add=True),
         arrays=scatter_inputs(False), dtypes=REALS),
    unary("tensor_array_scatter_stack", lambda x: _reversed_through_tensor_array(x), lambda x: x[::-1], WIDE, REALS,
          shapes=one_shape(min_dims=1)),
    Case("unsorted_segment_sum", lambda d, s: tg.math.unsorted_segment_sum(d, s, 4),
         lambda d, s: _segment_sum(d, s, 4), arrays=data_and_segments(False), dtypes=REALS),
    Case("unsorted_segment_max", lambda d, s: tg.math.unsorted_segment_max(d, s, 4),
         lambda d, s: _segment_max(d, s, 4), arrays=data_and_segments(False), dtypes=REALS),
    Case("segment_sum", lambda d, s: tg.math.segment_sum(d, s),
         lambda d, s: _segment_sum(d, s, int(s.max()) + 1 if s.size else 0),
         arrays=data_and_segments(True), dtypes=REALS),
    unary("one_hot", lambda i: tg.one_hot(i, 4), lambda i: _one_hot(i, 4), values(-1, 4), INTS),
    unary("range_of_size", lambda x: tg.range(tg.size(x)) * 2, lambda x: np.arange(x.size, dtype=np.int32) * 2,
          WIDE, REALS, shapes=one_shape(min_dims=1)),
    unary("squeeze_to_unknown_rank", _squeeze_ones, _squeeze_ones_reference, WIDE, REALS),
    unary("fill", lambda x: tg.fill(tg.shape(x), 2.5), lambda x: np.full(x.shape, 2.5, np.float32), WIDE, REALS,
          shapes=one_shape(min_dims=1)),
    unary("ones_of_mixed_shape", lambda x: tg.ones([tg.shape(x)[0], 2], dtype=x.dtype),
          lambda x: np.ones((x.shape[0], 2), x.dtype), WIDE, REALS, shapes=one_shape(min_dims=1)),
    unary("zeros_ones_like", lambda x: (tg.zeros_like(x), tg.ones_like(x)),
          lambda x: (np.zeros_like(x), np.ones_like(x)), WIDE, _ANY),
    unary("zeros_of_shape", lambda x: tg.zeros(tg.shape(x), dtype=tg.int32),
          lambda x: np.zeros(x.shape, np.int32), WIDE, REALS),
    unary("eye_plus", lambda x: tg.eye(3, dtype=x.dtype) + x, lambda x: np.eye(3, dtype=x.dtype) + x, WIDE, REALS,
          shapes=shapes_of(broadcasting_to((3, 3)))),
    binary("linspace", lambda a, b: tg.linspace(a, b, 5), lambda a, b: np.linspace(a, b, 5, dtype=a.dtype),
           shapes=same_shapes(2, max_dims=0)),
]

# ===== sorting ===============================================================================

SORTING = [
    unary("sort", tg.sort, lambda x: np.sort(x, axis=-1), TIES, REALS, shapes=one_shape(min_dims=1)),
    unary("sort_descending", lambda x: tg.sort(x, direction="DESCENDING"), lambda x: -np.sort(-x, axis=-1),
          TIES, (F32, F64), shapes=one_shape(min_dims=1)),
    unary("argsort_stable", lambda x: tg.argsort(x, stable=True),
          lambda x: np.argsort(x, axis=-1, kind="stable").astype(np.int32), TIES, REALS,
          shapes=one_shape(min_dims=1)),
    Case("top_k", lambda x: tuple(tg.math.top_k(x, k=2)),
         lambda x: (-np.sort(-x, axis=-1)[..., :2], np.argsort(-x, axis=-1, kind="stable")[..., :2].astype(np.int32)),
         arrays=distinct_rows, dtypes=REALS),
    Case("in_top_k", lambda p, t: tg.math.in_top_k(t, p, 2),
         lambda p, t: (np.argsort(-p, axis=-1)[:, :2] == t[:, None]).any(axis=-1),
         arrays=predictions_and_targets, dtypes=(F32,)),
]

# ===== linear algebra ========================================================================

_LINALG_TOLERANCE = {"float32": (1e-4, 1e-4), "float64": (1e-9, 1e-9)}


def _linalg(name, fn, reference, arrays, invariant=None):
    return Case(name, fn, reference, arrays=arrays, tolerance=_LINALG_TOLERANCE, invariant=invariant)


def _reconstructed(values_, vectors):
    return vectors @ (values_[..., :, None] * np.swapaxes(vectors, -1, -2))


LINALG = [
    binary("matmul", tg.matmul, np.matmul, dtypes=REALS, shapes=matmul_shapes(), tolerance=_LINALG_TOLERANCE),
    binary("matmul_batched", tg.matmul, np.matmul, shapes=matmul_shapes(batch_a=True, batch_b=True),
           tolerance=_LINALG_TOLERANCE),
    binary("matmul_transposed", lambda a, b: tg.matmul(a, b, transpose_a=True, transpose_b=True),
           lambda a, b: a.T @ b.T, shapes=matmul_shapes(transpose_a=True, transpose_b=True),
           tolerance=_LINALG_TOLERANCE),
    binary("matvec", tg.linalg.matvec, lambda a, v: a @ v,
           shapes=lambda: st.tuples(dims(), dims()).map(lambda d: ((d[0], d[1]), (d[1],))),
           tolerance=_LINALG_TOLERANCE),
    binary("einsum_matmul", lambda a, b: tg.einsum("ij,jk->ik", a, b), lambda a, b: np.einsum("ij,jk->ik", a, b),
           shapes=matmul_shapes(), tolerance=_LINALG_TOLERANCE),
    unary("einsum_trace_and_outer", lambda x: (tg.einsum("ii->", x), tg.einsum("i,j->ij", x[0], x[0])),
          lambda x: (np.einsum("ii->", x), np.einsum("i,j->ij", x[0], x[0])),
          shapes=shapes_of(dims(1, 4).map(lambda n: (n, n))), tolerance=_LINALG_TOLERANCE),
    binary("tensordot", lambda a, b: tg.tensordot(a, b, axes=1), lambda a, b: np.tensordot(a, b, axes=1),
           shapes=matmul_shapes(), tolerance=_LINALG_TOLERANCE),
    binary("cross", tg.linalg.cross, np.cross, shapes=lambda: hnp.array_shapes(max_dims=2, max_side=3).map(
        lambda s: (s + (3,), s + (3,))), tolerance=_LINALG_TOLERANCE),
    unary("matrix_transpose", tg.linalg.matrix_transpose, lambda x: np.swapaxes(x, -1, -2), WIDE, REALS,
          shapes=one_shape(min_dims=2)),
    unary("adjoint", tg.linalg.adjoint, lambda x: np.swapaxes(x, -1, -2), shapes=one_shape(min_dims=2)),
    # Traced with unknown dimensions, the masked shape has an unknown length: the rank is unknown.
    unary("matrix_transpose_unknown_rank",
          lambda x: tg.linalg.matrix_transpose(tg.reshape(x, tg.boolean_mask(tg.shape(x), tg.shape(x) >= 0))),
          lambda x: np.swapaxes(x, -1, -2), WIDE, REALS, shapes=one_shape(min_dims=2)),
    unary("diag", tg.linalg.diag, lambda v: np.apply_along_axis(np.diag, -1, v) if v.size else
          np.zeros(v.shape + v.shape[-1:], v.dtype), WIDE, REALS, shapes=one_shape(min_dims=1, max_dims=2)),
    unary("diag_part", tg.linalg.diag_part, lambda x: np.diagonal(x, axis1=-2, axis2=-1), WIDE, REALS,
          shapes=one_shape(min_dims=2)),
    binary("set_diag", tg.linalg.set_diag, lambda x, d: _set_diag(x, d), (WIDE, WIDE), REALS,
           shapes=lambda: st.tuples(dims(), dims()).map(lambda d: ((d[0], d[1]), (min(d),)))),
    unary("band_part", lambda x: tg.linalg.band_part(x, 1, 0), lambda x: np.tril(x) - np.tril(x, -2), WIDE, REALS,
          shapes=one_shape(min_dims=2, min_side=1)),
    unary("trace", tg.linalg.trace, lambda x: np.trace(x, axis1=-2, axis2=-1).astype(x.dtype), WIDE, REALS,
          shapes=one_shape(min_dims=2)),
    _linalg("inv", tg.linalg.inv, np.linalg.inv, matrices("dominant")),
    _linalg("det", tg.linalg.det, np.linalg.det, matrices("dominant")),
    _linalg("slogdet", lambda a: tuple(tg.linalg.slogdet(a)), lambda a: tuple(np.linalg.slogdet(a)),
            matrices("dominant")),
    _linalg("logdet", tg.linalg.logdet, lambda a: np.linalg.slogdet(a)[1], matrices("spd")),
    _linalg("solve", tg.linalg.solve, np.linalg.solve, matrices("dominant", extra=True)),
    _linalg("triangular_solve", tg.linalg.triangular_solve, np.linalg.solve, matrices("lower", extra=True)),
    _linalg("cholesky", tg.linalg.cholesky, np.linalg.cholesky, matrices("spd")),
    _linalg("cholesky_solve", lambda a, b: tg.linalg.cholesky_solve(tg.linalg.cholesky(a), b), np.linalg.solve,
            matrices("spd", extra=True)),
    _linalg("lstsq", tg.linalg.lstsq, np.linalg.solve, matrices("dominant", extra=True)),
    _linalg("eigh", lambda a: tuple(tg.linalg.eigh(a)), lambda a: (np.linalg.eigvalsh(a), a), matrices("spd"),
            invariant=lambda out, a: (out[0], _reconstructed(out[0], out[1]))),
    _linalg("eigvalsh", tg.linalg.eigvalsh, np.linalg.eigvalsh, matrices("spd")),
    _linalg("svd", lambda a: tuple(tg.linalg.svd(a)), lambda a: (np.linalg.svd(a, compute_uv=False), a),
            matrices("any"),
            invariant=lambda out, a: (out[0], out[1] @ (out[0][..., :, None] * np.swapaxes(out[2], -1, -2)))),
    _linalg("singular_values", lambda a: tg.linalg.svd(a, compute_uv=False),
            lambda a: np.linalg.svd(a, compute_uv=False), matrices("any")),
    _linalg("qr", lambda a: tuple(tg.linalg.qr(a)), lambda a: (a, np.abs(np.linalg.qr(a)[1])), matrices("dominant"),
            invariant=lambda out, a: (out[0] @ out[1], np.abs(out[1]))),
    unary("norm_euclidean", tg.norm, in_float64(lambda x: np.sqrt(np.sum(x * x))), tolerance=_LINALG_TOLERANCE),
    unary("norm_ord1_axis", lambda x: tg.norm(x, ord=1, axis=-1), lambda x: np.sum(np.abs(x), axis=-1),
          shapes=one_shape(min_dims=1), tolerance=_LINALG_TOLERANCE),
    unary("norm_inf_axis", lambda x: tg.norm(x, ord=np.inf, axis=-1), lambda x: np.max(np.abs(x), axis=-1),
          shapes=NON_EMPTY_LAST),
    unary("norm_frobenius", lambda x: tg.norm(x, ord="fro", axis=[-2, -1]),
          in_float64(lambda x: np.sqrt(np.sum(x * x, axis=(-2, -1)))), shapes=one_shape(min_dims=2),
          tolerance=_LINALG_TOLERANCE),
    unary("normalize", lambda x: tuple(tg.linalg.normalize(x, axis=-1)),
          quiet(lambda x: (x / np.linalg.norm(x, axis=-1, keepdims=True), np.linalg.norm(x, axis=-1, keepdims=True))),
          values(0.5, 10), shapes=NON_EMPTY_LAST, tolerance=_LINALG_TOLERANCE),
    binary("global_norm", lambda a, b: tg.linalg.global_norm([a, b]),
           in_float64(lambda a, b: np.sqrt(np.sum(a * a) + np.sum(b * b))), tolerance=_LINALG_TOLERANCE),
]


def _set_diag(x, d):
    out = x.copy()
    n = min(x.shape[-2:])
    out[..., np.arange(n), np.arange(n)] = d
    return out


# ===== control flow ==========================================================================

def _cond_on_sum(x):
    return tg.cond(tg.reduce_sum(x) > 0, lambda: tg.exp(-tg.square(x)) * 2.0, lambda: x * 3.0 - 1.0)


def _cond_on_sum_reference(x):
    return np.exp(-np.square(x)) * 2 if np.sum(x) > 0 else x * 3 - 1


def _halving_loop(x):
    _, result = tg.while_loop(lambda i, acc: i < 3, lambda i, acc: (i + 1, acc * 0.5 + x), (tg.constant(0), x))
    return result


def _halving_loop_reference(x):
    acc = x
    for _ in range(3):
        acc = acc * 0.5 + x
    return acc


def _counted_loop(x, n):
    def body(i, acc):
        return i + 1, tg.cond(i % 2 == 0, lambda: acc + x, lambda: acc * 2.0)
    return tg.while_loop(lambda i, acc: i < n, body, (tg.constant(0), tg.zeros_like(x)))


def _counted_loop_reference(x, n):
    acc = np.zeros_like(x)
    for i in range(int(n)):
        acc = acc + x if i % 2 == 0 else acc * 2
    return np.int32(n), acc


def _scalar_loop(x, n):
    """A loop of scalars with a branch: the Numba backend compiles it into one function."""
    def body(i, acc):
        return i + 1, tg.cond(acc > 4, lambda: acc // 2 - 1, lambda: acc * 3 + 1)
    return tg.while_loop(lambda i, acc: i < n, body, (tg.constant(0), x))


def _scalar_loop_reference(x, n):
    acc = x
    for _ in range(int(n)):
        acc = acc // 2 - 1 if acc > 4 else acc * 3 + 1
    return np.int32(n), acc


CONTROL_FLOW = [
    unary("cond", _cond_on_sum, _cond_on_sum_reference),
    unary("while_loop", _halving_loop, _halving_loop_reference),
    Case("while_loop_cond_nested", _counted_loop, _counted_loop_reference,
         (Arg(), Arg(values(0, 4), I32)), shapes=lambda: one_shape()().map(lambda s: s + ((),))),
    Case("while_loop_of_scalars", _scalar_loop, _scalar_loop_reference, (Arg(), Arg(values(0, 20), I32)),
         dtypes=REALS, shapes=lambda: st.just(((), ()))),
]

# ===== gradients inside traced functions (the adjoint ops) ====================================

def gradient_of(loss, wrt=(0,)):
    """A function returning d loss(*args) / d args[i] for i in `wrt`, taken with a GradientTape,
    as dense tensors (a gather's gradient is an IndexedSlices, as in TF).

    It has loss's fixed arity (one or two tensors), as functions with an input_signature need."""
    def gradients(args):
        sources = [args[i] for i in wrt]
        with tg.GradientTape() as tape:
            for x in sources:
                tape.watch(x)
            y = loss(*args)
        return tuple(g if g is None else tg.convert_to_tensor(g) for g in tape.gradient(y, sources))
    if loss.__code__.co_argcount == 1:
        return lambda x: gradients((x,))
    return lambda x, y: gradients((x, y))


def second_derivative_of(loss):
    """x -> d/dx sum(d loss(x) / dx), with nested tapes."""
    def fn(x):
        with tg.GradientTape() as outer:
            outer.watch(x)
            with tg.GradientTape() as inner:
                inner.watch(x)
                y = loss(x)
            first = tg.reduce_sum(inner.gradient(y, x))
        return outer.gradient(first, x)
    return fn


def _sum_squares(t):
    return tg.reduce_sum(tg.square(t))


def _reversed_through_tensor_array(x):
    """x's rows scattered into a TensorArray in reverse order, then stacked."""
    n = tg.shape(x)[0]
    return tg.TensorArray(x.dtype, size=n).scatter(tg.range(n - 1, -1, -1), x).stack()


def _getitem_gradient_reference(x):
    g = np.zeros_like(x)
    g[1:, ::-2] = 2 * x[1:, ::-2]
    return g


def _pad_gradient_reference(x):
    """2x times how often each element appears in the symmetric padding."""
    index = np.arange(x.size).reshape(x.shape)
    copies = np.pad(index, [(1, 2)] * x.ndim, mode="symmetric")
    return 2 * x * np.bincount(copies.ravel(), minlength=x.size).reshape(x.shape).astype(x.dtype)


def _gather_gradient_reference(p, i):
    g = np.zeros_like(p)
    np.add.at(g, i, 2 * p[i])
    return g


def _sparse_xent_gradient_reference(x, labels):
    return np.exp(_log_softmax(x)) - (labels[..., None] == np.arange(x.shape[-1]))


GRADIENTS = [
    # the halving loop gives 1.875 x; its gradient runs while_loop_history and a backward while_loop
    unary("grad_while_loop", gradient_of(lambda x: _sum_squares(_halving_loop(x))), lambda x: 2 * 1.875 ** 2 * x),
    unary("grad_tensor_array", gradient_of(lambda x: _sum_squares(_reversed_through_tensor_array(x))),
          lambda x: 2 * x, shapes=one_shape(min_dims=1)),
    unary("grad_getitem", gradient_of(lambda x: _sum_squares(x[1:, ::-2])), _getitem_gradient_reference,
          shapes=one_shape(min_dims=2)),
    unary("grad_pad", gradient_of(lambda x: _sum_squares(tg.pad(x, [[1, 2]] * x.shape.rank, mode="SYMMETRIC"))),
          _pad_gradient_reference, shapes=one_shape(min_dims=1, max_dims=2, min_side=2)),
    unary("grad_tile", gradient_of(lambda x: _sum_squares(tg.tile(x, [2] * x.shape.rank))),
          lambda x: 2 * x * 2 ** x.ndim),
    unary("grad_tile_second_order", second_derivative_of(lambda x: tg.reduce_sum(tg.tile(x, [2] * x.shape.rank) ** 3)),
          lambda x: 6 * x * 2 ** x.ndim),
    Case("grad_gather", gradient_of(lambda p, i: _sum_squares(tg.gather(p, i))), _gather_gradient_reference,
         arrays=params_and_indices()),
    Case("grad_gather_inner_axis", gradient_of(lambda p, i: _sum_squares(tg.gather(tg.expand_dims(p, 0), i, axis=1))),
         _gather_gradient_reference, arrays=params_and_indices()),
    Case("grad_boolean_mask", gradient_of(lambda x, m: _sum_squares(tg.boolean_mask(x, m))),
         lambda x, m: 2 * x * m, (Arg(), Arg(booleans(), BOOL)), shapes=same_shapes(2, min_dims=1)),
    unary("grad_broadcast_to", gradient_of(lambda x: _sum_squares(tg.broadcast_to(x, [2, 3, 4]))),
          lambda x: 2 * x * (24 // max(x.size, 1)), shapes=shapes_of(broadcasting_to((2, 3, 4)))),
    binary("grad_broadcast_dynamic", gradient_of(lambda x, y: _sum_squares(tg.broadcast_to(x, tg.shape(y)) * y)),
           lambda x, y: np.sum(2 * x * y * y, axis=0),
           shapes=lambda: hnp.array_shapes(min_dims=1, max_dims=3, max_side=MAX_SIDE).map(lambda s: (s[1:], s))),
    binary("grad_concat", gradient_of(lambda a, b: _sum_squares(tg.concat([a, b], axis=0)), wrt=(0, 1)),
           lambda a, b: (2 * a, 2 * b),
           shapes=lambda: st.tuples(dims(), dims(), dims()).map(lambda d: ((d[0], d[2]), (d[1], d[2])))),
    unary("grad_sort", gradient_of(lambda x: _sum_squares(tg.sort(x))), lambda x: 2 * x, TIES,
          shapes=one_shape(min_dims=1)),
    unary("grad_einsum_diagonal", gradient_of(lambda x: tg.einsum("ii->", x)), lambda x: np.eye(len(x), dtype=x.dtype),
          shapes=shapes_of(dims(0, 4).map(lambda n: (n, n)))),
    unary("grad_reduce_sum", gradient_of(lambda x: _sum_squares(tg.reduce_sum(x, axis=-1))),
          lambda x: np.broadcast_to(2 * np.sum(x, axis=-1, keepdims=True), x.shape), shapes=one_shape(min_dims=1)),
    unary("grad_tile_dynamic", gradient_of(lambda x: _sum_squares(tg.tile(x, tg.shape(x) * 0 + 2))),
          lambda x: 2 * x * 2 ** x.ndim, shapes=one_shape(min_dims=1)),
    Case("grad_sparse_softmax_cross_entropy",
         gradient_of(lambda x, labels: tg.reduce_sum(
             tg.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=x))),
         in_float64(_sparse_xent_gradient_reference), arrays=logits_and_labels),
]


# ===== variables, printing, random ===========================================================

_VARIABLES = {}


def _variable(role, dtype):
    """One module-level Variable per role and dtype, of unknown shape (assigned from inputs)."""
    key = (role, dtype)
    if key not in _VARIABLES:
        _VARIABLES[key] = tg.Variable(np.zeros((), dtype.numpy_dtype), shape=tg.TensorShape(None),
                                      name=f"conformance_{role}")
    return _VARIABLES[key]


_WEIGHTS = {}


def _weight(dtype):
    """A captured, read-only Variable holding 1.5."""
    if dtype not in _WEIGHTS:
        _WEIGHTS[dtype] = tg.Variable(np.array(1.5, dtype.numpy_dtype), name="conformance_weight")
    return _WEIGHTS[dtype]


def _assign_sequence(x):
    v = _variable("assign", x.dtype)
    v.assign(x)
    v.assign_add(x * 2)
    tripled = v.read_value() + 1
    v.assign_sub(x)
    return tripled, v.read_value()


def _slice_assign(x):
    v = _variable("slice", x.dtype)
    v.assign(x)
    v[0].assign(tg.zeros_like(x[0]))
    return v.read_value() * 2


def _slice_assign_reference(x):
    out = x.copy()
    out[0] = 0
    return out * 2


def _printed(x):
    tg.print("conformance print:", x)
    return x + 1


def _asserted(x):
    tg.debugging.assert_equal(tg.shape(x), tg.shape(x), message="conformance assert")
    return x + 1


STATE_AND_EFFECTS = [
    unary("variable_read", lambda x: x * _weight(x.dtype) + _weight(x.dtype), lambda x: x * 1.5 + 1.5),
    unary("variable_assign", _assign_sequence, lambda x: (x * 3 + 1, x * 2)),
    unary("variable_slice_assign", _slice_assign, _slice_assign_reference, shapes=one_shape(min_dims=1, min_side=1)),
    unary("print", _printed, lambda x: x + 1),
    unary("assert", _asserted, lambda x: x + 1),
    unary("stateless_uniform", lambda x: tg.random.stateless_uniform(tg.shape(x), seed=[1, 2], dtype=x.dtype) + x,
          lambda x: np.ones(x.shape, bool), invariant=lambda out, x: (out >= x) & (out <= x + 1)),
    unary("random_uniform", lambda x: tg.random.uniform(tg.shape(x), dtype=x.dtype, seed=3) * x,
          lambda x: np.ones(x.shape, bool), values(1, 10), invariant=lambda out, x: (out >= 0) & (out <= x)),
    unary("random_shuffle", lambda x: tg.random.shuffle(x, seed=5), lambda x: np.sort(x, axis=0), WIDE, REALS,
          shapes=one_shape(min_dims=1), invariant=lambda out, x: np.sort(out, axis=0)),
    unary("random_categorical", lambda x: tg.random.categorical(x, 3, seed=9),
          lambda x: np.ones((x.shape[0], 3), bool), shapes=shapes_of(st.tuples(dims(), dims(1, 4))),
          invariant=lambda out, x: (out >= 0) & (out < x.shape[1])),
]

# ===== sparse tensors: composites built and taken apart inside the traced functions ==========

def _sparse_product(a, b):
    return tg.sparse.sparse_dense_matmul(tg.sparse.from_dense(a), b)


def _sparse_product_gradients_reference(a, b):
    g = 2 * (a @ b)
    return (g @ b.T) * (a != 0), a.T @ g  # the values are a's non-zeros: only they get a gradient


SPARSE = [
    unary("sparse_round_trip", lambda x: tg.sparse.to_dense(tg.sparse.from_dense(x)), lambda x: x),
    unary("sparse_reduce_sum_last_axis", lambda x: tg.sparse.reduce_sum(tg.sparse.from_dense(x), axis=-1),
          lambda x: np.sum(x, axis=-1), shapes=one_shape(min_dims=1)),
    binary("sparse_dense_matmul", _sparse_product, np.matmul, shapes=matmul_shapes(), tolerance=_LINALG_TOLERANCE),
    binary("grad_sparse_dense_matmul", gradient_of(lambda a, b: _sum_squares(_sparse_product(a, b)), wrt=(0, 1)),
           _sparse_product_gradients_reference, shapes=matmul_shapes(), tolerance=_LINALG_TOLERANCE),
    unary("sparse_transpose_reorder", lambda x: tg.sparse.to_dense(tg.sparse.reorder(
        tg.sparse.transpose(tg.sparse.from_dense(x)))), lambda x: x.T, shapes=one_shape(min_dims=2, max_dims=2)),
    binary("sparse_add", lambda a, b: tg.sparse.to_dense(tg.sparse.add(tg.sparse.from_dense(a), tg.sparse.from_dense(b))),
           np.add, shapes=same_shapes(2, min_dims=1)),
    unary("sparse_reshape_flat", lambda x: tg.sparse.to_dense(tg.sparse.reshape(tg.sparse.from_dense(x), [-1])),
          lambda x: x.reshape(-1), shapes=one_shape(min_dims=1)),
    unary("sparse_slice_corner", lambda x: tg.sparse.to_dense(tg.sparse.slice(tg.sparse.from_dense(x), [0, 0], [2, 2])),
          lambda x: x[:2, :2], shapes=one_shape(min_dims=2, max_dims=2)),
    unary("sparse_reduce_max_last_axis", lambda x: tg.sparse.reduce_max(tg.sparse.from_dense(x), axis=-1),
          lambda x: np.max(x, axis=-1), values(1, 10), shapes=one_shape(min_dims=1, min_side=1)),
]

# ===== ragged tensors: built from a dense argument and taken apart inside the traced functions ==

def _ragged_lower_triangle(x):
    """x's rows cut to min(i, columns) values: empty first row, rows of every length up to whole."""
    n, m = tg.shape(x, out_type=tg.int64)[0], tg.shape(x, out_type=tg.int64)[1]
    return tg.RaggedTensor.from_tensor(x, lengths=tg.minimum(tg.range(n, dtype=tg.int64), m))


def _lower_triangle_mask(x):
    rows, columns = np.indices(x.shape)
    return columns < np.minimum(rows, x.shape[1])


def _ragged_rows_reference(x, reduce, empty):
    mask = _lower_triangle_mask(x)
    return np.array([reduce(row[keep]) if keep.any() else empty for row, keep in zip(x, mask)], dtype=x.dtype)


def _ragged_pairs(x):
    """x's values two to a row, then one empty row (built from value row ids)."""
    n = tg.shape(x, out_type=tg.int64)[0]
    rowids = tg.range(n, dtype=tg.int64) // 2
    return tg.RaggedTensor.from_value_rowids(x, rowids, nrows=(n + 1) // 2 + 1)


def _pair_sums_reference(x):
    return np.append(np.add.reduceat(x, np.arange(0, x.size, 2)) if x.size else x[:0], 0).astype(x.dtype)


RAGGED = [
    unary("ragged_from_value_rowids", lambda x: tg.reduce_sum(_ragged_pairs(x), axis=1), _pair_sums_reference,
          shapes=one_shape(min_dims=1, max_dims=1)),
    unary("ragged_round_trip", lambda x: _ragged_lower_triangle(x).to_tensor(shape=tg.shape(x)),
          lambda x: np.where(_lower_triangle_mask(x), x, 0), shapes=one_shape(min_dims=2, max_dims=2)),
    unary("ragged_reduce_sum_rows", lambda x: tg.reduce_sum(_ragged_lower_triangle(x) * 2 + 1, axis=1),
          lambda x: _ragged_rows_reference(2 * x + 1, np.sum, 0), shapes=one_shape(min_dims=2, max_dims=2)),
    unary("ragged_reduce_max_rows", lambda x: tg.reduce_max(tg.exp(_ragged_lower_triangle(x)), axis=1),
          lambda x: _ragged_rows_reference(np.exp(x), np.max, np.finfo(x.dtype).min),  # empty row: TF's lowest
          shapes=one_shape(min_dims=2, max_dims=2)),
    unary("grad_ragged_reduce_sum_rows",
          gradient_of(lambda x: _sum_squares(tg.reduce_sum(_ragged_lower_triangle(x), axis=1))),
          lambda x: 2 * np.where(_lower_triangle_mask(x), np.sum(np.where(_lower_triangle_mask(x), x, 0), axis=1,
                                                                   keepdims=True), 0),
          shapes=one_shape(min_dims=2, max_dims=2)),
]


# ===== convolutions and pooling ==============================================================

def conv_operands(depthwise=False):
    """(input [b, h, w, c], filter [kh, kw, c, out or multiplier]) with small sides."""
    def strategy(dtype):
        def with_sizes(d):
            b, h, w, c, kh, kw, o = d
            return st.tuples(_array(dtype, (b, h, w, c), values(-2, 2)), _array(dtype, (kh, kw, c, o), values(-2, 2)))
        return st.tuples(dims(1, 2), dims(1, 4), dims(1, 4), dims(1, 2), dims(1, 2), dims(1, 2), dims(1, 2)).flatmap(
            with_sizes)
    return strategy


def _same_pads(in_sizes, kernel, strides, dilations):
    pads = []
    for size, k, s, d in zip(in_sizes, kernel, strides, dilations):
        total = max((-(-size // s) - 1) * s + (k - 1) * d + 1 - size, 0)
        pads.append((total // 2, total - total // 2))
    return pads


def _conv_reference(strides, dilations, depthwise=False):
    """A direct 2-D SAME convolution: one product per output position and kernel offset."""
    def reference(x, w):
        kernel = w.shape[:2]
        pads = _same_pads(x.shape[1:3], kernel, strides, dilations)
        padded = np.pad(x, [(0, 0)] + pads + [(0, 0)])
        out = [-(-x.shape[1 + i] // strides[i]) for i in range(2)]
        y = np.zeros((x.shape[0], *out, x.shape[-1] * w.shape[-1] if depthwise else w.shape[-1]), x.dtype)
        for o in itertools.product(range(out[0]), range(out[1])):
            for k in itertools.product(range(kernel[0]), range(kernel[1])):
                patch = padded[:, o[0] * strides[0] + k[0] * dilations[0], o[1] * strides[1] + k[1] * dilations[1]]
                y[:, o[0], o[1]] += ((patch[:, :, None] * w[k]).reshape(len(x), -1) if depthwise else patch @ w[k])
        return y
    return reference


def _pool_reference(ksize, strides, reduce):
    """A direct 2-D SAME pool over the input elements of each window."""
    def reference(x):
        pads = _same_pads(x.shape[1:3], ksize, strides, (1, 1))
        out = [-(-x.shape[1 + i] // strides[i]) for i in range(2)]
        y = np.zeros((x.shape[0], *out, x.shape[-1]), x.dtype)
        for o in itertools.product(range(out[0]), range(out[1])):
            lo = [max(o[i] * strides[i] - pads[i][0], 0) for i in range(2)]
            hi = [min(o[i] * strides[i] - pads[i][0] + ksize[i], x.shape[1 + i]) for i in range(2)]
            y[:, o[0], o[1]] = reduce(x[:, lo[0]:hi[0], lo[1]:hi[1]], axis=(1, 2))
        return y
    return reference


def _linear_gradients(linear, *given):
    """The gradients of sum(linear(*given) ** 2) for a function linear in each argument: the
    transposed Jacobian (built column by column from unit inputs, in float64) applied to 2 * output."""
    arrays = [a.astype(np.float64) for a in given]
    y = linear(*arrays)
    gradients = []
    for k, a in enumerate(arrays):
        columns = []
        for i in range(a.size):
            unit = np.zeros(a.size, a.dtype)
            unit[i] = 1
            args = list(arrays)
            args[k] = unit.reshape(a.shape)
            columns.append(linear(*args).ravel())
        jacobian = np.stack(columns, axis=1) if columns else np.zeros((y.size, 0), a.dtype)
        gradients.append((jacobian.T @ (2 * y.ravel())).reshape(a.shape).astype(given[k].dtype))
    return tuple(gradients)


def _max_pool_second_derivative_reference(x):
    """d/dx sum(d/dx sum(max_pool(x) ** 3)): 6 * max at the first maximum of each window, summed."""
    pads = _same_pads(x.shape[1:3], (2, 2), (1, 2), (1, 1))
    padded = np.pad(x.astype(np.float64), [(0, 0)] + pads + [(0, 0)], constant_values=-np.inf)
    result = np.zeros(padded.shape)
    for b, c in itertools.product(range(x.shape[0]), range(x.shape[-1])):
        for o in itertools.product(range(-(-x.shape[1] // 1)), range(-(-x.shape[2] // 2))):
            window = padded[b, o[0]:o[0] + 2, o[1] * 2:o[1] * 2 + 2, c]
            i, j = np.unravel_index(np.argmax(window), window.shape)
            result[b, o[0] + i, o[1] * 2 + j, c] += 6 * window[i, j]
    return result[:, pads[0][0]:pads[0][0] + x.shape[1], pads[1][0]:pads[1][0] + x.shape[2]].astype(x.dtype)


_CONV = dict(strides=(2, 1), dilations=(1, 2))
_conv_2d = lambda x, w: tg.nn.conv2d(x, w, [2, 1], "SAME", dilations=[1, 2])  # noqa: E731
_depthwise_2d = lambda x, w: tg.nn.depthwise_conv2d(x, w, [1, 2, 1, 1], "SAME", dilations=[1, 2])  # noqa: E731

CONVOLUTIONS = [
    Case("conv2d", _conv_2d, in_float64(_conv_reference(**_CONV)), arrays=conv_operands(), tolerance=_LINALG_TOLERANCE),
    Case("depthwise_conv2d", _depthwise_2d, in_float64(_conv_reference(**_CONV, depthwise=True)), arrays=conv_operands(),
         tolerance=_LINALG_TOLERANCE),
    Case("grad_conv2d", gradient_of(lambda x, w: _sum_squares(_conv_2d(x, w)), wrt=(0, 1)),
         lambda x, w: _linear_gradients(_conv_reference(**_CONV), x, w), arrays=conv_operands(),
         tolerance=_LINALG_TOLERANCE),
    Case("grad_depthwise_conv2d", gradient_of(lambda x, w: _sum_squares(_depthwise_2d(x, w)), wrt=(0, 1)),
         lambda x, w: _linear_gradients(_conv_reference(**_CONV, depthwise=True), x, w),
         arrays=conv_operands(), tolerance=_LINALG_TOLERANCE),
    unary("max_pool2d", lambda x: tg.nn.max_pool2d(x, 2, [1, 2], "SAME"), _pool_reference((2, 2), (1, 2), np.max),
          dtypes=REALS, shapes=one_shape(min_dims=4, max_dims=4, min_side=1)),
    unary("avg_pool2d", lambda x: tg.nn.avg_pool2d(x, [2, 3], 2, "SAME"),
          in_float64(_pool_reference((2, 3), (2, 2), np.mean)), shapes=one_shape(min_dims=4, max_dims=4, min_side=1)),
    unary("grad_avg_pool2d", gradient_of(lambda x: _sum_squares(tg.nn.avg_pool2d(x, [2, 3], 2, "SAME"))),
          lambda x: _linear_gradients(_pool_reference((2, 3), (2, 2), np.mean), x)[0],
          shapes=one_shape(min_dims=4, max_dims=4, min_side=1)),
    # max_pool_grad, then max_pool_grad_grad (the gradient of the gradient)
    unary("grad_max_pool2d_second_order", second_derivative_of(lambda x: tg.reduce_sum(
        tg.nn.max_pool2d(x, 2, [1, 2], "SAME") ** 3)), _max_pool_second_derivative_reference, TIES,
          shapes=one_shape(min_dims=4, max_dims=4, min_side=1)),
]

CASES = (ELEMENTWISE_MATH + BITWISE + COMPARISONS + CASTS + NN + REDUCTIONS + SHAPES_AND_INDEXING + SORTING
         + LINALG + CONTROL_FLOW + GRADIENTS + SPARSE + RAGGED + STATE_AND_EFFECTS + CONVOLUTIONS)
