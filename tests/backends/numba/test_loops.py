"""The Numba backend's compiled loops: a while_loop of scalar arithmetic runs as one compiled function,
with the NumPy backend's results (dtypes, wrapping, NaN, integer division by zero raising)."""
import numpy as np
import pytest

import tracegraph as tg
from tracegraph_backends.numba.loop_codegen import UnsupportedLoop, render_loop
from tracegraph_backends.numba.loop_kernels import CompiledLoop

DTYPES = [np.int32, np.int64, np.float32, np.float64]


def on_both_backends(fn, *args):
    """fn's results traced on the Numba and on the NumPy backend, and the Numba plan's compiled loops."""
    numba_fn, numpy_fn = tg.function(fn, backend="numba"), tg.function(fn, backend="numpy")
    got, expected = numba_fn(*args), numpy_fn(*args)
    return tg.nest.flatten(got), tg.nest.flatten(expected), compiled_loops(numba_fn, *args)


def compiled_loops(function, *args):
    """The CompiledLoops of `function`'s plan for `args` (each kernel of a loop carries one)."""
    kernels = function.get_concrete_function(*args).compile().kernels
    loops = [getattr(k, "compiled_loop", None) for k in kernels]
    assert all(isinstance(loop, CompiledLoop) for loop in loops if loop is not None)
    return [loop for loop in loops if loop is not None]


def assert_same(got, expected):
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        g, e = g.numpy(), e.numpy()
        assert g.dtype == e.dtype and g.shape == e.shape
        np.testing.assert_array_equal(g, e)  # NaN equals NaN here


