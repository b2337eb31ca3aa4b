"""Random ops: shapes, dtypes, ranges, rough statistics, seed reproducibility, Generators, errors."""
import gc

import numpy as np
import pytest

import tracegraph as tg
import tracegraph.random as tgr
from tracegraph.errors import InvalidArgumentError
from tracegraph.ops import random_ops
from tracegraph.core.dispatch import bind
from tracegraph.spec import TensorSpec


@pytest.fixture(autouse=True)
def _no_global_seed():
    tgr.set_seed(None)
    yield
    tgr.set_seed(None)


# ----- shapes, dtypes, ranges ----------------------------------------------------------------

@pytest.mark.parametrize("fn", [tgr.normal, tgr.uniform, tgr.truncated_normal])
@pytest.mark.parametrize("dtype", [tg.float16, tg.float32, tg.float64])
def test_float_samplers_shapes_and_dtypes(fn, dtype):
    result = fn([2, 3], dtype=dtype)
    assert result.dtype == dtype
    assert result.shape == (2, 3)
    assert fn((), dtype=dtype).shape == ()
    assert fn(tg.constant([0, 4]), dtype=dtype).shape == (0, 4)


def test_default_dtype_is_float32():
    assert tgr.normal([1]).dtype == tgr.uniform([1]).dtype == tg.float32


def test_uniform_ranges():
    tgr.set_seed(0)
    u = tgr.uniform([10000], minval=2.0, maxval=3.0).numpy()
    assert u.min() >= 2.0 and u.max() < 3.0
    for dtype in (tg.int32, tg.int64):
        ints = tgr.uniform([10000], minval=-3, maxval=4, dtype=dtype)
        assert ints.dtype == dtype
        assert set(np.unique(ints.numpy()).tolist()) == set(range(-3, 4))


def test_uniform_with_tensor_bounds():
    low, high = tg.constant([0.0, 10.0]), tg.constant([1.0, 20.0])
    u = tgr.uniform([500, 2], minval=low, maxval=high).numpy()
    assert (u[:, 0] < 1).all() and (u[:, 1] >= 10).all() and (u[:, 1] < 20).all()


def test_truncated_normal_stays_within_two_stddev():
    tgr.set_seed(1)
    t = tgr.truncated_normal([20000], mean=5.0, stddev=0.5).numpy()
    assert t.min() >= 4.0 and t.max() <= 6.0
    assert abs(t.mean() - 5.0) < 0.02
    assert abs(t.std() - 0.5 * 0.8796) < 0.02  # the std of a standard normal cut at +-2


def test_normal_statistics_with_fixed_seed():
    tgr.set_seed(2)
    x = tgr.normal([20000], mean=3.0, stddev=2.0, dtype=tg.float64).numpy()
    assert abs(x.mean() - 3.0) < 0.06
    assert abs(x.std() - 2.0) < 0.06
    u = tgr.uniform([20000], seed=3).numpy()
    assert abs(u.mean() - 0.5) < 0.02 and abs(u.var() - 1 / 12) < 0.01


def test_normal_is_differentiable_in_mean_and_stddev():
    mean, stddev = tg.constant(1.0), tg.constant(2.0)
    with tg.GradientTape() as tape:
        tape.watch([mean, stddev])
        x = tgr.normal([1000], mean=mean, stddev=stddev, seed=7)
        y = tg.reduce_sum(x)
    d_mean, d_stddev = tape.gradient(y, [mean, stddev])
    assert float(d_mean) == 1000.0
    np.testing.assert_allclose(float(d_stddev), (x.numpy() - 1.0).sum() / 2.0, rtol=1e-4)


# ----- reproducibility -----------------------------------------------------------------------

def _program():
    """A little program mixing ops, as a user would write it."""
    return [tgr.normal([3]).numpy(), tgr.uniform([2], 0, 10, dtype=tg.int32).numpy(),
            tgr.uniform([3], seed=4).numpy(), tgr.truncated_normal([2]).numpy(),
            tgr.shuffle(tg.range(6)).numpy(), tgr.normal([3]).numpy()]


