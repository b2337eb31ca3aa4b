"""Dead-code elimination alone."""
import numpy as np

import tracegraph as tg
from tracegraph.passes.dead_code import eliminate_dead_code

from graphs import Builder, assert_same_results, op_names


def test_unused_pure_nodes_are_removed():
    b = Builder()
    x = b.input([2])
    used = b.op("exp", x)
    b.op("sin", b.op("negative", x))  # a dead chain
    g = b.returns(used)
    optimized = eliminate_dead_code(g)
    assert op_names(optimized) == ["exp"]
    assert op_names(g) == ["exp", "negative", "sin"]  # the input graph is left intact
    assert_same_results(g, optimized, [np.array([1.0, 2.0], np.float32)])


def test_nodes_feeding_outputs_through_chains_are_kept():
    b = Builder()
    x = b.input([2])
    g = b.returns(b.op("add", b.op("exp", x), b.op("sin", x)))
    assert op_names(eliminate_dead_code(g)) == ["exp", "sin", "add"]


def traced_graph(fn, *args):
    return tg.function(fn).get_concrete_function(*args).graph


def test_stateful_nodes_are_kept_even_when_unused():
    v = tg.Variable(1.0)

    def f(x):
        v.read_value()  # an unused read
        v.assign_add(x)  # a write, no outputs at all
        tg.print("hello")  # printing
        tg.random.normal([2])  # an unused random draw still advances its stream
        tg.exp(x)  # pure and unused
        return x

    names = op_names(eliminate_dead_code(traced_graph(f, tg.constant(1.0))))
    assert "exp" not in names
    for kept in ("read_variable", "assign_variable", "print", "random"):
        assert kept in names


def test_control_flow_is_kept_when_a_branch_has_effects():
    v = tg.Variable(0)

    def effects(x):
        tg.cond(x > 0, lambda: v.assign_add(1), lambda: v.assign_sub(1))  # result unused
        return x

    def pure(x):
        tg.cond(x > 0, lambda: x + 1.0, lambda: x - 1.0)  # result unused
        tg.while_loop(lambda y: y < 10.0, lambda y: y * 2.0, [x])
        return x

    assert "cond" in op_names(eliminate_dead_code(traced_graph(effects, tg.constant(1.0))))
    names = op_names(eliminate_dead_code(traced_graph(pure, tg.constant(1.0))))
    assert "cond" not in names and "while_loop" not in names
