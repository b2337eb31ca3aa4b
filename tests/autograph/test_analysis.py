"""The static analyses behind the conversion: names assigned, liveness, definedness, jump lowering."""
import ast

from tracegraph.autograph.definedness import annotate_definedness
from tracegraph.autograph.jumps import lower_jumps
from tracegraph.autograph.liveness import annotate_liveness
from tracegraph.autograph.names import assigned, attribute_targets, read, surely_assigned
from tracegraph.autograph.naming import Namer


def parse(source):
    return ast.parse(source).body


def analysed(source):
    tree = ast.parse(source)
    function = tree.body[0]
    lower_jumps(tree, Namer(tree))
    annotate_liveness(function)
    annotate_definedness(function)
    return function


def find(function, kind):
    return [n for n in ast.walk(function) if isinstance(n, kind)]


def test_assigned_read_and_surely_assigned():
    body = parse("a = b\nif c:\n    d = 1\n    e = 2\nelse:\n    d = 3\nfor i in xs:\n    f = i\n"
                 "def g():\n    h = a\n")
    assert assigned(body) == {"a", "d", "e", "i", "f", "g"}  # not h: g's own
    assert {"b", "c", "xs", "a"} <= read(body)
    assert surely_assigned(body) == {"a", "d", "g"}
    assert attribute_targets(parse("self.x = 1\nitems[0] = 2\ny = 3")) == ["self.x", "items[0]"]


def test_liveness_picks_cond_outputs_and_loop_variables():
    function = analysed("def f(n):\n    s = 0\n    while n > 0:\n        t = n // 2\n        n = t\n"
                        "        s += 1\n    if s > 3:\n        u = 1\n        v = 2\n    else:\n"
                        "        u = 3\n    return u\n")
    loop, = find(function, ast.While)
    assert loop.tg_loop_vars == ["n", "s"]  # not t: assigned before it is read in each iteration
    assert loop.tg_live_out == {"s"}
    branch, = find(function, ast.If)
    assert branch.tg_outputs == ["u", "v"] and branch.tg_live_out == {"u"}


def test_definedness_before_converted_statements():
    function = analysed("def f(x, flag):\n    if flag:\n        y = 1\n    if x:\n        y = 2\n"
                        "        z = 3\n    return y\n")
    first, second = find(function, ast.If)
    assert {"x", "flag"} <= second.tg_defined and "y" not in second.tg_defined
    assert "y" in second.tg_maybe_defined and "z" not in second.tg_maybe_defined


def test_break_and_continue_become_flags():
    function = analysed("def f(xs):\n    for x in xs:\n        if x:\n            continue\n"
                        "        if x > 2:\n            break\n        g(x)\n")
    loop, = find(function, ast.For)
    assert not find(function, ast.Break) and not find(function, ast.Continue)
    assert ast.unparse(loop.tg_extra_test) == "not break_"
    assert "break_" in loop.tg_loop_vars and "continue_" not in loop.tg_loop_vars


def test_an_early_return_moves_the_rest_into_the_other_branch():
    function = analysed("def f(x):\n    if x:\n        return 1\n    y = 2\n    return y\n")
    branch, = find(function, ast.If)
    assert ast.unparse(branch.orelse[0]) == "y = 2"
    assert ast.unparse(function.body[-1]) == "return ag__.return_value(retval_)"
    assert len(find(function, ast.Return)) == 1
