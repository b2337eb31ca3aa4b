"""The Numba backend: fused elementwise nodes run as generated, compiled, multithreaded kernels.

Everything else runs through the ops' shared `xp` implementations on NumPy.
numba is imported only when this backend is first used.
"""
import importlib.util
import os

import numpy as np

from tracegraph.backend import Backend
from tracegraph.execute import build_plan

__all__ = ["NumbaBackend"]

# OpenMP threads that spin while waiting lose a whole scheduler time slice (~16 ms here)
# whenever the other core is busy (measured: scaled_elu at 1e6 took 16 ms instead of 2 ms).
# Passive waiting costs microseconds at most. Set before numba starts its thread pool.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


class NumbaBackend(Backend):
    """Compiles fused nodes with Numba; the rest of the graph runs on NumPy."""

    name = "numba"

    def is_available(self):
        return importlib.util.find_spec("numba") is not None

    def xp(self):
        return np

    def compile(self, graph):
        return build_plan(graph, np, self.compile, kernel_for=self._kernel_for)

    @staticmethod
    def _kernel_for(node):
        """A compiled kernel for a fused node; None (NumPy, inline in the plan) where one cannot pay off."""
        if node.op.name != "fused_elementwise":
            return None
        from .kernels import FusedKernel, always_on_numpy  # noqa: PLC0415 - imports numba
        return None if always_on_numpy(node) else FusedKernel(node)
