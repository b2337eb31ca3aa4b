"""The Numba backend's fused kernels: every input kind, dtypes, reductions, buffer reuse, disk cache."""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import tracegraph as tg
from tracegraph.buffer_pool import BUFFERS
from tracegraph_backends.numba import kernels


def numba_function(fn):
    return tg.function(fn, backend="numba")


def scaled_elu(z, scale=1.0507, alpha=1.6733):
    return scale * tg.where(tg.greater_equal(z, 0.0), z, alpha * (tg.exp(z) - 1))


def reference_scaled_elu(z, scale=1.0507, alpha=1.6733):
    return scale * np.where(z >= 0, z, alpha * np.expm1(z))


@pytest.mark.parametrize("n", [0, 1, 7, kernels.BLOCK + 3, kernels.PARALLEL_THRESHOLD + 5])
def test_scaled_elu_matches_numpy_at_every_size(n):
    x = np.random.RandomState(n).randn(n).astype(np.float32) * 5
    got = numba_function(scaled_elu)(tg.constant(x)).numpy()
    assert got.dtype == np.float32 and got.shape == (n,)
    np.testing.assert_allclose(got, reference_scaled_elu(x).astype(np.float32), rtol=3e-7, atol=1e-7)


def test_row_scalar_and_strided_inputs():
    def f(m, row, s, strided):
        return (m * row + s) - strided
    m = np.arange(12, dtype=np.float64).reshape(3, 4)
    row = np.array([1.0, -1.0, 2.0, 0.5])
    s = np.array(3.0)
    strided = np.arange(24, dtype=np.float64).reshape(3, 8)[:, ::2]
    got = numba_function(f)(tg.constant(m), tg.constant(row), tg.constant(s), tg.constant(strided))
    np.testing.assert_allclose(got.numpy(), m * row + s - strided)


def test_column_broadcast_is_materialized_correctly():
    def f(m, col):
        return tg.exp(m) * col
    m = np.random.RandomState(1).randn(5, 3).astype(np.float32)
    col = np.arange(5, dtype=np.float32).reshape(5, 1)
    got = numba_function(f)(tg.constant(m), tg.constant(col)).numpy()
    np.testing.assert_allclose(got, np.exp(m) * col, rtol=3e-7)


@pytest.mark.parametrize("n, compiled", [(kernels.SMALL_REDUCTION - 1, False), (kernels.SMALL_REDUCTION, True)])
def test_static_fused_reductions_compile_by_their_input_size(n, compiled):
    """A reduction-only fused node outputs a scalar: its size is its inputs', not its output's."""
    f = numba_function(lambda a, b: tg.reduce_sum(tg.square(a - b)))
    a, b = np.linspace(0, 1, n, dtype=np.float32), np.zeros(n, np.float32)
    got = f(tg.constant(a), tg.constant(b)).numpy()
    np.testing.assert_allclose(got, np.sum(a.astype(np.float64) ** 2), rtol=1e-6)
    plan = f.get_concrete_function(tg.constant(a), tg.constant(b)).compile()
    assert bool(plan.kernels) == compiled


@pytest.mark.parametrize("rows, row_length", [(3000, 30), (5, kernels.BLOCK + 7), (kernels.BLOCK, 1)])
def test_rows_of_any_length_are_exact(rows, row_length):
    """Short rows are tiled to a block of whole rows (the last block partial); long rows are a block each."""
    rng = np.random.RandomState(4)
    m = rng.randn(rows, row_length).astype(np.float32)
    row = rng.randn(row_length).astype(np.float32)
    f = numba_function(lambda m, row: tg.maximum(m + row, 0.0) * row)
    got = f(tg.constant(m), tg.constant(row)).numpy()
    np.testing.assert_array_equal(got, np.maximum(m + row, np.float32(0)) * row)
    [kernel] = f.get_concrete_function(tg.constant(m), tg.constant(row)).compile().kernels
    [launch] = kernel.launches.values()
    assert launch.inner % row_length == 0 and launch.inner >= min(kernels.BLOCK - row_length, row_length)


@pytest.mark.parametrize("col_shape, full", [((3000, 1), (3000, 30)), ((3, 1000, 1), (3, 1000, 30)),
                                             ((3, 1, 1), (3, 1000, 30))])
