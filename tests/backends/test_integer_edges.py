"""Integer arithmetic at its edges, on every backend and at every size where a backend changes strategy.

The conformance table draws moderate values at small sizes. This suite runs every integer op
(division and remainder both ways, + - *, negation, abs, powers) on the values where integer
arithmetic goes wrong: 0 and -1 as divisors, MIN and MAX (overflow wraps, MIN // -1), for every
integer dtype, at one element below and above each size threshold of the Numba backend (NumPy
below, serial kernel, parallel kernel above). Every result must equal eager mode's, element for
element, and a zero divisor must raise eager's InvalidArgumentError at every size.

TF's integer division (safe_div_or_mod_op in tensorflow/core/kernels/cwise_ops.h) computes
MIN // -1 as -MIN // 1: MIN, wrapped, as NumPy does; and MIN % -1 == 0.
"""
import numpy as np
import pytest

import tracegraph as tg
from tracegraph.backend import get_backend

INTEGER_DTYPES = [np.dtype(t) for t in (np.int8, np.int16, np.int32, np.int64,
                                        np.uint8, np.uint16, np.uint32, np.uint64)]
#: Dtypes for the variants that add a float step: narrow (computed wider by numba), the widest, unsigned.
SOME_INTEGER_DTYPES = [np.dtype(t) for t in (np.int8, np.int64, np.uint64)]
DIVISIONS = ("floordiv", "floormod", "truncatediv", "truncatemod")


def _available(name):
    try:
        get_backend(name)
    except (RuntimeError, ValueError) as error:
        return pytest.param(name, marks=pytest.mark.skip(reason=f"backend {name!r} cannot run here: {error}"))
    return name


BACKENDS = [_available("numpy"), _available("numba")]


def _numba_thresholds():
    """The element counts at which the Numba backend changes strategy (none if it cannot run)."""
    try:
        get_backend("numba")
    except (RuntimeError, ValueError):
        return ()
    from tracegraph_backends.numba import kernels  # noqa: PLC0415 - imports numba
    return (kernels.TINY, kernels.SMALL_ARITHMETIC, kernels.SMALL_REDUCTION,
            kernels.PARALLEL_THRESHOLD, kernels.PARALLEL_THRESHOLD_ARITHMETIC)


#: One element below and above every threshold (the largest size runs the parallel kernels),
#: and a few elements.
SIZES = sorted({5} | {t + d for t in _numba_thresholds() for d in (-1, 1)})


def edge_values(dtype):
    """The values where integer arithmetic of `dtype` overflows or divides badly."""
    info = np.iinfo(dtype)
    candidates = [info.min, info.min + 1, -2, -1, 0, 1, 2, info.max - 1, info.max]
    return np.array(sorted({v for v in candidates if info.min <= v <= info.max}), dtype=dtype)


def edge_operands(dtype, n):
    """x and a divisor, n elements: every pair of edge values with a nonzero divisor, repeated."""
    values = edge_values(dtype)
    divisors = values[values != 0]
    x, y = (a.ravel() for a in np.meshgrid(values, divisors))
    return np.resize(x, n), np.resize(y, n)


# ----- the functions under test ----------------------------------------------------------------

