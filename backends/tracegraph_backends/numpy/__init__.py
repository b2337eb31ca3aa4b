"""The NumPy backend: the reference; runs every op through its `xp` implementation on NumPy."""
import numpy as np

from tracegraph.backend import Backend
from tracegraph.execute import build_plan

__all__ = ["NumpyBackend"]


class NumpyBackend(Backend):
    """Runs graphs as flat plans of NumPy calls."""

    name = "numpy"

    def xp(self):
        return np

    def compile(self, graph):
        return build_plan(graph, np, self.compile)