def test_column_broadcasts_are_exact(col_shape, full):
    """An input broadcast along trailing axes (a column) is repeated out to the full shape."""
    rng = np.random.RandomState(8)
    m = rng.randn(*full).astype(np.float32)
    col = rng.randn(*col_shape).astype(np.float32)
    row = rng.randn(30).astype(np.float32)
    f = numba_function(lambda m, col, row: tg.where(m > 0, col * row, m))
    got = f(tg.constant(m), tg.constant(col), tg.constant(row)).numpy()
    np.testing.assert_array_equal(got, np.where(m > 0, col * row, m))


@pytest.mark.parametrize("a_shape, shape, column", [
    ((3000, 1), (3000, 30), True), ((3, 1, 1), (3, 1000, 30), True), ((3, 1000, 1), (3, 1000, 30), True),
    ((1, 30), (3000, 30), False), ((3000, 30), (3000, 30), False), ((1, 1), (3, 4), False),
    ((1000, 1), (3, 1000, 30), False), ((1, 1000, 1), (3, 1000, 30), False),
])
def test_what_counts_as_a_column(a_shape, shape, column):
    assert kernels._is_column_broadcast(a_shape, shape) == column


@pytest.mark.parametrize("fn, threshold", [
    (lambda a: tg.exp(a) * 2.0, kernels.PARALLEL_THRESHOLD),
    (lambda a: tg.sqrt(tg.abs(a)) * 2.0, kernels.PARALLEL_THRESHOLD_ARITHMETIC),
    (lambda a: a * 2.0 + 1.0, kernels.PARALLEL_THRESHOLD_ARITHMETIC),
])
def test_each_kind_of_expression_goes_parallel_at_its_threshold(fn, threshold):
    f = numba_function(fn)
    for n, parallel in [(threshold - 1, False), (threshold + 5, True)]:
        x = np.linspace(-3, 3, n, dtype=np.float32)
        np.testing.assert_allclose(f(tg.constant(x)).numpy(), fn(x), rtol=3e-7)
        [kernel] = f.get_concrete_function(tg.constant(x)).compile().kernels
        assert kernel.parallel_threshold == threshold
        assert any(key[1] == parallel for key in kernel.kernels)


@pytest.mark.parametrize("n", [kernels.PARALLEL_THRESHOLD + 5, 100_000, 7 * kernels.BLOCK + 1])
def test_parallel_blocks_are_aligned_and_split_evenly_over_the_threads(n):
    f = numba_function(lambda a: tg.exp(a) * 2.0)
    x = np.linspace(-3, 3, n, dtype=np.float32)
    np.testing.assert_allclose(f(tg.constant(x)).numpy(), np.exp(x) * 2.0, rtol=3e-7)
    [kernel] = f.get_concrete_function(tg.constant(x)).compile().kernels
    [launch] = kernel.launches.values()
    threads = kernels.numba.get_num_threads()
    assert launch.outer % threads == 0 and launch.inner % kernels.VECTOR_ALIGNMENT == 0
    assert launch.outer * launch.inner >= n > (launch.outer - 1) * launch.inner


def test_a_parallel_reduction_adds_the_same_block_sums_as_a_serial_one():
    f = numba_function(lambda a, b: tg.reduce_sum(tg.square(a - b)))
    n = kernels.PARALLEL_THRESHOLD_ARITHMETIC + 5
    a, b = np.random.RandomState(4).randn(2, n).astype(np.float32)
    parallel = f(tg.constant(a), tg.constant(b)).numpy()
    [kernel] = f.get_concrete_function(tg.constant(a), tg.constant(b)).compile().kernels
    assert any(key[1] for key in kernel.kernels)
    kernel.parallel_threshold = n + 1
    kernel.launches.clear()
    serial = kernel(np, a, b)[-1]
    assert not all(key[1] for key in kernel.kernels) and parallel.tobytes() == serial.tobytes()
    np.testing.assert_allclose(parallel, np.sum(np.square(a.astype(np.float64) - b)), rtol=1e-6)


@pytest.mark.parametrize("blocks", [[-0.0], [0.0], [2.5], [np.nan], [1e300, 1e300], [1.0, 2.0, 3.0]])
def test_the_sum_of_block_sums_is_numpys(blocks):
    partials = np.array(blocks)
    assert np.array_equal(kernels._sum(partials), partials.sum(), equal_nan=True)
    assert np.signbit(kernels._sum(partials)) == np.signbit(partials.sum())


