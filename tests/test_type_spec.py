"""The composite-value protocol (`type_spec.py`) and `nest` with `expand_composites`, on a small
composite defined here: a pair of tensors."""
import numpy as np
import pytest

import tracegraph as tg
from tracegraph import nest
from tracegraph.spec import type_spec_from_value
from tracegraph.ir.graph import Graph
from tracegraph.core.dispatch import bind
from tracegraph.core.op import REGISTRY, Op
from tracegraph.type_spec import CompositeTensor, TypeSpec, register


@register("tests.PairSpec")
class PairSpec(TypeSpec):
    """The type of a Pair: the specs of its two tensors."""

    __slots__ = ("first", "second")

    def __init__(self, first, second):
        self.first, self.second = first, second

    @property
    def value_type(self):
        return Pair

    @property
    def _component_specs(self):
        return (self.first, self.second)

    def _to_components(self, value):
        return (value.first, value.second)

    def _from_components(self, components):
        return Pair(*components)

    def _serialize(self):
        return (self.first, self.second)


class Pair(CompositeTensor):
    """Two tensors that travel together."""

    __slots__ = ("first", "second")

    def __init__(self, first, second):
        self.first, self.second = tg.convert_to_tensor(first), tg.convert_to_tensor(second)

    @property
    def _type_spec(self):
        return PairSpec(tg.TensorSpec(self.first.shape, self.first.dtype),
                        tg.TensorSpec(self.second.shape, self.second.dtype))


def pair_spec(first_shape, second_shape, dtype=tg.float32):
    return PairSpec(tg.TensorSpec(first_shape, dtype), tg.TensorSpec(second_shape, dtype))


def test_tensor_spec_is_a_type_spec_whose_one_component_is_the_tensor():
    spec = tg.TensorSpec([2, None])
    t = tg.constant([[1.0], [2.0]])
    assert isinstance(spec, TypeSpec)
    assert spec.value_type is tg.Tensor
    assert spec._component_specs is spec
    assert spec._from_components(spec._to_components(t)) is t
    assert type_spec_from_value(t) == tg.TensorSpec([2, 1])


def test_specs_are_equal_and_hash_alike_by_their_serialization():
    assert pair_spec([2], [3]) == pair_spec([2], [3])
    assert hash(pair_spec([2], [3])) == hash(pair_spec([2], [3]))
    assert pair_spec([2], [3]) != pair_spec([2], [4])
    assert pair_spec([2], [3]) != pair_spec([2], [3], tg.float64)
    assert len({pair_spec([2], [3]), pair_spec([2], [3]), pair_spec([1], [3])}) == 2


def test_most_specific_common_supertype_relaxes_shapes_and_refuses_other_dtypes():
    common = pair_spec([2], [3]).most_specific_common_supertype([pair_spec([5], [3])])
    assert common == pair_spec([None], [3])
    assert pair_spec([2], [3]).most_specific_common_supertype([pair_spec([2], [3], tg.int32)]) is None
    assert pair_spec([2], [3]).most_specific_common_supertype([tg.TensorSpec([2])]) is None


def test_subtypes_and_compatibility():
    assert pair_spec([2], [3]).is_subtype_of(pair_spec([None], [3]))
    assert not pair_spec([None], [3]).is_subtype_of(pair_spec([2], [3]))
    assert pair_spec([None], [3]).is_compatible_with(pair_spec([2], [3]))
    assert pair_spec([None], [3]).is_compatible_with(Pair([1.0, 2.0], [1.0, 2.0, 3.0]))
    assert not pair_spec([2], [3]).is_compatible_with(pair_spec([2], [4]))
    assert not tg.TensorSpec([2]).is_compatible_with(pair_spec([2], [3]))