def integer_ops(x, d0, d1, d2, d3):
    """Every integer op on x, each division by its own divisor (so each can be made zero alone);
    the compound values use a value that wrapped before the next op. The last output, the
    (wrapping) sum of all others, ties them into one fused node: one kernel per dtype."""
    results = (x // d0, x % d1, tg.math.truncatediv(x, d2), tg.math.truncatemod(x, d3),
               x + d0, x - d0, x * d0, -x, tg.abs(x), x ** 2, x ** 3,
               (x + d0) // d1, (x * d0) % d1, tg.cast((x - d0) > x, x.dtype))
    return results + (tg.add_n(list(results)),)


def _chained_divisions(x, d0, d1, d2, d3):
    return tg.math.truncatemod(tg.math.truncatediv((x // d0) % d1, d2), d3)


def quotient_through_a_libm_function(x, d0, d1, d2, d3):
    """Divisions in an expression with a libm call: the Numba backend's thresholds for
    transcendental expressions apply (NumPy up to TINY, parallel from PARALLEL_THRESHOLD)."""
    return tg.floor(tg.cast(_chained_divisions(x, d0, d1, d2, d3), tg.float64) * 0.5)


def sum_of_quotients(x, d0, d1, d2, d3):
    """Divisions inside a fused reduction (thresholds SMALL_REDUCTION and the arithmetic one)."""
    return tg.reduce_sum(tg.cast(_chained_divisions(x, d0, d1, d2, d3), tg.float64))


def _traced(fn, dtype, backend):
    spec = tg.TensorSpec([None], tg.as_dtype(dtype.name))
    return tg.function(fn, input_signature=[spec] * 5, backend=backend, fallback="error")


_FUNCTIONS = {}


def traced(fn, dtype, backend):
    """One traced function per (fn, dtype, backend): every size runs the same plan."""
    key = (fn, dtype, backend)
    if key not in _FUNCTIONS:
        _FUNCTIONS[key] = _traced(fn, dtype, backend)
    return _FUNCTIONS[key]


def eagerly(fn, arrays):
    return [np.asarray(t) for t in tg.nest.flatten(fn(*[tg.constant(a) for a in arrays]))]


def run(fn, dtype, backend, arrays):
    return [np.asarray(t) for t in tg.nest.flatten(traced(fn, dtype, backend)(*arrays))]


# ----- results ----------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", INTEGER_DTYPES, ids=str)
def test_eager_matches_numpy_with_tf_division_semantics(dtype):
    x, y = edge_operands(dtype, 200)
    with np.errstate(all="ignore"):
        expected = [np.floor_divide(x, y), np.mod(x, y), (x - np.fmod(x, y)) // y, np.fmod(x, y),
                    x + y, x - y, x * y, -x, np.abs(x), x * x, x * x * x,
                    (x + y) // y, (x * y) % y, ((x - y) > x).astype(dtype)]
        expected.append(sum(expected[1:], expected[0]))
    got = eagerly(integer_ops, [x, y, y, y, y])
    for k, (g, e) in enumerate(zip(got, expected)):
        assert g.dtype == e.dtype and np.array_equal(g, e), f"output {k}"


@pytest.mark.parametrize("dtype", [np.dtype(t) for t in (np.int8, np.int16, np.int32, np.int64)], ids=str)
@pytest.mark.parametrize("backend", BACKENDS)
def test_min_divided_by_minus_one_wraps_to_min_as_in_tf(backend, dtype):
    info = np.iinfo(dtype)
    n = max(SIZES)
    x, minus_one = np.full(n, info.min, dtype), np.full(n, -1, dtype)
    quotient, remainder, truncated, truncated_remainder = run(integer_ops, dtype, backend, [x] + [minus_one] * 4)[:4]
    assert (quotient == info.min).all() and (truncated == info.min).all()
    assert (remainder == 0).all() and (truncated_remainder == 0).all()


@pytest.mark.parametrize("fn", [integer_ops, quotient_through_a_libm_function, sum_of_quotients],
                         ids=lambda fn: fn.__name__)
@pytest.mark.parametrize("backend", BACKENDS)
def test_every_size_gives_eager_results(fn, backend):
    for dtype in INTEGER_DTYPES if fn is integer_ops else SOME_INTEGER_DTYPES:
        for n in SIZES:
            x, y = edge_operands(dtype, n)
            arrays = [x, y, y[::-1].copy(), np.roll(y, 1), np.roll(y, 2)]
            expected = eagerly(fn, arrays)
            got = run(fn, dtype, backend, arrays)
            for k, (g, e) in enumerate(zip(got, expected)):
                # The sum is of floats, added in another order: exact only up to rounding.
                same = np.allclose(g, e, rtol=1e-12) if fn is sum_of_quotients else np.array_equal(g, e)
                assert g.dtype == e.dtype and same, f"{dtype}, {n} elements, output {k}"


# ----- division by zero -------------------------------------------------------------------------

def _first_line(error):
    return str(error).splitlines()[0]


@pytest.mark.parametrize("fn", [integer_ops, quotient_through_a_libm_function, sum_of_quotients],
                         ids=lambda fn: fn.__name__)
@pytest.mark.parametrize("backend", BACKENDS)
def test_a_zero_divisor_raises_eagers_error_at_every_size(fn, backend):
    """Each division alone gets one zero divisor (the last element: the last, partial block)."""
    for dtype in SOME_INTEGER_DTYPES:
        for n in SIZES:
            x, y = edge_operands(dtype, n)
            for k, op in enumerate(DIVISIONS):
                divisors = [y.copy() for _ in DIVISIONS]
                divisors[k][-1] = 0
                with pytest.raises(tg.errors.InvalidArgumentError) as eager:
                    eagerly(fn, [x, *divisors])
                with pytest.raises(tg.errors.InvalidArgumentError) as traced_error:
                    run(fn, dtype, backend, [x, *divisors])
                assert _first_line(eager.value) == f"{op}: Integer division by zero"
                assert _first_line(traced_error.value) == _first_line(eager.value), f"{dtype}, {n} elements"


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_issue_example_raises_instead_of_returning_ones(backend):
    f = tg.function(lambda x, y: x // y + 1, backend=backend)
    zeros = tg.constant(np.zeros(10_000, np.int32))
    with pytest.raises(tg.errors.InvalidArgumentError, match="Integer division by zero"):
        f(zeros, zeros)


@pytest.mark.parametrize("backend", BACKENDS)
def test_integer_powers_with_tensor_exponents_match_eager(backend):
    for dtype in SOME_INTEGER_DTYPES:
        values = edge_values(dtype)
        exponents = np.array([0, 1, 2, 3, 7], dtype=dtype)
        x, e = (a.ravel() for a in np.meshgrid(values, exponents))
        spec = tg.TensorSpec([None], tg.as_dtype(dtype.name))
        f = tg.function(lambda x, e: tg.pow(x, e) + 0, input_signature=[spec, spec], backend=backend)
        for n in SIZES:
            xs, es = np.resize(x, n), np.resize(e, n)
            got = f(xs, es).numpy()
            with np.errstate(all="ignore"):
                assert np.array_equal(got, np.power(xs, es) + dtype.type(0)), f"{dtype}, {n} elements"


# ----- the sizes reach every strategy ---------------------------------------------------------

def test_sizes_reach_the_serial_and_the_parallel_kernels():
    """The largest sizes run compiled kernels, serial and parallel (not the NumPy path)."""
    if not _numba_thresholds():
        pytest.skip("the Numba backend cannot run here")
    dtype = np.dtype(np.int32)
    f = traced(integer_ops, dtype, "numba")
    compiled = set()
    for n in SIZES:
        x, y = edge_operands(dtype, n)
        f(x, y, y, y, y)
        for kernel in f.get_concrete_function(*[tg.constant(x)] + [tg.constant(y)] * 4).compile().kernels:
            compiled.update(parallel for (_, parallel), k in kernel.kernels.items() if k is not None)
    assert compiled == {False, True}