def test_one_dimensional_inputs_and_outputs_need_no_views():
    f = numba_function(lambda a, b: a * b + 1.0)
    a, b = np.linspace(0, 1, 5000, dtype=np.float32), np.full(5000, 3.0, np.float32)
    for shape in [(5000,), (50, 100)]:
        x, y = tg.constant(a.reshape(shape)), tg.constant(b.reshape(shape))
        np.testing.assert_array_equal(f(x, y).numpy(), (a * b + np.float32(1.0)).reshape(shape))
        [kernel] = f.get_concrete_function(x, y).compile().kernels
        [launch] = kernel.launches.values()
        if len(shape) == 1:
            assert launch.preparers is None and launch.shape is None
        else:
            assert launch.preparers is not None and launch.shape == shape


def test_each_input_layout_gets_its_own_launch():
    """One function called with one shape but different layouts (full, row, strided, scalar)."""
    f = tg.function(lambda a, b: tg.exp(a) - b, backend="numba",
                    input_signature=[tg.TensorSpec([None, None], tg.float64)] * 2)
    a = np.random.RandomState(2).randn(10, 12)
    wide = np.random.RandomState(3).randn(10, 24)
    for b in [a * 2, wide[:, ::2], np.ones((1, 12)), np.full((1, 1), 3.0), a.T.copy().T]:
        got = f(tg.constant(a), tg.constant(b)).numpy()
        np.testing.assert_allclose(got, np.exp(a) - b, rtol=1e-15)
    [kernel] = f.get_concrete_function().compile().kernels
    assert len(kernel.launches) >= 3


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.uint8, np.float64])
def test_integer_and_double_dtypes_are_kept(dtype):
    def f(a, b):
        return tg.maximum(a * b, b) - a
    a = np.arange(1, 9).astype(dtype)
    b = np.arange(3, 11).astype(dtype)
    got = numba_function(f)(tg.constant(a), tg.constant(b)).numpy()
    assert got.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(got, np.maximum(a * b, b) - a)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("tg_op, np_op", [(tg.maximum, np.maximum), (tg.minimum, np.minimum)])
def test_float_extrema_propagate_nan_from_either_side(dtype, tg_op, np_op):
    """(The sign of max(-0.0, +0.0) is left open, as by IEEE 754: NumPy's own SIMD and scalar
    loops differ there.)"""
    values = np.array([np.nan, -np.inf, -1.0, 0.0, 2.0, np.inf], dtype)
    n = kernels.SMALL_ARITHMETIC + 1                     # every pair of values, in a kernel
    a, b = np.resize(np.repeat(values, len(values)), n), np.resize(np.tile(values, len(values)), n)
    f = numba_function(lambda a, b: (tg_op(a, b), tg_op(a, 0.0)))
    got, got_literal = f(tg.constant(a), tg.constant(b))
    assert f.get_concrete_function(tg.constant(a), tg.constant(b)).compile().kernels
    for result, expected in [(got.numpy(), np_op(a, b)), (got_literal.numpy(), np_op(a, dtype(0)))]:
        nan = np.isnan(expected)
        np.testing.assert_array_equal(np.isnan(result), nan)
        np.testing.assert_array_equal(result[~nan], expected[~nan])


def test_ieee_special_values_survive():
    x = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-45, 88.8, -104.0], dtype=np.float32)
    got = numba_function(lambda z: tg.exp(z) - 1)(tg.constant(x)).numpy()
    with np.errstate(over="ignore"):
        want = np.exp(x) - 1
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got[~np.isnan(want)], want[~np.isnan(want)], rtol=3e-7)


def test_division_by_zero_gives_inf_like_numpy():
    f = numba_function(lambda a, b: a / b + 0.0)
    got = f(tg.constant([1.0, -1.0, 0.0]), tg.constant([0.0, 0.0, 0.0])).numpy()
    assert got[0] == np.inf and got[1] == -np.inf and np.isnan(got[2])