def test_nest_keeps_composites_whole_unless_asked_to_expand_them():
    value = {"p": Pair([1.0, 2.0], [3.0]), "x": tg.constant(4.0)}
    assert len(nest.flatten(value)) == 2
    flat = nest.flatten(value, expand_composites=True)
    assert [f.numpy().tolist() for f in flat] == [[1.0, 2.0], [3.0], 4.0]
    rebuilt = nest.pack_sequence_as(value, [f * 2 for f in flat], expand_composites=True)
    assert isinstance(rebuilt["p"], Pair)
    np.testing.assert_array_equal(rebuilt["p"].first.numpy(), [2.0, 4.0])
    np.testing.assert_array_equal(rebuilt["p"].second.numpy(), [6.0])
    assert rebuilt["x"].numpy() == 8.0


def test_nest_expands_composite_specs_into_component_specs():
    structure = [pair_spec([2], [None]), tg.TensorSpec([])]
    assert nest.flatten(structure, expand_composites=True) == [
        tg.TensorSpec([2]), tg.TensorSpec([None]), tg.TensorSpec([])]
    packed = nest.pack_sequence_as(structure, [tg.constant([1.0, 2.0]), tg.constant([3.0]), tg.constant(0.0)],
                                   expand_composites=True)
    assert isinstance(packed[0], Pair) and packed[0]._type_spec == pair_spec([2], [1])


def test_map_structure_over_composites():
    doubled = nest.map_structure(lambda t: t * 2, Pair([1.0], [2.0, 3.0]), expand_composites=True)
    assert isinstance(doubled, Pair)
    np.testing.assert_array_equal(doubled.second.numpy(), [4.0, 6.0])


def test_same_structure_of_composites_is_up_to_shapes():
    nest.assert_same_structure(Pair([1.0], [2.0]), Pair([1.0, 2.0], [2.0]), expand_composites=True)
    with pytest.raises(ValueError):
        nest.assert_same_structure(Pair([1.0], [2.0]), tg.constant(1.0), expand_composites=True)
    with pytest.raises(ValueError):
        nest.assert_same_structure(Pair([1.0], [2.0]), Pair([1], [2]), expand_composites=True)


def test_gradient_tape_watches_and_differentiates_composites_by_their_components():
    pair = Pair([1.0, 2.0], [3.0])
    with tg.GradientTape() as tape:
        tape.watch(pair)
        loss = tg.reduce_sum(pair.first * pair.first) + 5.0 * tg.reduce_sum(pair.second)
    grad = tape.gradient(loss, pair)
    assert isinstance(grad, Pair)
    np.testing.assert_allclose(grad.first.numpy(), [2.0, 4.0])
    np.testing.assert_allclose(grad.second.numpy(), [5.0])


def test_a_composite_gradient_fills_unconnected_components_with_zeros_or_is_none():
    pair = Pair([1.0, 2.0], [3.0])
    with tg.GradientTape(persistent=True) as tape:
        tape.watch(pair)
        only_first = tg.reduce_sum(pair.first)
        unrelated = tg.constant(1.0) * 2.0
    grad = tape.gradient(only_first, pair)
    np.testing.assert_allclose(grad.second.numpy(), [0.0])
    assert tape.gradient(unrelated, [pair]) == [None]


# ----- composites through tg.function ----------------------------------------------------------


def test_a_function_traces_composite_arguments_and_returns_composites():
    @tg.function
    def swap_and_scale(pair, factor):
        return Pair(pair.second * factor, pair.first * factor)

    result = swap_and_scale(Pair([1.0, 2.0], [3.0]), 2.0)
    assert isinstance(result, Pair)
    np.testing.assert_array_equal(result.first.numpy(), [6.0])
    np.testing.assert_array_equal(result.second.numpy(), [2.0, 4.0])
    concrete = swap_and_scale.get_concrete_function(pair_spec([2], [1]), 2.0)
    assert [v.spec for v in concrete.graph.inputs] == [tg.TensorSpec([2]), tg.TensorSpec([1])]
    assert concrete.structured_input_signature[0][0] == pair_spec([2], [1])


