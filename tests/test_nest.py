"""tg.nest: flattening and rebuilding nested lists, tuples, dicts and namedtuples."""
import collections

import pytest

import tracegraph as tg

Point = collections.namedtuple("Point", "x y")


def test_flatten_orders_dicts_by_key():
    structure = {"b": [1, (2, 3)], "a": 0, "c": Point(4, {"z": 5})}
    assert tg.nest.flatten(structure) == [0, 1, 2, 3, 4, 5]


def test_leaves_flatten_to_themselves():
    assert tg.nest.flatten(7) == [7]
    assert tg.nest.flatten(None) == [None]
    assert tg.nest.flatten("text") == ["text"]
    t = tg.constant([1, 2])
    assert tg.nest.flatten([t])[0] is t


def test_pack_sequence_as_rebuilds_the_types():
    structure = {"b": [1, (2, 3)], "a": 0, "c": Point(4, 5)}
    packed = tg.nest.pack_sequence_as(structure, [10, 11, 12, 13, 14, 15])
    assert packed == {"a": 10, "b": [11, (12, 13)], "c": Point(14, 15)}
    assert isinstance(packed["c"], Point) and isinstance(packed["b"][1], tuple)
    assert tg.nest.pack_sequence_as(5, ["leaf"]) == "leaf"


def test_pack_sequence_as_with_the_wrong_count():
    with pytest.raises(ValueError):
        tg.nest.pack_sequence_as([1, 2], [1])
    with pytest.raises(ValueError):
        tg.nest.pack_sequence_as([1, 2], [1, 2, 3])


def test_map_structure():
    out = tg.nest.map_structure(lambda a, b: a + b, {"x": [1, 2], "y": 3}, {"x": [10, 20], "y": 30})
    assert out == {"x": [11, 22], "y": 33}


def test_assert_same_structure():
    tg.nest.assert_same_structure([1, (2, 3)], [4, (5, 6)])
    with pytest.raises(ValueError):
        tg.nest.assert_same_structure([1, 2], [1, 2, 3])
    with pytest.raises(ValueError):
        tg.nest.assert_same_structure([1, [2]], [1, 2])
    with pytest.raises(TypeError):
        tg.nest.assert_same_structure([1, 2], (1, 2))
    tg.nest.assert_same_structure([1, 2], (1, 2), check_types=False)
    with pytest.raises(ValueError, match="keys"):
        tg.nest.assert_same_structure({"a": 1}, {"b": 1})


def test_is_nested():
    assert tg.nest.is_nested([1]) and tg.nest.is_nested({}) and tg.nest.is_nested(Point(1, 2))
    assert not tg.nest.is_nested(1) and not tg.nest.is_nested("ab")
