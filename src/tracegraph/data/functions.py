"""User functions of a pipeline (`map`, `filter`, `scan`, ...): traced once as a `tg.function`.

`StructuredFunction` calls the user's function the way TF does (a tuple element is spread over
the arguments, anything else is one argument), traces it once for the element spec, and runs
the trace on components. `batched()` gives the same function for many rows at once when its
graph is *row-wise* (see `is_row_wise`): then a `map` before `batch` runs once per block of rows.
"""
from .structure import DatasetSpec, components_of, flat_specs, map_in_order, normalize, spec_of, structure_spec
from .. import nest
from ..autograph import converted_call
from ..shape import TensorShape
from ..spec import TensorSpec
from ..tensor import EagerTensor
from ..trace import function

__all__ = ["StructuredFunction", "is_row_wise"]


class StructuredFunction:
    """`func` over elements of `input_spec`, traced once; `output_spec` is what it returns."""

    def __init__(self, func, input_spec, where):
        self.func, self.input_spec, self.where = func, input_spec, where
        spread = type(input_spec) is tuple   # as TF: a plain tuple is spread, a namedtuple is not
        self._arg_specs = tuple(input_spec) if spread else (input_spec,)
        self._batched = None
        if any(isinstance(s, DatasetSpec) for s in flat_specs(self._arg_specs)):
            raise TypeError(f"{where}: the elements hold datasets (windows), which a traced function cannot take; "
                            f"use flat_map or interleave to turn them into tensors first")
        self._traced = function(self._wrapped, autograph=True)
        self._first_result = None
        self.concrete = self._traced.get_concrete_function(*self._arg_specs)
        # The result as the function built it (dicts in its key order; the trace's own is sorted).
        self.output_spec = map_in_order(spec_of, self._first_result)

    def _wrapped(self, *args):
        # converted_call: the user's function is converted by AutoGraph (this wrapper is library code).
        result = normalize(_lists_to_tuples(converted_call(self.func, *args)), f"{self.where}: the function's result")
        if self._first_result is None:
            self._first_result = result
        return result

    def call_components(self, components):
        """Components in, the result's components out (the fast path: flat tensors to the trace)."""
        result = self.concrete.call_flat([EagerTensor(c) for c in components])
        return components_of(result)

    def batched(self):
        """A callable mapping the components of many rows at once, or None if the function is not
        row-wise (its trace for batched inputs is made on first use)."""
        if self._batched is None:
            self._batched = self._make_batched() or False
        return self._batched or None

    def _make_batched(self):
        if not is_row_wise(self.concrete.graph):
            return None
        batch_specs = nest.map_structure(_with_batch_dim, self._arg_specs)
        concrete = self._traced.get_concrete_function(*batch_specs)
        expected = nest.map_structure(_with_batch_dim, self.output_spec)
        found = nest.map_structure(_spec_of_output, concrete.structured_outputs)
        if nest.flatten(expected) != nest.flatten(found):
            return None

        def call_rows(components):
            return components_of(concrete.call_flat([EagerTensor(c) for c in components]))
        return call_rows


def _with_batch_dim(spec):
    if not isinstance(spec, TensorSpec):
        raise TypeError("not a tensor")
    return TensorSpec(TensorShape([None]).concatenate(spec.shape), spec.dtype)


def _spec_of_output(value):
    return structure_spec(value)


def _lists_to_tuples(value):
    """A function's list results become tuples, as TF's dataset functions read them."""
    if isinstance(value, list):
        return tuple(_lists_to_tuples(v) for v in value)
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(_lists_to_tuples(v) for v in value)
    if isinstance(value, dict):
        return type(value)((k, _lists_to_tuples(v)) for k, v in value.items())
    return value


_ROW_WISE_STATEFUL = {"read_variable"}


def is_row_wise(graph):
    """Whether `graph` computes each row of its outputs from the same row of its inputs alone, so that
    running it on a batch equals running it row by row: every node that depends on an input is an
    elementwise op whose input-dependent operands have the output's rank (a leading batch dimension
    then lines up; operands that depend on no input broadcast from the right), no node has effects
    or sub-graphs, and every output depends on an input."""
    if any(isinstance(s, TensorSpec) is False for s in (v.spec for v in graph.inputs)):
        return False
    dependent = {id(v) for v in graph.inputs}
    for node in graph.nodes:
        if node.subgraphs() or (node.stateful and node.op.name not in _ROW_WISE_STATEFUL):
            return False
        uses = [v for v in node.inputs if id(v) in dependent]
        if not uses:
            continue
        if not node.op.elementwise or len(node.outputs) != 1:
            return False
        rank = node.outputs[0].spec.shape.rank
        if rank is None or any(v.spec.shape.rank != rank for v in uses):
            return False
        dependent.add(id(node.outputs[0]))
    return all(id(v) in dependent and v.spec.shape.rank is not None for v in graph.outputs) and bool(graph.outputs)