def test_the_type_spec_keys_the_cache_same_spec_reuses_another_retraces():
    f = tg.function(lambda pair: tg.reduce_sum(pair.first) + tg.reduce_sum(pair.second))
    f(Pair([1.0, 2.0], [3.0]))
    f(Pair([5.0, 6.0], [7.0]))
    assert f.experimental_get_tracing_count() == 1
    assert f(Pair([1.0], [3.0])).numpy() == 4.0
    assert f.experimental_get_tracing_count() == 2
    f(Pair(np.array([1.0], np.float64), np.array([3.0], np.float64)))
    assert f.experimental_get_tracing_count() == 3


def test_reduce_retracing_relaxes_composite_specs_to_their_common_supertype():
    f = tg.function(lambda pair: tg.reduce_sum(pair.first), reduce_retracing=True)
    f(Pair([1.0], [0.0]))
    f(Pair([1.0, 2.0], [0.0]))
    assert f(Pair([1.0, 2.0, 3.0], [0.0])).numpy() == 6.0
    assert f.experimental_get_tracing_count() == 2
    assert [v.spec for v in f.get_concrete_function(pair_spec([3], [1])).graph.inputs] == [
        tg.TensorSpec([None]), tg.TensorSpec([1])]


def test_an_input_signature_of_composite_specs_serves_every_fitting_value():
    f = tg.function(lambda pair: pair.first * 2.0, input_signature=[pair_spec([None], [None])])
    np.testing.assert_array_equal(f(Pair([1.0], [2.0, 3.0])).numpy(), [2.0])
    np.testing.assert_array_equal(f(Pair([1.0, 4.0], [2.0])).numpy(), [2.0, 8.0])
    assert f.experimental_get_tracing_count() == 1
    with pytest.raises(TypeError, match="PairSpec"):
        f(Pair([1], [2]))
    with pytest.raises(TypeError):
        f(tg.constant([1.0]))


def test_a_concrete_function_checks_and_takes_composites_apart():
    f = tg.function(lambda pair: pair.first + tg.reduce_sum(pair.second))
    concrete = f.get_concrete_function(pair_spec([None], [2]))
    np.testing.assert_array_equal(concrete(Pair([1.0, 2.0, 3.0], [1.0, 1.0])).numpy(), [3.0, 4.0, 5.0])
    with pytest.raises(TypeError, match="PairSpec"):
        concrete(Pair([1.0], [1.0, 1.0, 1.0]))


def test_gradients_flow_through_a_traced_function_into_composite_components():
    f = tg.function(lambda pair: tg.reduce_sum(pair.first * pair.first) * tg.reduce_sum(pair.second))
    pair = Pair([1.0, 2.0], [3.0])
    with tg.GradientTape() as tape:
        tape.watch(pair)
        loss = f(pair)
    grad = tape.gradient(loss, pair)
    np.testing.assert_allclose(grad.first.numpy(), [6.0, 12.0])
    np.testing.assert_allclose(grad.second.numpy(), [5.0])


@pytest.fixture
def tagged_identity():
    """An op whose attr is a composite spec (what saved functions with composite signatures store),
    registered for the test only (the conformance suite wants a case for every registered op)."""
    op = Op("tests_tagged_identity", infer=lambda x, spec: x, impl=lambda xp, x, spec: x)
    yield op
    del REGISTRY[op.name]


def _graph_with_spec_attr(op, spec):
    f = tg.function(lambda x: bind(op, [x], {"spec": spec}))
    return f.get_concrete_function(tg.TensorSpec([2])).graph


def test_a_registered_spec_round_trips_through_a_serialized_graph(tagged_identity):
    spec = (pair_spec([None, 2], [3], tg.float64), tg.TensorShape([None]))
    loaded = Graph.from_json(_graph_with_spec_attr(tagged_identity, spec).to_json())
    assert loaded.nodes[-1].attrs["spec"] == spec


def test_an_unknown_spec_name_in_a_graph_is_a_clear_error(tagged_identity):
    graph = _graph_with_spec_attr(tagged_identity, pair_spec([2], [3]))
    text = graph.to_json().replace("tests.PairSpec", "tests.NoSuchSpec")
    with pytest.raises(ValueError, match="no type spec is registered as 'tests.NoSuchSpec'"):
        Graph.from_json(text)
