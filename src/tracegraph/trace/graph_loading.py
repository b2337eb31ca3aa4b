"""`Graph.from_json`: a graph read back from `Graph.to_json` text.

Loading needs the op registry (nodes name their ops) and, on request, new
Variables: the IR knows neither, so `ir.serialize.graph_from_json` takes both
as arguments, and this module, above the op library, supplies them and
installs the method on `Graph`.
"""
from ..core.op import REGISTRY
from ..ir.graph import Graph
from ..ir.serialize import graph_from_json
from ..variable import Variable

__all__ = ["load_graph"]


def load_graph(text, variables=None, create_variables=False):
    """A verified graph read back from `to_json` output (see `ir.serialize.graph_from_json`):
    `variables` binds its variables by name (`{"w": v}` or `[v]`); `create_variables=True`
    makes new Variables from the stored values for those not bound."""
    return graph_from_json(text, REGISTRY, variables, _new_variable if create_variables else None)


def _new_variable(value, trainable, name):
    return Variable(value, trainable=trainable, name=name)


Graph.from_json = staticmethod(load_graph)
