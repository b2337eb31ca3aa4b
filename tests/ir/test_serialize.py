"""Graph.from_json checks what it reads: each kind of damaged document is a ValueError saying what and where,
and variables bind only to the Variables the caller gives (or, when asked, to new ones)."""
import json

import numpy as np
import pytest

import tracegraph as tg
from tracegraph.ir.graph import Graph
from tracegraph.ir.interpreter import interpret

#: Created once, so its stored name is predictable: "json_w:0" (names are made unique per process).
W = tg.Variable([1.0, 2.0], name="json_w")
X = np.array([3.0, 4.0], np.float32)


def valid_document():
    """x * W + 1 as a JSON document (a dict): nodes read_variable (%0), multiply (%1), const (%2), add (%3)."""
    cf = tg.function(lambda x: x * W + 1.0).get_concrete_function(tg.TensorSpec([2], tg.float32))
    return json.loads(cf.graph.to_json())


def node(document, op):
    return next(n for n in document["graph"]["nodes"] if n["op"] == op)


def load(document, variables=None, **kwargs):
    text = document if isinstance(document, str) else json.dumps(document)
    return Graph.from_json(text, {"json_w": W} if variables is None else variables, **kwargs)


def test_the_valid_document_loads_and_runs():
    np.testing.assert_array_equal(interpret(load(valid_document()), [X])[0], [4.0, 9.0])


# ----- damaged documents, one mutation of the valid one each ----------------------------------------

class Replaced:
    """A change that replaces the whole document (by `text`, or any JSON value)."""

    def __init__(self, make):
        self.make = make


def mutated(change):
    document = valid_document()
    if isinstance(change, Replaced):
        return change.make(document)
    change(document)
    return document


def dropping(key, where=lambda d: d):
    """A change deleting `key` from the part of the document `where` picks."""
    return lambda d: where(d).pop(key)


DAMAGED = {
    "not JSON": (Replaced(lambda d: "{not json"), r"not valid JSON"),
    "a list": (Replaced(lambda d: json.dumps([d])), r"expected a JSON object .*, got a list"),
    "null": (Replaced(lambda d: "null"), r"expected a JSON object .*, got null"),
    "version as a string": (lambda d: d.update(version="1"), r"'version' must be an integer, got a string '1'"),
    "an unknown version": (lambda d: d.update(version=99), r"unsupported graph format version 99"),
    "no graph": (dropping("graph"), r"the document has no key 'graph'"),
    "no nodes": (dropping("nodes", lambda d: d["graph"]), r"graph has no key 'nodes'"),
    "a node without attrs": (dropping("attrs", lambda d: node(d, "add")), r"node 3 has no key 'attrs'"),
    "an output without a spec": (dropping("spec", lambda d: node(d, "add")["outputs"][0]),
                                 r"node 3 \(add\), output 0 has no key 'spec'"),
    "nodes as an object": (lambda d: d["graph"].update(nodes={}), r"'nodes' must be a list, got an object"),
    "a dangling input": (lambda d: node(d, "add")["inputs"].__setitem__(0, "7"),
                         r"node 3 \(add\): input '7' is not defined before it \(nothing defines it\)"),
    "reordered nodes": (lambda d: d["graph"]["nodes"].reverse(),
                        r"node 0 \(add\): input '1' is not defined before it \(node 2 defines it later\)"),
    "a dangling output": (lambda d: d["graph"].update(outputs=["9"]), r"output '9' is not defined before it"),
    "a name defined twice": (lambda d: node(d, "add")["outputs"][0].update(name="1"),
                             r"node 3 \(add\), output 0: the value name '1' is defined twice"),
    "an output spec against the shape rule": (
        lambda d: node(d, "add")["outputs"][0]["spec"].update(__spec__=[[3], "float32"]),
        r"inconsistent: .*node 3 \(add\): output %3 is typed f32\[3\] but its shape rule gives f32\[2\]"),
    "an output dtype against the shape rule": (
        lambda d: node(d, "multiply")["outputs"][0]["spec"].update(__spec__=[[2], "int32"]),
        r"node 1 \(multiply\): output %1 is typed i32\[2\] but its shape rule gives f32\[2\]"),
    "a variable index out of range": (lambda d: node(d, "read_variable")["attrs"].update(variable=3),
                                      r"node 0 \(read_variable\) refers to variable \$3, but the graph has 1"),
    "a variable index of the wrong type": (lambda d: node(d, "read_variable")["attrs"].update(variable="0"),
                                           r"node 0 \(read_variable\) refers to variable \$0"),
    "an unknown op": (lambda d: node(d, "multiply").update(op="no_such_op"), r"node 1: unknown op 'no_such_op'"),
    "an array that is not base64": (lambda d: node(d, "const")["attrs"]["value"].update(__array__="@@@"),
                                    r"node 2 \(const\), attr 'value': malformed tagged value"),
    "an array of the wrong size": (lambda d: node(d, "const")["attrs"]["value"].update(shape=[5]),
                                   r"node 2 \(const\), attr 'value': malformed tagged value"),
    "an unknown dtype": (lambda d: node(d, "add")["outputs"][0]["spec"].update(__spec__=[[2], "float33"]),
                         r"node 3 \(add\), output 0, spec: malformed tagged value .*float33"),
    "an unknown tag": (lambda d: node(d, "const")["attrs"].update(value={"__blob__": 1}),
                       r"node 2 \(const\), attr 'value': unknown tagged value with keys \['__blob__'\]"),
    "a malformed location": (lambda d: node(d, "add").update(defined_at=[["f.py"]]),
                             r"node 3 \(add\): 'defined_at' must be a list of \[file, line, function\]"),
}


