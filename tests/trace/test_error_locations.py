"""Errors raised while a traced graph runs name the op and the user's line that defined it (TF's "defined at")."""
import inspect
import json
import os

import numpy as np
import pytest

import tracegraph as tg
from tracegraph.execute import build_plan
from tracegraph.ir.graph import Graph
from tracegraph.ir.location import SourceLocation, describe_node

BACKENDS = ["numpy", "numba"]


def line_of(fn, text):
    """The line number (in this file) of the line of `fn` containing `text`."""
    lines, start = inspect.getsourcelines(fn)
    return start + next(i for i, line in enumerate(lines) if text in line and not line.startswith("def "))


def gathers(params, indices):
    return tg.gather(params, indices) * 2.0


def divides(x, y):
    scaled = x * 3
    quotient = scaled // y
    return quotient + 1


def divides_in_a_branch(x, y):
    return tg.cond(tg.reduce_sum(x) > 0, lambda: x // y, lambda: x)


def asserts_equal(x, y):
    tg.debugging.assert_equal(x, y, message="x and y differ")
    return x + y


def asserts_positive(x):
    doubled = x * 2.0
    tg.debugging.assert_positive(doubled)
    return doubled


def raise_from(fn, *args, backend="numpy"):
    with pytest.raises(Exception) as info:
        tg.function(fn, backend=backend)(*args)
    return info.value


def assert_names(error, op_name, fn, text, function=None):
    here = os.path.basename(__file__)
    message = str(error)
    assert f"[[node {op_name} (defined at " in message
    assert f"{here}:{line_of(fn, text)}, in {function or fn.__name__})]]" in message


@pytest.mark.parametrize("backend", BACKENDS)
def test_gather_out_of_range_names_the_users_line(backend):
    error = raise_from(gathers, tg.constant([1.0, 2.0]), tg.constant([5]), backend=backend)
    assert isinstance(error, tg.errors.InvalidArgumentError) and isinstance(error, IndexError)
    assert "out of range" in str(error)
    assert_names(error, "gather", gathers, "tg.gather(")


@pytest.mark.parametrize("backend", BACKENDS)
def test_integer_division_by_zero_names_the_member_of_the_fused_node(backend):
    # x * 3, // y and + 1 are fused into one node; the error names the floordiv's line, not the first member's
    error = raise_from(divides, tg.constant([1, 2]), tg.constant([0, 1]), backend=backend)
    assert isinstance(error, tg.errors.InvalidArgumentError)
    assert "division by zero" in str(error)
    assert_names(error, "floordiv", divides, "scaled // y")


def test_a_compiled_fused_kernel_error_names_its_members_lines():
    # 10,000 elements: the Numba backend runs the fused node as one compiled kernel, which reports
    # the fault for the whole node, so every member's line is named
    ones, zeros = tg.constant(np.ones(10_000, np.int32)), tg.constant(np.zeros(10_000, np.int32))
    error = raise_from(divides, ones, zeros, backend="numba")
    assert isinstance(error, tg.errors.InvalidArgumentError)
    here = os.path.basename(__file__)
    assert "[[node fused_elementwise (" in str(error) or "[[node floordiv (" in str(error)
    assert f"{here}:{line_of(divides, 'scaled // y')}, in divides" in str(error)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_failed_assertion_names_the_users_line(backend):
    error = raise_from(asserts_equal, tg.constant([1, 2]), tg.constant([1, 3]), backend=backend)
    assert isinstance(error, tg.errors.InvalidArgumentError) and "x and y differ" in str(error)
    assert_names(error, "assert", asserts_equal, "assert_equal(")
    error = raise_from(asserts_positive, tg.constant([1.0, -2.0]), backend=backend)
    assert "Condition x > 0 did not hold" in str(error)
    assert_names(error, "assert", asserts_positive, "assert_positive(")


def test_a_call_under_a_gradient_tape_names_the_users_line_too():
    # under a tape the graph runs op by op (so it is recorded), not through its plan
    f = tg.function(lambda x, y: divides(tg.cast(x, tg.int32), y))
    x = tg.constant([1.0, 2.0])
    with tg.GradientTape() as tape:
        tape.watch(x)
        with pytest.raises(tg.errors.InvalidArgumentError) as info:
            f(x, tg.constant([0, 1]))
    assert_names(info.value, "floordiv", divides, "scaled // y")


def test_the_original_error_is_the_cause_and_the_type_is_kept():
    error = raise_from(divides, tg.constant([1, 2]), tg.constant([0, 1]))
    assert type(error) is type(error.__cause__)
    assert str(error).startswith(str(error.__cause__))


def test_an_error_inside_a_branch_names_the_inner_node_once():
    error = raise_from(divides_in_a_branch, tg.constant([1, 2]), tg.constant([0, 1]))
    assert_names(error, "floordiv", divides_in_a_branch, "x // y", function="<lambda>")
    assert str(error).count("[[node") == 1


def test_a_fused_kernel_error_lists_its_members_lines():
    cf = tg.function(divides).get_concrete_function(tg.constant([1, 2]), tg.constant([0, 1]))
    [fused] = [n for n in cf.optimized_graph.nodes if n.op.name == "fused_elementwise"]
    text = describe_node(fused)   # a compiled kernel reports the fault for the whole node
    assert text.startswith("[[node fused_elementwise (multiply defined at ")
    for member in ("x * 3", "scaled // y", "quotient + 1"):
        assert f":{line_of(divides, member)}, in divides" in text


class NeedsTwoArguments(Exception):
    def __init__(self, code, text):
        super().__init__(f"{code}: {text}")


def test_an_error_type_that_cannot_be_remade_from_a_message_gets_a_note_instead():
    cf = tg.function(gathers).get_concrete_function(tg.constant([1.0, 2.0]), tg.constant([0]))

    def fails(xp, *arrays):
        raise NeedsTwoArguments(7, "bad")

    plan = build_plan(cf.optimized_graph, np, compile_subgraph=None,
                      kernel_for=lambda node: fails if node.op.name == "gather" else None)
    with pytest.raises(NeedsTwoArguments) as info:
        plan([np.array([1.0, 2.0], np.float32), np.array([0], np.int32)])
    assert any("[[node gather (defined at " in note for note in info.value.__notes__)


def test_nodes_remember_where_the_user_defined_them():
    cf = tg.function(divides).get_concrete_function(tg.constant([1, 2]), tg.constant([0, 1]))
    located = {n.op.name: n.defined_at for n in cf.graph.nodes if n.op.name != "const"}
    assert located["floordiv"] == (SourceLocation(__file__, line_of(divides, "scaled // y"), "divides"),)


def test_locations_survive_json_and_old_documents_without_them_load():
    cf = tg.function(divides).get_concrete_function(tg.constant([1, 2]), tg.constant([0, 1]))
    loaded = Graph.from_json(cf.optimized_graph.to_json())
    assert [n.defined_at for n in loaded.nodes] == [n.defined_at for n in cf.optimized_graph.nodes]
    document = json.loads(cf.graph.to_json())
    for node in document["graph"]["nodes"]:
        node.pop("defined_at", None)
    assert all(n.defined_at == () for n in Graph.from_json(json.dumps(document)).nodes)


def test_a_successful_call_is_unchanged():
    f = tg.function(divides)
    np.testing.assert_array_equal(f(tg.constant([3, 6]), tg.constant([2, 4])).numpy(), [5, 5])