@pytest.mark.parametrize("n", [5, 100_003])
def test_fused_mse_reduction_is_accurate(n):
    p = np.random.RandomState(0).randn(n).astype(np.float32)
    y = np.random.RandomState(1).randn(n).astype(np.float32)
    got = float(numba_function(lambda a, b: tg.reduce_mean(tg.square(a - b)))(tg.constant(p), tg.constant(y)))
    want = np.mean((p.astype(np.float64) - y) ** 2)
    assert abs(got - want) <= 1e-6 * abs(want)


def test_buffers_are_reused_only_when_nobody_holds_them():
    f = numba_function(lambda z: z * 2.0 + 1.0)
    x = tg.constant(np.arange(10, dtype=np.float32))
    first = f(x)
    second = f(x * 3.0)
    np.testing.assert_array_equal(first.numpy(), np.arange(10) * 2 + 1)
    np.testing.assert_array_equal(second.numpy(), np.arange(10) * 6 + 1)
    view = f(x)[2:5]
    f(x * 10.0)
    np.testing.assert_array_equal(view.numpy(), np.array([5, 7, 9], dtype=np.float32))


def test_results_stored_in_variables_are_not_overwritten():
    v = tg.Variable(np.zeros(4, dtype=np.float32))

    @tg.function(backend="numba")
    def step(x):
        v.assign(x * 2.0)
        return v.value()

    step(tg.constant(np.ones(4, dtype=np.float32)))
    step(tg.constant(np.full(4, 5.0, dtype=np.float32)))
    np.testing.assert_array_equal(v.numpy(), np.full(4, 10.0))


def test_dynamic_shapes_with_runtime_broadcast_fall_back_correctly():
    f = tg.function(lambda a, b: tg.exp(a) + b, backend="numba",
                    input_signature=[tg.TensorSpec([None]), tg.TensorSpec([None])])
    got = f(tg.constant([1.0]), tg.constant([1.0, 2.0, 3.0])).numpy()
    np.testing.assert_allclose(got, np.exp(1.0) + np.array([1.0, 2.0, 3.0]), rtol=1e-6)


def test_kernel_source_is_visible():
    f = numba_function(scaled_elu)
    x = tg.constant(np.ones(kernels.TINY + 1, dtype=np.float32))
    f(x)
    plan = f.get_concrete_function(x).compile()
    sources = [src for k in plan.kernels for src in k.sources.values()]
    assert sources and "exp_no_subnormal_f32(" in sources[0] and "def kernel(" in sources[0]


def _kernel_sources(f, *tensors):
    f(*tensors)
    plan = f.get_concrete_function(*tensors).compile()
    return [src for k in plan.kernels for src in k.sources.values()]


_EXP_INPUTS = np.resize(
    np.float32([-104.0, -90.0, -87.2, -20.0, -1e-3, 0.0, 3.0, 88.8, np.nan, -np.inf, np.inf]), kernels.TINY + 1)


@pytest.mark.parametrize("fn, reference, absorbed", [
    (lambda z: tg.exp(z) - 1.0, lambda e: e - np.float32(1.0), True),
    (lambda z: 0.5 - tg.exp(z), lambda e: np.float32(0.5) - e, True),
    (lambda z: tg.exp(z) * 2.0, lambda e: e * np.float32(2.0), False),     # a product keeps tiny values' size
    (lambda z: tg.exp(z) + 1e-38, lambda e: e + np.float32(1e-38), False),  # too small to absorb them
    (lambda z: tg.exp(z) + z, lambda e: e + _EXP_INPUTS, False),
])
def test_exp_skips_exact_subnormals_only_where_a_constant_absorbs_them(fn, reference, absorbed):
    from tracegraph_backends.numba import scalar_math  # noqa: PLC0415

    f = numba_function(fn)
    sources = _kernel_sources(f, tg.constant(_EXP_INPUTS))
    assert ("exp_no_subnormal_f32(" in sources[0]) == absorbed
    exact_exp = np.array([scalar_math.exp_f32(x) for x in _EXP_INPUTS], np.float32)
    np.testing.assert_array_equal(f(tg.constant(_EXP_INPUTS)).numpy(), reference(exact_exp))


_SECOND_PROCESS = textwrap.dedent("""
    import json, numpy as np, tracegraph as tg
    f = tg.function(lambda z: tg.where(z > 0.5, tg.exp(z) * 3.0, z - 0.25), backend="numba")
    x = tg.constant(np.linspace(0, 1, 100, dtype=np.float32))
    f(x)
    plan = f.get_concrete_function(x).compile()
    stats = [k.kernels[key].stats for k in plan.kernels for key in k.kernels]
    print(json.dumps({"hits": sum(sum(s.cache_hits.values()) for s in stats),
                      "misses": sum(sum(s.cache_misses.values()) for s in stats)}))
""")


