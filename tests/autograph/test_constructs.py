"""Each converted construct computes what Python computes, as graph control flow when it depends on a tensor."""
import pytest

import tracegraph as tg


def ops_in(function, *args):
    """The op names of the graph traced for `args`, sub-graphs included."""
    return [node.op.name for node in function.get_concrete_function(*args).graph.all_nodes()]


def test_if_on_a_tensor_becomes_one_cond_and_on_a_python_value_stays_python():
    @tg.function(fallback="error")
    def scale(x, double):
        if double:
            x = x * 2
        if x > 10:
            x = x - 10
        else:
            x = x + 1
        return x

    assert int(scale(tg.constant(3), True)) == 7
    assert int(scale(tg.constant(6), True)) == 2
    assert int(scale(tg.constant(6), False)) == 7
    assert ops_in(scale, tg.constant(1), True).count("cond") == 1


def test_elif_chain():
    @tg.function(fallback="error")
    def bucket(x):
        if x < 0:
            label = -1
        elif x == 0:
            label = 0
        elif x < 10:
            label = 1
        else:
            label = 2
        return label

    assert [int(bucket(tg.constant(v))) for v in (-5, 0, 3, 50)] == [-1, 0, 1, 2]


def test_while_on_a_tensor_carries_only_the_variables_it_needs():
    @tg.function(fallback="error")
    def count_down(n):
        steps = 0
        while n > 0:
            half = n // 2  # assigned before it is read in every iteration: not a loop variable
            n = half
            steps += 1
        return steps

    assert int(count_down(tg.constant(100))) == 7
    node = next(n for n in count_down.get_concrete_function(tg.constant(1)).graph.nodes if n.op.name == "while_loop")
    assert node.attrs["n_vars"] == 2  # n and steps


def test_while_with_break():
    @tg.function(fallback="error")
    def first_multiple(x, limit):
        i = 1
        while i < 100:
            if x * i > limit:
                break
            i += 1
        return i

    assert int(first_multiple(tg.constant(3), tg.constant(10))) == 4
    assert int(first_multiple(tg.constant(1), tg.constant(1000))) == 100


def test_while_else_runs_without_break():
    @tg.function(fallback="error")
    def search(n):
        found = -1
        i = 0
        while i < 5:
            if i == n:
                found = i
                break
            i += 1
        else:
            found = 99
        return found

    assert int(search(tg.constant(3))) == 3
    assert int(search(tg.constant(7))) == 99


def test_continue_in_a_for_over_tg_range():
    @tg.function(fallback="error")
    def sum_odd(n):
        total = 0
        for i in tg.range(n):
            if i % 2 == 0:
                continue
            total += i
        return total

    assert int(sum_odd(tg.constant(10))) == 25


def test_for_over_the_rows_of_a_tensor():
    @tg.function(fallback="error")
    def column_sums(m):
        total = tg.zeros([2])
        for row in m:
            total += row
        return total

    assert column_sums(tg.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])).numpy().tolist() == [9.0, 12.0]
    assert "while_loop" in ops_in(column_sums, tg.constant([[1.0, 2.0]]))


def test_for_over_a_python_list_unrolls_and_keeps_the_target():
    @tg.function(fallback="error")
    def weighted(x):
        total = x * 0
        for w in [1, 2, 3]:
            total += x * w
        return total, w

    total, last = weighted(tg.constant(2))
    assert (int(total), last) == (12, 3)
    assert "while_loop" not in ops_in(weighted, tg.constant(2))


def test_break_in_a_python_loop_with_a_python_condition():
    @tg.function(fallback="error")
    def partial_sum(x):
        for k in range(10):
            if k == 3:
                break
            x = x + k
        return x

    assert int(partial_sum(tg.constant(0))) == 3


def test_early_return_in_a_tensor_branch():
    @tg.function(fallback="error")
    def relu_plus(x):
        if x < 0:
            return x * 0
        y = x + 1
        return y

    assert int(relu_plus(tg.constant(-4))) == 0
    assert int(relu_plus(tg.constant(4))) == 5


def test_return_inside_a_python_loop():
    @tg.function(fallback="error")
    def first_big(values, x):
        for v in values:
            if v > 2:
                return x * v
        return x

    assert int(first_big([1, 3, 5], tg.constant(2))) == 6
    assert int(first_big([1, 2], tg.constant(2))) == 2