def test_set_seed_makes_programs_reproducible():
    tgr.set_seed(1234)
    first = _program()
    tgr.set_seed(1234)
    second = _program()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], first[-1])  # successive calls differ
    tgr.set_seed(99)
    assert not np.array_equal(first[0], tgr.normal([3]).numpy())


def test_op_seed_alone_is_reproducible_and_advances():
    first, again = tgr.uniform([4], seed=5).numpy(), tgr.uniform([4], seed=5).numpy()
    assert not np.array_equal(first, again)  # the op's stream advances, as in TF
    tgr.set_seed(None)  # what a fresh program would see
    np.testing.assert_array_equal(tgr.uniform([4], seed=5).numpy(), first)
    assert not np.array_equal(tgr.uniform([4], seed=6).numpy(), first)


def test_unseeded_calls_differ():
    assert not np.array_equal(tgr.normal([8]).numpy(), tgr.normal([8]).numpy())


def test_eager_calls_do_not_keep_streams():
    tgr.set_seed(3)
    before = len(random_ops.RANDOM_STATE.streams)
    for _ in range(50):
        tgr.normal([2])
    assert len(random_ops.RANDOM_STATE.streams) == before


def test_a_graph_node_keeps_drawing_from_its_stream():
    # A traced random op is one node with a fixed stream key; each run of it draws anew.
    attrs = {"distribution": "normal", "shape": (3,), "dtype": tg.float32, "stream": ("counter", 11, 0)}
    runs = [bind(random_ops._random, [], attrs).numpy() for _ in range(2)]
    assert not np.array_equal(runs[0], runs[1])
    tgr.set_seed(11)  # restarts every stream
    np.testing.assert_array_equal(bind(random_ops._random, [], attrs).numpy(), runs[0])
    assert random_ops._random.stateful and random_ops._shuffle.stateful and random_ops._categorical.stateful


def test_run_time_shape_input():
    attrs = {"distribution": "uniform", "shape": None, "dtype": tg.float64, "stream": None}
    assert bind(random_ops._random, [tg.constant([2, 3])], attrs).shape == (2, 3)
    spec = random_ops._random.infer(TensorSpec([2], tg.int32), **attrs)
    assert spec.shape.as_list() == [None, None] and spec.dtype == tg.float64


# ----- shuffle, categorical, stateless -------------------------------------------------------

def test_shuffle_permutes_rows():
    x = np.arange(20).reshape(10, 2)
    tgr.set_seed(5)
    shuffled = tgr.shuffle(x).numpy()
    assert not np.array_equal(shuffled, x)
    np.testing.assert_array_equal(np.sort(shuffled[:, 0]), x[:, 0])
    np.testing.assert_array_equal(shuffled[:, 1], shuffled[:, 0] + 1)  # rows stay whole
    assert float(tgr.shuffle(tg.constant(3.0))) == 3.0


def test_categorical():
    tgr.set_seed(6)
    logits = tg.constant(np.log([[0.2, 0.8, 1e-30], [1.0, 1.0, 1.0]]).astype(np.float32))
    samples = tgr.categorical(logits, 4000)
    assert samples.dtype == tg.int64 and samples.shape == (2, 4000)
    counts = np.bincount(samples.numpy()[0], minlength=3) / 4000
    np.testing.assert_allclose(counts, [0.2, 0.8, 0.0], atol=0.03)
    never = tgr.categorical([[0.0, -np.inf]], 100, dtype=tg.int32)
    assert never.dtype == tg.int32 and not never.numpy().any()


def test_stateless_ops_depend_only_on_seed():
    a = tgr.stateless_uniform([5], seed=[1, 2]).numpy()
    np.testing.assert_array_equal(a, tgr.stateless_uniform([5], seed=[1, 2]).numpy())
    assert not np.array_equal(a, tgr.stateless_uniform([5], seed=[1, 3]).numpy())
    n = tgr.stateless_normal([3], seed=tg.constant([4, 5], tg.int64), dtype=tg.float64)
    assert n.dtype == tg.float64
    t = tgr.stateless_truncated_normal([1000], seed=[0, 0]).numpy()
    assert np.abs(t).max() <= 2
    ints = tgr.stateless_uniform([100], seed=[1, 1], minval=5, maxval=8, dtype=tg.int64).numpy()
    assert ints.min() >= 5 and ints.max() < 8


