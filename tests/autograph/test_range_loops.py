"""`for i in tg.range(...)` in a converted function counts `i` itself: the range is never built."""
import numpy as np
import pytest

import tracegraph as tg


def _sum_over_range(start, limit, delta):
    total = tg.constant(0.0)
    for x in tg.range(start, limit, delta):
        total += x
    return total


@pytest.mark.parametrize("start, limit, delta", [(0.0, 1.0, 0.1), (5.0, 0.0, -0.5), (0.0, 0.0, 1.0), (1.0, 7.0, 2.5)])
def test_a_traced_range_loop_gives_what_the_range_itself_gives(start, limit, delta):
    args = [tg.constant(v) for v in (start, limit, delta)]
    traced = tg.function(_sum_over_range)(*args)
    eager = tg.reduce_sum(tg.range(*args))
    assert traced.numpy() == pytest.approx(eager.numpy(), rel=1e-6)


def test_the_range_tensor_is_not_in_the_graph():
    f = tg.function(_sum_over_range)
    graph = f.get_concrete_function(tg.constant(0.0), tg.constant(10.0), tg.constant(1.0)).optimized_graph
    assert "range" not in {node.op.name for node in graph.all_nodes()}


@pytest.mark.parametrize("start, limit, delta, message", [(0.0, 1.0, 0.0, "delta != 0"),
                                                          (3.0, 2.0, 1.0, "start <= limit"),
                                                          (2.0, 3.0, -1.0, "start <= limit")])
def test_bounds_the_range_op_refuses_are_errors_as_for_the_range(start, limit, delta, message):
    args = [tg.constant(v) for v in (start, limit, delta)]
    with pytest.raises(tg.errors.InvalidArgumentError):
        tg.range(*args)
    with pytest.raises(tg.errors.InvalidArgumentError, match=message):
        tg.function(_sum_over_range)(*args)


def test_integer_counters_and_breaks():
    @tg.function
    def first_square_above(n, bound):
        found = tg.constant(-1)
        for i in tg.range(n):
            if i * i > bound:
                found = i
                break
        return found
    assert first_square_above(tg.constant(100), tg.constant(50)).numpy() == 8
    assert first_square_above(tg.constant(5), tg.constant(50)).numpy() == -1
    np.testing.assert_equal(first_square_above.get_concrete_function(
        tg.TensorSpec([], tg.int32), tg.TensorSpec([], tg.int32))(tg.constant(20), tg.constant(0)).numpy(), 1)
