"""Tracing: `tg.function`, ConcreteFunction, and the graph being built."""
from .function import Function, function
from .concrete import ConcreteFunction
from . import graph_loading  # noqa: F401 - installs Graph.from_json

__all__ = ["function", "Function", "ConcreteFunction"]
