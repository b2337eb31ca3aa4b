"""Common-subexpression elimination alone."""
import numpy as np

import tracegraph as tg
from tracegraph.passes import common_subexpressions
from tracegraph.passes.common_subexpressions import eliminate_common_subexpressions

from graphs import Builder, assert_same_results, op_names


def test_identical_pure_nodes_are_merged():
    b = Builder()
    x, y = b.input([2]), b.input([2])
    first = b.op("multiply", x, y)
    second = b.op("multiply", x, y)
    g = b.returns(b.op("add", b.op("exp", first), b.op("exp", second)))
    optimized = eliminate_common_subexpressions(g)
    assert op_names(optimized) == ["multiply", "exp", "add"]
    add = optimized.nodes[-1]
    assert add.inputs[0] is add.inputs[1]
    arrays = [np.array([1.0, 2.0], np.float32), np.array([3.0, -1.0], np.float32)]
    assert_same_results(g, optimized, arrays)


def test_equal_constants_are_merged_but_not_across_dtypes():
    b = Builder()
    x = b.input([2])
    one_a, one_b = b.const(1.0), b.const(1.0)
    one_int = b.const(1, np.int32)
    g = b.returns(b.op("add", x, one_a), b.op("add", x, one_b), one_int)
    optimized = eliminate_common_subexpressions(g)
    assert op_names(optimized) == ["const", "const", "add"]
    assert optimized.outputs[0] is optimized.outputs[1]


def test_different_inputs_or_attrs_are_not_merged():
    b = Builder()
    x = b.input([2, 3])
    g = b.returns(b.op("transpose", x, perm=(1, 0)), b.op("transpose", x, perm=(1, 0)),
                  b.op("reduce_sum", x, axis=(0,), keepdims=False),
                  b.op("reduce_sum", x, axis=(1,), keepdims=False),
                  b.op("reduce_sum", x, axis=(1,), keepdims=True))
    optimized = eliminate_common_subexpressions(g)
    assert op_names(optimized) == ["transpose", "reduce_sum", "reduce_sum", "reduce_sum"]


def test_attr_keys_tell_types_apart():
    key = common_subexpressions._attr_key
    assert key(1) != key(1.0) != key(True) and key(1) != key(True)
    assert key({"a": (1, [2.0])}) == key({"a": (1, [2.0])})
    assert key(float("nan")) == key(float("nan"))
    assert key(np.array([1, 2])) != key(np.array([1.0, 2.0]))


def test_random_draws_are_never_merged_but_reads_without_a_write_between_are():
    v = tg.Variable(1.0)

    @tg.function
    def f():
        a = v.read_value()
        b = v.read_value()
        return a, b, tg.random.normal([2], seed=1), tg.random.normal([2], seed=1)

    optimized = eliminate_common_subexpressions(f.get_concrete_function().graph)
    assert op_names(optimized).count("read_variable") == 1
    assert op_names(optimized).count("random") == 2


def test_reads_straddling_a_write_are_not_merged():
    v, w = tg.Variable(1.0), tg.Variable(5.0)

    @tg.function
    def f(x):
        before = v.read_value()
        other = w.read_value()
        v.assign(x)
        after = v.read_value()            # v was written: a new read
        again = w.read_value()            # w was not: the earlier read
        tg.cond(x > 0, lambda: w.assign_add(1.0), lambda: w.assign_sub(1.0))
        last = w.read_value()             # a cond that writes: a new read
        return before, after, other, again, last

    cf = f.get_concrete_function(tg.constant(2.0))
    optimized = eliminate_common_subexpressions(cf.graph)
    assert op_names(optimized).count("read_variable") == 4
    results = [float(t) for t in f(tg.constant(2.0))]
    assert results == [1.0, 2.0, 5.0, 5.0, 6.0]


def test_large_constants_are_not_compared(monkeypatch):
    monkeypatch.setattr(common_subexpressions, "MAX_CONSTANT_BYTES", 8)
    b = Builder()
    g = b.returns(b.const(np.zeros(4)), b.const(np.zeros(4)), b.const(0.0), b.const(0.0))
    assert op_names(eliminate_common_subexpressions(g)) == ["const", "const", "const"]
