"""Tracing: `tg.function`, ConcreteFunction, and the graph being built."""
from .function import Function, function
from .concrete import ConcreteFunction

__all__ = ["function", "Function", "ConcreteFunction"]