# ----- Generator -----------------------------------------------------------------------------

def test_generator_from_seed():
    g = tgr.Generator.from_seed(42)
    first, second = g.normal([4]).numpy(), g.normal([4]).numpy()
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(tgr.Generator.from_seed(42).normal([4]).numpy(), first)
    tgr.set_seed(1)  # the global seed does not touch generators
    third = g.normal([4]).numpy()
    h = tgr.Generator.from_seed(42)
    h.normal([4]), h.normal([4])
    np.testing.assert_array_equal(h.normal([4]).numpy(), third)


def test_generator_uniform_split_and_reset():
    g = tgr.Generator.from_seed(7)
    u = g.uniform([1000], minval=-1.0, maxval=1.0).numpy()
    assert u.min() >= -1 and u.max() < 1
    ints = g.uniform([100], maxval=3, dtype=tg.int64)
    assert ints.dtype == tg.int64 and set(ints.numpy().tolist()) <= {0, 1, 2}
    children = g.split(2)
    assert not np.array_equal(children[0].normal([3]).numpy(), children[1].normal([3]).numpy())
    g.reset_from_seed(7)
    np.testing.assert_array_equal(g.uniform([1000], minval=-1.0, maxval=1.0).numpy(), u)
    assert g.truncated_normal([100]).numpy().max() <= 2
    assert tgr.get_global_generator() is tgr.get_global_generator()


def test_generators_are_released():
    count = len(random_ops.RANDOM_STATE.generator_entropy)
    g = tgr.Generator.from_seed(1)
    g.normal([1])
    del g
    gc.collect()
    assert len(random_ops.RANDOM_STATE.generator_entropy) == count


# ----- errors --------------------------------------------------------------------------------

def test_random_errors():
    with pytest.raises(ValueError, match="maxval"):
        tgr.uniform([2], dtype=tg.int32)
    with pytest.raises(InvalidArgumentError, match="minval < maxval"):
        tgr.uniform([2], minval=3, maxval=3, dtype=tg.int32)
    with pytest.raises(TypeError, match="floating"):
        tgr.normal([2], dtype=tg.int32)
    with pytest.raises(TypeError, match="floating"):
        tgr.uniform([2], dtype=tg.bool)
    with pytest.raises(ValueError, match="negative"):
        tgr.normal([-1])
    with pytest.raises(ValueError, match="2-D"):
        tgr.categorical([0.0, 1.0], 2)
    with pytest.raises(ValueError, match="shape \\[2\\]"):
        tgr.stateless_normal([2], seed=[1, 2, 3])
    with pytest.raises(TypeError, match="int32 or int64"):
        tgr.categorical([[0.0]], 1, dtype=tg.float32)


# ----- inside traced functions ---------------------------------------------------------------

def test_traced_function_draws_new_numbers_on_each_call():
    @tg.function(backend="numpy")
    def noisy(x):
        return x + tgr.normal(tg.shape(x))

    x = tg.constant([0.0, 0.0, 0.0])
    first, second = noisy(x).numpy(), noisy(x).numpy()
    assert not np.array_equal(first, second)
    assert noisy.experimental_get_tracing_count() == 1


def test_traced_function_is_reproducible_with_set_seed():
    tgr.set_seed(21)

    @tg.function(backend="numpy", input_signature=[tg.TensorSpec([None], tg.float32)])
    def noisy(x):
        return x + tgr.uniform(tg.shape(x)) + tgr.normal([1], seed=3)

    x = tg.zeros([4])
    first = [noisy(x).numpy() for _ in range(2)]
    assert not np.array_equal(first[0], first[1])
    tgr.set_seed(21)
    again = [noisy(x).numpy() for _ in range(2)]
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
