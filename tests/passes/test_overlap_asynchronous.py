"""The overlap_asynchronous pass: splittable nodes become a start placed as early as its inputs allow and a
finish placed just before the first use of its results; the starts keep their order."""
import numpy as np
import pytest

import tracegraph as tg
from tracegraph import dtypes
from tracegraph.core.dispatch import bind
from tracegraph.core.op import REGISTRY, Op
from tracegraph.spec import TensorSpec

#: What the test op's starts and finishes did, in order: ("start", tag) / ("finish", tag).
EVENTS = []
_IN_FLIGHT = {}


def _start(xp, x, *, tag):
    EVENTS.append(("start", tag))
    _IN_FLIGHT[tag] = x * 2
    return np.asarray(tag, np.int64)


def _finish(xp, handle, x, *, tag):
    EVENTS.append(("finish", tag))
    return _IN_FLIGHT.pop(int(handle))


@pytest.fixture(scope="module", autouse=True)
def doubling_op():
    """x * 2 by a splittable op, registered for this module only (the conformance suite checks that every
    registered op has a case)."""
    start = Op("test_doubling_start", infer=lambda x, tag: TensorSpec((), dtypes.int64), impl=_start,
               stateful=True)
    finish = Op("test_doubling_finish", infer=lambda handle, x, tag: x, impl=_finish, stateful=True)
    DOUBLING.append(Op("test_doubling", infer=lambda x, tag: x, impl=lambda xp, x, tag: x * 2, stateful=True,
                       split=(start, finish)))
    yield
    DOUBLING.clear()
    for name in ("test_doubling_start", "test_doubling_finish", "test_doubling"):
        del REGISTRY[name]


DOUBLING = []


def doubled(x, tag):
    """x * 2 by the splittable test op."""
    return bind(DOUBLING[0], [x], {"tag": tag})


def _order(function, *args):
    graph = function.get_concrete_function(*args).optimized_graph
    return [node.op.name for node in graph.nodes], graph


def test_the_start_follows_its_inputs_and_the_finish_precedes_the_first_use():
    @tg.function
    def step(a, b):
        early = doubled(tg.exp(a), tag=1)       # its input exists long before the code below
        late = tg.matmul(b, b)
        late = tg.matmul(late, b)
        return late + tg.reduce_sum(early)

    a, b = tg.constant(np.ones(3, np.float32)), tg.constant(np.eye(2, dtype=np.float32))
    names, graph = _order(step, a, b)
    start, finish = names.index("test_doubling_start"), names.index("test_doubling_finish")
    matmuls = [k for k, name in enumerate(names) if name == "matmul"]
    assert start < matmuls[0] and finish > matmuls[-1]
    users = graph.users()
    first_user = min(graph.nodes.index(n) for v in graph.nodes[finish].outputs for n in users[id(v)])
    assert first_user == finish + 1
    np.testing.assert_allclose(step(a, b).numpy(), step.python_function(a, b).numpy())


def test_starts_keep_their_order_and_a_chained_one_waits_for_the_finish_it_needs():
    @tg.function
    def step(a, b):
        first = doubled(tg.sin(a) * 3.0, tag=11)
        second = doubled(b, tag=12)              # ready at once, but it must not start before the first
        third = doubled(first + 1.0, tag=13)     # needs the first's result
        unused = doubled(a, tag=14)              # nobody uses it: it is still finished
        del unused
        return second + third

    a, b = tg.constant(np.ones(3, np.float32)), tg.constant(np.full(3, 2.0, np.float32))
    names, _ = _order(step, a, b)
    starts = [k for k, name in enumerate(names) if name == "test_doubling_start"]
    finishes = [k for k, name in enumerate(names) if name == "test_doubling_finish"]
    assert len(starts) == len(finishes) == 4 and "test_doubling" not in names
    EVENTS.clear()
    result = step(a, b)
    started = [tag for event, tag in EVENTS if event == "start"]
    assert started == [11, 12, 13, 14]
    assert EVENTS.index(("finish", 11)) < EVENTS.index(("start", 13))
    assert sorted(tag for event, tag in EVENTS if event == "finish") == [11, 12, 13, 14]
    np.testing.assert_allclose(result.numpy(), 2 * 2.0 + 2 * (2 * np.sin(1.0) * 3 + 1), rtol=1e-6)


def test_a_graph_without_splittable_nodes_keeps_its_order():
    @tg.function
    def plain(a):
        return tg.exp(a) + 1.0

    stages = dict(plain.get_concrete_function(tg.constant(np.ones(3, np.float32))).optimization_stages())
    assert stages["overlap_asynchronous"].nodes == stages["eliminate_dead_code_after_fusion"].nodes
