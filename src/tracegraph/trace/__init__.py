"""Tracing: `tg.function`, ConcreteFunction, and the graph being built."""
from .function import Function, function  # noqa: F401
from .concrete import ConcreteFunction  # noqa: F401