@pytest.mark.parametrize("case", sorted(DAMAGED))
def test_a_damaged_document_is_a_value_error_saying_what_and_where(case):
    change, message = DAMAGED[case]
    with pytest.raises(ValueError, match=message):
        load(mutated(change))


# ----- binding variables ------------------------------------------------------------------------------

def test_variables_bind_by_the_short_name_the_user_gave():
    other = tg.Variable([10.0, 20.0], name="other")
    graph = load(valid_document(), {"json_w": other})
    assert graph.variables == [other]
    np.testing.assert_array_equal(interpret(graph, [X])[0], [31.0, 81.0])


def test_variables_bind_by_the_stored_full_name():
    assert load(valid_document(), {W.name: W}).variables[0] is W


def test_a_list_of_variables_binds_each_by_its_own_name_as_the_user_guide_shows():
    graph = load(valid_document(), [W])
    assert graph.variables[0] is W
    W.assign([2.0, 2.0])   # the graph reads the very Variable, not a copy of its value
    try:
        np.testing.assert_array_equal(interpret(graph, [X])[0], [7.0, 9.0])
    finally:
        W.assign([1.0, 2.0])


def test_an_unbound_variable_is_an_error_naming_it():
    for variables in ({}, [], {"something_else": tg.Variable([0.0, 0.0], name="something_else")}):
        with pytest.raises(ValueError, match=r"uses the variable 'json_w:0', but no Variable is bound to it"):
            load(valid_document(), variables)


def test_new_variables_from_the_stored_values_only_when_asked():
    graph = load(valid_document(), {}, create_variables=True)
    [created] = graph.variables
    assert created is not W and created.name.startswith("json_w")
    np.testing.assert_array_equal(created.numpy(), [1.0, 2.0])


def test_a_variable_of_another_shape_or_dtype_does_not_bind():
    with pytest.raises(ValueError, match=r"bound to 'json_w:0' has dtype float32 and shape \(3,\), but the "
                                         r"graph stores dtype float32 and shape \(2,\)"):
        load(valid_document(), {"json_w": tg.Variable([1.0, 2.0, 3.0])})
    with pytest.raises(ValueError, match="has dtype int32"):
        load(valid_document(), {"json_w": tg.Variable([1, 2])})


def test_variables_must_be_a_dict_or_a_list_of_variables():
    with pytest.raises(TypeError, match="'variables' must be a dict of name -> Variable or a list"):
        load(valid_document(), W)
    with pytest.raises(TypeError, match="'variables' must hold Variables"):
        load(valid_document(), ["json_w"])