def test_nested_loop_in_a_branch_in_a_loop():
    @tg.function(fallback="error")
    def nested(n):
        acc = 0
        for i in tg.range(n):
            if i % 2 == 0:
                j = 0
                while j < i:
                    acc += j
                    j += 1
        return acc

    expected = sum(j for i in range(6) if i % 2 == 0 for j in range(i))
    assert int(nested(tg.constant(6))) == expected


@pytest.mark.parametrize("a, b", [(1, 2), (-1, 2), (1, -2), (-1, -2)])
def test_and_or_not_and_conditional_expressions(a, b):
    @tg.function(fallback="error")
    def logic(a, b):
        both = 1 if a > 0 and b > 0 else 0
        either = 1 if a > 0 or b > 0 else 0
        neither = 1 if not (a > 0 or b > 0) else 0
        return both, either, neither, (a if a > b else b)

    result = [int(t) for t in logic(tg.constant(a), tg.constant(b))]
    assert result == [int(a > 0 and b > 0), int(a > 0 or b > 0), int(not (a > 0 or b > 0)), max(a, b)]


def test_and_is_lazy_in_the_graph():
    @tg.function(fallback="error")
    def safe_lookup(values, i):
        return i < tg.size(values) and values[tg.minimum(i, tg.size(values) - 1)] > 0

    values = tg.constant([1, -1])
    assert bool(safe_lookup(values, tg.constant(0)))
    assert not bool(safe_lookup(values, tg.constant(1)))
    assert not bool(safe_lookup(values, tg.constant(5)))
    assert "cond" in ops_in(safe_lookup, values, tg.constant(0))


def test_python_print_runs_while_tracing_and_tg_print_on_every_call(capsys):
    @tg.function(fallback="error")
    def loud(n):
        print("tracing")
        i = 0
        while i < n:
            tg.print("step", i)
            i += 1
        return i

    loud(tg.constant(2))
    loud(tg.constant(3))
    captured = capsys.readouterr()
    assert captured.out.count("tracing") == 1
    assert captured.err.split("\n")[:5] == ["step 0", "step 1", "step 0", "step 1", "step 2"]


class Accumulator:
    def __init__(self, scale):
        self.scale = scale

    @tg.function(fallback="error")
    def run(self, n):
        total = 0.0
        for _ in tg.range(n):
            total += self.scale
        return total


def test_methods_read_attributes():
    assert float(Accumulator(2.5).run(tg.constant(4))) == 10.0


COUNTER = 0


def test_closures_nonlocal_global_lambdas_defaults_and_decorators():
    offset = tg.constant(100)

    def twice(function):
        def wrapper(*args):
            return function(*args) * 2
        return wrapper

    @tg.function(fallback="error")
    @twice
    def f(x, bump=1):
        global COUNTER
        COUNTER += 1  # a Python side effect: while tracing
        calls = 0

        def inner(y):
            nonlocal calls
            calls += 1
            return y + bump

        square = lambda v: v * v if v > 0 else -v  # noqa: E731
        if x > 0:
            x = inner(x)
        else:
            x = square(x)
        return x + offset + calls

    assert int(f(tg.constant(3))) == 2 * (3 + 1 + 100 + 1)
    # both branches are traced, so `calls += 1` (a Python side effect) ran once, while tracing, as in TF
    assert int(f(tg.constant(-3))) == 2 * (3 + 100 + 1)
    assert COUNTER == 1  # traced once


def test_builtins_on_tensors_take_their_graph_meaning():
    @tg.function(fallback="error", input_signature=[tg.TensorSpec([None], tg.float32)])
    def mean_of_prefixes(x):
        total = 0.0
        for i in range(len(x)):  # a tensor length: tg.range, a graph loop
            total += x[i] * float(i + 1)
        return total / float(len(x)), int(total)

    mean, whole = mean_of_prefixes(tg.constant([1.0, 2.0, 3.5]))
    assert float(mean) == pytest.approx((1.0 + 4.0 + 10.5) / 3)
    assert int(whole) == 15


TRACES = 0


def test_global_and_nonlocal_names_assigned_in_converted_blocks():
    count = 0

    @tg.function(fallback="error")
    def f(x, flag):
        nonlocal count
        global TRACES
        if flag:
            count += 1
            TRACES += 1
        i = 0
        while i < x:
            i += 1
        return i

    assert int(f(tg.constant(3), True)) == 3
    assert (count, TRACES) == (1, 1)
    code = tg.autograph.to_code(f)
    assert code.count("nonlocal count") == 2  # the function's, and the branch's that assigns it