def test_a_second_process_loads_kernels_from_disk_instead_of_compiling(tmp_path):
    env = dict(os.environ, TRACEGRAPH_CACHE_DIR=str(tmp_path))

    def run():
        out = subprocess.run([sys.executable, "-c", _SECOND_PROCESS], env=env, capture_output=True,
                             text=True, timeout=300, check=True).stdout
        import json  # noqa: PLC0415
        return json.loads(out.strip().splitlines()[-1])

    first, second = run(), run()
    assert first["misses"] >= 1 and first["hits"] == 0
    assert second["hits"] >= 1 and second["misses"] == 0


def test_only_kernels_that_divide_integers_check_their_divisors():
    """A zero integer divisor is counted per block; kernels without integer division carry no count."""
    n = kernels.SMALL_ARITHMETIC + 1
    dividing = numba_function(lambda x, y: x // y + 1)
    floating = numba_function(lambda x, y: x / y + 1.0)
    dividing(np.ones(n, np.int32), np.ones(n, np.int32))
    floating(np.ones(n, np.float32), np.ones(n, np.float32))

    def sources(f, dtype):
        spec = tg.TensorSpec([n], tg.as_dtype(dtype))
        return [s for k in f.get_concrete_function(spec, spec).compile().kernels for s in k.sources.values()]

    assert sources(dividing, "int32") and all("divided_by_zero" in s for s in sources(dividing, "int32"))
    assert sources(floating, "float32") and not any("divided_by_zero" in s for s in sources(floating, "float32"))


def test_traces_that_differ_in_a_python_float_share_one_compiled_kernel(tmp_path, monkeypatch):
    """A new Python float is a new trace (TF's rule), but its value is a kernel argument: one source,
    one compiled kernel in memory and one module on disk serve every value, each with its own result."""
    monkeypatch.setenv("TRACEGRAPH_CACHE_DIR", str(tmp_path))
    f = numba_function(lambda x, c: tg.tanh(x * c) * c - 0.125)  # an expression no other test compiles
    x = np.linspace(-2, 2, kernels.TINY + 100, dtype=np.float32)
    for c in (0.75, -3.5):
        np.testing.assert_allclose(f(x, c).numpy(), np.tanh(x * np.float32(c)) * np.float32(c) - np.float32(0.125),
                                   rtol=1e-6, atol=1e-6)
    assert f.experimental_get_tracing_count() == 2
    first, second = (f.get_concrete_function(x, c).compile().kernels[0] for c in (0.75, -3.5))
    assert list(first.sources.values()) == list(second.sources.values())
    assert list(first.kernels.values()) == list(second.kernels.values())
    assert len(list(tmp_path.rglob("k_*.py"))) == 1


def test_literals_whose_value_decides_the_rendering_stay_in_the_source():
    """x**2 is rendered as a product, x**2.5 as pow: one exponent's kernel cannot serve the other."""
    f = numba_function(lambda x, p: tg.pow(x, p))
    x = np.linspace(0.5, 2, kernels.TINY + 1, dtype=np.float32)
    for p in (2.0, 2.5):
        np.testing.assert_allclose(f(x, p).numpy(), x ** np.float32(p), rtol=1e-6)
    square, other = (f.get_concrete_function(x, p).compile().kernels[0] for p in (2.0, 2.5))
    assert list(square.sources.values()) != list(other.sources.values())


@pytest.mark.filterwarnings("ignore:.*traced again")
def test_retraces_share_output_buffers_instead_of_keeping_one_each():
    f = numba_function(lambda x, c: x * c + 1.0)
    x = np.ones(kernels.SMALL_ARITHMETIC + 1, dtype=np.float32)
    before = BUFFERS.retained_bytes
    for i in range(20):
        assert f(x, 0.5 + i).numpy()[0] == np.float32(1.5 + i)   # a new trace each: the result dropped
    assert f.experimental_get_tracing_count() == 20
    assert BUFFERS.retained_bytes - before <= 2 * x.nbytes