def collatz_steps(n):
    def body(n, steps):
        n = tg.cond(n % 2 == 0, lambda: n // 2, lambda: 3 * n + 1)
        return n, steps + 1
    return tg.while_loop(lambda n, steps: n > 1, body, (n, tg.zeros_like(n)))


def accumulate(n, step):
    def body(i, total):
        return i + 1, total + step * tg.cast(i, step.dtype)
    return tg.while_loop(lambda i, total: i < n, body, (tg.constant(0), tg.zeros_like(step)))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("start", [27, 1, 7])
def test_collatz_steps_run_as_one_compiled_loop(dtype, start):
    got, expected, loops = on_both_backends(collatz_steps, tg.constant(start, dtype=dtype))
    assert len(loops) == 1
    assert_same(got, expected)
    if start == 27:
        assert int(got[1].numpy()) == 111


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", [0, 1, 1000])
def test_accumulate_keeps_its_float_dtype_and_every_rounding(dtype, n):
    """The captured `n` and `step` are arguments; zero iterations return the initial values."""
    got, expected, loops = on_both_backends(accumulate, tg.constant(n), tg.constant(0.1, dtype=dtype))
    assert len(loops) == 1
    assert_same(got, expected)


@pytest.mark.parametrize("dtype", DTYPES)
def test_a_cond_in_the_body_and_maximum_iterations(dtype):
    def fn(x):
        body = lambda x: tg.cond(x > 50, lambda: x - 7, lambda: x * 3 + 1)  # noqa: E731
        return tg.while_loop(lambda x: x != 0, body, [x], maximum_iterations=25)
    got, expected, loops = on_both_backends(fn, tg.constant(5, dtype=dtype))
    assert len(loops) == 1
    assert_same(got, expected)


def test_maximum_iterations_bounds_an_endless_loop():
    fn = lambda x: tg.while_loop(lambda x: x > 0, lambda x: x + 1, [x], maximum_iterations=1000)  # noqa: E731
    got, expected, loops = on_both_backends(fn, tg.constant(1))
    assert loops and int(got[0].numpy()) == 1001
    assert_same(got, expected)


def test_nested_loops_compile_as_one():
    def fn(n):
        def outer(i, total):
            inner = tg.while_loop(lambda j, t: j < i, lambda j, t: (j + 1, t + j), (tg.constant(0), total))
            return i + 1, inner[1]
        return tg.while_loop(lambda i, total: i < n, outer, (tg.constant(0), tg.constant(0)))
    got, expected, loops = on_both_backends(fn, tg.constant(50))
    assert len(loops) == 1 and loops[0].source.count("while True:") == 2
    assert_same(got, expected)
    assert int(got[1].numpy()) == sum(j for i in range(50) for j in range(i))


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
def test_integers_wrap_as_on_numpy(dtype):
    """Doubling overflows to the dtype's minimum; MIN // -1 wraps to MIN (TF's safe division)."""
    def fn(x, minimum):
        doubled = tg.while_loop(lambda x: x > 0, lambda x: x * 2 + 1, [x])
        divided = tg.while_loop(lambda i, m: i < 3, lambda i, m: (i + 1, m // -1), (tg.constant(0), minimum))
        return doubled, divided
    minimum = np.iinfo(dtype).min
    got, expected, loops = on_both_backends(fn, tg.constant(3, dtype=dtype), tg.constant(minimum, dtype=dtype))
    assert len(loops) == 2
    assert_same(got, expected)
    assert got[0].numpy() == -1 and got[2].numpy() == minimum


def _divide_by_argument(x, d):
    return tg.while_loop(lambda x: x > 1, lambda x: x // d, [x])


def _divide_by_literal(divisor):
    """A loop dividing by a Python int: a literal of the fused body (in the source unless zero)."""
    return lambda x, d: tg.while_loop(lambda x: x > 1, lambda x: x // divisor + d * 0, [x])


@pytest.mark.parametrize("divisor", [0, 3])
@pytest.mark.parametrize("divide", [_divide_by_argument, _divide_by_literal])
def test_integer_division_by_zero_in_the_loop_raises_eagers_error(divisor, divide):
    fn = divide if divide is _divide_by_argument else divide(divisor)
    args = (tg.constant(100), tg.constant(divisor))
    if divisor:
        got, expected, loops = on_both_backends(fn, *args)
        assert loops
        assert_same(got, expected)
        return
    with pytest.raises(tg.errors.InvalidArgumentError) as eager:
        fn(*args)
    compiled = tg.function(fn, backend="numba")
    with pytest.raises(tg.errors.InvalidArgumentError) as traced:
        compiled(*args)
    assert str(eager.value).splitlines()[0] in str(traced.value)
    assert compiled_loops(compiled, *args)


def test_a_zero_divisor_in_the_branch_not_taken_is_no_error():
    def fn(x, d):
        body = lambda x: tg.cond(d == 0, lambda: x - 1, lambda: x // d)  # noqa: E731
        return tg.while_loop(lambda x: x > 1, body, [x])
    got, expected, loops = on_both_backends(fn, tg.constant(10), tg.constant(0))
    assert loops
    assert_same(got, expected)


@pytest.mark.parametrize("start", [1.0, np.nan, np.inf])
def test_nan_and_inf_behave_as_on_numpy(start):
    def fn(x):
        body = lambda x, m: (x * 0.5 - 1.0, tg.maximum(m, x))  # noqa: E731
        return tg.while_loop(lambda x, m: x > -4.0, body, (x, tg.constant(-np.inf)), maximum_iterations=20)
    got, expected, loops = on_both_backends(fn, tg.constant(start))
    assert loops
    assert_same(got, expected)


def test_bool_loop_variables():
    def fn(n):
        body = lambda i, odd: (i + 1, tg.logical_not(odd))  # noqa: E731
        return tg.while_loop(lambda i, odd: i < n, body, (tg.constant(0), tg.constant(False)))
    got, expected, loops = on_both_backends(fn, tg.constant(7))
    assert loops and bool(got[1].numpy())
    assert_same(got, expected)


def test_traces_that_differ_in_a_python_scalar_share_one_loop_source():
    f = tg.function(lambda x, step: tg.while_loop(lambda x: x < 100.0, lambda x: x + step, [x]), backend="numba")
    sources = set()
    for step in (1.5, 2.5, 7.0):
        sources.update(loop.source for loop in compiled_loops(f, tg.constant(0.0), step))
        assert float(f(tg.constant(0.0), step)[0].numpy()) == np.float32(step) * np.ceil(100 / step)
    assert len(sources) == 1


def _loop_node(fn, *args):
    graph = tg.function(fn, backend="numba").get_concrete_function(*args).optimized_graph
    return next(node for node in graph.nodes if node.op.name == "while_loop")


@pytest.mark.parametrize("fn, args", [
    # a vector loop variable
    (lambda x: tg.while_loop(lambda x: tg.reduce_sum(x) < 10.0, lambda x: x * 2.0, [x]), (tg.ones([3]),)),
    # printing in the body: an effect
    (lambda x: tg.while_loop(lambda x: x < 4, lambda x: (tg.print(x), x + 1)[1], [x]), (tg.constant(0),)),
    # a vector inside the body
    (lambda x: tg.while_loop(lambda x: x < 9.0, lambda x: tg.reduce_max(tg.stack([x, 1.0])) + 1.0, [x]),
     (tg.constant(0.0),)),
])
def test_other_loops_keep_their_plan_and_still_run(fn, args, capsys):
    with pytest.raises(UnsupportedLoop):
        render_loop(_loop_node(fn, *args))
    got, expected, loops = on_both_backends(fn, *args)
    assert not loops
    assert_same(got, expected)


def test_a_loop_assigning_a_variable_keeps_its_plan():
    v = tg.Variable(0)

    def fn(n):
        def body(i):
            v.assign_add(i)
            return i + 1
        return tg.while_loop(lambda i: i < n, body, [tg.constant(0)])
    f = tg.function(fn, backend="numba")
    assert int(f(tg.constant(5))[0].numpy()) == 5 and int(v.numpy()) == 10
    assert not compiled_loops(f, tg.constant(5))


@pytest.mark.parametrize("dtype", [np.int32, np.float32, np.float64])
def test_elements_of_a_captured_vector(dtype):
    def fn(v, n):
        body = lambda i, total: (i + 1, total + v[i] * v[-1 - i])  # noqa: E731
        return tg.while_loop(lambda i, total: i < n, body, (tg.constant(0), tg.zeros([], v.dtype)))
    v = tg.constant(np.arange(1, 8, dtype=dtype) / 2 if dtype != np.int32 else np.arange(1, 8, dtype=dtype))
    got, expected, loops = on_both_backends(fn, v, tg.constant(7))
    assert loops
    assert_same(got, expected)


def test_an_index_out_of_bounds_raises_eagers_error():
    def fn(v, n):
        return tg.while_loop(lambda i, total: i < n, lambda i, total: (i + 1, total + v[i]),
                             (tg.constant(0), tg.constant(0.0)))
    args = (tg.constant(np.ones(4, np.float32)), tg.constant(5))
    with pytest.raises(tg.errors.InvalidArgumentError) as eager:
        fn(*args)
    compiled = tg.function(fn, backend="numba")
    with pytest.raises(type(eager.value)):
        compiled(*args)
    assert compiled_loops(compiled, *args)


def test_python_loops_converted_by_autograph_compile():
    """`for i in range(n)` iterates over a tg.range, read by index: the loop still compiles."""
    def fn(n):
        total = tg.constant(0.0)
        for i in range(n):
            if i % 3 == 0:
                total += 0.5 * float(i)
        return total
    got, expected, loops = on_both_backends(fn, tg.constant(1000))
    assert len(loops) == 1
    assert_same(got, expected)


def test_constants_come_in_one_array_per_dtype_and_literal_divisors_in_the_source():
    source, constants = render_loop(_loop_node(collatz_steps, tg.constant(27)))
    assert "def loop(v0, v1, constants_int32):" in source
    assert [c.dtype for c in constants] == [np.int32]
    assert "floordiv_int(v0, np.int32(2))" in source and "== 0:" not in source  # no zero to check for
